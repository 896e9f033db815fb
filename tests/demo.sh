#!/bin/bash
# A demonstration sync: a private slapd on 127.0.0.1 with the bundled
# sample directory, and a scratch --root.  Nothing outside a temporary
# directory is touched; slapd is stopped by pid at the end.
. "$(dirname "$0")/integration/lib.sh"

slapd_start DEMO "$DATA/sample.ldif"
ROOT="$WORK/root"
mkroot "$ROOT"
mkconf "$WORK/ldapsync.conf" "$DEMO_URI" <<X
user_removal_action suspend
state_dir /var/lib/ldapsync
X
echo "== slapd on $DEMO_URI (pid $DEMO_PID), scratch root $ROOT"
echo "== configuration:"
sed 's/^bindpw .*/bindpw ********/' "$WORK/ldapsync.conf"
echo "== ldapsync -R $ROOT --dry-run"
"$LDAPSYNC" -c "$WORK/ldapsync.conf" -R "$ROOT" --dry-run
echo "== ldapsync -R $ROOT -v"
"$LDAPSYNC" -c "$WORK/ldapsync.conf" -R "$ROOT" -v || exit 1
for f in passwd shadow group gshadow; do
	echo "== $ROOT/etc/$f"
	cat "$ROOT/etc/$f"
done
echo "== bob leaves the directory; ldapsync -v again"
ldap_modify DEMO <<L
dn: uid=bob,ou=people,$SUFFIX
changetype: delete
L
"$LDAPSYNC" -c "$WORK/ldapsync.conf" -R "$ROOT" -v || exit 1
grep '^bob:' "$ROOT/etc/passwd" "$ROOT/etc/shadow"
echo "== a second run changes nothing"
"$LDAPSYNC" -c "$WORK/ldapsync.conf" -R "$ROOT"
