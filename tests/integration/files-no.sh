#!/bin/bash
# files no keeps its promises: a switch from files yes removes the lines
# ldapsync wrote (local lines untouched, --dry-run first says so), the NSS
# module alone serves the accounts, a suspended user is served suspended,
# -v reports only the changes really made, and a switch back leaves the
# files and the state exactly as files yes throughout would have.
. "$(dirname "$0")/lib.sh"

: "${NSSDUMP:=$top_srcdir/tests/integration/nssdump}"
: "${NSS_MODULE:=$top_srcdir/.libs/libnss_ldapsync.so.2}"
slapd_start A "$DATA/sample.ldif"
ROOT="$WORK/root"
mkroot "$ROOT"
mkconf "$WORK/yes.conf" "$A_URI" <<X
state_dir /var/lib/ldapsync
user_removal_action suspend
max_removals 100%
X
{ cat "$WORK/yes.conf"; echo "files no"; } > "$WORK/no.conf"
chmod 600 "$WORK/no.conf"
M="$ROOT/var/lib/ldapsync"
dump() { LDAPSYNC_MIRROR_DIR="$M" ASAN_OPTIONS=detect_leaks=0 "$NSSDUMP" "$NSS_MODULE" "$1"; }
local_lines() {	# the lines of the test's own local accounts
	grep -vE '^(alice|bob|carol|staff|ops):' "$ROOT/etc/$1"
}

"$LDAPSYNC" -q -c "$WORK/yes.conf" -R "$ROOT" || fail "sync with files yes"
assert_grep '^alice:' "$ROOT/etc/passwd"
for f in passwd shadow group gshadow; do local_lines $f > "$WORK/local.$f"; done
# The same history with files yes throughout, to compare at the end.
cp -a "$ROOT" "$WORK/yesroot"
along() { "$LDAPSYNC" -q -c "$WORK/yes.conf" -R "$WORK/yesroot" || fail "files yes alongside"; }

# The switch: a dry run says what it would do and does nothing.
cp -a "$ROOT" "$WORK/before"
"$LDAPSYNC" -c "$WORK/no.conf" -R "$ROOT" -n > "$WORK/out" 2>&1 || fail "dry run"
assert_grep 'leave .*/etc/passwd' "$WORK/out" "the dry run names the lines leaving passwd"
assert_no_grep '^[+~!-] ' "$WORK/out" "a dry run of the switch invents changes"
diff -r "$WORK/before" "$ROOT" > /dev/null || fail "a dry run changed something"
"$LDAPSYNC" -c "$WORK/no.conf" -R "$ROOT" -v > "$WORK/out" 2>&1 || fail "sync with files no"
assert_grep '^users: 0 added, 0 updated, 0 suspended, 0 deleted; groups: 0 added, 0 updated, 0 deleted$' "$WORK/out"
assert_no_grep '^[+~!-] ' "$WORK/out" "the switch reported changes it did not make"
for f in passwd shadow group gshadow; do
	assert_no_grep '^(alice|bob|carol|staff|ops):' "$ROOT/etc/$f" "files no left managed lines in $f"
	cmp -s <(cat "$ROOT/etc/$f") "$WORK/local.$f" || fail "local lines of $f changed"
done
assert_eq "$(dump passwd | cut -d: -f1 | tr '\n' ' ')" "alice bob carol " "the module's users"
assert_eq "$(dump group | cut -d: -f1,4 | tr '\n' ' ')" "staff:alice,bob ops:localuser,carol,bob " "the module's groups"
pass "files yes -> no: the lines leave /etc (local lines untouched), the module serves every account"

# Nothing changed: nothing reported, nothing written.
"$LDAPSYNC" -c "$WORK/no.conf" -R "$ROOT" -v > "$WORK/out" 2>&1 || fail "a second sync"
assert_no_grep '^[+~!-] ' "$WORK/out" "a run without changes invented some"
assert_grep '^users: 0 added, 0 updated' "$WORK/out"
# A real change is reported as it is, and only it.
ldap_modify A <<L
dn: uid=bob,ou=people,$SUFFIX
changetype: modify
replace: loginShell
loginShell: /bin/bash
L
"$LDAPSYNC" -c "$WORK/no.conf" -R "$ROOT" -v > "$WORK/out" 2>&1 || fail "sync of a change"
along
assert_eq "$(grep -E '^[+~!-] ' "$WORK/out")" "~ user bob shell /bin/sh -> /bin/bash" "the change lines"
assert_grep '^users: 0 added, 1 updated' "$WORK/out"
assert_grep '^bob:x:10002:10001:Bob Builder:/home/bob:/bin/bash$' <(dump passwd)
assert_no_grep '^bob:' "$ROOT/etc/passwd"
pass "files no: -v reports the changes really made, and only those"

# A suspended user is served suspended, never absent.
ldap_modify A <<L
dn: uid=carol,ou=people,$SUFFIX
changetype: delete
L
"$LDAPSYNC" -c "$WORK/no.conf" -R "$ROOT" -v > "$WORK/out" 2>&1 || fail "sync of a removal"
along
assert_grep '^! user carol suspended$' "$WORK/out"
assert_grep '^carol:x:10003:10001:Carol:/home/carol:/usr/sbin/nologin$' <(dump passwd) "carol, suspended, from the module"
dump shadow | grep '^carol:' | awk -F: '$2 !~ /^!/ || $8 != 1 { exit 1 }' || fail "carol's shadow entry is not locked and expired: $(dump shadow | grep '^carol:')"
pass "files no: a suspended user is served with suspend_shell, a locked password and expiry 1"

# Back to files yes: the lines return, as files yes throughout has them.
"$LDAPSYNC" -q -c "$WORK/yes.conf" -R "$ROOT" || fail "back to files yes"
for f in etc/passwd etc/shadow etc/group etc/gshadow var/lib/ldapsync/state; do
	cmp -s "$ROOT/$f" "$WORK/yesroot/$f" || { diff "$WORK/yesroot/$f" "$ROOT/$f"; fail "$f after the switch back"; }
done
ls "$M"/lines.* 2>/dev/null && fail "the kept lines outlived files yes"
assert_grep '^carol:x:10003:10001:Carol:/home/carol:/usr/sbin/nologin$' "$ROOT/etc/passwd"
pass "files no -> yes: the files and the state are as with files yes throughout"

done_testing
