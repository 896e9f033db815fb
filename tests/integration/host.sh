#!/bin/bash
# On a real host stack: a private mount namespace with a copy of /etc
# bind-mounted over /etc (the real one is never touched), ldapsync
# without --root, and then glibc's getent and id, PAM (pamtester with
# pam_unix) and a private sshd with key logins, through nsswitch.conf's
# "files ldapsync".  For files yes, files no and the switch between them,
# a suspended user fails both password and key logins and is restored
# when she returns; with nscd running in the namespace too, which
# ldapsync must tell.
if [ -z "${IN_NAMESPACE:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "host.sh needs root (unshare -m)"; exit 1; }
	IN_NAMESPACE=1 exec unshare -m --propagation private "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

: "${NSS_MODULE:=$top_srcdir/.libs/libnss_ldapsync.so.2}"
for cmd in pamtester /usr/sbin/sshd ssh ssh-keygen /usr/sbin/nscd openssl; do
	command -v "$cmd" >/dev/null || fail "$cmd is not installed"
done

# --- the namespace's host -----------------------------------------------
cp -a /etc "$WORK/etc"
mount --bind "$WORK/etc" /etc || fail "bind /etc"
for d in /run /home; do mount -t tmpfs -o mode=755 tmpfs "$d" || fail "tmpfs $d"; done
mkdir -p /run/sshd /run/nscd /run/ldapsync /run/keys
chmod 700 /run/ldapsync
sed -i -E 's/^(passwd|group|shadow):.*/\1: files ldapsync/' /etc/nsswitch.conf
grep -q '^passwd: files ldapsync$' /etc/nsswitch.conf || fail "nsswitch.conf"
# PAM as a host has it, reduced to pam_unix so that every answer is its.
printf 'auth required pam_unix.so\naccount required pam_unix.so\nsession required pam_permit.so\npassword required pam_deny.so\n' > /etc/pam.d/sshd
cp /etc/pam.d/sshd /etc/pam.d/ldapsync-test
# The module by glibc's own search, the mirror where this run keeps it.
# sshd, nscd and PAM cannot load a module built with AddressSanitizer:
# that build gets the same sources built plainly (test_nss and the fuzzer
# check the module under the sanitizers).
mkdir -p "$WORK/lib"
if ldd "$NSS_MODULE" | grep -q libasan; then
	: "${top_builddir:=$top_srcdir}"
	cc -O2 -shared -fPIC -fvisibility=hidden -I"$top_builddir" -I"$top_srcdir/nss" \
		-DMIRROR_DIR='"/nonexistent"' -o "$WORK/lib/libnss_ldapsync.so.2" \
		"$top_srcdir/nss/nss_ldapsync.c" "$top_srcdir/nss/reader.c" || fail "a plain build of the module"
else
	cp "$NSS_MODULE" "$WORK/lib/"
fi
export LD_LIBRARY_PATH="$WORK/lib" LDAPSYNC_MIRROR_DIR=/run/ldapsync

slapd_start A "$DATA/sample.ldif"
HASH=$(openssl passwd -6 -salt hostsalt alicepw)
ldap_modify A <<L
dn: uid=alice,ou=people,$SUFFIX
changetype: modify
replace: userPassword
userPassword: {CRYPT}$HASH
L
ldapsearch -x -H "$A_URI" -D "$ADMIN_DN" -w "$ADMIN_PW" -b "uid=alice,ou=people,$SUFFIX" -LLL > "$WORK/alice.ldif" \
	|| fail "save alice"
mkconf "$WORK/yes.conf" "$A_URI" <<X
state_dir /run/ldapsync
unusable_password no
user_removal_action suspend
max_removals 100%
X
{ cat "$WORK/yes.conf"; echo "files no"; } > "$WORK/no.conf"
chmod 600 "$WORK/no.conf"
sync() {	# CONF
	"$LDAPSYNC" -q -c "$1" > "$WORK/sync.out" 2>&1 || { cat "$WORK/sync.out"; fail "sync with $1"; }
}

# --- sshd with key logins ------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -f "$WORK/hostkey" || fail "host key"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/userkey" || fail "user key"
cp "$WORK/userkey.pub" /run/keys/alice
sshd_config() {	# PORT [extra lines on stdin]
	cat > "$WORK/sshd_config" <<S
Port $1
ListenAddress 127.0.0.1
HostKey $WORK/hostkey
PidFile /run/sshd.pid
UsePAM yes
KbdInteractiveAuthentication no
PasswordAuthentication no
PubkeyAuthentication yes
StrictModes no
S
	cat >> "$WORK/sshd_config"
}
# sshd binds after it forks, so only its pid file says it listens.  Ports
# below the kernel's ephemeral range (and slapd's) cannot be taken by a
# client connection of a test running alongside; one taken anyway means
# another try.
start_sshd() {	# extra sshd_config lines on stdin
	local extra
	extra=$(cat)
	SSHD_PID=""
	for _ in $(seq 10); do
		PORT=$(( (RANDOM % 10000) + 20000 ))
		echo "$extra" | sshd_config "$PORT"
		rm -f /run/sshd.pid
		: > "$WORK/sshd.log"
		/usr/sbin/sshd -f "$WORK/sshd_config" -E "$WORK/sshd.log" || fail "sshd did not start"
		for _ in $(seq 50); do
			[ -s /run/sshd.pid ] && break
			grep -q 'Cannot bind any address' "$WORK/sshd.log" && break
			sleep 0.1
		done
		[ -s /run/sshd.pid ] && { SSHD_PID=$(cat /run/sshd.pid); return; }
	done
	fail "sshd found no free port in 10 tries"
}
start_sshd <<< "AuthorizedKeysFile /run/keys/%u"
NSCD_PID=""
stop_daemons() {
	[ -z "$NSCD_PID" ] || kill "$NSCD_PID" 2>/dev/null
	kill "$SSHD_PID" 2>/dev/null
}
trap 'stop_daemons; cleanup' EXIT

key_login() {	# USER: 0 when a key login runs a command
	timeout 20 ssh -q -i "$WORK/userkey" -p "$PORT" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		"$1@127.0.0.1" true < /dev/null
}
password_ok() { echo alicepw | pamtester ldapsync-test alice authenticate > /dev/null 2>&1; }
account_ok() { pamtester ldapsync-test alice acct_mgmt > /dev/null 2>&1; }

active() {	# MODE: alice logs in every way
	assert_eq "$(getent passwd alice)" "alice:x:10001:10001:Alice Liddell:/home/alice:/bin/bash" "$1: getent passwd alice"
	# The host's own "staff" (gid 50) keeps the directory's out.
	assert_eq "$(id -u alice):$(getent group staff | cut -d: -f3)" "10001:50" "$1: id -u alice, the local staff"
	password_ok || fail "$1: alice's password is refused"
	account_ok || fail "$1: alice's account is refused"
	key_login alice || { tail -5 "$WORK/sshd.log"; fail "$1: alice's key login failed"; }
}
suspended() {	# MODE: alice is there, and logs in no way
	assert_eq "$(getent passwd alice | cut -d: -f7)" /usr/sbin/nologin "$1: alice's shell"
	getent shadow alice | grep -q '^alice:!' || fail "$1: alice's password is not locked"
	! password_ok || fail "$1: a suspended alice's password passed"
	! account_ok || fail "$1: a suspended alice's account passed"
	! key_login alice || fail "$1: a suspended alice logged in with her key"
}
leave() { ldap_modify A <<L
dn: uid=alice,ou=people,$SUFFIX
changetype: delete
L
}
come_back() { sed 's/^dn:.*/&\nchangetype: add/' "$WORK/alice.ldif" | ldap_modify A; }

# cycle CONF MODE: active, suspended when she leaves, restored on return.
cycle() {
	sync "$1"
	active "$2"
	leave
	sync "$1"
	suspended "$2"
	come_back
	sync "$1"
	active "$2 (returned)"
}

cycle "$WORK/yes.conf" "files yes"
grep -q '^alice:' /etc/passwd || fail "files yes: alice is not in /etc/passwd"
pass "files yes: getent, id, PAM and sshd; a suspended user fails password and key logins, and returns"

cycle "$WORK/no.conf" "files no"
! grep -q '^alice:' /etc/passwd || fail "files no: alice is still in /etc/passwd"
pass "files no: the module alone serves alice; suspended, she fails every login, and returns"

# The switch with alice suspended, each way.
leave
sync "$WORK/no.conf"
suspended "files no, suspended"
sync "$WORK/yes.conf"
suspended "switched to files yes while suspended"
sync "$WORK/no.conf"
suspended "switched to files no while suspended"
come_back
sync "$WORK/no.conf"
active "returned under files no"
sync "$WORK/yes.conf"
active "switched back to files yes"
pass "switching files yes/no keeps a suspended user out and a returned one in"

# nscd caches passwd answers for 600 s: ldapsync must tell it.
nscd -F > "$WORK/nscd.log" 2>&1 &
NSCD_PID=$!
for _ in $(seq 50); do [ -S /run/nscd/socket ] && break; sleep 0.1; done
[ -S /run/nscd/socket ] || fail "nscd did not start"
for conf in "$WORK/yes.conf" "$WORK/no.conf"; do
	sync "$conf"
	getent passwd alice > /dev/null	# now in nscd's cache
	active "nscd, $conf"
	leave
	sync "$conf"
	suspended "nscd, $conf"
	come_back
	sync "$conf"
	active "nscd, $conf (returned)"
done
pass "with nscd running, suspensions and returns take effect at once"

# --- SSH keys from the directory: AuthorizedKeysCommand ---------------------
# sshd runs the command as nobody, and wants it and every directory above
# it root's and written by no one else: a copy on the namespace's /run.
ldap_modify A <<L
dn: uid=alice,ou=people,$SUFFIX
changetype: modify
add: objectClass
objectClass: ldapPublicKey
-
add: sshPublicKey
sshPublicKey: no-agent-forwarding $(cat "$WORK/userkey.pub")
L
ldapsearch -x -H "$A_URI" -D "$ADMIN_DN" -w "$ADMIN_PW" -b "uid=alice,ou=people,$SUFFIX" -LLL > "$WORK/alice.ldif" \
	|| fail "save alice"
rm -f /run/keys/alice
mkdir -p /run/bin
install -m 755 "$LDAPSYNC" /run/bin/ldapsync
chmod 755 /run/ldapsync
# What authorized-keys reads holds no secret: readable by nobody.
printf 'uri %s\nbase %s\nstate_dir /run/ldapsync\n' "$A_URI" "$SUFFIX" > /run/keys.conf
chmod 644 /run/keys.conf
kill "$SSHD_PID"
start_sshd <<S
AuthorizedKeysFile none
AuthorizedKeysCommand /run/bin/ldapsync -c /run/keys.conf authorized-keys %u
AuthorizedKeysCommandUser nobody
S
keys_of() {	# USER: what sshd hears, as nobody
	runuser -u nobody -- /run/bin/ldapsync -c /run/keys.conf authorized-keys "$1" 2>&1
}
sync "$WORK/yes.conf"
assert_eq "$(keys_of alice)" "no-agent-forwarding $(cat "$WORK/userkey.pub")" "alice's key, with its option"
assert_eq "$(keys_of ali)" "" "a name's prefix"
assert_eq "$(keys_of alicex)" "" "a longer name"
key_login alice || { tail -5 "$WORK/sshd.log"; fail "a key login through AuthorizedKeysCommand"; }
leave
sync "$WORK/yes.conf"
assert_eq "$(keys_of alice)" "" "a suspended user's keys"
! key_login alice || fail "a suspended alice logged in with her directory key"
come_back
sync "$WORK/yes.conf"
slapd_stop A
key_login alice || { tail -5 "$WORK/sshd.log"; fail "a key login with the directory down"; }
pass "AuthorizedKeysCommand ldapsync authorized-keys as nobody: exact names, options kept, none once suspended, no directory needed"

done_testing
