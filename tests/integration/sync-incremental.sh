#!/bin/bash
# Incremental sync (RFC 4533): after a first, full sync, each kind of
# change reaches the files with the next run, which receives only the
# changed entries; a changed filter, --full, another server's cookie and
# a server without syncprov all fall back to a full refresh.
. "$(dirname "$0")/lib.sh"

{ gen_users 200; printf 'dn: ou=retired,%s\nobjectClass: organizationalUnit\nou: retired\n\n' "$SUFFIX"; } > "$WORK/users.ldif"
slapd_start A "$WORK/users.ldif" "$DATA/sample.ldif"
ROOT="$WORK/root"
mkroot "$ROOT"
mkconf "$WORK/c.conf" "$A_URI" <<X
state_dir /var/lib/ldapsync
user_filter (&(objectClass=posixAccount)(!(loginShell=/bin/false)))
user_removal_action delete
group_removal_action delete
max_removals 100%
unusable_password no
X
sync() { "$LDAPSYNC" -v -c "$WORK/c.conf" -R "$ROOT" "$@" > "$WORK/out" 2> "$WORK/err" || { cat "$WORK/err"; fail "sync $*"; }; }
received() { sed -n 's/^\(incremental\|full\) refresh: \([0-9]*\) entries received$/\1 \2/p' "$WORK/out"; }

sync
assert_eq "$(received)" "full 205" "the first run"
assert_eq "$(stat -c %a "$ROOT/var/lib/ldapsync/directory")" 600 "directory cache mode"
sync
assert_eq "$(received)" "incremental 0" "a run with no change"
assert_grep '^users: 0 added, 0 updated, 0 suspended, 0 deleted; groups: 0 added, 0 updated, 0 deleted$' "$WORK/out"
assert_grep '^nothing changed since the last run$' "$WORK/out"
pass "a full first run, then an incremental run that receives nothing"

# That shortcut holds only while no local input changed either.
rm "$ROOT/var/lib/ldapsync/mirror"
sync
assert_no_grep '^nothing changed' "$WORK/out" "a missing mirror was not noticed"
[ -e "$ROOT/var/lib/ldapsync/mirror" ] || fail "mirror not rebuilt"
sync
assert_grep '^nothing changed' "$WORK/out"
echo "zed:x:999:999::/:/bin/sh" >> "$ROOT/etc/passwd"	# a local edit
sync
assert_no_grep '^nothing changed' "$WORK/out" "a local change was not noticed"
assert_grep '^zed:x:999:' "$ROOT/etc/passwd"
sed -i '/^zed:/d' "$ROOT/etc/passwd"
echo "# a comment" >> "$WORK/c.conf"
sync
assert_no_grep '^nothing changed' "$WORK/out" "a configuration change was not noticed"
echo "/bin/zsh" >> "$ROOT/etc/shells"
sync
assert_no_grep '^nothing changed' "$WORK/out" "a change of etc/shells was not noticed"
pass "a missing mirror, a local account, the configuration or etc/shells changing means a full run"

ldap_modify A <<L
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
L
sync
assert_eq "$(received)" "incremental 1" "add"
assert_grep '^\+ user dave uid=10004$' "$WORK/out"

ldap_modify A <<L
dn: uid=bob,ou=people,$SUFFIX
changetype: modify
replace: loginShell
loginShell: /bin/bash
L
sync
assert_eq "$(received)" "incremental 1" "modify"
assert_grep '^~ user bob shell /bin/sh -> /bin/bash$' "$WORK/out"

ldap_modify A <<L
dn: uid=alice,ou=people,$SUFFIX
changetype: modrdn
newrdn: uid=alice2
deleteoldrdn: 1
L
sync
assert_eq "$(received)" "incremental 1" "modrdn"
assert_grep '^~ user alice2 renamed from alice$' "$WORK/out"
assert_grep '^alice2:x:10001:' "$ROOT/etc/passwd"

ldap_modify A <<L
dn: uid=u1,ou=people,$SUFFIX
changetype: delete
L
sync
assert_eq "$(received)" "incremental 1" "delete"
assert_grep '^- user u1 deleted$' "$WORK/out"
pass "add, modify, modrdn and delete each arrive alone and apply"

ldap_modify A <<L
dn: uid=u2,ou=people,$SUFFIX
changetype: modrdn
newrdn: uid=u2
deleteoldrdn: 0
newsuperior: ou=retired,$SUFFIX
L
ldap_modify A <<L
dn: uid=u3,ou=people,$SUFFIX
changetype: modify
replace: loginShell
loginShell: /bin/false
L
echo "user_base ou=people,$SUFFIX" >> "$WORK/c.conf"
sed -i '0,/^user_base /{/^user_base /d}' "$WORK/c.conf"
sync --full	# the configuration did not change, but user_base moved in the file
sync
ldap_modify A <<L
dn: uid=u4,ou=people,$SUFFIX
changetype: modrdn
newrdn: uid=u4
deleteoldrdn: 0
newsuperior: ou=retired,$SUFFIX
L
ldap_modify A <<L
dn: uid=u5,ou=people,$SUFFIX
changetype: modify
replace: loginShell
loginShell: /bin/false
L
sync
assert_eq "$(received)" "incremental 2" "moved out and filtered out"
assert_grep '^- user u4 deleted$' "$WORK/out"
assert_grep '^- user u5 deleted$' "$WORK/out"
assert_no_grep '^u[2345]:' "$ROOT/etc/passwd"
pass "an entry moved out of the base or out of the filter leaves"

ldap_modify A <<L
dn: cn=staff,ou=groups,$SUFFIX
changetype: modify
replace: memberUid
memberUid: dave
memberUid: u10
L
sync
assert_eq "$(received)" "incremental 1" "group membership"
assert_grep '^~ group staff members \+dave \+u10 -bob$' "$WORK/out"
assert_grep '^staff:x:10001:dave,u10$' "$ROOT/etc/group"
pass "a group membership change arrives alone"

# Whether ROOT holds what a full refresh into a fresh root makes: the
# files and the state byte for byte, the mirror as the NSS module reads it.
R2="$WORK/root2"
as_full() {	# WHAT
	local M="var/lib/ldapsync"
	rm -rf "$R2"
	mkroot "$R2"
	cp "$ROOT/etc/shells" "$R2/etc/shells"
	"$LDAPSYNC" -q -c "$WORK/c.conf" -R "$R2" || fail "full sync into a fresh root"
	for f in etc/passwd etc/shadow etc/group etc/gshadow $M/state; do
		cmp -s "$ROOT/$f" "$R2/$f" || { diff "$ROOT/$f" "$R2/$f"; fail "$1: $f differs from a full refresh"; }
	done
	for db in passwd group; do	# nss_wrapper has no shadow
		nss_with "$ROOT/$M" getent "$db" | sort > "$WORK/nss1"
		nss_with "$R2/$M" getent "$db" | sort > "$WORK/nss2"
		[ -s "$WORK/nss1" ] || fail "$1: getent $db through the mirror is empty"
		cmp -s "$WORK/nss1" "$WORK/nss2" || { diff "$WORK/nss1" "$WORK/nss2"; fail "$1: the mirror's $db differs from a full refresh"; }
	done
}
as_full "after each kind of change"
pass "incremental runs end where a full refresh does"

# Change sets: the changed entries alone are mapped and planned; the
# image of the cache stays, and so does the state when no account moves.
C="$ROOT/var/lib/ldapsync"
before=$(stat -c '%i %Y' "$C/directory" "$C/state")
hash=$(openssl passwd -6 -salt abcdefgh secret)
ldap_modify A <<L
dn: uid=u10,ou=people,$SUFFIX
changetype: modify
replace: gecos
gecos: Ten
-
replace: loginShell
loginShell: /bin/bash

dn: uid=u11,ou=people,$SUFFIX
changetype: modify
replace: userPassword
userPassword: {CRYPT}$hash
-
replace: gidNumber
gidNumber: 10002

dn: uid=dave,ou=people,$SUFFIX
changetype: modify
replace: gecos
gecos: David
L
sync
assert_eq "$(received)" "incremental 3" "three modifications"
assert_grep '^planned as a change set: 3 user\(s\), 0 group\(s\)$' "$WORK/out"
assert_grep '^u10:x:[0-9]*:[0-9]*:Ten:/home/u10:/bin/bash$' "$ROOT/etc/passwd"
assert_grep '^u11:x:[0-9]*:10002:' "$ROOT/etc/passwd"
grep -qF "u11:$hash:" "$ROOT/etc/shadow" || { cat "$WORK/err"; grep "^u11:" "$ROOT/etc/shadow"; fail "u11 new password"; }
assert_eq "$(stat -c '%i %Y' "$C/directory" "$C/state")" "$before" "the image and the state"
[ -s "$C/directory.log" ] || fail "no log of the changes"
nss_with "$C" getent passwd dave | grep -q ':David:' || fail "the mirror was not edited"
as_full "after three modifications"
pass "attribute changes are planned as a change set, as a full plan would"

# Every kind of change, each planned alone, each ending where a full
# refresh does.
as_changeset() {	# WHAT [history]
	sync
	assert_grep '^planned as a change set' "$WORK/out" "$1 was not planned as a change set"
	[ -n "${2:-}" ] || as_full "$1"
}
printf 'dn: uid=u12,ou=people,%s\nchangetype: modify\nreplace: uidNumber\nuidNumber: 30012\n' "$SUFFIX" | ldap_modify A
as_changeset "a new uid"
printf 'dn: cn=staff,ou=groups,%s\nchangetype: modify\nadd: memberUid\nmemberUid: u14\n' "$SUFFIX" | ldap_modify A
as_changeset "a membership"
assert_grep '^~ group staff members \+u14$' "$WORK/out"
printf 'dn: uid=u15,ou=people,%s\nchangetype: delete\n' "$SUFFIX" | ldap_modify A
as_changeset "a deletion"
printf 'dn: uid=u14,ou=people,%s\nchangetype: modrdn\nnewrdn: uid=fourteen\ndeleteoldrdn: 1\n' "$SUFFIX" | ldap_modify A
as_changeset "a rename"
assert_grep '^~ user fourteen renamed from u14$' "$WORK/out"
assert_grep '^~ group staff members -u14$' "$WORK/out"
gen_users 1 add | sed 's/u1\b/n1/g; s/20001/20901/' | ldap_modify A
as_changeset "an addition"
printf 'dn: uid=n1,ou=people,%s\nchangetype: delete\n' "$SUFFIX" | ldap_modify A
as_changeset "the addition deleted"
# Members by DN (spelt otherwise than the entry, too) are told by the
# change set from the users it manages.
ldap_modify A <<L
dn: cn=dns,ou=groups,$SUFFIX
changetype: add
objectClass: posixGroup
objectClass: extensibleObject
cn: dns
gidNumber: 40001
memberUid: u21
member: uid=u20,ou=people,$SUFFIX
member: UID=u23, OU=People, $SUFFIX
L
as_changeset "a group listing members by DN"
assert_grep '^dns:x:40001:u21,u20,u23$' "$ROOT/etc/group"
printf 'dn: cn=dns,ou=groups,%s\nchangetype: modify\nadd: member\nmember: uid=u22,ou=people,%s\n' "$SUFFIX" "$SUFFIX" | ldap_modify A
as_changeset "a member added by DN"
assert_grep '^~ group dns members \+u22$' "$WORK/out"
pass "a new uid, a membership, a deletion, a rename, an addition and members by DN are change sets"

# What a change set cannot plan alone is planned whole, -v says why.
planned_whole() {	# WHY-PATTERN WHAT [history]
	sync
	assert_no_grep '^planned as a change set' "$WORK/out" "$2 was planned as a change set"
	assert_grep "^the whole directory is planned: $1" "$WORK/out" "$2: no reason given: $(grep "^the whole\|^planned" "$WORK/out")"
	[ -n "${3:-}" ] || as_full "$2"
}
printf 'dn: uid=u13,ou=people,%s\nchangetype: modify\nreplace: homeDirectory\nhomeDirectory: relative\n' "$SUFFIX" | ldap_modify A
# Refused, u13 keeps its account as it was: a fresh root would not have it.
planned_whole "a changed entry is refused" "an entry turned invalid" history
printf 'dn: uid=u13,ou=people,%s\nchangetype: modify\nreplace: homeDirectory\nhomeDirectory: /home/u13\n' "$SUFFIX" | ldap_modify A
as_changeset "a kept account's entry mended"
printf 'dn: uid=u16,ou=people,%s\nchangetype: modify\nreplace: uidNumber\nuidNumber: 20017\n' "$SUFFIX" | ldap_modify A
planned_whole "a changed entry takes the name or id of u17" "u17's uid taken" history
printf 'dn: uid=u16,ou=people,%s\nchangetype: modify\nreplace: gecos\ngecos: x\n' "$SUFFIX" | ldap_modify A
planned_whole "a changed entry takes the name or id of u17" "an entry of a collision" history
printf 'dn: uid=u16,ou=people,%s\nchangetype: modify\nreplace: uidNumber\nuidNumber: 20016\n' "$SUFFIX" | ldap_modify A
planned_whole "it touches what the last run left unresolved" "the collision mended"
printf 'dn: uid=u18,ou=people,%s\nchangetype: modify\nreplace: gecos\ngecos: x\n' "$SUFFIX" | ldap_modify A
echo "zed:x:999:999::/:/bin/sh" >> "$ROOT/etc/passwd"
planned_whole "local files changed" "a local edit" history
sed -i '/^zed:/d' "$ROOT/etc/passwd"
sync
as_full "after the local edit is undone"
printf 'dn: cn=dns,ou=groups,%s\nchangetype: modify\nadd: member\nmember: uid=nobody,ou=people,%s\n' "$SUFFIX" "$SUFFIX" | ldap_modify A
planned_whole "a member DN is no user the change set can tell" "a member DN of no user"
pass "a refused entry, a taken id, what a collision left, a local edit and a member DN of no user are planned whole"

# A damaged cache costs a full refresh, never a wrong result.
printf 'dn: uid=u17,ou=people,%s\nchangetype: modify\nreplace: gecos\ngecos: y\n' "$SUFFIX" | ldap_modify A
truncate -s -100 "$C/directory"
sync
assert_grep 'damaged; doing a full refresh' "$WORK/err"
assert_grep '^u17:x:[0-9]*:[0-9]*:y:' "$ROOT/etc/passwd"
as_full "after a damaged cache"
pass "a damaged cache means a full refresh"

sync --full
assert_eq "$(received)" "full 201" "--full"
sed -i 's|^user_filter .*|user_filter (\&(objectClass=posixAccount)(!(loginShell=/bin/zsh)))|' "$WORK/c.conf"
sync
assert_eq "$(received)" "full 203" "a changed filter"
sync
assert_eq "$(received)" "incremental 0" "after the changed filter"
pass "--full and a changed filter refresh everything"

# Beyond a short session log, slapd lists the entries still there (the
# present phase), and the others go.
gen_users 30 > "$WORK/few.ldif"
SLAPD_SESSIONLOG=5 slapd_start E "$WORK/few.ldif"
R4="$WORK/root4"
mkroot "$R4"
mkconf "$WORK/E.conf" "$E_URI" <<X
state_dir /var/lib/ldapsync
user_removal_action delete
max_removals 100%
X
ssync() { "$LDAPSYNC" -v -c "$WORK/$1.conf" -R "$2" > "$WORK/out" 2> "$WORK/err" || { cat "$WORK/err"; fail "sync from $1"; }; }
ssync E "$R4"
for i in $(seq 12); do printf 'dn: uid=u%d,ou=people,%s\nchangetype: delete\n\n' "$i" "$SUFFIX"; done | ldap_modify E
ssync E "$R4"
assert_eq "$(received)" "incremental 12" "deletions beyond the session log"
assert_eq "$(grep -c '^u[0-9]*:' "$R4/etc/passwd")" 18 "users left"
assert_no_grep '^u12:' "$R4/etc/passwd"
pass "deletions beyond the session log arrive through the present phase"

# A cookie older than every entry (made so by hand) gets
# e-syncRefreshRequired from a server that gives reload hints.
SLAPD_RELOADHINT=1 slapd_start F "$WORK/few.ldif"
R5="$WORK/root5"
mkroot "$R5"
mkconf "$WORK/F.conf" "$F_URI" <<X
state_dir /var/lib/ldapsync
X
ssync F "$R5"
printf 'dn: uid=u30,ou=people,%s\nchangetype: modify\nreplace: gecos\ngecos: thirty\n' "$SUFFIX" | ldap_modify F
perl -pi -e 's/csn=\d{14}\.\d{6}Z/csn=19700101000000.000000Z/g' \
	"$R5/var/lib/ldapsync/directory" "$R5/var/lib/ldapsync/directory.log"
grep -aq 'csn=19700101000000.000000Z' "$R5/var/lib/ldapsync/directory.log" || fail "no cookie to make stale"
ssync F "$R5"
assert_grep '^the server wants a full refresh$' "$WORK/out" "e-syncRefreshRequired was not heard"
assert_eq "$(received)" "full 30" "after e-syncRefreshRequired"
assert_grep '^u30:x:[0-9]*:[0-9]*:thirty:' "$R5/etc/passwd"
ssync F "$R5"
assert_eq "$(received)" "incremental 0" "the run after"
pass "e-syncRefreshRequired means a full refresh, and a fresh cookie"

# Another server's cookie (B was loaded from the first data, without the
# changes above): whether B refuses it (then a full refresh) or answers
# from it, the run must end at B's view, as a full refresh would.
slapd_start B "$WORK/users.ldif" "$DATA/sample.ldif"
sed -i "s|^uri .*|uri $B_URI|" "$WORK/c.conf"
sync
assert_grep "^using $B_URI" "$WORK/out"
assert_no_grep "claims the" "$WORK/err" "stale entries of the first server were kept"
R3="$WORK/root3"
mkroot "$R3"
"$LDAPSYNC" -q -c "$WORK/c.conf" -R "$R3" || fail "full sync from B"
# The same lines; their order follows each root's history.
for f in passwd shadow group gshadow; do
	cmp -s <(sort "$ROOT/etc/$f") <(sort "$R3/etc/$f") \
		|| { diff <(sort "$ROOT/etc/$f") <(sort "$R3/etc/$f"); fail "$f after switching servers"; }
done
pass "another server's cookie ends at that server's view"

# A server without syncprov: paged fetches as before, no cache kept.
SLAPD_NO_SYNCPROV=1 slapd_start C "$WORK/users.ldif" "$DATA/sample.ldif"
sed -i "s|^uri .*|uri $C_URI|" "$WORK/c.conf"
sync
assert_eq "$(received)" "" "no sync searches without syncprov"
assert_grep '^using ' "$WORK/out"
assert_grep '^u200:' "$ROOT/etc/passwd"
sync
assert_eq "$(received)" "" "still none"
pass "a server without syncprov is fetched in full every run"

done_testing
