#!/bin/bash
# run-sync.sh [USERS] [GROUPS]: a full sync into an empty root and a
# second, no-change sync, each timed against ldapsearch fetching the same
# entries and attributes from the same private slapd in the same run.
# Targets (issue 2): sync <= 1.5 x fetch, no-change sync <= 1.2 x fetch,
# peak RSS < 250 MB.
here=$(cd "$(dirname "$0")" && pwd)
: "${LDAPSYNC:=$here/../ldapsync}"
. "$here/../tests/integration/lib.sh"
NUSERS=${1:-100000} NGROUPS=${2:-10000} RUNS=${RUNS:-3}

"$here/gen.sh" "$NUSERS" "$NGROUPS" 20 > "$WORK/dir.ldif"
t0=$(date +%s.%N)
slapd_start B "$WORK/dir.ldif"
echo "loaded $NUSERS users and $NGROUPS groups into slapd in $(echo "$(date +%s.%N) - $t0" | bc) s"
rm -f "$WORK/dir.ldif"

mkconf "$WORK/c.conf" "$B_URI" <<X
uid_range 100000-999999
gid_range 100000-999999
state_dir /var/lib/ldapsync
page_size 500
X
UATTRS="uid uidNumber gidNumber gecos cn homeDirectory loginShell userPassword shadowLastChange shadowMin shadowMax shadowWarning shadowInactive shadowExpire entryUUID objectGUID"
GATTRS="cn gidNumber memberUid member entryUUID objectGUID"

now() { date +%s.%N; }
fetch() {
	ldapsearch -x -LLL -H "$B_URI" -D "$SYNC_DN" -w "$SYNC_PW" -E pr=500/noprompt \
		-b "ou=people,$SUFFIX" '(objectClass=posixAccount)' $UATTRS > /dev/null || fail ldapsearch
	ldapsearch -x -LLL -H "$B_URI" -D "$SYNC_DN" -w "$SYNC_PW" -E pr=500/noprompt \
		-b "ou=groups,$SUFFIX" '(objectClass=posixGroup)' $GATTRS > /dev/null || fail ldapsearch
}
timed() {	# command...: prints seconds; peak RSS (KiB) goes to $WORK/rss
	local t0 t1
	t0=$(now)
	/usr/bin/time -f %M -o "$WORK/rss" "$@" > "$WORK/cmd.out" 2>&1 || { cat "$WORK/cmd.out"; fail "$*"; }
	t1=$(now)
	echo "$t1 - $t0" | bc
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

fetch	# warm slapd's caches
: > "$WORK/f"; : > "$WORK/s"; : > "$WORK/n"; : > "$WORK/r"
for i in $(seq "$RUNS"); do
	t0=$(now); fetch; echo "$(now) - $t0" | bc >> "$WORK/f"
	rm -rf "$WORK/root"; mkroot "$WORK/root"
	timed "$LDAPSYNC" -q -c "$WORK/c.conf" -R "$WORK/root" >> "$WORK/s"
	cat "$WORK/rss" >> "$WORK/r"
	[ "$(grep -c '^u[0-9]*:' "$WORK/root/etc/passwd")" = "$NUSERS" ] || fail "not every user synced"
	stat -c '%Y %i' "$WORK/root/etc/passwd" "$WORK/root/etc/group" > "$WORK/m1"
	timed "$LDAPSYNC" -c "$WORK/c.conf" -R "$WORK/root" >> "$WORK/n"
	grep -q '^users: 0 added, 0 updated' "$WORK/cmd.out" || fail "second sync changed something"
	stat -c '%Y %i' "$WORK/root/etc/passwd" "$WORK/root/etc/group" > "$WORK/m2"
	cmp -s "$WORK/m1" "$WORK/m2" || fail "second sync rewrote a file"
	cat "$WORK/rss" >> "$WORK/r"
done
F=$(median < "$WORK/f"); S=$(median < "$WORK/s"); N=$(median < "$WORK/n")
RSS=$(sort -n "$WORK/r" | tail -1)
printf 'ldapsearch fetch (users + groups):  %6.3f s\n' "$F"
printf 'ldapsync sync into an empty root:   %6.3f s  ratio %.2f  (target <= 1.50)\n' "$S" "$(echo "$S / $F" | bc -l)"
printf 'ldapsync no-change sync:            %6.3f s  ratio %.2f  (target <= 1.20)\n' "$N" "$(echo "$N / $F" | bc -l)"
printf 'ldapsync peak RSS:                  %6.1f MB          (target < 250)\n' "$(echo "$RSS / 1024" | bc -l)"
echo "(medians of $RUNS runs; no file rewritten by the no-change sync)"
