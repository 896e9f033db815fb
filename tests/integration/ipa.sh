#!/bin/bash
# 389 Directory Server, the server under FreeIPA (Debian 389-ds-base),
# made by dscreate inside a private mount namespace (its /etc/dirsrv a
# copy, its state on tmpfs, systemctl a stand-in that runs ns-slapd by
# pid): schema ipa syncs its users and groups, nsAccountLock: TRUE
# suspends a user and clearing it restores her, nested groups resolve.
if [ -z "${IN_NAMESPACE:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "ipa.sh needs root (unshare -m)"; exit 1; }
	IN_NAMESPACE=1 exec unshare -m --propagation private "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
for cmd in dscreate /usr/sbin/ns-slapd; do
	command -v "$cmd" >/dev/null || fail "$cmd is not installed (Debian 389-ds-base)"
done

DS_PW="Secret-12345"
DS_PID=""
ds_stop() {	# by pid, however the test ends
	[ -n "$DS_PID" ] || return 0
	kill "$DS_PID" 2>/dev/null
	for _ in $(seq 200); do kill -0 "$DS_PID" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$DS_PID" 2>/dev/null
	DS_PID=""
}
trap 'ds_stop; cleanup' EXIT

# --- the instance -------------------------------------------------------------
mkdir -p "$WORK/bin"
cp -a /etc/dirsrv "$WORK/dirsrv-etc"
mount --bind "$WORK/dirsrv-etc" /etc/dirsrv || fail "bind /etc/dirsrv"
for d in /var/lib/dirsrv /var/log/dirsrv /run/dirsrv /var/lock/dirsrv; do
	mkdir -p "$d" && mount -t tmpfs tmpfs "$d" && chown dirsrv:dirsrv "$d" ||
		fail "tmpfs $d"
done
# dscreate starts and stops the instance through systemctl; here
# systemd is not PID 1, so ns-slapd is run and stopped by its pid file.
cat > "$WORK/bin/systemctl" <<'S'
#!/bin/bash
unit=""
for a in "$@"; do case $a in dirsrv@*) unit=${a#dirsrv@}; unit=${unit%.service};; esac; done
pidf=/run/dirsrv/slapd-$unit.pid
alive() { [ -s "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; }
case "$1" in
start)	/usr/sbin/ns-slapd -D "/etc/dirsrv/slapd-$unit" -i "$pidf" || exit 1
	for _ in $(seq 100); do [ -s "$pidf" ] && exit 0; sleep 0.1; done; exit 1;;
stop)	alive && kill "$(cat "$pidf")"
	for _ in $(seq 100); do alive || exit 0; sleep 0.1; done; exit 1;;
is-active) alive && { echo active; exit 0; }; echo inactive; exit 3;;
*)	exit 0;;
esac
S
chmod +x "$WORK/bin/systemctl"
for _ in $(seq 5); do
	PORT=$(( (RANDOM % 10000) + 20000 ))
	cat > "$WORK/ds.inf" <<I
[general]
config_version = 2
start = False
[slapd]
instance_name = t
port = $PORT
secure_port = 0
root_dn = cn=Directory Manager
root_password = $DS_PW
self_sign_cert = False
[backend-userroot]
suffix = $SUFFIX
sample_entries = yes
I
	PATH="$WORK/bin:$PATH" dscreate from-file "$WORK/ds.inf" > "$WORK/dscreate.log" 2>&1 && break
	PATH="$WORK/bin:$PATH" dsctl t remove --do-it > /dev/null 2>&1
	PORT=""
done
[ -n "$PORT" ] || { tail -20 "$WORK/dscreate.log"; fail "dscreate"; }
PATH="$WORK/bin:$PATH" systemctl start dirsrv@t || fail "ns-slapd did not start"
URI="ldap://127.0.0.1:$PORT/"
for _ in $(seq 100); do
	ldapsearch -x -H "$URI" -b "" -s base > /dev/null 2>&1 && break
	sleep 0.1
done
# The daemon's own pid: the file holds it once the server answers.
DS_PID=$(cat /run/dirsrv/slapd-t.pid)
[ "$(cat "/proc/$DS_PID/comm" 2>/dev/null)" = ns-slapd ] || fail "no ns-slapd at pid $DS_PID"
ds_modify() {	# LDIF on stdin
	ldapmodify -x -H "$URI" -D "cn=Directory Manager" -w "$DS_PW" > "$WORK/ldapmodify.out" 2>&1 ||
		{ cat "$WORK/ldapmodify.out"; fail "ldapmodify"; }
}

ds_modify <<L
$(for u in ann:20001 ben:20002 cid:20003; do n=${u%:*} id=${u#*:}; cat <<U
dn: uid=$n,ou=people,$SUFFIX
changetype: add
objectClass: inetOrgPerson
objectClass: posixAccount
uid: $n
cn: ${n^}
sn: ${n^}
uidNumber: $id
gidNumber: 20000
homeDirectory: /home/$n
loginShell: /bin/bash

U
done)

dn: uid=ben,ou=people,$SUFFIX
changetype: modify
add: nsAccountLock
nsAccountLock: TRUE

dn: cn=devs,ou=groups,$SUFFIX
changetype: add
objectClass: groupOfNames
objectClass: posixGroup
cn: devs
gidNumber: 20010
member: uid=ann,ou=people,$SUFFIX

dn: cn=ops,ou=groups,$SUFFIX
changetype: add
objectClass: groupOfNames
objectClass: posixGroup
cn: ops
gidNumber: 20011
member: uid=cid,ou=people,$SUFFIX
member: cn=devs,ou=groups,$SUFFIX
L

cat > "$WORK/c.conf" <<E
uri $URI
base $SUFFIX
binddn "cn=Directory Manager"
bindpw $DS_PW
schema ipa
uid_range 20000-29999
gid_range 20000-29999
state_dir /var/lib/ldapsync
E
chmod 600 "$WORK/c.conf"
mkroot "$WORK/root"
R="$WORK/root"
"$LDAPSYNC" -c "$WORK/c.conf" --root "$R" > "$WORK/sync.out" 2>&1 || { cat "$WORK/sync.out"; fail "sync"; }
assert_grep "^ann:x:20001:20000:Ann:/home/ann:/bin/bash$" "$R/etc/passwd" "ann"
assert_grep "^ben:x:20002:20000:Ben:/home/ben:/usr/sbin/nologin$" "$R/etc/passwd" "nsAccountLock: ben's shell"
assert_grep "^ben:!\*::::::1:$" "$R/etc/shadow" "nsAccountLock: ben's password and expiry"
assert_grep "^devs:x:20010:ann$" "$R/etc/group" "devs"
assert_grep "^ops:x:20011:cid,ann$" "$R/etc/group" "ops holds devs's members"
pass "389 Directory Server: schema ipa syncs users and groups, nsAccountLock suspends, nested groups resolve"

ds_modify <<L
dn: uid=ben,ou=people,$SUFFIX
changetype: modify
replace: nsAccountLock
nsAccountLock: FALSE
L
"$LDAPSYNC" -c "$WORK/c.conf" --root "$R" > "$WORK/sync.out" 2>&1 || { cat "$WORK/sync.out"; fail "sync"; }
assert_grep "^ben:x:20002:20000:Ben:/home/ben:/bin/bash$" "$R/etc/passwd" "ben unlocked"
assert_grep "^ben:\*:::::::$" "$R/etc/shadow" "ben's shadow unlocked"
pass "nsAccountLock: FALSE restores the user"

ds_stop
done_testing
