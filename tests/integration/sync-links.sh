#!/bin/bash
# Files are safe from planted links: lock pid files are created
# exclusively, never through a link; a state directory that is a link,
# not root's or writable by others is refused; shadow and gshadow created
# from nothing are root:shadow 0640; no inode left is said plainly.
. "$(dirname "$0")/lib.sh"

slapd_start A "$DATA/sample.ldif"
ROOT="$WORK/root"
mkroot "$ROOT"
mkconf "$WORK/c.conf" "$A_URI" <<X
state_dir /var/lib/ldapsync
X
sync() { "$LDAPSYNC" -q -c "$WORK/c.conf" -R "$ROOT" "$@"; }

# Links where the next pids' lock files will be, aimed outside the root.
echo "precious" > "$WORK/victim"
next=$(sh -c 'echo $$')
for pid in $(seq "$next" $((next + 300))); do
	for f in passwd group gshadow shadow; do ln -s "$WORK/victim" "$ROOT/etc/$f.$pid"; done
done
sync || fail "sync among planted links"
assert_eq "$(cat "$WORK/victim")" precious "the file a planted link points to"
assert_grep '^alice:' "$ROOT/etc/passwd"
pass "lock pid files are never opened through a planted link"
find "$ROOT/etc" -type l -delete

# passwd and passwd- one inode (a backup made by a hard link): the
# backup's rename onto it does nothing, and its temporary name must go.
for f in passwd shadow group gshadow; do ln -f "$ROOT/etc/$f" "$ROOT/etc/$f-"; done
ldap_modify A <<L
dn: uid=bob,ou=people,$SUFFIX
changetype: modify
replace: loginShell
loginShell: /bin/bash
L
sync || fail "sync with backups that are the files themselves"
assert_grep '^bob:.*:/bin/bash$' "$ROOT/etc/passwd"
[ -z "$(find "$ROOT" -name '*.ldapsync.*')" ] || fail "left behind: $(find "$ROOT" -name '*.ldapsync.*')"
pass "a backup that is the file itself leaves no temporary name behind"

# The state directory: a link, another owner, writable by others.
mkdir "$WORK/elsewhere"
rm -rf "$ROOT/var/lib/ldapsync"
ln -s "$WORK/elsewhere" "$ROOT/var/lib/ldapsync"
cp "$ROOT/etc/passwd" "$WORK/passwd.before"
rc=0; sync 2> "$WORK/err" || rc=$?
assert_eq "$rc" 1 "exit status with a symlinked state directory"
assert_grep 'state_dir .*: a symbolic link; refused' "$WORK/err"
[ -z "$(ls -A "$WORK/elsewhere")" ] || fail "something was written through the link: $(ls "$WORK/elsewhere")"
rm "$ROOT/var/lib/ldapsync"
mkdir -m 0775 "$ROOT/var/lib/ldapsync"
rc=0; sync 2> "$WORK/err" || rc=$?
assert_eq "$rc" 1 "exit status with a group-writable state directory"
assert_grep 'writable by group or others; refused' "$WORK/err"
chmod 0755 "$ROOT/var/lib/ldapsync"
chown nobody "$ROOT/var/lib/ldapsync"
rc=0; sync 2> "$WORK/err" || rc=$?
assert_eq "$rc" 1 "exit status with a state directory of another owner"
assert_grep 'not owned by root; refused' "$WORK/err"
cmp -s "$ROOT/etc/passwd" "$WORK/passwd.before" || fail "a refused state directory, yet passwd changed"
chown root "$ROOT/var/lib/ldapsync"
sync || fail "sync with the state directory put right"
pass "a state directory that is a link, not root's or group-writable is refused, nothing changed"

# shadow and gshadow created where none was: Debian's root:shadow 0640.
R2="$WORK/root2"
mkroot "$R2"
rm "$R2/etc/shadow" "$R2/etc/gshadow"
"$LDAPSYNC" -q -c "$WORK/c.conf" -R "$R2" || fail "sync into a tree without shadow"
for f in shadow gshadow; do
	assert_eq "$(stat -c '%U:%g %a' "$R2/etc/$f")" "root:42 640" "$f created from nothing"
done
pass "shadow and gshadow created from nothing are root:shadow 0640"

# No inode left: said at once, not blamed on another program's lock.
mkdir -p "$WORK/full"
unshare -m bash -c '
	mount -t tmpfs -o size=4m,nr_inodes=64 tmpfs "$1" &&
	mkdir -p "$1/etc" "$1/var/lib/ldapsync" && cp "$2"/etc/* "$1/etc/" &&
	: > "$1/etc/.pwd.lock" &&
	for i in $(seq 200); do : > "$1/fill$i" 2>/dev/null || break; done &&
	start=$(date +%s) &&
	{ "$3" -q -c "$4" -R "$1"; echo "exit $? after $(( $(date +%s) - start )) s"; }' - \
	"$WORK/full" "$ROOT" "$LDAPSYNC" "$WORK/c.conf" > "$WORK/out" 2> "$WORK/err"
grep -q '^exit 1 after [0-5] s$' "$WORK/out" || { cat "$WORK/out" "$WORK/err"; fail "a tree with no inode left"; }
assert_grep 'No space left on device' "$WORK/err" "the cause, said plainly"
assert_no_grep 'locked by another program' "$WORK/err" "no inode left blamed on a lock"
pass "no inode left: exit 1 at once, 'No space left on device'"

done_testing
