#!/bin/bash
# ldapsync and shadow-utils exclude one another through the same locks:
# useradd/groupadd --prefix running during repeated syncs lose nothing.
. "$(dirname "$0")/lib.sh"

slapd_start A "$DATA/sample.ldif"
ROOT="$WORK/root"
mkroot "$ROOT"
mkconf "$WORK/c.conf" "$A_URI" <<X
state_dir /var/lib/ldapsync
X
sync() { "$LDAPSYNC" -q -c "$WORK/c.conf" -R "$ROOT" "$@"; }

# Stale lock of a dead pid is broken, as shadow-utils does.
sh -c 'exit 0' & dead=$!; wait $dead
printf '%s\0' "$dead" > "$ROOT/etc/passwd.lock"
sync || fail "sync with a stale lock"
[ ! -e "$ROOT/etc/passwd.lock" ] || fail "stale lock left behind"
assert_grep '^alice:' "$ROOT/etc/passwd"
pass "a stale lock of a dead pid is broken"

# A live holder makes ldapsync wait, then give up without changing anything.
sleep 60 & holder=$!
printf '%s\0' "$holder" > "$ROOT/etc/group.lock"
ldap_modify A <<L
dn: uid=bob,ou=people,$SUFFIX
changetype: modify
replace: gecos
gecos: Changed
L
cp "$ROOT/etc/passwd" "$WORK/p.before"
start=$(date +%s)
sync 2> "$WORK/err"; rc=$?
elapsed=$(( $(date +%s) - start ))
kill $holder
assert_eq "$rc" 1 "exit status while another program holds the lock"
assert_grep 'group: locked by another program' "$WORK/err"
[ "$elapsed" -ge 14 ] || fail "gave up after ${elapsed}s, shadow-utils waits 15"
cmp -s "$WORK/p.before" "$ROOT/etc/passwd" || fail "passwd changed without the group lock"
[ ! -e "$ROOT/etc/passwd.lock" ] || fail "passwd.lock left behind after giving up"
rm -f "$ROOT/etc/group.lock"
pass "a held lock is waited for (15 s) and respected"

# useradd and groupadd in a loop while ldapsync runs again and again.
(
	for i in $(seq 40); do
		useradd --prefix "$ROOT" -M -u $((30000 + i)) "lu$i" 2>>"$WORK/useradd.log" || echo "useradd lu$i failed" >> "$WORK/bg.err"
		groupadd --prefix "$ROOT" -g $((30000 + i)) "lg$i" || echo "groupadd lg$i failed" >> "$WORK/bg.err"
	done
) &
bg=$!
for n in $(seq 20); do
	printf 'dn: uid=d%d,ou=people,%s\nchangetype: add\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: d%d\ncn: d\nsn: d\nuidNumber: %d\ngidNumber: 10001\nhomeDirectory: /home/d%d\n\n' \
		$n "$SUFFIX" $n $((40000 + n)) $n | ldap_modify A
	sync || fail "sync $n during useradd"
done
wait $bg
sync || fail "final sync"
[ ! -s "$WORK/bg.err" ] || { cat "$WORK/bg.err"; fail "useradd/groupadd failed"; }
for i in $(seq 40); do
	assert_eq "$(grep -c "^lu$i:" "$ROOT/etc/passwd")" 1 "lu$i in passwd"
	assert_eq "$(grep -c "^lu$i:" "$ROOT/etc/shadow")" 1 "lu$i in shadow"
	assert_eq "$(grep -c "^lg$i:" "$ROOT/etc/group")" 1 "lg$i in group"
	assert_eq "$(grep -c "^lg$i:" "$ROOT/etc/gshadow")" 1 "lg$i in gshadow"
done
for i in $(seq $n); do
	assert_eq "$(grep -c "^d$i:" "$ROOT/etc/passwd")" 1 "d$i in passwd"
done
for u in root daemon localuser alice bob carol; do
	assert_eq "$(grep -c "^$u:" "$ROOT/etc/passwd")" 1 "$u in passwd"
done
ls "$ROOT/etc/"*.lock 2>/dev/null && fail "lock files left behind"
pass "20 syncs during 40 useradd and groupadd --prefix: nothing lost"

done_testing
