#!/bin/bash
# The NSS module through libnss_wrapper, after real syncs from slapd:
# getent passwd, group and initgroups, and id, without touching /etc.
. "$(dirname "$0")/lib.sh"


slapd_start A "$DATA/sample.ldif"
ROOT="$WORK/root"
mkroot "$ROOT"
mkconf "$WORK/c.conf" "$A_URI" <<X
state_dir /var/lib/ldapsync
user_removal_action suspend
max_removals 100%
X
"$LDAPSYNC" -q -c "$WORK/c.conf" -R "$ROOT" || fail "sync"
M="$ROOT/var/lib/ldapsync"
assert_eq "$(stat -c %a "$M/mirror")" 644 "mirror mode"
assert_eq "$(stat -c %a "$M/mirror.shadow")" 600 "shadow mirror mode"

nss() { nss_with "$M" "$@"; }

assert_eq "$(nss getent passwd alice)" "alice:x:10001:10001:Alice Liddell:/home/alice:/bin/bash" "getent passwd alice"
assert_eq "$(nss getent passwd 10002)" "bob:x:10002:10001:Bob Builder:/home/bob:/bin/sh" "getent passwd 10002"
nss getent passwd nosuchuser > /dev/null; assert_eq "$?" 2 "getent of a missing user"
nss getent passwd localuser > /dev/null; assert_eq "$?" 2 "local accounts are not served"
# Enumeration: the directory users, in passwd order, each once.
assert_eq "$(nss getent passwd | cut -d: -f1 | tr '\n' ' ')" "alice bob carol " "getent passwd"
cmp -s <(nss getent passwd) <(grep -E '^(alice|bob|carol):' "$ROOT/etc/passwd") \
	|| fail "the module and the passwd file disagree"
cmp -s <(nss getent group) <(grep -E '^(staff|ops):' "$ROOT/etc/group") \
	|| fail "the module and the group file disagree"
pass "getent passwd by name, uid and enumeration match what sync wrote"

assert_eq "$(nss getent group staff)" "staff:x:10001:alice,bob" "getent group staff"
assert_eq "$(nss getent group 10002)" "ops:x:10002:localuser,carol,bob" "getent group 10002"
assert_eq "$(nss getent initgroups bob | tr -s ' ')" "bob 10001 10002" "getent initgroups bob"
assert_eq "$(nss id bob)" "uid=10002(bob) gid=10001(staff) groups=10001(staff),10002(ops)" "id bob"
pass "getent group, initgroups and id"

# A change in the directory reaches the module with the next sync.
ldap_modify A <<L
dn: uid=carol,ou=people,$SUFFIX
changetype: delete
L
"$LDAPSYNC" -q -c "$WORK/c.conf" -R "$ROOT" || fail "second sync"
assert_eq "$(nss getent passwd carol)" "carol:x:10003:10001:Carol:/home/carol:/usr/sbin/nologin" "suspended carol"
pass "a suspended user is served as suspended"

# A run with no change in the directory still restores a missing mirror.
rm "$M/mirror" "$M/mirror.shadow"
"$LDAPSYNC" -q -c "$WORK/c.conf" -R "$ROOT" || fail "sync with the mirror gone"
assert_eq "$(nss getent passwd alice | cut -d: -f1,3)" "alice:10001" "rebuilt mirror"
assert_eq "$(stat -c %a "$M/mirror.shadow")" 600 "rebuilt shadow mirror mode"
stat -c '%i %Y' "$M/mirror" "$M/mirror.shadow" > "$WORK/m1"
sleep 1
"$LDAPSYNC" -q -c "$WORK/c.conf" -R "$ROOT" || fail "no-change sync"
stat -c '%i %Y' "$M/mirror" "$M/mirror.shadow" > "$WORK/m2"
cmp -s "$WORK/m1" "$WORK/m2" || fail "a no-change sync rewrote the mirror"
pass "a missing mirror is rebuilt; an unchanged one is not rewritten"

# files no: /etc is left alone, the module alone carries the accounts.
R2="$WORK/root2"
mkroot "$R2"
echo "files no" >> "$WORK/c.conf"
find "$R2/etc" -type f | sort | xargs md5sum > "$WORK/etc.before"
"$LDAPSYNC" -q -c "$WORK/c.conf" -R "$R2" || fail "sync with files no"
find "$R2/etc" -type f ! -name '*.lock' ! -name .pwd.lock | sort | xargs md5sum > "$WORK/etc.after"
cmp -s "$WORK/etc.before" "$WORK/etc.after" || fail "files no wrote into etc"
M="$R2/var/lib/ldapsync"
assert_eq "$(nss getent passwd alice | cut -d: -f1,3)" "alice:10001" "files no: alice from the module"
assert_eq "$(nss getent group staff)" "staff:x:10001:alice,bob" "files no: staff from the module"
pass "files no: only the mirror carries the directory accounts"

# A missing mirror: UNAVAIL, so getent finds nothing (and does not crash).
M="$WORK/nonexistent"
nss getent passwd alice > /dev/null; assert_eq "$?" 2 "getent with no mirror"
pass "no mirror: nothing served"

done_testing
