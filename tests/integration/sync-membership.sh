#!/bin/bash
# Group membership from member DNs, from memberUid, from a per-user
# membership_filter search (with {user_dn} escaped per RFC 4515), and
# memberships no.
. "$(dirname "$0")/lib.sh"

slapd_start A "$DATA/membership.ldif"
ROOT="$WORK/root"
mkroot "$ROOT"
mkconf "$WORK/c.conf" "$A_URI" <<X
state_dir /var/lib/ldapsync
X
sync() { "$LDAPSYNC" -c "$WORK/c.conf" -R "$ROOT" "$@"; }

sync -q || fail "sync with member attributes"
assert_grep '^devs:x:10201:john,mary$' "$ROOT/etc/group"
assert_grep '^admins:x:10202:mary,john$' "$ROOT/etc/group" "memberUid, then member DNs"
pass "member DNs (one with parentheses and '*') resolve to synced users"

# Per-user searches: only member DNs count, and john's DN must be escaped
# or the filter would not parse.
echo 'membership_filter (&(objectClass=posixGroup)(member={user_dn}))' >> "$WORK/c.conf"
sync -v > "$WORK/out" 2> "$WORK/err" || { cat "$WORK/err"; fail "sync with membership_filter"; }
assert_grep '^devs:x:10201:john,mary$' "$ROOT/etc/group"
assert_grep '^admins:x:10202:john$' "$ROOT/etc/group" "memberUid ignored with membership_filter"
assert_grep '^~ group admins members -mary$' "$WORK/out"
pass "membership_filter finds each user's groups with {user_dn} escaped"

# memberships no: member lists are left as they are.
sed -i '/membership_filter/d' "$WORK/c.conf"
echo 'memberships no' >> "$WORK/c.conf"
ldap_modify A <<L
dn: cn=devs,ou=groups,$SUFFIX
changetype: modify
delete: member
member: uid=mary,ou=people,$SUFFIX
L
sync -q || fail "sync with memberships no"
assert_grep '^devs:x:10201:john,mary$' "$ROOT/etc/group" "memberships no changed a member list"
pass "memberships no keeps the member lists"

done_testing
