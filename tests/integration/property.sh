#!/bin/bash
# A property of incremental sync: after any sequence of directory changes
# (users added, deleted, renamed, modified, leaving the filter and coming
# back, ids taken twice; groups added, deleted, renamed; memberships by
# name and by DN), a root that followed them run by run holds exactly
# what a full refresh gives:
#  - byte for byte what a twin root refreshed with --full after every
#    step holds (but for the order of two lines appended in one step,
#    which follows the order their entries came in), and both runs print
#    the same change lines, under user_removal_action delete and under
#    suspend (suspensions and returns);
#  - under delete, the same lines as a sync into a fresh root writes,
#    whenever no account is kept from earlier runs (an account refused
#    now, say for an id taken twice, is kept where it existed, and a
#    fresh root never had it).  The same lines, not the same order: a
#    line stays where it is while its account lasts, and a user deleted
#    and added back under her name in one step continues her account,
#    where a fresh root appends her.
# "Exactly" covers passwd, shadow, group, gshadow and the state byte for
# byte, and what the NSS module serves from the mirror.
#
# CI runs PROP_STEPS=150; the full size, with another seed each time:
#   PROP_STEPS=1000 PROP_SEED=$RANDOM make check TESTS=tests/integration/property.sh
. "$(dirname "$0")/lib.sh"

: "${PROP_STEPS:=150}"
: "${PROP_SEED:=4533}"
: "${NSSDUMP:=$top_srcdir/tests/integration/nssdump}"
: "${NSS_MODULE:=$top_srcdir/.libs/libnss_ldapsync.so.2}"
[ -x "$NSSDUMP" ] || fail "no $NSSDUMP (make check builds it)"
RANDOM=$PROP_SEED
echo "# seed $PROP_SEED, $PROP_STEPS steps"

NUSERS=30
{
	gen_users "$NUSERS"
	for g in 1 2 3 4; do
		printf 'dn: cn=g%d,ou=groups,%s\nobjectClass: posixGroup\nobjectClass: extensibleObject\ncn: g%d\ngidNumber: %d\n' \
			"$g" "$SUFFIX" "$g" $((30000 + g))
		for k in 1 2 3 4 5; do echo "memberUid: u$(( (g * 7 + k * 5) % NUSERS + 1 ))"; done
		# One group lists members by DN too (a change set touching
		# it is planned whole; the others are planned alone).
		[ "$g" != 1 ] || echo "member: uid=u$g,ou=people,$SUFFIX"
		echo
	done
} > "$WORK/dir.ldif"
slapd_start A "$DATA/sample.ldif" "$WORK/dir.ldif"
common="user_filter (&(objectClass=posixAccount)(!(loginShell=/bin/false)))
max_removals 100%
state_dir /var/lib/ldapsync"
mkconf "$WORK/d.conf" "$A_URI" <<X
$common
user_removal_action delete
group_removal_action delete
X
mkconf "$WORK/s.conf" "$A_URI" <<X
$common
user_removal_action suspend
group_removal_action nothing
X

# The directory as the test changed it: users (name -> uid number),
# groups (name -> gid number), and names deleted, to bring back.
declare -A USERS GRPS
for i in $(seq "$NUSERS"); do USERS[u$i]=$((20000 + i)); done
for n in alice bob carol; do USERS[$n]=1; done	# sample.ldif's, never touched
for g in 1 2 3 4; do GRPS[g$g]=$((30000 + g)); done
GONE=()
NEXT=100

pick() {	# ARRAY-NAME: a random key of that associative array, in $PICK
	local -n a=$1
	local keys=("${!a[@]}")
	PICK=${keys[RANDOM % ${#keys[@]}]}
}
user_dn() { echo "uid=$1,ou=people,$SUFFIX"; }
group_dn() { echo "cn=$1,ou=groups,$SUFFIX"; }
# The users the test may change: not the sample's, whose lines other
# tests pin down.
pick_user() {
	while pick USERS; [[ $PICK = alice || $PICK = bob || $PICK = carol ]]; do :; done
}
fresh_id() {	# in ID; now and then one already taken, to make a collision
	if [ $((RANDOM % 30)) = 0 ]; then pick_user; ID=${USERS[$PICK]}; else NEXT=$((NEXT + 1)); ID=$((21000 + NEXT)); fi
}

add_user() {
	local name id
	if [ ${#GONE[@]} -gt 0 ] && [ $((RANDOM % 2)) = 0 ]; then
		name=${GONE[-1]}; unset 'GONE[-1]'	# a return, under a new entryUUID
	else
		NEXT=$((NEXT + 1)); name=p$NEXT
	fi
	fresh_id; id=$ID
	printf 'dn: %s\nchangetype: add\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: %s\ncn: %s\nsn: s\nuidNumber: %s\ngidNumber: 10001\nhomeDirectory: /home/%s\nloginShell: /bin/sh\n\n' \
		"$(user_dn "$name")" "$name" "$name" "$id" "$name" | ldap_modify A
	USERS[$name]=$id
	STEP="add user $name uid=$id"
}
del_user() {
	pick_user
	printf 'dn: %s\nchangetype: delete\n\n' "$(user_dn "$PICK")" | ldap_modify A
	unset "USERS[$PICK]"
	GONE+=("$PICK")
	STEP="delete user $PICK"
}
modify_user() {
	local attr value who
	pick_user
	case $((RANDOM % 5)) in
	0) attr=gecos value="changed $RANDOM" ;;
	1) attr=loginShell value=/bin/bash ;;
	2) attr=loginShell value=/bin/false ;;	# leaves the filter
	3) attr=loginShell value=/bin/sh ;;	# and comes back
	4) attr=uidNumber; who=$PICK; fresh_id; PICK=$who value=$ID; USERS[$PICK]=$value ;;
	esac
	printf 'dn: %s\nchangetype: modify\nreplace: %s\n%s: %s\n\n' "$(user_dn "$PICK")" "$attr" "$attr" "$value" | ldap_modify A
	STEP="modify user $PICK $attr=$value"
}
rename_user() {
	local new
	pick_user
	NEXT=$((NEXT + 1)); new=r$NEXT
	printf 'dn: %s\nchangetype: modrdn\nnewrdn: uid=%s\ndeleteoldrdn: 1\n\n' "$(user_dn "$PICK")" "$new" | ldap_modify A
	USERS[$new]=${USERS[$PICK]}
	unset "USERS[$PICK]"
	STEP="rename user $PICK to $new"
}
membership() {
	local op=add who how group
	pick GRPS
	group=$PICK
	[ $((RANDOM % 2)) = 0 ] || op=delete
	pick_user
	who=$PICK
	# Now and then the user add_user creates next: listed before she is.
	[ $((RANDOM % 4)) != 0 ] || who=p$((NEXT + 1))
	if [ "$group" = g1 ] && [ $((RANDOM % 2)) = 0 ]; then how=member who=$(user_dn "$who"); else how=memberUid; fi
	# Adding a value twice or deleting one not there is refused: a
	# "replace" of the whole list is the safe form of either.
	printf 'dn: %s\nchangetype: modify\n%s: %s\n%s: %s\n\n' "$(group_dn "$group")" "$op" "$how" "$how" "$who" \
		| ldapmodify -x -H "$A_URI" -D "$ADMIN_DN" -w "$ADMIN_PW" -c >/dev/null 2>&1 || true
	STEP="group $group: $op $how $who"
}
add_group() {
	local name id
	NEXT=$((NEXT + 1)); name=h$NEXT; id=$((31000 + NEXT))
	[ $((RANDOM % 25)) != 0 ] || { pick GRPS; id=${GRPS[$PICK]}; }	# a gid twice
	pick_user	# the first member
	printf 'dn: %s\nchangetype: add\nobjectClass: posixGroup\nobjectClass: extensibleObject\ncn: %s\ngidNumber: %s\nmemberUid: %s\n\n' \
		"$(group_dn "$name")" "$name" "$id" "$PICK" | ldap_modify A
	GRPS[$name]=$id
	STEP="add group $name gid=$id"
}
del_group() {
	[ ${#GRPS[@]} -gt 2 ] || { add_group; return; }
	pick GRPS
	printf 'dn: %s\nchangetype: delete\n\n' "$(group_dn "$PICK")" | ldap_modify A
	unset "GRPS[$PICK]"
	STEP="delete group $PICK"
}
rename_group() {
	local new
	pick GRPS
	NEXT=$((NEXT + 1)); new=k$NEXT
	printf 'dn: %s\nchangetype: modrdn\nnewrdn: cn=%s\ndeleteoldrdn: 1\n\n' "$(group_dn "$PICK")" "$new" | ldap_modify A
	GRPS[$new]=${GRPS[$PICK]}
	unset "GRPS[$PICK]"
	STEP="rename group $PICK to $new"
}

# A collision mended: the kept user gets an id of her own again.
repair() {
	local name
	name=$(awk '$1 == "u" && $4 == 2 { print $2; exit }' "$WORK/di/var/lib/ldapsync/state")
	[ -n "$name" ] && [ -n "${USERS[$name]:-}" ] || return 1
	NEXT=$((NEXT + 1))
	USERS[$name]=$((21000 + NEXT))
	printf 'dn: %s\nchangetype: modify\nreplace: uidNumber\nuidNumber: %s\n\n' "$(user_dn "$name")" "${USERS[$name]}" | ldap_modify A
	STEP="repair user $name uid=${USERS[$name]}"
}

random_change() {
	[ $((RANDOM % 4)) != 0 ] || ! repair || return 0
	case $((RANDOM % 16)) in
	0|1|2) add_user ;;
	3|4) del_user ;;
	5|6|7|8) modify_user ;;
	9) rename_user ;;
	10|11|12) membership ;;
	13) add_group ;;
	14) del_group ;;
	15) rename_group ;;
	esac
}

sync_to() {	# CONF ROOT OUT [ARGS...]
	local conf=$1 root=$2 out=$3
	shift 3
	"$LDAPSYNC" -v -c "$conf" -R "$root" "$@" > "$out" 2> "$out.err" \
		|| { cat "$out.err"; fail "step $N ($STEP): sync into $root $*"; }
}
changes() { grep '^[-+~!] ' "$1" | sort; }

# Each line with its section's name, sorted: the same lines, in any order.
as_set() { awk '/^== / { s = $0; next } { print s "\t" $0 }' | sort; }

# The sets, and what the mirror's indexes answer for each account.
describe_all() {	# ROOT
	describe "$1"
	echo "== nss lookups"
	LDAPSYNC_MIRROR_DIR="$1/var/lib/ldapsync" ASAN_OPTIONS=detect_leaks=0 \
		"$NSSDUMP" "$NSS_MODULE" lookups
}

# Lines a run appends come in the order their entries came: from the
# server (by entry) after --full, from the cache (as heard of) after an
# incremental run; two appended in one run may do so in either order.
# Lines there before the step keep their place; the new ones of each
# section are compared in sorted order.
new_sorted() {	# PREVIOUS-DESCRIPTION
	awk -v prev="$1" 'BEGIN { FS = "\n"; while ((getline l < prev) > 0) { if (l ~ /^== /) s = l; else had[s "\t" l] = 1 } }
	/^== / { s = $0; n++; printf "%d\t0\t0\t%s\n", n, $0; next }
	{ if ((s "\t" $0) in had) printf "%d\t1\t%d\t%s\n", n, NR, $0; else printf "%d\t2\t0\t%s\n", n, $0 }' |
	sort -t "$(printf '\t')" -k1,1n -k2,2n -k3,3n -k4 | cut -f4-
}
twin_order() { new_sorted "$WORK/prev.desc"; }

same() {	# ROOT-A ROOT-B what [as_set|twin_order]
	describe_all "$1" | ${4:-cat} > "$WORK/a.desc"
	describe_all "$2" | ${4:-cat} > "$WORK/b.desc"
	if ! cmp -s "$WORK/a.desc" "$WORK/b.desc"; then
		diff "$WORK/a.desc" "$WORK/b.desc" | head -20 >&2
		printf '%s\n' "${HISTORY[@]}" | tail -8 >&2
		fail "step $N ($STEP): $3"
	fi
}

# Accounts kept from earlier runs (refused now, say for an id taken
# twice) exist only in a root that lived through those runs.
kept_none() { ! awk '$4 == 2 { found = 1 } END { exit !found }' "$1/var/lib/ldapsync/state"; }

for r in di dt si sf; do mkroot "$WORK/$r"; done
N=0 STEP="the first sync"
for r in di dt; do sync_to "$WORK/d.conf" "$WORK/$r" "$WORK/$r.out"; done
for r in si sf; do sync_to "$WORK/s.conf" "$WORK/$r" "$WORK/$r.out"; done
INCREMENTAL=0 FRESH=0 CHANGESETS=0
HISTORY=()
for N in $(seq "$PROP_STEPS"); do
	for _ in $(seq $((RANDOM % 3 + 1))); do
		random_change
		HISTORY+=("$N: $STEP")
	done
	for p in d s; do
		describe_all "$WORK/${p}i" > "$WORK/prev.desc"
		sync_to "$WORK/$p.conf" "$WORK/${p}i" "$WORK/${p}i.out"
		grep -q '^incremental refresh' "$WORK/${p}i.out" && INCREMENTAL=$((INCREMENTAL + 1))
		grep -q '^planned as a change set' "$WORK/${p}i.out" && CHANGESETS=$((CHANGESETS + 1))
		grep -h '^the whole directory is planned' "$WORK/${p}i.out" >> "$WORK/whole" || :
		[ "$p" = d ] && twin=dt || twin=sf
		sync_to "$WORK/$p.conf" "$WORK/$twin" "$WORK/twin.out" --full
		same "$WORK/${p}i" "$WORK/$twin" "user_removal_action of $p.conf: the incremental root differs from its --full twin" twin_order
		[ "$(changes "$WORK/${p}i.out")" = "$(changes "$WORK/twin.out")" ] \
			|| { diff <(changes "$WORK/${p}i.out") <(changes "$WORK/twin.out") >&2; fail "step $N ($STEP): the change lines differ"; }
	done
	if kept_none "$WORK/di"; then
		rm -rf "$WORK/df"; mkroot "$WORK/df"
		sync_to "$WORK/d.conf" "$WORK/df" "$WORK/df.out"
		same "$WORK/di" "$WORK/df" "the incremental root differs from a fresh full sync" as_set
		FRESH=$((FRESH + 1))
	fi
done
pass "$PROP_STEPS random steps: incremental roots equal --full twins (delete and suspend), and a fresh full sync $FRESH times"
[ "$FRESH" -ge $((PROP_STEPS / 4)) ] || fail "only $FRESH of $PROP_STEPS steps compared with a fresh root"
[ "$INCREMENTAL" -eq $((2 * PROP_STEPS)) ] || fail "only $INCREMENTAL of $((2 * PROP_STEPS)) runs were incremental"
pass "every one of the $((2 * PROP_STEPS)) runs after the first was incremental"
echo "# $CHANGESETS runs planned as change sets; the others, why:"
sed 's/: [a-z0-9]*$//' "$WORK/whole" | sort | uniq -c | sed 's/^/#   /'
[ "$CHANGESETS" -ge "$PROP_STEPS" ] || fail "only $CHANGESETS of $((2 * PROP_STEPS)) runs were planned as change sets"
pass "$CHANGESETS of $((2 * PROP_STEPS)) runs were planned as change sets"
grep -q ':/usr/sbin/nologin$' "$WORK/si/etc/passwd" || fail "no user was ever suspended: the test did not test suspensions"
pass "suspensions happened along the way"
done_testing
