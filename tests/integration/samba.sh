# A real Samba AD domain controller for the tests and benchmarks: its own
# network and mount namespace on loopback (so it binds 389, 636 and 88
# without touching the host), every path under one directory.  Source it
# after lib.sh (it uses WORK and fail); on exit, however the test ends,
# it stops every process in the DC's namespace, by pid.
#
# samba_start: provisions and starts dc1.ad.example.test (realm
# AD.EXAMPLE.TEST, domain ADEX) with RFC 2307 attributes; sets DC_DIR,
# DC_CA, DC_BASE, DC_ADMIN_PW, DC_SID (the domain SID).  in_dc CMD...: runs
# CMD inside the DC's namespaces (ldapsync too: the DC is only there).

DC_DIR="$WORK/dc"
DC_BASE="DC=ad,DC=example,DC=test"
DC_ADMIN_PW='Adm1n-Passw0rd!'
DC_HOLDER=""
DC_PID=""

in_dc() {
	nsenter -t "$DC_HOLDER" -n -m "$@"
}

# The processes in the DC's network namespace: samba's, the holder, and
# whatever a client left there.
dc_pids() {
	local ns p
	ns=$(readlink "/proc/$DC_HOLDER/ns/net" 2>/dev/null) || return 0
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/net" 2>/dev/null)" = "$ns" ] && echo "${p#/proc/}"
	done
}

samba_stop() {
	local pids
	[ -n "$DC_HOLDER" ] || return 0
	pids=$(dc_pids)
	[ -z "$pids" ] || kill $pids 2>/dev/null
	for _ in $(seq 100); do
		pids=$(for p in $pids; do kill -0 "$p" 2>/dev/null && echo "$p"; done)
		[ -z "$pids" ] && break
		sleep 0.1
	done
	[ -z "$pids" ] || kill -9 $pids 2>/dev/null
	DC_PID="" DC_HOLDER=""
}
trap 'samba_stop; cleanup' EXIT

# The namespaces: loopback up, a private /etc/hosts naming the DC, and
# Samba's own directories bound over the host's.
samba_namespace() {
	unshare -n -m --propagation private sleep infinity </dev/null >/dev/null 2>&1 &
	DC_HOLDER=$!
	for _ in $(seq 50); do
		[ "$(readlink /proc/$DC_HOLDER/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
		sleep 0.1
	done
	in_dc ip link set lo up || fail "loopback in the DC's namespace"
	printf '127.0.0.1 localhost\n127.0.0.1 dc1.ad.example.test dc1\n' > "$DC_DIR/hosts"
	in_dc mount --bind "$DC_DIR/hosts" /etc/hosts || fail "the DC's /etc/hosts"
	for d in /run/samba /var/lib/samba /var/cache/samba /var/log/samba; do
		mkdir -p "$DC_DIR/host$d"
		in_dc mkdir -p "$d" && in_dc mount --bind "$DC_DIR/host$d" "$d" ||
			fail "the DC's private $d"
	done
}

# The whole smb.conf, written here: every path under DC_DIR, no DNS
# forwarder, only the LDAP server and the KDC.
samba_conf() {
	cat > "$DC_DIR/etc/smb.conf" <<S
[global]
	netbios name = DC1
	realm = AD.EXAMPLE.TEST
	workgroup = ADEX
	server role = active directory domain controller
	interfaces = lo
	bind interfaces only = yes
	private dir = $DC_DIR/private
	lock directory = $DC_DIR
	state directory = $DC_DIR/state
	cache directory = $DC_DIR/cache
	binddns dir = $DC_DIR/bind-dns
	ncalrpc dir = $DC_DIR/ncalrpc
	pid directory = $DC_DIR/run
	log file = $DC_DIR/log.%m
	logging = file
	idmap_ldb:use rfc2307 = yes
	server services = ldap kdc
S
	mkdir -p "$DC_DIR/run" "$DC_DIR/ncalrpc"
}

samba_start() {
	for cmd in samba samba-tool nsenter unshare /usr/bin/python3; do
		command -v "$cmd" >/dev/null || fail "$cmd is not installed (Debian samba)"
	done
	mkdir -p "$DC_DIR"
	samba_namespace
	in_dc samba-tool domain provision --realm=AD.EXAMPLE.TEST --domain=ADEX \
		--server-role=dc --dns-backend=SAMBA_INTERNAL --use-rfc2307 \
		--adminpass="$DC_ADMIN_PW" --targetdir="$DC_DIR" --host-name=dc1 \
		--host-ip=127.0.0.1 --option="interfaces=lo" \
		--option="bind interfaces only=yes" > "$DC_DIR/provision.log" 2>&1 ||
		{ tail -20 "$DC_DIR/provision.log"; fail "samba-tool domain provision"; }
	samba_conf
	nsenter -t "$DC_HOLDER" -n -m samba -s "$DC_DIR/etc/smb.conf" -F -M single \
		</dev/null > "$DC_DIR/samba.out" 2>&1 &
	DC_PID=$!	# nsenter execs samba: the same process
	for _ in $(seq 120); do
		in_dc ldapsearch -x -H ldap://127.0.0.1/ -b "" -s base >/dev/null 2>&1 && break
		kill -0 "$DC_PID" 2>/dev/null || { cat "$DC_DIR/samba.out"; fail "samba exited"; }
		sleep 0.5
	done
	DC_CA="$DC_DIR/private/tls/ca.pem"
	[ -s "$DC_CA" ] || fail "samba made no CA certificate"
	DC_SID=$(in_dc ldbsearch -H "$DC_DIR/private/sam.ldb" -b "$DC_BASE" -s base objectSid |
		sed -n 's/^objectSid: //p')
	case "$DC_SID" in S-1-5-21-*) ;; *) fail "no domain SID: '$DC_SID'";; esac
}

# dc_load SCRIPT ACTION: tests/data/ad-load.py's users and groups.
dc_load() {
	in_dc /usr/bin/python3 "$DATA/ad-load.py" "$DC_DIR/etc/smb.conf" \
		"$DC_DIR/private/sam.ldb" "$@" || fail "ad-load.py $*"
}

# dc_rid NAME: the RID of an account.
dc_rid() {
	in_dc ldbsearch -H "$DC_DIR/private/sam.ldb" -b "$DC_BASE" \
		"(sAMAccountName=$1)" objectSid | sed -n 's/^objectSid: .*-//p'
}
