#!/bin/bash
# Who gets an account and which groups are synced: login_groups (direct
# members, nested ones, primary gid) with the removal policy for those who
# leave, synced_groups, and local_group_map putting a directory group's
# members into an existing local group without owning it.
. "$(dirname "$0")/lib.sh"

slapd_start A "$DATA/sample.ldif"
ldap_modify A <<L
dn: uid=dave,ou=people,$SUFFIX
changetype: add
objectClass: inetOrgPerson
objectClass: posixAccount
uid: dave
cn: Dave
sn: Dave
uidNumber: 10004
gidNumber: 10002
homeDirectory: /home/dave
L
run() {	# CONF ROOT [options]: exit status in RC, output in run.out
	local conf=$1 root=$2
	shift 2
	RC=0
	"$LDAPSYNC" -v -c "$conf" -R "$root" "$@" > "$WORK/run.out" 2>&1 || RC=$?
}
names() { cut -d: -f1 "$1" | tr '\n' ' '; }

# --- login_groups -------------------------------------------------------------
mkroot "$WORK/lg"
mkconf "$WORK/lg.conf" "$A_URI" <<X
login_groups ops
user_removal_action suspend
max_removals 100%
X
run "$WORK/lg.conf" "$WORK/lg"
[ "$RC" = 0 ] || { cat "$WORK/run.out"; fail "login_groups sync"; }
for u in bob carol dave; do
	assert_grep "^$u:" "$WORK/lg/etc/passwd" "login_groups ops: $u (member, or ops as primary group)"
done
assert_no_grep "^alice:" "$WORK/lg/etc/passwd" "login_groups ops: alice is in staff only"
ldap_modify A <<L
dn: cn=ops,ou=groups,$SUFFIX
changetype: modify
delete: member
member: uid=carol,ou=people,$SUFFIX
L
run "$WORK/lg.conf" "$WORK/lg"
[ "$RC" = 0 ] || { cat "$WORK/run.out"; fail "login_groups second sync"; }
assert_grep "^! user carol suspended" "$WORK/run.out" "carol left ops: suspended"
assert_grep "^carol:x:10003:10001:Carol:/home/carol:/usr/sbin/nologin$" "$WORK/lg/etc/passwd" "carol's line"
pass "login_groups: members, by member DN or primary gid, are synced; one who leaves the group is suspended"

# --- synced_groups ------------------------------------------------------------
mkroot "$WORK/sg"
mkconf "$WORK/sg.conf" "$A_URI" <<X
synced_groups CN=ops,ou=groups,$SUFFIX
X
run "$WORK/sg.conf" "$WORK/sg"
[ "$RC" = 0 ] || { cat "$WORK/run.out"; fail "synced_groups sync"; }
assert_grep "^ops:x:10002:" "$WORK/sg/etc/group" "ops is synced"
assert_no_grep "^staff:x:10001:" "$WORK/sg/etc/group" "staff is not"
pass "synced_groups: only the listed groups (DNs compared as DNs)"

# --- local_group_map -----------------------------------------------------------
mkroot "$WORK/lm"
mkconf "$WORK/lm.conf" "$A_URI" <<X
local_group_map ops docker
local_group_map staff docker
max_removals 2
X
run "$WORK/lm.conf" "$WORK/lm"
[ "$RC" = 0 ] || { cat "$WORK/run.out"; fail "local_group_map sync"; }
assert_grep "^docker:x:999:localuser,bob,alice$" "$WORK/lm/etc/group" "docker: its own member first, then ops's and staff's"
assert_grep "^docker:!::localuser,bob,alice$" "$WORK/lm/etc/gshadow" "docker's gshadow line"
assert_grep "^~ group docker members \+bob \+alice$" "$WORK/run.out" "the change line"
ldap_modify A <<L
dn: cn=staff,ou=groups,$SUFFIX
changetype: modify
delete: memberUid
memberUid: alice
L
run "$WORK/lm.conf" "$WORK/lm"
assert_grep "^docker:x:999:localuser,bob$" "$WORK/lm/etc/group" "alice left staff, so docker"
assert_grep "^~ group docker members -alice$" "$WORK/run.out" "the change line"
# Emptied in the directory: the guard counts docker's members too.
cp -a "$WORK/lm/etc" "$WORK/lm-before"
ldap_modify A <<L
dn: cn=ops,ou=groups,$SUFFIX
changetype: modify
delete: member
-
delete: memberUid

dn: cn=staff,ou=groups,$SUFFIX
changetype: modify
delete: memberUid
L
run "$WORK/lm.conf" "$WORK/lm"
assert_eq "$RC" 3 "emptied mapped groups trip the guard"
diff -r "$WORK/lm-before" "$WORK/lm/etc" > /dev/null || fail "the guard changed files"
run "$WORK/lm.conf" "$WORK/lm" --force
assert_grep "^docker:x:999:localuser$" "$WORK/lm/etc/group" "--force: docker keeps its own member only"
pass "local_group_map: directory members join and leave a local group whose own members and line stay; the guard counts them"

done_testing
