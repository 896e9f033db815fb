#!/bin/bash
# run-watch.sh [USERS] [GROUPS] [TRIALS]: how long a change takes to reach
# getent through the NSS module under `ldapsync watch`, against a private
# slapd holding USERS users and GROUPS groups: TRIALS (20) changes of each
# kind (a modification, an addition, a deletion, a membership added),
# each timed from ldapmodify's return to the first getent (through
# libnss_wrapper and the module) that shows it, polled every 20 ms.
# Prints the median and the 99th percentile per kind (issue 10: p99
# under 1 s).
here=$(cd "$(dirname "$0")" && pwd)
: "${LDAPSYNC:=$here/../ldapsync}"
. "$here/../tests/integration/lib.sh"
NUSERS=${1:-100000} NGROUPS=${2:-10000} TRIALS=${3:-20}

"$here/gen.sh" "$NUSERS" "$NGROUPS" 20 > "$WORK/dir.ldif"
slapd_start B "$WORK/dir.ldif"
rm -f "$WORK/dir.ldif"
ROOT="$WORK/root"
M="$ROOT/var/lib/ldapsync"
mkroot "$ROOT"
mkconf "$WORK/c.conf" "$B_URI" <<X
uid_range 100000-999999
gid_range 100000-999999
state_dir /var/lib/ldapsync
user_removal_action delete
max_removals 100%
files_interval 60
X
"$LDAPSYNC" -q -c "$WORK/c.conf" -R "$ROOT" || fail "the first sync"
"$LDAPSYNC" -c "$WORK/c.conf" -R "$ROOT" watch > "$WORK/w.out" 2>&1 &
WATCH=$!
trap 'kill $WATCH 2>/dev/null; cleanup' EXIT
for _ in $(seq 300); do grep -q '^watching ' "$WORK/w.out" && break; sleep 0.1; done
grep -q '^watching ' "$WORK/w.out" || { cat "$WORK/w.out"; fail "watch did not start"; }

ms() { echo $(( $(date +%s%N) / 1000000 )); }
served() { nss_with "$M" getent "$@" > "$WORK/got" 2>/dev/null; }
until_ok() {	# COMMAND...: ms until it succeeds (fails past 10 s)
	local t0=$1 t
	shift
	until "$@"; do
		t=$(( $(ms) - t0 ))
		[ "$t" -le 10000 ] || fail "not served after ${t} ms: $*"
		sleep 0.02
	done
	echo $(( $(ms) - t0 ))
}
change() { ldapmodify -x -H "$B_URI" -D "$ADMIN_DN" -w "$ADMIN_PW" > /dev/null || fail "ldapmodify"; }
gecos_is() { served passwd "$1" && grep -q ":$2:" "$WORK/got"; }
gone() { ! served passwd "$1"; }
lists() { served group "$1" && grep -qE "[:,]$2(,|$)" "$WORK/got"; }

for i in $(seq "$TRIALS"); do
	u=$((i * 101 % NUSERS + 1)) g=$((i * 37 % NGROUPS + 1))
	printf 'dn: uid=u%d,ou=people,%s\nchangetype: modify\nreplace: gecos\ngecos: w%d\n\n' "$u" "$SUFFIX" "$i" | change
	t0=$(ms); until_ok "$t0" gecos_is "u$u" "w$i" >> "$WORK/modify"
	printf 'dn: uid=w%d,ou=people,%s\nchangetype: add\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: w%d\ncn: w\nsn: w\nuidNumber: %d\ngidNumber: 100001\nhomeDirectory: /home/w%d\nloginShell: /bin/bash\n\n' \
		"$i" "$SUFFIX" "$i" $((800000 + i)) "$i" | change
	t0=$(ms); until_ok "$t0" served passwd "w$i" >> "$WORK/add"
	printf 'dn: uid=w%d,ou=people,%s\nchangetype: delete\n\n' "$i" "$SUFFIX" | change
	t0=$(ms); until_ok "$t0" gone "w$i" >> "$WORK/delete"
	printf 'dn: cn=g%d,ou=groups,%s\nchangetype: modify\nadd: memberUid\nmemberUid: u%d\n\n' "$g" "$SUFFIX" "$u" | change
	t0=$(ms); until_ok "$t0" lists "g$g" "u$u" >> "$WORK/member"
done
kill -0 "$WATCH" || fail "watch died"

pct() { sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END { i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; print v[i] }'; }
printf 'directory: %d users, %d groups; %d changes of each kind under watch\n' "$NUSERS" "$NGROUPS" "$TRIALS"
for k in modify add delete member; do
	printf '%-10s median %5d ms   p99 %5d ms (target < 1000)\n' "$k" "$(pct "$WORK/$k" 50)" "$(pct "$WORK/$k" 99)"
done
