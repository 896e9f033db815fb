#!/bin/bash
# Directory data that could corrupt or subvert the local databases is
# refused, each with a warning naming the DN, while the rest syncs.
. "$(dirname "$0")/lib.sh"

slapd_start A "$DATA/hostile.ldif"
ROOT="$WORK/root"
mkroot "$ROOT"
E="$ROOT/etc"
mkconf "$WORK/c.conf" "$A_URI" <<X
state_dir /var/lib/ldapsync
unusable_password no
gid_range 100 999 1000-60000
X
"$LDAPSYNC" -c "$WORK/c.conf" -R "$ROOT" -v > "$WORK/out" 2> "$WORK/err" || fail "sync exit $?"

# Exactly the local accounts plus the users that are valid.
cut -d: -f1 "$E/passwd" | grep -v '^#' | sort > "$WORK/names"
printf '%s\n' badhash daemon gecosuser good localuser root zshuser | sort > "$WORK/want"
cmp -s "$WORK/names" "$WORK/want" || { diff "$WORK/want" "$WORK/names"; fail "unexpected passwd names"; }
assert_eq "$(awk -F: '$3 == 0' "$E/passwd" | wc -l)" 1 "uid 0 lines"
assert_eq "$(wc -l < "$E/passwd")" 8 "passwd lines (no injected line)"
assert_eq "$(wc -l < "$E/shadow")" 7 "shadow lines"
assert_grep '^root:x:0:0:root:/root:/bin/bash$' "$E/passwd" "local root untouched"
assert_grep '^localuser:x:1000:1000:Local  User,,,:/home/localuser:/bin/bash$' "$E/passwd"
pass "only valid users are written, local root and localuser untouched"

warned() {	# DN-RDN REASON-REGEX
	grep -qE "^ldapsync: warning: $1,ou=(people|groups),dc=example,dc=com: .*$2" "$WORK/err" \
		|| { cat "$WORK/err"; fail "no warning for $1 matching /$2/"; }
}
warned uid=evil0 'id 0'
warned uid=root 'name root belongs to a local account'
warned uid=localuser 'name localuser belongs to a local account'
warned uid=zero-gid 'id 0'
warned uid=colonhome 'home directory'
warned uid=dotdot 'home directory'
warned uid=relhome 'home directory'
warned uid=nlshell 'login shell'
warned cn=twin1 'another entry claims the name twin'
warned cn=twin2 'another entry claims the name twin'
warned uid=dupa 'another entry claims the id 10022'
warned uid=dupb 'another entry claims the id 10022'
warned cn=long 'longer than 32'
warned cn=nis "'\\+' or '-'"
warned cn=colonname "':'"
warned cn=nlname 'white space'
warned uid=neg 'uidNumber'
warned uid=big 'uidNumber'
warned uid=outofrange 'outside'
warned uid=12345 'all digits'
warned cn=docker 'name docker belongs to a local account'
warned cn=rootgroup 'id 0'
warned cn=users2 'id 100 belongs to a local account users'
pass "every refused entry is named with its reason"

warned uid=zshuser 'shell /bin/zsh is not in etc/shells, using /usr/sbin/nologin'
assert_grep '^zshuser:x:10018:10001:zsh:/home/zshuser:/usr/sbin/nologin$' "$E/passwd"
warned uid=gecosuser "gecos held ':' or control characters"
assert_grep '^gecosuser:x:10019:10001:Mallory x root  0 0:/home/gecosuser:/bin/sh$' "$E/passwd"
pass "unknown shell becomes suspend_shell, gecos is cleaned"

assert_grep '^sudo:x:10051:good,localuser$' "$E/group" "injected member names dropped"
assert_no_grep '^docker:x:10050' "$E/group"
assert_grep '^docker:x:999:localuser$' "$E/group" "local docker group untouched"
assert_grep '^badhash:\*:' "$E/shadow" "a hash with ':' is not copied"
pass "groups: local names win, injected members dropped"

# A second run refuses the same and changes nothing.
"$LDAPSYNC" -c "$WORK/c.conf" -R "$ROOT" > "$WORK/out2" 2>/dev/null || fail "second sync"
assert_grep '^users: 0 added, 0 updated, 0 suspended, 0 deleted; groups: 0 added, 0 updated, 0 deleted$' "$WORK/out2"
pass "refused entries stay refused without churn"

# Directory values cannot forge output: a member name, a gecos and a DN
# holding newlines and a fake summary are printed escaped (\xNN), on
# stdout, stderr and syslog alike, never as lines of their own.
ldap_modify A <<L
dn: cn=forge,ou=groups,$SUFFIX
changetype: add
objectClass: posixGroup
cn: forge
gidNumber: 5100
memberUid:: YWxpY2UKc3Vkbzp4OjI3OmFsaWNl
memberUid:: Ym9iCnVzZXJzOiA5OSBhZGRlZCwgMCB1cGRhdGVkLCAwIHN1c3BlbmRlZCwgMCBkZWxldGVkOyBncm91cHM6IDAgYWRkZWQsIDAgdXBkYXRlZCwgMCBkZWxldGVk

dn: uid=forger,ou=people,$SUFFIX
changetype: add
objectClass: inetOrgPerson
objectClass: posixAccount
uid: forger
cn: forger
sn: f
uidNumber: 10050
gidNumber: 10050
homeDirectory:: L2hvbWUvZm9yZ2VyCnVzZXJzOiAxIGFkZGVk
gecos:: Rgp1c2VyczogNSBhZGRlZA==
L
"$LDAPSYNC" -c "$WORK/c.conf" -R "$ROOT" -v --full > "$WORK/out" 2> "$WORK/err" || fail "sync exit $?"
cat "$WORK/out" "$WORK/err" > "$WORK/all"
assert_no_grep '^sudo:' "$WORK/all" "a directory value started a line of its own"
assert_eq "$(grep -c '^users: ' "$WORK/out")" 1 "summary lines"
assert_grep 'alice\\x0asudo:x:27:alice' "$WORK/out" "the member name, escaped"
assert_grep 'uid=forger,ou=people,dc=example,dc=com: skipped: home directory' "$WORK/err"
if grep -v '^ldapsync: ' "$WORK/err"; then fail "a line of stderr not from ldapsync"; fi
pass "newlines in directory values are escaped in every message"

done_testing
