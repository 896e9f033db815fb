#!/bin/bash
# ldapsync watch: a change reaches the mirror (and getent through the NSS
# module) within a second; the files are rewritten at most once per
# files_interval; the watcher survives a slapd restart; SIGHUP rereads
# the configuration; SIGTERM exits 0 with the files caught up.
. "$(dirname "$0")/lib.sh"


slapd_start A "$DATA/sample.ldif"
ROOT="$WORK/root"
mkroot "$ROOT"
M="$ROOT/var/lib/ldapsync"
mkconf "$WORK/c.conf" "$A_URI" <<X
state_dir /var/lib/ldapsync
files_interval 2
user_removal_action delete
max_removals 100%
X
nss() { nss_with "$M" "$@"; }
add_user() {	# NAME UID
	printf 'dn: uid=%s,ou=people,%s\nchangetype: add\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: %s\ncn: %s\nsn: x\nuidNumber: %d\ngidNumber: 10001\nhomeDirectory: /home/%s\n\n' \
		"$1" "$SUFFIX" "$1" "$1" "$2" "$1"
}
ms() { echo $(( $(date +%s%N) / 1000000 )); }
until_served() {	# NAME LIMIT-MS: TOOK gets the ms it took; fails past the limit
	local t0 t
	t0=$(ms)
	while ! nss getent passwd "$1" > /dev/null; do
		t=$(( $(ms) - t0 ))
		[ "$t" -le "$2" ] || fail "$1 not served after ${t} ms"
		sleep 0.02
	done
	TOOK=$(( $(ms) - t0 ))
}

"$LDAPSYNC" -v -c "$WORK/c.conf" -R "$ROOT" watch > "$WORK/w.out" 2> "$WORK/w.err" &
WATCH=$!
BG_PIDS="$BG_PIDS $WATCH"
for _ in $(seq 100); do grep -q '^watching ' "$WORK/w.out" && break; sleep 0.1; done
grep -q '^watching ' "$WORK/w.out" || { cat "$WORK/w.err"; fail "watch did not start"; }
assert_grep '^alice:' "$ROOT/etc/passwd"
pass "watch starts with a full sync"

add_user dave 10004 | ldap_modify A
until_served dave 1000; took=$TOOK
pass "a new user is served by the NSS module ${took} ms after the change (limit 1000)"
for _ in $(seq 50); do grep -q '^dave:' "$ROOT/etc/passwd" && break; sleep 0.1; done
assert_grep '^dave:' "$ROOT/etc/passwd" "dave reaches passwd within files_interval"
pass "and reaches /etc/passwd within files_interval"

# A change to a synced user's attributes: a change set, the rest of the
# directory left unread.
printf 'dn: uid=dave,ou=people,%s\nchangetype: modify\nreplace: gecos\ngecos: Dave D\n' "$SUFFIX" | ldap_modify A
t0=$(ms)
until nss getent passwd dave | grep -q ':Dave D:'; do
	[ $(( $(ms) - t0 )) -le 1000 ] || fail "dave's new gecos not served after 1000 ms"
	sleep 0.02
done
took=$(( $(ms) - t0 ))
for _ in $(seq 20); do grep -q '^planned as a change set: 1 user' "$WORK/w.out" && break; sleep 0.1; done
assert_grep '^planned as a change set: 1 user' "$WORK/w.out" "the mirror-only run was not a change set"
pass "a changed attribute is served ${took} ms after the change, planned as a change set"

# A burst: the mirror follows at once, the files in a handful of rewrites.
stat -c %i "$ROOT/etc/passwd" > "$WORK/inodes"
( for i in $(seq 100); do add_user "b$i" $((30000 + i)); done ) | ldap_modify A
for _ in $(seq 60); do	# six seconds: three files_intervals
	stat -c %i "$ROOT/etc/passwd" >> "$WORK/inodes"
	sleep 0.1
done
rewrites=$(( $(uniq "$WORK/inodes" | wc -l) - 1 ))
[ "$rewrites" -le 3 ] || fail "$rewrites rewrites of passwd for one burst"
assert_eq "$(grep -c '^b[0-9]*:' "$ROOT/etc/passwd")" 100 "burst users in passwd"
nss getent passwd b100 > /dev/null || fail "b100 not served"
pass "a burst of 100 changes: $rewrites rewrite(s) of passwd"

# slapd restarted under the watcher.
slapd_stop A
sleep 1
slapd_restart A
add_user erin 10005 | ldap_modify A
until_served erin 15000; took=$TOOK
pass "after a slapd restart the watcher reconnects (${took} ms to serve a change)"

# SIGHUP rereads the configuration: carol no longer matches the filter.
sed -i "s|^base .*|&\nuser_filter (\&(objectClass=posixAccount)(!(uid=carol)))|" "$WORK/c.conf"
kill -HUP "$WATCH"
# The files and the mirror are renamed one after the other: wait for both.
for _ in $(seq 50); do
	grep -q '^carol:' "$ROOT/etc/passwd" || nss getent passwd carol > /dev/null || break
	sleep 0.1
done
assert_no_grep '^carol:' "$ROOT/etc/passwd" "carol left after SIGHUP"
nss getent passwd carol > /dev/null && fail "carol still served"
pass "SIGHUP rereads the configuration"

# SIGTERM: the files catch up with the mirror, exit 0.
add_user frank 10006 | ldap_modify A
until_served frank 1000
kill -TERM "$WATCH"
wait "$WATCH"; rc=$?
assert_eq "$rc" 0 "watch exit status on SIGTERM"
assert_grep '^frank:' "$ROOT/etc/passwd" "files caught up before exit"
pass "SIGTERM finishes the pending write and exits 0"

done_testing
