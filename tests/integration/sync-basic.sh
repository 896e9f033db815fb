#!/bin/bash
# Add, update, rename, suspend, restore, delete and membership changes
# against a private slapd, with local lines kept byte for byte.
. "$(dirname "$0")/lib.sh"

slapd_start A "$DATA/sample.ldif"
ROOT="$WORK/root"
mkroot "$ROOT"
E="$ROOT/etc"
mkconf "$WORK/c.conf" "$A_URI" <<X
user_removal_action suspend
group_removal_action delete
unusable_password no
state_dir /var/lib/ldapsync
max_removals 100%
X
sync() { "$LDAPSYNC" -c "$WORK/c.conf" -R "$ROOT" "$@"; }
local_lines() { grep -vE '^(alice|alice2|bob|carol|dave|staff|ops|devs):' "$1"; }
for f in passwd shadow group gshadow; do cp "$E/$f" "$WORK/orig.$f"; done

# --- first sync: adds --------------------------------------------------
sync -v > "$WORK/out" 2> "$WORK/err" || fail "first sync exit $?"
assert_grep '^users: 3 added, 0 updated, 0 suspended, 0 deleted; groups: 2 added, 0 updated, 0 deleted$' "$WORK/out"
assert_grep '^\+ user alice uid=10001$' "$WORK/out"
assert_grep '^\+ group staff gid=10001$' "$WORK/out"
assert_grep '^alice:x:10001:10001:Alice Liddell:/home/alice:/bin/bash$' "$E/passwd"
assert_grep '^bob:x:10002:10001:Bob Builder:/home/bob:/bin/sh$' "$E/passwd"
assert_grep '^alice:\$6\$saltsalt\$qFmFH[^:]*:19000::::::$' "$E/shadow" "supported {CRYPT} hash copied"
assert_grep '^bob:\*:::::::$' "$E/shadow" "no hash: '*'"
assert_grep '^staff:x:10001:alice,bob$' "$E/group" "memberUid kept for synced users only"
assert_grep '^ops:x:10002:localuser,carol,bob$' "$E/group" "member DNs resolved, local member kept"
assert_grep '^staff:!::alice,bob$' "$E/gshadow"
for f in passwd shadow group gshadow; do
	cmp -s <(local_lines "$E/$f") "$WORK/orig.$f" || fail "local lines of $f changed"
	cmp -s "$E/$f-" "$WORK/orig.$f" || fail "$f- is not the previous $f"
done
assert_eq "$(stat -c %a "$E/shadow")" 640 "shadow mode kept"
assert_grep '^u alice 10001 0 ' "$ROOT/var/lib/ldapsync/state"
pass "first sync adds users and groups, keeps local lines byte for byte"

# --- pwck and grpck accept the result ---------------------------------
# pwck calls any comment line invalid, so this tree has none.
R2="$WORK/root2"
mkroot "$R2"
sed -i '/^#/d' "$R2/etc/passwd"
mkdir -p "$R2/home/alice" "$R2/home/bob" "$R2/home/carol" "$R2/home/localuser"
"$LDAPSYNC" -q -c "$WORK/c.conf" -R "$R2" || fail "sync into a second root"
pwck -r -R "$R2" > "$WORK/pwck" 2>&1 || { cat "$WORK/pwck"; fail "pwck -r"; }
grpck -r -R "$R2" > "$WORK/grpck" 2>&1 || { cat "$WORK/grpck"; fail "grpck -r"; }
pass "pwck -r and grpck -r accept the files"

# --- second sync rewrites nothing ---------------------------------------
stat -c '%i %Y' "$E"/passwd "$E"/shadow "$E"/group "$E"/gshadow "$ROOT/var/lib/ldapsync/state" > "$WORK/before"
sleep 1
sync > "$WORK/out" || fail "second sync"
assert_grep '^users: 0 added, 0 updated, 0 suspended, 0 deleted; groups: 0 added, 0 updated, 0 deleted$' "$WORK/out"
stat -c '%i %Y' "$E"/passwd "$E"/shadow "$E"/group "$E"/gshadow "$ROOT/var/lib/ldapsync/state" > "$WORK/after"
cmp -s "$WORK/before" "$WORK/after" || fail "a no-change sync rewrote a file"
pass "a second sync with no directory change rewrites nothing"

# --- changes in the directory -----------------------------------------
ldap_modify A <<L
dn: uid=alice,ou=people,$SUFFIX
changetype: modrdn
newrdn: uid=alice2
deleteoldrdn: 1

dn: uid=bob,ou=people,$SUFFIX
changetype: modify
replace: loginShell
loginShell: /bin/bash
-
replace: gecos
gecos: Robert

dn: uid=carol,ou=people,$SUFFIX
changetype: delete

dn: uid=dave,ou=people,$SUFFIX
changetype: add
objectClass: inetOrgPerson
objectClass: posixAccount
uid: dave
cn: Dave
sn: D
uidNumber: 10004
gidNumber: 10001
homeDirectory: /home/dave
loginShell: /bin/sh

dn: cn=staff,ou=groups,$SUFFIX
changetype: modify
replace: memberUid
memberUid: alice2
memberUid: dave
L
find "$ROOT" -type f | sort | xargs md5sum > "$WORK/tree.before"
sync -n > "$WORK/dry" || fail "dry run"
find "$ROOT" -type f | sort | xargs md5sum > "$WORK/tree.after"
cmp -s "$WORK/tree.before" "$WORK/tree.after" || fail "--dry-run wrote something"
assert_grep '^! user carol suspended$' "$WORK/dry" "--dry-run prints changes"
pass "--dry-run prints every change and writes nothing"

sync -v > "$WORK/out" || fail "sync after changes"
assert_grep '^users: 1 added, 2 updated, 1 suspended, 0 deleted; groups: 0 added, 2 updated, 0 deleted$' "$WORK/out"
assert_grep '^~ user alice2 renamed from alice$' "$WORK/out"
assert_grep '^~ user bob shell /bin/sh -> /bin/bash$' "$WORK/out"
assert_grep '^~ group staff members \+alice2 \+dave -alice -bob$' "$WORK/out"
assert_grep '^alice2:x:10001:10001:' "$E/passwd" "rename keeps the uid"
assert_no_grep '^alice:' "$E/passwd"
assert_grep '^alice2:\$6\$' "$E/shadow"
assert_grep '^bob:x:10002:10001:Robert:/home/bob:/bin/bash$' "$E/passwd"
assert_grep '^carol:x:10003:10001:Carol:/home/carol:/usr/sbin/nologin$' "$E/passwd" "suspended shell"
assert_grep '^carol:!\*::::::1:$' "$E/shadow" "suspended: locked and expired"
assert_grep '^u carol 10003 1 ' "$ROOT/var/lib/ldapsync/state"
assert_grep '^dave:x:10004:' "$E/passwd"
assert_grep '^ops:x:10002:localuser,bob$' "$E/group" "suspended carol no longer resolves as a member DN"
pass "rename, update, add and suspend applied"

# --- a suspended user comes back under a new entryUUID -------------------
ldap_modify A <<L
dn: uid=carol,ou=people,$SUFFIX
changetype: add
objectClass: inetOrgPerson
objectClass: posixAccount
uid: carol
cn: Carol
sn: Singer
uidNumber: 10003
gidNumber: 10001
homeDirectory: /home/carol
loginShell: /bin/sh
L
sync -v > "$WORK/out" || fail "sync restoring carol"
assert_grep '^~ user carol unsuspended$' "$WORK/out"
assert_grep '^carol:x:10003:10001:Carol:/home/carol:/bin/sh$' "$E/passwd"
assert_grep '^carol:\*:::::::$' "$E/shadow"
assert_grep '^u carol 10003 0 ' "$ROOT/var/lib/ldapsync/state"
pass "a suspended user who reappears is restored by name"

# --- delete policy, and deleted names leave local groups ---------------
sed -i 's/^docker:x:999:localuser$/docker:x:999:localuser,dave/' "$E/group"
sed -i 's/^docker:!::localuser$/docker:!:dave:localuser,dave/' "$E/gshadow"
ldap_modify A <<L
dn: uid=dave,ou=people,$SUFFIX
changetype: delete

dn: cn=ops,ou=groups,$SUFFIX
changetype: delete
L
sed -i 's/user_removal_action suspend/user_removal_action delete/' "$WORK/c.conf"
sync -v > "$WORK/out" || fail "sync with delete"
assert_grep '^- user dave deleted$' "$WORK/out"
assert_grep '^- group ops deleted$' "$WORK/out"
assert_grep '^users: 0 added, 0 updated, 0 suspended, 1 deleted; groups: 0 added, 1 updated, 1 deleted$' "$WORK/out"
assert_no_grep '^dave:' "$E/passwd"
assert_no_grep '^dave:' "$E/shadow"
assert_no_grep '^ops:' "$E/group"
assert_no_grep '^ops:' "$E/gshadow"
assert_grep '^docker:x:999:localuser$' "$E/group" "deleted user leaves local group"
assert_grep '^docker:!::localuser$' "$E/gshadow" "deleted user leaves gshadow admins and members"
assert_grep '^staff:x:10001:alice2$' "$E/group"
pass "delete removes users and groups and strips member lists"

# --- removal_action nothing leaves the account alone ---------------------
sed -i 's/user_removal_action delete/user_removal_action nothing/' "$WORK/c.conf"
ldap_modify A <<L
dn: uid=bob,ou=people,$SUFFIX
changetype: delete
L
cp "$E/passwd" "$WORK/p.before"
sync > "$WORK/out" || fail "sync with nothing"
assert_grep '^users: 0 added, 0 updated, 0 suspended, 0 deleted' "$WORK/out"
assert_grep '^bob:x:10002:10001:Robert:/home/bob:/bin/bash$' "$E/passwd"
assert_grep '^u bob 10002 2 ' "$ROOT/var/lib/ldapsync/state" "bob still managed, as kept"
pass "user_removal_action nothing keeps the account"

# --- unusable_password yes (the default) ------------------------------
sed -i '/unusable_password/d' "$WORK/c.conf"
sync -v > "$WORK/out" || fail "sync with unusable_password"
assert_grep '^~ user alice2 password changed$' "$WORK/out"
assert_grep '^alice2:\*:19000::::::$' "$E/shadow"
assert_no_grep 'saltsalt' "$WORK/out" "a hash reached the output"
pass "unusable_password yes writes '*' and never prints the hash"

done_testing
