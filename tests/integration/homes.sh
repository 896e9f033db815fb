#!/bin/bash
# create_home: homes made as useradd -m makes them (a copy of skel_dir,
# the user's, login.defs' mode), after the commit only; an existing path
# never touched, nothing made through a symbolic link or by a dry run or a
# run that fails.
. "$(dirname "$0")/lib.sh"

slapd_start A "$DATA/sample.ldif"
ldap_modify A <<L
dn: uid=carol,ou=people,$SUFFIX
changetype: modify
replace: homeDirectory
homeDirectory: /links/out/carol
L
R="$WORK/r"
mkroot "$R"
rm -rf "$R/home"
mkdir -p "$R/etc/skel/.ssh" "$R/home/bob" "$WORK/outside"
echo 'alias ll="ls -l"' > "$R/etc/skel/.bashrc"
chmod 640 "$R/etc/skel/.bashrc"
echo key > "$R/etc/skel/.ssh/authorized_keys"
chmod 700 "$R/etc/skel/.ssh"
ln -s .bashrc "$R/etc/skel/.profile"
echo keep > "$R/home/bob/marker"
mkdir -p "$R/links"
ln -s "$WORK/outside" "$R/links/out"
printf 'UMASK\t\t022\nHOME_MODE\t0750\n' > "$R/etc/login.defs"
mkconf "$WORK/c.conf" "$A_URI" <<X
create_home yes
user_removal_action delete
max_removals 0
X
run() {	# [options]: exit status in RC
	RC=0
	"$LDAPSYNC" -v -c "$WORK/c.conf" -R "$R" "$@" > "$WORK/run.out" 2>&1 || RC=$?
}

run --dry-run
[ ! -e "$R/home/alice" ] || fail "--dry-run made a home"
run
[ "$RC" = 0 ] || { cat "$WORK/run.out"; fail "sync"; }
assert_eq "$(stat -c '%u:%g %a' "$R/home/alice")" "10001:10001 750" "alice's home: owner and HOME_MODE"
assert_eq "$(stat -c '%u:%g %a' "$R/home/alice/.bashrc")" "10001:10001 640" "skel's .bashrc, the user's, its mode"
assert_eq "$(stat -c '%u:%g %a' "$R/home/alice/.ssh")" "10001:10001 700" "skel's .ssh"
assert_eq "$(cat "$R/home/alice/.ssh/authorized_keys")" key "skel's content"
assert_eq "$(readlink "$R/home/alice/.profile")" .bashrc "skel's symbolic link, as a link"
assert_eq "$(stat -c %u "$R/home/alice/.profile")" 10001 "the link's owner"
assert_eq "$(stat -c '%u %a' "$R/home/bob")" "0 755" "an existing home is untouched"
assert_eq "$(ls -A "$R/home/bob")" marker "nothing copied into an existing home"
[ -z "$(ls -A "$WORK/outside")" ] || fail "a home was made through a symbolic link"
assert_grep "home /links/out/carol not made: a parent directory is a symbolic link" "$WORK/run.out" \
	"the refusal names the home and why"
assert_grep "^carol:" "$R/etc/passwd" "carol's account stands without her home"
pass "create_home: skel copied with owners and modes, HOME_MODE, existing homes and symlinked parents left alone, dry runs make nothing"

# A run the guard stops makes no home; the next one that commits does.
rm -rf "$R/home/alice"
ldap_modify A <<L
dn: uid=bob,ou=people,$SUFFIX
changetype: delete
L
run
assert_eq "$RC" 3 "the guard stops the run"
[ ! -e "$R/home/alice" ] || fail "a run that changed nothing made a home"
run --force
[ "$RC" = 0 ] || { cat "$WORK/run.out"; fail "sync --force"; }
[ -d "$R/home/alice" ] || fail "the committed run did not make alice's home"
assert_eq "$(ls -A "$R/home/bob")" marker "a deleted user's home stays"
# UMASK alone gives the mode.
printf 'UMASK\t\t027\n' > "$R/etc/login.defs"
rm -rf "$R/home/alice"
"$LDAPSYNC" -c "$WORK/c.conf" -R "$R" --full > "$WORK/run.out" 2>&1 || { cat "$WORK/run.out"; fail "--full"; }
assert_eq "$(stat -c %a "$R/home/alice")" 750 "UMASK 027 without HOME_MODE"
pass "homes are made only by a run that commits; a home is never removed; UMASK without HOME_MODE"

done_testing
