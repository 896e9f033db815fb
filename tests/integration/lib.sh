# Shared helpers for the integration tests: a private slapd on 127.0.0.1,
# scratch --root trees, and assertions.  Source it; it sets up a work
# directory removed (and a slapd stopped by pid) on exit.

set -u
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${LDAPSYNC:=$top_srcdir/ldapsync}"
DATA="$top_srcdir/tests/data"
SUFFIX="dc=example,dc=com"
ADMIN_DN="cn=admin,$SUFFIX"
ADMIN_PW="secret"
SYNC_DN="cn=sync,$SUFFIX"
SYNC_PW="syncpw"


WORK=$(mktemp -d "${TMPDIR:-/tmp}/ldapsync-test.XXXXXX")
SLAPD_PIDS=""
# Other processes a test starts in the background (a watch): stopped by
# pid at exit too, so that a test failing half way leaves none behind.
BG_PIDS=""
PASSES=0

cleanup() {
	for pid in $BG_PIDS $SLAPD_PIDS; do
		kill "$pid" 2>/dev/null
	done
	for pid in $SLAPD_PIDS; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

# Every checkpoint is a TAP line (automake's TAP driver counts them):
# pass prints "ok", fail "not ok" and ends the test.
fail() {
	echo "not ok $((PASSES + 1)) - $*"
	echo "FAIL: $*" >&2
	exit 1
}

pass() {
	PASSES=$((PASSES + 1))
	echo "ok $PASSES - $*"
}

assert_grep() {	# PATTERN FILE [what]
	grep -qE -- "$1" "$2" || fail "${3:-$2 lacks /$1/}"
}

assert_no_grep() {
	! grep -qE -- "$1" "$2" || fail "${3:-$2 has /$1/}"
}

assert_eq() {	# GOT WANT what
	[ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"
}

# slapd_start NAME [LDIF...]: a fresh slapd with the sample schema and
# syncprov; sets NAME_URI, NAME_PID, NAME_DIR.  With SLAPD_TLS set to a
# directory holding ca.crt, server.crt and server.key, it also serves
# ldaps:// and StartTLS (client certificates asked for, not required) and
# sets NAME_LDAPS_URI (ldaps://localhost:PORT/).  SLAPD_SESSIONLOG sets
# the syncprov session log's size; with SLAPD_RELOADHINT, a cookie older
# than every entry gets e-syncRefreshRequired rather than a present phase.
slapd_start() {
	local name=$1 dir="$WORK/slapd-$1" port tries=0
	shift
	rm -rf "$dir"
	mkdir -p "$dir/slapd.d" "$dir/db"
	sed "s|@DIR@|$dir|g; s|@SUFFIX@|$SUFFIX|g; s|@ADMIN_DN@|$ADMIN_DN|g; s|@SYNC_DN@|$SYNC_DN|g" \
		"$DATA/slapd-config.ldif" > "$dir/config.ldif"
	if [ -n "${SLAPD_NO_SYNCPROV:-}" ]; then	# a server without RFC 4533
		sed -i '/^olcModuleLoad: syncprov$/d; /^dn: olcOverlay={0}syncprov/,$d' "$dir/config.ldif"
	fi
	if [ -n "${SLAPD_SESSIONLOG:-}" ]; then	# a short session log
		sed -i "s|^olcSpSessionlog: .*|olcSpSessionlog: $SLAPD_SESSIONLOG|" "$dir/config.ldif"
	fi
	if [ -n "${SLAPD_RELOADHINT:-}" ]; then	# e-syncRefreshRequired for stale cookies
		sed -i "s|^olcSpSessionlog: .*|&\nolcSpReloadHint: TRUE|" "$dir/config.ldif"
	fi
	if [ -n "${SLAPD_TLS:-}" ]; then
		sed -i "s|^olcPidFile: .*|&\nolcTLSCACertificateFile: $SLAPD_TLS/ca.crt\nolcTLSCertificateFile: $SLAPD_TLS/server.crt\nolcTLSCertificateKeyFile: $SLAPD_TLS/server.key\nolcTLSVerifyClient: try|" \
			"$dir/config.ldif"
	fi
	slapadd -q -n0 -F "$dir/slapd.d" -l "$dir/config.ldif" >"$dir/slapadd.log" 2>&1 \
		|| { cat "$dir/slapadd.log"; fail "slapadd of cn=config"; }
	for ldif in "$DATA/base.ldif" "$@"; do
		slapadd -q -n1 -F "$dir/slapd.d" -l "$ldif" >>"$dir/slapadd.log" 2>&1 \
			|| { cat "$dir/slapadd.log"; fail "slapadd of $ldif"; }
	done
	while :; do
		port=$(( (RANDOM % 20000) + 30000 ))
		urls="ldap://127.0.0.1:$port/ ldapi://$(echo "$dir/ldapi" | sed 's|/|%2F|g')"
		[ -z "${SLAPD_TLS:-}" ] || urls="$urls ldaps://127.0.0.1:$((port + 1))/"
		if slapd -F "$dir/slapd.d" -h "$urls" >"$dir/slapd.log" 2>&1; then
			break
		fi
		tries=$((tries + 1))
		[ $tries -lt 10 ] || { cat "$dir/slapd.log"; fail "slapd did not start"; }
	done
	for _ in $(seq 100); do
		[ -s "$dir/slapd.pid" ] && ldapsearch -x -H "ldap://127.0.0.1:$port/" -b "" -s base \
			>/dev/null 2>&1 && break
		sleep 0.1
	done
	eval "${name}_URLS='$urls'"
	eval "${name}_URI=ldap://127.0.0.1:$port/"
	eval "${name}_LDAPS_URI=ldaps://localhost:$((port + 1))/"
	eval "${name}_LDAPI_URI=ldapi://$(echo "$dir/ldapi" | sed 's|/|%2F|g')"
	eval "${name}_PID=$(cat "$dir/slapd.pid")"
	eval "${name}_DIR=$dir"
	SLAPD_PIDS="$SLAPD_PIDS $(cat "$dir/slapd.pid")"
}

slapd_restart() {	# NAME: the same slapd again, same data and port
	local dir urls
	eval "dir=\$${1}_DIR urls=\$${1}_URLS"
	slapd -F "$dir/slapd.d" -h "$urls" >"$dir/slapd.log" 2>&1 || fail "slapd restart"
	eval "${1}_PID=$(cat "$dir/slapd.pid")"
	SLAPD_PIDS="$SLAPD_PIDS $(cat "$dir/slapd.pid")"
}

slapd_stop() {	# NAME
	local pid
	eval "pid=\$${1}_PID"
	kill "$pid" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null
}

ldap_modify() {	# NAME, LDIF on stdin
	local uri
	eval "uri=\$${1}_URI"
	ldapmodify -x -H "$uri" -D "$ADMIN_DN" -w "$ADMIN_PW" >/dev/null \
		|| fail "ldapmodify"
}

# gen_users N [add]: LDIF for posixAccount users u1..uN (uid 20000+i) under
# ou=people; with "add", as changes for ldapmodify.
gen_users() {
	local i change=""
	[ -z "${2:-}" ] || change="changetype: $2\n"
	for i in $(seq "$1"); do
		printf "dn: uid=u%d,ou=people,%s\n${change}objectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: u%d\ncn: u%d\nsn: u\nuidNumber: %d\ngidNumber: 10001\nhomeDirectory: /home/u%d\nloginShell: /bin/sh\n\n" \
			"$i" "$SUFFIX" "$i" "$i" $((20000 + i)) "$i"
	done
}

# nss_with MIRROR-DIR COMMAND...: runs COMMAND with libnss_wrapper, so
# that passwd and group come from libnss_ldapsync alone, reading that
# mirror (the real /etc is not involved).  A module built with
# AddressSanitizer needs its runtime loaded first, as the command is not
# built with it; leaks are checked in test_nss.
nss_with() {
	local mirror=$1
	shift
	if [ -z "${NSS_WRAPPER_LIB:-}" ]; then
		: "${NSS_MODULE:=$top_srcdir/.libs/libnss_ldapsync.so.2}"
		NSS_WRAPPER_LIB=$(ls /usr/lib/*/libnss_wrapper.so 2>/dev/null | head -1)
		[ -n "$NSS_WRAPPER_LIB" ] || fail "libnss_wrapper is not installed (libnss-wrapper)"
		NSS_ASAN_RT=$(ldd "$NSS_MODULE" | awk '/libasan/ { print $3 }')
		: > "$WORK/nss-empty"
	fi
	ASAN_OPTIONS=detect_leaks=0 \
	LD_PRELOAD="${NSS_ASAN_RT:+$NSS_ASAN_RT }$NSS_WRAPPER_LIB" \
	NSS_WRAPPER_PASSWD="$WORK/nss-empty" NSS_WRAPPER_GROUP="$WORK/nss-empty" \
	NSS_WRAPPER_MODULE_SO_PATH="$NSS_MODULE" NSS_WRAPPER_MODULE_FN_PREFIX=ldapsync \
	LDAPSYNC_MIRROR_DIR="$mirror" "$@"
}

# mkroot DIR: a scratch tree with local accounts, shells and home dirs.
mkroot() {
	local root=$1
	mkdir -p "$root/etc" "$root/bin" "$root/usr/sbin" "$root/home" "$root/root"
	cp "$DATA/root/passwd" "$DATA/root/shadow" "$DATA/root/group" \
		"$DATA/root/gshadow" "$DATA/root/shells" "$root/etc/"
	chmod 0640 "$root/etc/shadow" "$root/etc/gshadow"
	for sh in /bin/sh /bin/bash /usr/sbin/nologin; do
		: > "$root$sh"; chmod 755 "$root$sh"
	done
}

# mkconf FILE URI [extra lines on stdin]
mkconf() {
	{
		echo "uri $2"
		echo "base $SUFFIX"
		echo "binddn $SYNC_DN"
		echo "bindpw $SYNC_PW"
		echo "user_base ou=people,$SUFFIX"
		echo "group_base ou=groups,$SUFFIX"
		cat
	} > "$1"
	chmod 600 "$1"
}

# What a set is made of, as text: the four databases, the state, and
# what the NSS module serves from both mirrors (or that it serves none).
describe() {	# ROOT (needs NSSDUMP and NSS_MODULE)
	local r=$1 f m
	for f in passwd shadow group gshadow; do
		echo "== $f"; cat "$r/etc/$f"
	done
	echo "== state"; cat "$r/var/lib/ldapsync/state" 2>/dev/null
	for f in "$r"/var/lib/ldapsync/lines.*; do
		[ -e "$f" ] && { echo "== ${f##*/}"; cat "$f"; }
	done
	for m in passwd group shadow; do
		echo "== nss $m"
		LDAPSYNC_MIRROR_DIR="$r/var/lib/ldapsync" ASAN_OPTIONS=detect_leaks=0 \
			"$NSSDUMP" "$NSS_MODULE" "$m"
		echo "exit $?"
	done
}

# What must hold of any set: every managed user has its shadow line,
# every member of a group is an account, no name or id twice.
structure() {	# ROOT
	local r=$1
	awk -F: 'FNR == NR { pw[$1] = 1; next } !($1 in pw) { print "shadow without passwd: " $1 }' \
		"$r/etc/passwd" "$r/etc/shadow"
	awk -F: 'FNR == NR { sh[$1] = 1; next } /^[^#]/ && !($1 in sh) { print "passwd without shadow: " $1 }' \
		"$r/etc/shadow" "$r/etc/passwd"
	awk -F: 'FNR == NR { pw[$1] = 1; next } { n = split($4, m, ","); for (i = 1; i <= n; i++) if (!(m[i] in pw)) print "group " $1 " names " m[i] }' \
		"$r/etc/passwd" "$r/etc/group"
	cut -d: -f1 "$r/etc/passwd" | sort | uniq -d | sed 's/^/twice: /'
	cut -d: -f3 "$r/etc/passwd" | sort | uniq -d | sed 's/^/uid twice: /'
}

done_testing() {
	echo "1..$PASSES"
	echo "$PASSES passed, 0 failed"
}
