#!/bin/bash
# run-ad.sh [USERS]: ldapsync against a real Samba AD DC (as
# tests/integration/ad.sh starts one) holding USERS users (half with RFC
# 2307 ids, half mapped by id_mapping sssd) in groups of 100, measured in
# one run:
#  - a full sync into an empty root beside ldapsearch -E pr=1000 fetching
#    the same entries and attributes over the same StartTLS connection
#    kind (issue 11: about 1.0);
#  - an incremental run after 10 users changed (uSNChanged), as a share of
#    the full sync.
# Medians of RUNS (3) runs.  As root (network namespaces).
here=$(cd "$(dirname "$0")" && pwd)
: "${LDAPSYNC:=$here/../ldapsync}"
. "$here/../tests/integration/lib.sh"
. "$here/../tests/integration/samba.sh"
NUSERS=${1:-10000} RUNS=${RUNS:-3}

samba_start
echo "loading $NUSERS users..."
dc_load bulk "$NUSERS"
printf '%s\n' "$DC_ADMIN_PW" > "$WORK/pw"
chmod 600 "$WORK/pw"
cat > "$WORK/c.conf" <<E
uri ldap://dc1.ad.example.test/
base $DC_BASE
binddn Administrator@ad.example.test
bindpw_file $WORK/pw
ssl start_tls
tls_cacertfile $DC_CA
schema ad
id_mapping sssd
override_space _
state_dir /var/lib/ldapsync
page_size 1000
uid_range 1000-60000 100000-199999
E
chmod 600 "$WORK/c.conf"
UATTRS="sAMAccountName uidNumber gidNumber displayName cn unixHomeDirectory loginShell userPassword shadowLastChange shadowMin shadowMax shadowWarning shadowInactive shadowExpire entryUUID objectGUID nsUniqueId userAccountControl accountExpires nsAccountLock pwdAccountLockedTime objectSid primaryGroupID sshPublicKey"
GATTRS="sAMAccountName gidNumber memberUid member entryUUID objectGUID nsUniqueId objectSid"

now() { date +%s.%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", 100 * a / b }'; }
timed() {	# command...: seconds
	local t0 t1
	t0=$(now)
	"$@" > "$WORK/cmd.out" 2>&1 || { tail -5 "$WORK/cmd.out" >&2; fail "$*"; }
	t1=$(now)
	echo "$t1 - $t0" | bc
}
fetch() {
	in_dc env LDAPTLS_CACERT="$DC_CA" ldapsearch -x -ZZ -LLL -H ldap://dc1.ad.example.test/ \
		-D Administrator@ad.example.test -y "$WORK/pw.raw" -E pr=1000/noprompt -b "$DC_BASE" \
		'(&(objectClass=user)(objectCategory=person))' $UATTRS > /dev/null &&
	in_dc env LDAPTLS_CACERT="$DC_CA" ldapsearch -x -ZZ -LLL -H ldap://dc1.ad.example.test/ \
		-D Administrator@ad.example.test -y "$WORK/pw.raw" -E pr=1000/noprompt -b "$DC_BASE" \
		'(objectClass=group)' $GATTRS > /dev/null
}
printf '%s' "$DC_ADMIN_PW" > "$WORK/pw.raw"
chmod 600 "$WORK/pw.raw"
ldsync() { in_dc "$LDAPSYNC" -c "$WORK/c.conf" -R "$1"; }

fetch || fail ldapsearch	# the DC's caches warm
: > "$WORK/fetch" ; : > "$WORK/full"; : > "$WORK/incr"
for r in $(seq "$RUNS"); do
	timed fetch >> "$WORK/fetch"
	rm -rf "$WORK/root"; mkroot "$WORK/root"
	timed ldsync "$WORK/root" >> "$WORK/full"
	in_dc /usr/bin/python3 "$DATA/ad-load.py" "$DC_DIR/etc/smb.conf" \
		"$DC_DIR/private/sam.ldb" churn 10 || fail churn
	timed ldsync "$WORK/root" >> "$WORK/incr"
	grep -q "^$(printf 'b%06d' 0):" "$WORK/root/etc/passwd" || fail "b000000 not synced"
done
F=$(median < "$WORK/fetch") S=$(median < "$WORK/full") I=$(median < "$WORK/incr")
echo "users: $NUSERS ($(grep -c '^b' "$WORK/root/etc/passwd") synced), groups: $((NUSERS / 100))"
echo "ldapsearch -E pr=1000 fetch: ${F}s; full sync: ${S}s; ratio $(ratio "$S" "$F")"
echo "incremental run after 10 changes: ${I}s = $(pct "$I" "$S")% of the full sync"
samba_stop
