#!/bin/bash
# max_removals: a run that would suspend, delete or newly skip too many
# users or groups, or drop too many memberships, changes nothing and
# exits 3, unless --force.
. "$(dirname "$0")/lib.sh"

gen_users 20 > "$WORK/users.ldif"
slapd_start A "$WORK/users.ldif"
ROOT="$WORK/root"
mkroot "$ROOT"
mkconf "$WORK/c.conf" "$A_URI" <<X
state_dir /var/lib/ldapsync
user_removal_action delete
X
sync() { "$LDAPSYNC" -c "$WORK/c.conf" -R "$ROOT" "$@"; }
sync -q || fail "first sync"
assert_eq "$(grep -c '^u[0-9]*:' "$ROOT/etc/passwd")" 20 "users synced"

# Empty the directory of users: 20 removals against 10% of 20 = 2.
for i in $(seq 20); do printf 'dn: uid=u%d,ou=people,%s\nchangetype: delete\n\n' "$i" "$SUFFIX"; done | ldap_modify A
find "$ROOT" -type f ! -name last-run | sort | xargs md5sum > "$WORK/tree.before"
sync > "$WORK/out" 2> "$WORK/err"; rc=$?
assert_eq "$rc" 3 "exit status when the guard trips"
assert_grep 'max_removals exceeded.*20 of 20 users' "$WORK/err"
find "$ROOT" -type f ! -name last-run | sort | xargs md5sum > "$WORK/tree.after"
cmp -s "$WORK/tree.before" "$WORK/tree.after" || fail "the guard tripped but something changed"
pass "an emptied directory trips the guard: exit 3, nothing changed"

sed -i '/max_removals/d' "$WORK/c.conf"; echo "max_removals 25" >> "$WORK/c.conf"
sync -q; assert_eq "$?" 0 "20 removals within max_removals 25"
assert_eq "$(grep -c '^u[0-9]*:' "$ROOT/etc/passwd")" 0 "users deleted"
pass "an absolute max_removals admits removals up to N"

# Again, with a percentage and --force.
gen_users 20 add | ldap_modify A
sed -i '/max_removals/d' "$WORK/c.conf"; echo "max_removals 10%" >> "$WORK/c.conf"
sync -q || fail "re-adding users"
for i in 1 2; do printf 'dn: uid=u%d,ou=people,%s\nchangetype: delete\n\n' "$i" "$SUFFIX"; done | ldap_modify A
sync -q; assert_eq "$?" 0 "2 removals within 10% of 20"
for i in 3 4 5; do printf 'dn: uid=u%d,ou=people,%s\nchangetype: delete\n\n' "$i" "$SUFFIX"; done | ldap_modify A
sync -q 2>/dev/null; assert_eq "$?" 3 "3 removals over 10% of 18"
assert_grep '^u3:' "$ROOT/etc/passwd" "nothing removed when the guard trips"
sync --force > "$WORK/out" 2>&1; assert_eq "$?" 0 "--force"
assert_grep 'users: 0 added, 0 updated, 0 suspended, 3 deleted' "$WORK/out"
assert_no_grep '^u3:' "$ROOT/etc/passwd"
pass "a percentage guard trips above N% and --force applies anyway"

# A mapping mistake makes every entry "skipped": that is a removal too.
{
	printf 'dn: cn=team,ou=groups,%s\nchangetype: add\nobjectClass: posixGroup\ncn: team\ngidNumber: 5000\n' "$SUFFIX"
	for i in $(seq 6 20); do echo "memberUid: u$i"; done
	echo
} | ldap_modify A
ROOT="$WORK/root2"
mkroot "$ROOT"
sync -q || fail "a sync of users and a group"
assert_grep '^team:x:5000:u6,u7,' "$ROOT/etc/group"
find "$ROOT" -type f ! -name last-run | sort | xargs md5sum > "$WORK/tree.before"
cp "$WORK/c.conf" "$WORK/good.conf"
echo 'map passwd uidNumber employeeNumber' >> "$WORK/c.conf"
sync > "$WORK/out" 2> "$WORK/err"; rc=$?
assert_eq "$rc" 3 "exit status when every user would be skipped"
assert_grep 'skipped: uidNumber missing' "$WORK/err"
assert_grep 'max_removals exceeded: .*skip 15 of 15 users' "$WORK/err"
find "$ROOT" -type f ! -name last-run | sort | xargs md5sum > "$WORK/tree.after"
cmp -s "$WORK/tree.before" "$WORK/tree.after" || fail "the guard tripped on skipped users but something changed"
pass "users newly skipped for bad data count against max_removals"

cp "$WORK/good.conf" "$WORK/c.conf"
echo 'map group memberUid description' >> "$WORK/c.conf"
sync > "$WORK/out" 2> "$WORK/err"; rc=$?
assert_eq "$rc" 3 "exit status when every membership would go"
assert_grep 'max_removals exceeded: .*drop 15 of 15 memberships' "$WORK/err"
find "$ROOT" -type f ! -name last-run | sort | xargs md5sum > "$WORK/tree.after"
cmp -s "$WORK/tree.before" "$WORK/tree.after" || fail "the guard tripped on memberships but something changed"
sync --force -q || fail "--force"
assert_grep '^team:x:5000:$' "$ROOT/etc/group"
pass "memberships dropped count against max_removals, --force applies"

cp "$WORK/good.conf" "$WORK/c.conf"
sync -q || fail "back to the right mapping"
for i in 6; do printf 'dn: cn=team,ou=groups,%s\nchangetype: modify\ndelete: memberUid\nmemberUid: u%d\n\n' "$SUFFIX" "$i"; done | ldap_modify A
sync -q; assert_eq "$?" 0 "1 of 15 memberships dropped (within 10%)"
assert_grep '^team:x:5000:u7,u8,' "$ROOT/etc/group"
pass "a few memberships dropped pass the guard"

done_testing
