#!/bin/bash
# One search for users and groups (their bases apart, filters of
# objectClass alone): what it sends is sorted on the client, and every
# run, full or incremental, ends where two searches do (byte for byte)
# and where a full refresh into a fresh root does (the same lines),
# whatever sits under the common ancestor outside both bases or in the
# wrong one.
. "$(dirname "$0")/lib.sh"

{
	gen_users 30
	printf 'dn: ou=machines,%s\nobjectClass: organizationalUnit\nou: machines\n\n' "$SUFFIX"
	printf 'dn: uid=m1,ou=machines,%s\nobjectClass: account\nobjectClass: posixAccount\nuid: m1\ncn: m1\nuidNumber: 29001\ngidNumber: 10001\nhomeDirectory: /home/m1\n\n' "$SUFFIX"
	# A user private group kept beside its user: no user.
	printf 'dn: cn=upg,ou=people,%s\nobjectClass: posixGroup\ncn: upg\ngidNumber: 29002\nmemberUid: u1\n\n' "$SUFFIX"
	printf 'dn: cn=lost,%s\nobjectClass: posixGroup\ncn: lost\ngidNumber: 29003\n\n' "$SUFFIX"
} > "$WORK/dir.ldif"
slapd_start A "$WORK/dir.ldif" "$DATA/sample.ldif"
common="state_dir /var/lib/ldapsync
user_removal_action delete
group_removal_action delete
max_removals 100%
unusable_password no"
mkconf "$WORK/one.conf" "$A_URI" <<< "$common"
# The same searches in a form the client cannot judge: two of them.
mkconf "$WORK/two.conf" "$A_URI" <<X
$common
user_filter (&(objectClass=posixAccount)(uid=*))
X
for r in one two fresh; do mkroot "$WORK/$r"; done
run() {	# CONF ROOT
	"$LDAPSYNC" -v -c "$WORK/$1.conf" -R "$WORK/$2" > "$WORK/$2.out" 2>&1 || { cat "$WORK/$2.out"; fail "sync $1 into $2"; }
}
same() {	# WHAT: one's root, two's and a fresh full sync agree
	local M=var/lib/ldapsync f
	run one one; run two two
	rm -rf "$WORK/fresh"; mkroot "$WORK/fresh"; run one fresh
	assert_grep "^users and groups in one search from $SUFFIX\$" "$WORK/one.out" "$1: not one search"
	assert_no_grep "in one search" "$WORK/two.out" "$1: two.conf joined its searches"
	for f in etc/passwd etc/shadow etc/group etc/gshadow; do
		cmp -s "$WORK/one/$f" "$WORK/two/$f" || { diff "$WORK/one/$f" "$WORK/two/$f"; fail "$1: $f differs from two searches'"; }
		# An entry that enters the bases from elsewhere is appended;
		# a fresh root has it where the server lists it.
		cmp -s <(sort "$WORK/one/$f") <(sort "$WORK/fresh/$f") || { diff "$WORK/one/$f" "$WORK/fresh/$f"; fail "$1: $f differs from a full refresh"; }
	done
	cmp -s "$WORK/one/$M/state" "$WORK/fresh/$M/state" || fail "$1: the state differs from a full refresh"
	for db in passwd group; do
		nss_with "$WORK/one/$M" getent "$db" | sort > "$WORK/nss1"
		nss_with "$WORK/fresh/$M" getent "$db" | sort > "$WORK/nss2"
		cmp -s "$WORK/nss1" "$WORK/nss2" || { diff "$WORK/nss1" "$WORK/nss2"; fail "$1: the mirror's $db differs"; }
	done
}

same "the first run"
assert_grep "^full refresh: 38 entries received$" "$WORK/one.out"
assert_grep '^u30:' "$WORK/one/etc/passwd"
assert_grep '^staff:' "$WORK/one/etc/group"
for name in m1 upg lost; do
	assert_no_grep "^$name:" "$WORK/one/etc/passwd" "$name became a user"
	assert_no_grep "^$name:" "$WORK/one/etc/group" "$name became a group"
done
pass "users and groups come in one search; what lies outside their bases or in the other's is left out"

# A paged search reads the socket a block at a time (directory.c's
# read-ahead), not in two read()s per message as libldap alone does.
rm -rf "$WORK/ra"; mkroot "$WORK/ra"
# (LeakSanitizer cannot run under ptrace.)
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	strace -f -e trace=connect,read,close -o "$WORK/ra.trace" \
	"$LDAPSYNC" -q -c "$WORK/one.conf" -R "$WORK/ra" || fail "sync under strace"
reads=$(awk '/connect\([0-9]+, \{sa_family=AF_INET/ { match($0, /connect\([0-9]+/); fd = substr($0, RSTART + 8, RLENGTH - 8); on = 1; next }
	on && $0 ~ "close\\(" fd "\\)" { on = 0 }
	on && $0 ~ "read\\(" fd "," { n++ }
	END { print n + 0 }' "$WORK/ra.trace")
[ "$reads" -gt 0 ] || fail "no read of the LDAP socket found in the trace"
[ "$reads" -lt 57 ] || fail "$reads reads of the socket for 38 entries: not read ahead"
pass "a full refresh of 38 entries reads the socket $reads times, not twice per message"

same "a run with no change"
assert_grep '^incremental refresh: 0 entries received$' "$WORK/one.out"
pass "the next run is an incremental refresh of that one search"

# A user moves out of the users' base (still under the search), one
# moves in, a group turns up under the users' base, a user under the
# groups', the private group gets a member, a group is renamed.
ldap_modify A <<L
dn: uid=u5,ou=people,$SUFFIX
changetype: modrdn
newrdn: uid=u5
deleteoldrdn: 1
newsuperior: ou=machines,$SUFFIX

dn: uid=m1,ou=machines,$SUFFIX
changetype: modrdn
newrdn: uid=m1
deleteoldrdn: 1
newsuperior: ou=people,$SUFFIX

dn: cn=late,ou=people,$SUFFIX
changetype: add
objectClass: posixGroup
cn: late
gidNumber: 29004

dn: uid=odd,ou=groups,$SUFFIX
changetype: add
objectClass: account
objectClass: posixAccount
uid: odd
cn: odd
uidNumber: 29005
gidNumber: 10001
homeDirectory: /home/odd

dn: cn=upg,ou=people,$SUFFIX
changetype: modify
add: memberUid
memberUid: u2

dn: cn=ops,ou=groups,$SUFFIX
changetype: modrdn
newrdn: cn=ops2
deleteoldrdn: 1
L
same "after moves in and out"
assert_grep '^incremental refresh' "$WORK/one.out"
assert_no_grep '^u5:' "$WORK/one/etc/passwd" "u5 stayed after leaving the users' base"
assert_grep '^m1:' "$WORK/one/etc/passwd" "m1 did not arrive"
assert_grep '^ops2:' "$WORK/one/etc/group" "the renamed group"
assert_no_grep '^(late|odd|upg):' "$WORK/one/etc/group"
assert_no_grep '^(late|odd|upg):' "$WORK/one/etc/passwd"
pass "entries moving in and out of the bases end as two searches and a full refresh would have them"

# A user turned into something the users' filter no longer takes, and
# deletions of entries outside both bases and inside.
ldap_modify A <<L
dn: uid=u6,ou=people,$SUFFIX
changetype: modify
delete: objectClass
objectClass: posixAccount
-
delete: uidNumber
-
delete: gidNumber
-
delete: homeDirectory
-
delete: loginShell

dn: uid=u5,ou=machines,$SUFFIX
changetype: delete

dn: cn=late,ou=people,$SUFFIX
changetype: delete

dn: uid=u7,ou=people,$SUFFIX
changetype: delete
L
same "after deletions"
assert_no_grep '^u[67]:' "$WORK/one/etc/passwd"
pass "an entry leaving the filter and deletions inside and outside the bases"

done_testing
