#!/bin/bash
# run-keys.sh [USERS] [RUNS]: `ldapsync authorized-keys` as sshd runs it
# for each connection (a process start and a lookup in the keys map),
# for a user among USERS (100,000) users with an SSH key each, synced by
# ldapsync from a private slapd; beside `cat` of an authorized_keys file
# holding the same key (the reference: sss_ssh_authorizedkeys needs a
# running SSSD, which this machine has not).  Medians of RUNS (1000)
# runs of each, measured in the same run by bench/spawn-time.
here=$(cd "$(dirname "$0")" && pwd)
: "${LDAPSYNC:=$here/../ldapsync}"
. "$here/../tests/integration/lib.sh"
NUSERS=${1:-100000} RUNS=${2:-1000}
SPAWN="$here/spawn-time"
[ -x "$SPAWN" ] || fail "build bench/spawn-time first: make bench"

"$here/gen.sh" "$NUSERS" 10 2 | awk '
	/^dn: uid=/ { user = 1 }
	/^objectClass: shadowAccount$/ { print; print "objectClass: ldapPublicKey"; next }
	/^$/ && user {
		printf "sshPublicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI%s %s@bench\n", key, name
		user = 0 }
	/^uid: / { name = $2; key = sprintf("%032d", NR) }
	{ print }' > "$WORK/dir.ldif"
slapd_start B "$WORK/dir.ldif"
rm -f "$WORK/dir.ldif"
mkconf "$WORK/c.conf" "$B_URI" <<X
uid_range 100000-999999
gid_range 100000-999999
X
mkroot "$WORK/root"
"$LDAPSYNC" -q -c "$WORK/c.conf" -R "$WORK/root" || fail "sync"
slapd_stop B	# the command needs no directory
U="u$((NUSERS / 2 + 1))"
KEY=$("$LDAPSYNC" -c "$WORK/c.conf" -R "$WORK/root" authorized-keys "$U")
[ -n "$KEY" ] || fail "no key for $U"
echo "$KEY" > "$WORK/authorized_keys"
MAP=$(find "$WORK/root" -name keys -path '*ldapsync*')
K=$("$SPAWN" "$RUNS" "$LDAPSYNC" -c "$WORK/c.conf" -R "$WORK/root" authorized-keys "$U") || fail "authorized-keys"
C=$("$SPAWN" "$RUNS" cat "$WORK/authorized_keys") || fail cat
echo "users: $NUSERS, keys map: $(wc -c < "$MAP") bytes, median of $RUNS runs each"
echo "ldapsync authorized-keys $U: $((K / 1000)) us; cat authorized_keys: $((C / 1000)) us; ratio $(awk -v a="$K" -v b="$C" 'BEGIN { printf "%.2f", a / b }')"
