#!/bin/bash
# TLS and binds, with a CA, server and client certificates made here:
# ldaps and StartTLS with the right CA; a wrong CA or host name fails
# clearly and never falls back to clear text; SASL EXTERNAL with a client
# certificate and over ldapi; the bind password never shows.
. "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null || fail "openssl is not installed"
PKI="$WORK/pki"
mkdir -p "$PKI"
cert() {	# NAME CN EXTENSIONS [CA]: a key and a certificate signed by CA
	local name=$1 cn=$2 ext=$3 ca=${4:-ca}
	openssl req -newkey rsa:2048 -nodes -keyout "$PKI/$name.key" -out "$PKI/$name.csr" \
		-subj "/CN=$cn" 2>/dev/null || fail "openssl req $name"
	printf '%s\n' "$ext" > "$PKI/$name.ext"
	openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" \
		-CAcreateserial -days 2 -out "$PKI/$name.crt" -extfile "$PKI/$name.ext" 2>/dev/null \
		|| fail "openssl x509 $name"
}
for ca in ca otherca; do
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/$ca.key" -out "$PKI/$ca.crt" \
		-days 2 -subj "/CN=ldapsync test $ca" 2>/dev/null || fail "openssl $ca"
done
# libldap checks a "localhost" URI against the machine's own name.
cert server localhost "subjectAltName=DNS:localhost,DNS:$(hostname)
extendedKeyUsage=serverAuth"
cert client ldapsync-client "extendedKeyUsage=clientAuth"
chmod 600 "$PKI"/*.key

SLAPD_TLS="$PKI" slapd_start A "$DATA/sample.ldif"
STARTTLS_URI="ldap://localhost:${A_URI##*:}"
ROOT="$WORK/root"
mkroot "$ROOT"
# The record of the run (last-run) is the one thing a failed run updates.
snapshot() { (cd "$ROOT" && find . -type f ! -name last-run | sort | xargs md5sum); }
run() {	# CONFIG-LINES: sync with them; exit status in $rc, output in out/err
	{
		echo "base $SUFFIX"
		echo "state_dir /var/lib/ldapsync"
		printf '%s\n' "$@"
	} > "$WORK/c.conf"
	chmod 600 "$WORK/c.conf"
	"$LDAPSYNC" -v -c "$WORK/c.conf" -R "$ROOT" > "$WORK/out" 2> "$WORK/err"; rc=$?
}
BIND=("binddn $SYNC_DN" "bindpw $SYNC_PW")

run "uri $A_LDAPS_URI" "tls_cacertfile $PKI/ca.crt" "${BIND[@]}"
assert_eq "$rc" 0 "ldaps with the right CA"; assert_grep "^using $A_LDAPS_URI" "$WORK/out"
assert_grep '^alice:' "$ROOT/etc/passwd"
run "uri $STARTTLS_URI" "ssl start_tls" "tls_cacertfile $PKI/ca.crt" "${BIND[@]}"
assert_eq "$rc" 0 "StartTLS with the right CA"
pass "ldaps and StartTLS succeed with the right CA"

snapshot > "$WORK/before"
run "uri $A_LDAPS_URI" "tls_cacertfile $PKI/otherca.crt" "${BIND[@]}"
assert_eq "$rc" 1 "ldaps with the wrong CA"
assert_grep "$A_LDAPS_URI: connect failed: .*TLS: .*(untrusted|verif)" "$WORK/err"
run "uri $STARTTLS_URI" "ssl start_tls" "tls_cacertfile $PKI/otherca.crt" "${BIND[@]}"
assert_eq "$rc" 1 "StartTLS with the wrong CA"
assert_grep "$STARTTLS_URI: start TLS failed: .*TLS: .*(untrusted|verif)" "$WORK/err"
IP_URI="ldaps://127.0.0.1:${A_LDAPS_URI##*:}"
run "uri $IP_URI" "tls_cacertfile $PKI/ca.crt" "${BIND[@]}"
assert_eq "$rc" 1 "ldaps to a name the certificate does not carry"
assert_grep "${IP_URI%/}/?: connect failed: .*TLS: hostname \\(127.0.0.1\\) does not match" "$WORK/err"
snapshot > "$WORK/after"
cmp -s "$WORK/before" "$WORK/after" || fail "a failed TLS run changed files"
pass "a wrong CA or host name fails, naming the server, and changes nothing"

run "uri $IP_URI" "tls_cacertfile $PKI/otherca.crt" "tls_reqcert never" "${BIND[@]}"
assert_eq "$rc" 0 "tls_reqcert never"
pass "tls_reqcert never accepts any certificate (as documented)"

# Two servers with different TLS settings in one pool: nothing leaks.
run "uri $A_LDAPS_URI $IP_URI" "pool_strategy first" "tls_cacertfile $PKI/ca.crt" "${BIND[@]}"
assert_eq "$rc" 0 "pool of ldaps servers"

# A silent server during the TLS handshake (ldaps) and StartTLS: bounded
# by timeout and op_timeout, and the run fails plainly.
silent() {	# WHAT CONFIG-LINES...
	local what=$1 t0 took
	shift
	t0=$(date +%s)
	run "$@" "tls_cacertfile $PKI/ca.crt" "timeout 2" "op_timeout 3" "${BIND[@]}"
	took=$(( $(date +%s) - t0 ))
	[ "$rc" = 1 ] && [ "$took" -le 8 ] ||
		{ kill -CONT "$A_PID"; cat "$WORK/err"; fail "$what with the server stopped: exit $rc after $took s"; }
}
kill -STOP "$A_PID"
silent ldaps "uri $A_LDAPS_URI"
silent StartTLS "uri $STARTTLS_URI" "ssl start_tls"
kill -CONT "$A_PID"
pass "a server silent during the TLS handshake or StartTLS is left within timeout + op_timeout"

# SASL EXTERNAL: with the client certificate, and over ldapi as root.
run "uri $A_LDAPS_URI" "tls_cacertfile $PKI/ca.crt" "sasl_mech EXTERNAL" \
	"tls_cert $PKI/client.crt" "tls_key $PKI/client.key"
assert_eq "$rc" 0 "EXTERNAL with a client certificate"
run "uri $A_LDAPS_URI" "tls_cacertfile $PKI/ca.crt" "sasl_mech EXTERNAL"
assert_eq "$rc" 1 "EXTERNAL without a client certificate"
assert_grep "$A_LDAPS_URI: bind failed" "$WORK/err"
run "uri $A_LDAPI_URI" "sasl_mech EXTERNAL"
assert_eq "$rc" 0 "EXTERNAL over ldapi"
pass "SASL EXTERNAL binds with a client certificate and over ldapi"

# A wrong password: the bind failure names the server and the result;
# the password shows nowhere, not even with -v.
SECRET="not-the-password-$RANDOM"
run "uri $A_URI" "binddn $SYNC_DN" "bindpw $SECRET"
assert_eq "$rc" 1 "wrong password"
assert_grep "$A_URI: bind failed: Invalid credentials" "$WORK/err"
! grep -q "$SECRET" "$WORK/out" "$WORK/err" || fail "the password was printed"
echo "$SECRET" > "$WORK/pw"; chmod 600 "$WORK/pw"
run "uri $A_URI" "binddn $SYNC_DN" "bindpw_file $WORK/pw"
assert_eq "$rc" 1 "wrong password from bindpw_file"
! grep -q "$SECRET" "$WORK/out" "$WORK/err" || fail "the password was printed"
echo "$SYNC_PW" > "$WORK/pw"
run "uri $A_URI" "binddn $SYNC_DN" "bindpw_file $WORK/pw"
assert_eq "$rc" 0 "right password from bindpw_file"
chmod 640 "$WORK/pw"
run "uri $A_URI" "binddn $SYNC_DN" "bindpw_file $WORK/pw"
assert_eq "$rc" 2 "group-readable bindpw_file"
pass "bind failures name the server and result; the password never shows"

done_testing
