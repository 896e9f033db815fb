#!/bin/bash
# Crash safety: a run killed (kill -9) at any instant of its commit, or
# at a random time, leaves the databases, both mirrors and the state as
# the old set or, once the next ldapsync command has run, the new one, and
# no temporary file behind.  The kills are injected by strace just before
# the Nth rename, link, unlink or fsync, for every N the run reaches, over
# a first run, an incremental run, a full refresh and the switch to
# files no.
#
# CI runs it small; the full size (the numbers the note reports):
#   CRASH_USERS=20000 CRASH_RANDOM=40 make check TESTS=tests/integration/crash.sh
. "$(dirname "$0")/lib.sh"

: "${CRASH_USERS:=1500}"	# users in the directory
: "${CRASH_RANDOM:=8}"		# kills at random times, per scenario
: "${NSSDUMP:=$top_srcdir/tests/integration/nssdump}"
: "${NSS_MODULE:=$top_srcdir/.libs/libnss_ldapsync.so.2}"
command -v strace >/dev/null || fail "strace is not installed"
[ -x "$NSSDUMP" ] || fail "no $NSSDUMP (make check builds it)"
SYSCALLS="rename link unlink fsync"
# LeakSanitizer cannot work under ptrace, and a killed run leaks by
# design: the other tests check leaks.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
KILLS=0

# A big group, so that memberships change with the users.
{
	gen_users "$CRASH_USERS"
	printf "dn: cn=many,ou=groups,%s\nobjectClass: posixGroup\ncn: many\ngidNumber: 10050\n" "$SUFFIX"
	for i in $(seq 2 2 "$CRASH_USERS"); do echo "memberUid: u$i"; done
	echo
} > "$WORK/users.ldif"
slapd_start A "$DATA/sample.ldif" "$WORK/users.ldif"
mkconf "$WORK/c.conf" "$A_URI" <<X
state_dir /var/lib/ldapsync
user_removal_action delete
group_removal_action delete
max_removals 100%
X
# The next command after a crash, with no server to reach: it can only
# complete (or not) what the dead run left.
sed "s|^uri .*|uri ldap://127.0.0.1:1/|" "$WORK/c.conf" > "$WORK/dead.conf"
chmod 600 "$WORK/dead.conf"
CONF="$WORK/c.conf"
# files no: the switch moves every line out of the files into the state
# directory's copies, in the same commit.
{ cat "$WORK/c.conf"; echo "files no"; } > "$WORK/no.conf"
chmod 600 "$WORK/no.conf"

sync_to() {	# ROOT [ARGS...]
	local root=$1
	shift
	"$LDAPSYNC" -q -c "$CONF" -R "$root" "$@" || fail "sync into $root"
}

leftovers() {	# ROOT: what no run may leave behind
	find "$1" \( -name '*.ldapsync.*' -o -name commit -o -regex '.*/etc/\(passwd\|group\|shadow\|gshadow\)\.[0-9]+' \) -print
}

# After a kill: the next command, then the set must be old or new, whole.
check_trial() {	# ROOT OLD NEW what
	local r=$1 got
	"$LDAPSYNC" -q -c "$WORK/dead.conf" -R "$r" sync 2> "$WORK/next.err"
	got=$(describe "$r")
	if [ "$got" != "$(cat "$2.desc")" ] && [ "$got" != "$(cat "$3.desc")" ]; then
		describe "$r" > "$WORK/got.desc"
		diff "$2.desc" "$WORK/got.desc" | head -20 >&2
		diff "$3.desc" "$WORK/got.desc" | head -20 >&2
		fail "$4: neither the old set nor the new one"
	fi
	[ -z "$(leftovers "$r")" ] || { cat "$WORK/next.err"; ls -la "$r/etc"; fail "$4: left behind: $(leftovers "$r")"; }
	[ -z "$(structure "$r")" ] || fail "$4: $(structure "$r" | head -3)"
	KILLS=$((KILLS + 1))
}

restore() {	# SNAPSHOT ROOT
	rm -rf "$2"
	cp -a "$1" "$2"
}

# How many of each call a clean run makes: the points to kill it at.
count_calls() {	# OLD ARGS...
	local old=$1
	shift
	restore "$old" "$WORK/r"
	strace -f -qq -c -U name,calls -e trace=rename,link,unlink,fsync \
		-o "$WORK/counts" "$LDAPSYNC" -q -c "$CONF" -R "$WORK/r" "$@" \
		|| fail "a clean run under strace"
}

calls_of() {	# SYSCALL
	awk -v s="$1" '$1 == s { print $2 }' "$WORK/counts" | grep . || echo 0
}

scenario() {	# NAME OLD ARGS...: every injected kill, then random ones
	local name=$1 old=$2 new="$WORK/new-$1" n sc rc t start end ms
	shift 2
	restore "$old" "$new"
	start=$(date +%s%N)
	sync_to "$new" "$@"
	end=$(date +%s%N)
	ms=$(( (end - start) / 1000000 + 1 ))
	describe "$old" > "$old.desc"
	describe "$new" > "$new.desc"
	[ -z "$(structure "$new")" ] || fail "$name: the clean run: $(structure "$new" | head -3)"
	! cmp -s "$old.desc" "$new.desc" || fail "$name: the run changes nothing to crash"
	count_calls "$old" "$@"
	for sc in $SYSCALLS; do
		for n in $(seq "$(calls_of "$sc")"); do
			restore "$old" "$WORK/r"
			rc=0
			strace -f -qq -o /dev/null -e trace="$sc" -e inject="$sc":signal=KILL:when="$n" \
				"$LDAPSYNC" -q -c "$CONF" -R "$WORK/r" "$@" 2>/dev/null || rc=$?
			[ "$rc" = 137 ] || fail "$name: not killed before $sc #$n (exit $rc)"
			check_trial "$WORK/r" "$old" "$new" "$name, killed before $sc #$n"
		done
	done
	for n in $(seq "$CRASH_RANDOM"); do
		restore "$old" "$WORK/r"
		t=$(awk -v ms="$ms" -v s="$RANDOM" 'BEGIN { srand(s); printf "%.3f", rand() * ms / 1000 }')
		timeout --foreground -s KILL "$t" "$LDAPSYNC" -q -c "$CONF" -R "$WORK/r" "$@" 2>/dev/null
		check_trial "$WORK/r" "$old" "$new" "$name, killed after ${t}s"
	done
	pass "$name: $KILLS kills so far, each followed by the old set or the new one, nothing left behind"
}

# The old sets: an empty tree, and one synced before the changes.
EMPTY="$WORK/old-empty"
mkroot "$EMPTY"
SYNCED="$WORK/old-synced"
mkroot "$SYNCED"
sync_to "$SYNCED"
# A quarter hour of churn: users gone, new ones, changed ones, members.
{
	for i in 1 3 5; do printf "dn: uid=u%d,ou=people,%s\nchangetype: delete\n\n" "$i" "$SUFFIX"; done
	for i in 1 2 3; do
		printf "dn: uid=v%d,ou=people,%s\nchangetype: add\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: v%d\ncn: v\nsn: v\nuidNumber: %d\ngidNumber: 10001\nhomeDirectory: /home/v%d\n\n" \
			"$i" "$SUFFIX" "$i" $((40000 + i)) "$i"
	done
	for i in 7 9 11; do printf "dn: uid=u%d,ou=people,%s\nchangetype: modify\nreplace: loginShell\nloginShell: /bin/bash\n\n" "$i" "$SUFFIX"; done
	printf "dn: cn=many,ou=groups,%s\nchangetype: modify\nadd: memberUid\nmemberUid: v1\nmemberUid: u7\n-\ndelete: memberUid\nmemberUid: u10\n\n" "$SUFFIX"
} | ldap_modify A

scenario incremental "$SYNCED"
scenario full "$SYNCED" --full
scenario first "$EMPTY"
CONF="$WORK/no.conf"
scenario files-no "$SYNCED"
CONF="$WORK/c.conf"

# After recovery, the next real run reaches the new set.
restore "$SYNCED" "$WORK/r"
strace -f -qq -o /dev/null -e trace=rename -e inject=rename:signal=KILL:when=3 \
	"$LDAPSYNC" -q -c "$WORK/c.conf" -R "$WORK/r" 2>/dev/null && fail "not killed"
sync_to "$WORK/r"
[ "$(describe "$WORK/r")" = "$(cat "$WORK/new-incremental.desc")" ] || fail "the run after a crash did not reach the new set"
pass "after a crash, the next sync reaches the new set ($KILLS kills in all)"

done_testing
