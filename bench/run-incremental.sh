#!/bin/bash
# run-incremental.sh [USERS] [GROUPS]: full, no-change and 10-change runs
# with RFC 4533 against a private slapd with syncprov and a session log,
# beside ldapsearch fetching the directory, in the same run, with slapd's
# CPU seconds for each (from /proc/PID/stat) and the number of hosts one
# server could carry on a 15-minute timer with and without syncrepl.
# Targets (issue 5): 10 changes <= 5% of a full sync; no change <= 0.5 x
# the ldapsearch fetch.  Syncs are medians of three.
here=$(cd "$(dirname "$0")" && pwd)
: "${LDAPSYNC:=$here/../ldapsync}"
. "$here/../tests/integration/lib.sh"
NUSERS=${1:-100000} NGROUPS=${2:-10000}
TICK=$(getconf CLK_TCK)

"$here/gen.sh" "$NUSERS" "$NGROUPS" 20 > "$WORK/dir.ldif"
slapd_start B "$WORK/dir.ldif"
rm -f "$WORK/dir.ldif"
mkconf "$WORK/c.conf" "$B_URI" <<X
uid_range 100000-999999
gid_range 100000-999999
state_dir /var/lib/ldapsync
X
mkroot "$WORK/root"

now() { date +%s%N; }
cpu() { awk -v t="$TICK" '{ printf "%.3f", ($14 + $15) / t }' "/proc/$B_PID/stat"; }
measure() {	# NAME COMMAND...: wall seconds and slapd CPU seconds
	local t0 c0 t1 c1
	c0=$(cpu); t0=$(now)
	"$@" > "$WORK/cmd.out" 2>&1 || { cat "$WORK/cmd.out"; fail "$1"; }
	t1=$(now); c1=$(cpu)
	echo "$(echo "($t1 - $t0) / 1000000000" | bc -l) $(echo "$c1 - $c0" | bc -l)"
}
fetch() {
	ldapsearch -x -LLL -H "$B_URI" -D "$SYNC_DN" -w "$SYNC_PW" -E pr=500/noprompt \
		-b "ou=people,$SUFFIX" '(objectClass=posixAccount)' uid uidNumber gidNumber \
		gecos cn homeDirectory loginShell userPassword shadowLastChange shadowMin \
		shadowMax shadowWarning shadowInactive shadowExpire entryUUID objectGUID \
		> /dev/null &&
	ldapsearch -x -LLL -H "$B_URI" -D "$SYNC_DN" -w "$SYNC_PW" -E pr=500/noprompt \
		-b "ou=groups,$SUFFIX" '(objectClass=posixGroup)' cn gidNumber memberUid \
		member entryUUID objectGUID > /dev/null
}
ldsync() { "$LDAPSYNC" -v -c "$WORK/c.conf" -R "$WORK/root"; }

median() { sort -n | sed -n 2p; }	# of three
# Each measured run starts with the disk caught up (sync, not timed), as
# a timer's run finds it: the kernel writes dirty pages back within 30 s.
runs() {	# NAME PREPARE-COMMAND: three measured syncs, medians
	local i out=()
	for i in 1 2 3; do
		$2 "$i"
		command sync
		out+=("$(measure ldsync)")
		eval "$3"
	done
	W=$(printf '%s\n' "${out[@]}" | awk '{ print $1 }' | median)
	WC=$(printf '%s\n' "${out[@]}" | awk '{ print $2 }' | median)
}
fetch
read -r F FC <<< "$(measure fetch)"
empty_root() { rm -rf "$WORK/root"; mkroot "$WORK/root"; }
runs full empty_root 'grep -q "^full refresh" "$WORK/cmd.out" || fail "not a full refresh"'
S=$W SC=$WC
nothing() { :; }
runs none nothing 'grep -q "^incremental refresh: 0 entries" "$WORK/cmd.out" || fail "the no-change run was not incremental"'
N=$W NC=$WC
ten() {
	for i in $(seq 10); do
		printf 'dn: uid=u%d,ou=people,%s\nchangetype: modify\nreplace: gecos\ngecos: changed %d %d\n\n' "$i" "$SUFFIX" "$i" "$1"
	done | ldap_modify B
}
SHORT=0
runs ten ten 'grep -q "^incremental refresh: 10 entries" "$WORK/cmd.out" || fail "the 10-change run did not receive 10 entries"; ! grep -q "^only 10 changed" "$WORK/cmd.out" || SHORT=$((SHORT + 1))'
T=$W TC=$WC

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", 100 * a / b }'; }
# Below one clock tick, slapd's CPU time reads as 0: a bound, then.
hosts() { awk -v c="$1" -v t="$TICK" 'BEGIN { if (c < 1 / t) printf "more than %d", 900 * t; else printf "%d", 900 / c }'; }
printf '%-34s %8s %10s\n' run "wall s" "slapd cpu s"
printf '%-34s %8.3f %10.3f\n' "ldapsearch fetch" "$F" "$FC"
printf '%-34s %8.3f %10.3f\n' "full sync (empty root)" "$S" "$SC"
printf '%-34s %8.3f %10.3f\n' "incremental, no change" "$N" "$NC"
printf '%-34s %8.3f %10.3f\n' "incremental, 10 changes" "$T" "$TC"
echo "10 changes: $(pct "$T" "$S")% of a full sync (target <= 5%); $SHORT of 3 took the short way"
echo "no change: $(awk -v a="$N" -v b="$F" 'BEGIN { printf "%.2f", a / b }') x the ldapsearch fetch (target <= 0.5)"
echo "hosts one slapd core carries on a 15-minute timer: $(hosts "$SC") with full fetches, $(hosts "$NC") with syncrepl (no change), $(hosts "$TC") (10 changes)"
