#!/bin/bash
# The SSH keys map and `ldapsync authorized-keys`: keys verbatim with their
# options, exact names, none for the unknown, suspended or deleted, a key
# with a line break refused at sync time; the map readable by all (the
# shadow mirror not), edited by incremental runs as a full run writes it,
# and left alone by --dry-run.
. "$(dirname "$0")/lib.sh"

slapd_start A "$DATA/sample.ldif"
K1='from="10.0.0.0/8",no-pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyOne alice@a'
K2='ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQKeyTwo alice@b'
K3='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBobKey bob@c'
ldap_modify A <<L
dn: uid=alice,ou=people,$SUFFIX
changetype: modify
add: objectClass
objectClass: ldapPublicKey
-
add: sshPublicKey
sshPublicKey: $K1
sshPublicKey: $K2
sshPublicKey:: $(printf 'ssh-ed25519 AAAA\ncommand="rm -rf /" ssh-ed25519 BBBB' | base64 -w0)

dn: uid=bob,ou=people,$SUFFIX
changetype: modify
add: objectClass
objectClass: ldapPublicKey
-
add: sshPublicKey
sshPublicKey: $K3
L
mkroot "$WORK/r"
mkconf "$WORK/c.conf" "$A_URI" <<X
user_removal_action suspend
max_removals 100%
X
run() {	# ROOT [options]
	local root=$1
	shift
	"$LDAPSYNC" -c "$WORK/c.conf" -R "$root" "$@" > "$WORK/run.out" 2>&1 ||
		{ cat "$WORK/run.out"; fail "sync $*"; }
}
keys() {	# USER
	"$LDAPSYNC" -c "$WORK/c.conf" -R "$WORK/r" authorized-keys "$1" 2>&1
}
SD=$(dirname "$(find "$WORK/r" -name state -path '*ldapsync*' 2>/dev/null | head -1)")

run "$WORK/r" --dry-run
[ -z "$(find "$WORK/r" -name keys)" ] || fail "--dry-run wrote the keys map"
run "$WORK/r"
assert_grep "uid=alice,ou=people,$SUFFIX: an SSH key holding a line break" "$WORK/run.out" \
	"the key with a line break is refused, naming the DN"
MAP=$(find "$WORK/r" -name keys -path '*ldapsync*')
[ -n "$MAP" ] || fail "no keys map"
assert_eq "$(stat -c %a "$MAP")" 644 "the keys map's mode"
assert_eq "$(stat -c %a "$(dirname "$MAP")/mirror.shadow")" 600 "the shadow mirror's mode"
assert_eq "$(keys alice)" "$K1"$'\n'"$K2" "alice's keys, verbatim, in order"
assert_eq "$(keys bob)" "$K3" "bob's key"
for u in ali alic alicex bo "" nobody "alice:x"; do
	assert_eq "$(keys "$u")" "" "keys of '$u'"
done
keys nosuchuser > /dev/null || fail "an unknown user is not an error"
pass "authorized-keys: keys verbatim with options, exact names only, a key with a line break refused"

# Incremental runs edit the map as a full run writes it.
ldap_modify A <<L
dn: uid=alice,ou=people,$SUFFIX
changetype: modify
delete: sshPublicKey
sshPublicKey: $K2
L
run "$WORK/r" -v
assert_grep "planned as a change set" "$WORK/run.out" "a key removed: a change set"
assert_eq "$(keys alice)" "$K1" "alice's remaining key"
assert_eq "$(keys bob)" "$K3" "bob's key, untouched by alice's change set"
ldap_modify A <<L
dn: uid=bob,ou=people,$SUFFIX
changetype: delete
L
run "$WORK/r" -v
assert_eq "$(keys bob)" "" "a suspended bob's key"
ldap_modify A <<L
dn: uid=alice,ou=people,$SUFFIX
changetype: modrdn
newrdn: uid=alicia
deleteoldrdn: 1
L
run "$WORK/r" -v
assert_eq "$(keys alice)" "" "the old name after a rename"
assert_eq "$(keys alicia)" "$K1" "the new name's key"
mkroot "$WORK/full"
run "$WORK/full"
cmp "$MAP" "$(find "$WORK/full" -name keys -path '*ldapsync*')" || fail "incremental and full maps differ"
rm -f "$MAP"
run "$WORK/r" -v
assert_eq "$(keys alicia)" "$K1" "the map written again"
pass "incremental runs edit the map (a key removed, a user suspended, a rename) as a full run writes it; a missing map is written whole"

done_testing
