#!/bin/bash
# run-churn.sh [USERS] [GROUPS] [HOSTS]: what a run costs against what
# it fetches, all measured in one run against one private slapd
# (syncprov, session log) holding USERS users and GROUPS groups:
#  - a full sync into an empty root beside ldapsearch -E pr=500 fetching
#    the same entries and attributes (issue 10: at most 1.1), and its
#    peak RSS (under 128 MB);
#  - each kind of change alone (a modification, an addition, a deletion,
#    a membership added, a rename), then a realistic quarter hour (10
#    modified, 1 added, 1 deleted, 2 memberships, 1 rename), each an
#    incremental run as a share of the full sync (at most 5 %);
#  - a fleet: HOSTS roots synced before that quarter hour, each run once
#    after it, each run followed by a bare ldapsearch -E sync=ro of users
#    and groups together from a cookie of the same age; slapd's CPU (its
#    threads' schedstat) per run of each, as a ratio (at most 1.1), and
#    the hosts one 2-core replica serves at 50 % load on a 15-minute timer.
# Medians of RUNS (3) runs; every sync runs after "sync", as a timer's
# run finds the disk caught up.
here=$(cd "$(dirname "$0")" && pwd)
: "${LDAPSYNC:=$here/../ldapsync}"
. "$here/../tests/integration/lib.sh"
NUSERS=${1:-100000} NGROUPS=${2:-10000} HOSTS=${3:-100} RUNS=${RUNS:-3}

"$here/gen.sh" "$NUSERS" "$NGROUPS" 20 > "$WORK/dir.ldif"
slapd_start B "$WORK/dir.ldif"
rm -f "$WORK/dir.ldif"
mkconf "$WORK/c.conf" "$B_URI" <<X
uid_range 100000-999999
gid_range 100000-999999
state_dir /var/lib/ldapsync
user_removal_action delete
group_removal_action delete
page_size 500
X
UATTRS="uid uidNumber gidNumber gecos cn homeDirectory loginShell userPassword shadowLastChange shadowMin shadowMax shadowWarning shadowInactive shadowExpire entryUUID objectGUID"
GATTRS="cn gidNumber memberUid member entryUUID objectGUID"

now() { date +%s.%N; }
# slapd's CPU in nanoseconds, thread by thread (schedstat): a thread
# gone between two marks is left out of both, one new counts whole.
cpu_mark() {	# FILE
	for t in /proc/"$B_PID"/task/*; do echo "${t##*/} $(cut -d' ' -f1 "$t/schedstat")"; done > "$1"
}
cpu_spent() {	# FROM TO: nanoseconds between two marks
	awk 'NR == FNR { was[$1] = $2; next } { s += $2 - ($1 in was ? was[$1] : 0) } END { printf "%.0f", s }' "$1" "$2"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
fetch() {
	ldapsearch -x -LLL -H "$B_URI" -D "$SYNC_DN" -w "$SYNC_PW" -E pr=500/noprompt \
		-b "ou=people,$SUFFIX" '(objectClass=posixAccount)' $UATTRS > /dev/null || fail ldapsearch
	ldapsearch -x -LLL -H "$B_URI" -D "$SYNC_DN" -w "$SYNC_PW" -E pr=500/noprompt \
		-b "ou=groups,$SUFFIX" '(objectClass=posixGroup)' $GATTRS > /dev/null || fail ldapsearch
}
timed() {	# command...: seconds on stdout; peak RSS (KiB) in $WORK/rss
	local t0 t1
	command sync
	t0=$(now)
	/usr/bin/time -f %M -o "$WORK/rss" "$@" > "$WORK/cmd.out" 2>&1 || { tail -5 "$WORK/cmd.out" >&2; fail "$*"; }
	t1=$(now)
	echo "$t1 - $t0" | bc
}
ldsync() { "$LDAPSYNC" -v -c "$WORK/c.conf" -R "$1"; }

# --- full sync against the fetch -----------------------------------------
fetch	# slapd's caches warm
: > "$WORK/f"; : > "$WORK/s"; : > "$WORK/r"
for _ in $(seq "$RUNS"); do
	t0=$(now); fetch; echo "$(now) - $t0" | bc >> "$WORK/f"
	rm -rf "$WORK/root"; mkroot "$WORK/root"
	timed "$LDAPSYNC" -q -c "$WORK/c.conf" -R "$WORK/root" >> "$WORK/s"
	cat "$WORK/rss" >> "$WORK/r"
done
F=$(median < "$WORK/f") S=$(median < "$WORK/s") RSS=$(sort -n "$WORK/r" | tail -1)
[ "$(grep -c '^u[0-9]*:' "$WORK/root/etc/passwd")" = "$NUSERS" ] || fail "not every user synced"

# --- incremental runs ----------------------------------------------------
N=0
modify() { N=$((N + 1)); printf 'dn: uid=u%d,ou=people,%s\nchangetype: modify\nreplace: gecos\ngecos: changed %d\n\n' $((N * 37 % NUSERS + 1)) "$SUFFIX" "$N"; }
add() { N=$((N + 1)); printf 'dn: uid=n%d,ou=people,%s\nchangetype: add\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: n%d\ncn: n\nsn: n\nuidNumber: %d\ngidNumber: 100001\nhomeDirectory: /home/n%d\nloginShell: /bin/bash\n\n' "$N" "$SUFFIX" "$N" $((900000 + N)) "$N"; }
delete() { N=$((N + 1)); printf 'dn: uid=u%d,ou=people,%s\nchangetype: delete\n\n' $((N * 53 % NUSERS + 1)) "$SUFFIX"; }
member() { N=$((N + 1)); printf 'dn: cn=g%d,ou=groups,%s\nchangetype: modify\nadd: memberUid\nmemberUid: u%d\n\n' $((N * 17 % NGROUPS + 1)) "$SUFFIX" $((N * 91 % NUSERS + 1)); }
rename() { N=$((N + 1)); printf 'dn: uid=u%d,ou=people,%s\nchangetype: modrdn\nnewrdn: uid=r%d\ndeleteoldrdn: 1\n\n' $((N * 71 % NUSERS + 1)) "$SUFFIX" "$N"; }
quarter() { for _ in $(seq 10); do modify; done; add; delete; member; member; rename; }

kinds="modify add delete member rename quarter"
: > "$WORK/whole"
declare -A INC CS
for k in $kinds; do
	: > "$WORK/i"; CS[$k]=0
	for _ in $(seq "$RUNS"); do
		$k > "$WORK/change.ldif"	# not in a pipe: N must move on
		ldapmodify -x -H "$B_URI" -D "$ADMIN_DN" -w "$ADMIN_PW" -f "$WORK/change.ldif" > /dev/null || fail "$k"
		timed "$LDAPSYNC" -v -c "$WORK/c.conf" -R "$WORK/root" >> "$WORK/i"
		grep -q '^incremental refresh' "$WORK/cmd.out" || fail "$k: not an incremental run"
		! grep -q '^planned as a change set' "$WORK/cmd.out" || CS[$k]=$((CS[$k] + 1))
		sed -n "s/^the whole directory is planned: /$k: /p" "$WORK/cmd.out" >> "$WORK/whole"
	done
	INC[$k]=$(median < "$WORK/i")
done

# --- a fleet ---------------------------------------------------------------
# Hosts synced before the churn (copies of one synced root: the same
# cookie age), and a cookie of that age for ldapsearch.
ldapsearch -x -H "$B_URI" -D "$SYNC_DN" -w "$SYNC_PW" -E sync=ro -b "$SUFFIX" \
	'(|(objectClass=posixAccount)(objectClass=posixGroup))' 1.1 > "$WORK/sync.out" || fail "ldapsearch sync=ro"
COOKIE=$(sed -n 's/^# cookie: //p' "$WORK/sync.out")
[ -n "$COOKIE" ] || fail "ldapsearch printed no cookie"
for h in $(seq "$HOSTS"); do cp -a "$WORK/root" "$WORK/host$h"; done
quarter > "$WORK/change.ldif"
ldapmodify -x -H "$B_URI" -D "$ADMIN_DN" -w "$ADMIN_PW" -f "$WORK/change.ldif" > /dev/null || fail "the fleet's quarter hour"
# Each host's run, then a bare search, in turn: both under the same
# conditions.
SPENT_HOSTS=0 SPENT_BARE=0
for h in $(seq "$HOSTS"); do
	cpu_mark "$WORK/m0"
	ldsync "$WORK/host$h" > "$WORK/host.out" 2>&1 || { cat "$WORK/host.out"; fail "host $h"; }
	cpu_mark "$WORK/m1"
	ldapsearch -x -LLL -H "$B_URI" -D "$SYNC_DN" -w "$SYNC_PW" -E "sync=ro/$COOKIE" -b "$SUFFIX" \
		'(|(objectClass=posixAccount)(objectClass=posixGroup))' $UATTRS $GATTRS > /dev/null || fail "ldapsearch sync=ro/cookie"
	cpu_mark "$WORK/m2"
	SPENT_HOSTS=$((SPENT_HOSTS + $(cpu_spent "$WORK/m0" "$WORK/m1")))
	SPENT_BARE=$((SPENT_BARE + $(cpu_spent "$WORK/m1" "$WORK/m2")))
	rm -rf "$WORK/host$h"
done
HOST_CPU=$(awk -v d="$SPENT_HOSTS" -v n="$HOSTS" 'BEGIN { printf "%.5f", d / 1e9 / n }')
BARE_CPU=$(awk -v d="$SPENT_BARE" -v n="$HOSTS" 'BEGIN { printf "%.5f", d / 1e9 / n }')

printf 'directory: %d users, %d groups; medians of %d runs\n' "$NUSERS" "$NGROUPS" "$RUNS"
printf '%-44s %8.3f s\n' "ldapsearch fetch (users + groups)" "$F"
printf '%-44s %8.3f s  ratio %s (target <= 1.1)\n' "full sync into an empty root" "$S" "$(ratio "$S" "$F")"
printf '%-44s %8.1f MB (target < 128)\n' "peak RSS of ldapsync" "$(echo "$RSS / 1024" | bc -l)"
for k in $kinds; do
	printf '%-44s %8.3f s  %5.1f %% of a full sync (target <= 5); %d of %d as change sets\n' \
		"incremental: $k" "${INC[$k]}" "$(awk -v a="${INC[$k]}" -v b="$S" 'BEGIN { print 100 * a / b }')" "${CS[$k]}" "$RUNS"
done
printf '%-44s %8.5f s of slapd CPU per run\n' "fleet: ldapsync after a quarter hour" "$HOST_CPU"
printf '%-44s %8.5f s  ratio %s (target <= 1.1)\n' "fleet: bare ldapsearch -E sync=ro, same age" "$BARE_CPU" \
	"$(awk -v a="$HOST_CPU" -v b="$BARE_CPU" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
awk -v c="$HOST_CPU" 'BEGIN { if (c > 0) printf "hosts per 2-core replica at 50%% load on a 15-minute timer: %d\n", 2 * 0.5 * 900 / c; else print "hosts per replica: slapd CPU below one clock tick" }'
[ ! -s "$WORK/whole" ] || { echo "incremental runs planned whole, and why:"; sort "$WORK/whole" | uniq -c; }
