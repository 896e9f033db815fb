#!/bin/bash
# No run hangs: a server stopped (SIGSTOP) at a random instant of a full
# or an incremental run holds the run up for at most timeout + op_timeout
# (plus a margin), and with a second server in the pool the run succeeds
# from it.  A stopped slapd is a silent peer on loopback: its kernel still
# accepts connections and data, nothing answers.
#
# Full size: HANG_TRIALS=60 make check TESTS=tests/integration/hang.sh
. "$(dirname "$0")/lib.sh"

: "${HANG_TRIALS:=6}"		# stops per case
TIMEOUT=2 OP_TIMEOUT=3
BOUND=$((TIMEOUT + OP_TIMEOUT + 4))	# seconds, with the margin

gen_users 3000 > "$WORK/users.ldif"
slapd_start A "$DATA/sample.ldif" "$WORK/users.ldif"
slapd_start B "$DATA/sample.ldif" "$WORK/users.ldif"
conf() {	# FILE URI [URI]: one server, or two (uri may repeat)
	mkconf "$1" "$2" <<X
${3:+uri $3}
pool_strategy first
timeout $TIMEOUT
op_timeout $OP_TIMEOUT
state_dir /var/lib/ldapsync
X
}
conf "$WORK/one.conf" "$A_URI"
conf "$WORK/two.conf" "$A_URI" "$B_URI"
[ "$(grep -c '^uri ' "$WORK/two.conf")" = 2 ] || fail "two.conf: two servers"

ROOT="$WORK/root"
mkroot "$ROOT"
"$LDAPSYNC" -q -c "$WORK/one.conf" -R "$ROOT" || fail "the first sync"
cp -a "$ROOT" "$WORK/synced"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# One trial: a run, slapd A stopped DELAY ms into it, and resumed after.
trial() {	# CONF KIND(full|incremental) EXPECT(ok|fail) DELAY
	local conf=$1 kind=$2 expect=$3 delay=$4 args="" pid rc=0 t0 t1
	rm -rf "$ROOT"
	cp -a "$WORK/synced" "$ROOT"
	[ "$kind" = full ] && args=--full
	t0=$(now_ms)
	timeout -s KILL $((BOUND * 3)) "$LDAPSYNC" -q -c "$conf" -R "$ROOT" $args 2> "$WORK/err" &
	pid=$!
	sleep "$(printf '0.%03d' "$delay")"
	kill -STOP "$A_PID"
	wait "$pid" || rc=$?
	t1=$(now_ms)
	kill -CONT "$A_PID"
	[ $((t1 - t0)) -le $((BOUND * 1000)) ] ||
		fail "$kind run, server stopped ${delay} ms in: took $((t1 - t0)) ms (bound ${BOUND} s)"
	case $expect in
	ok) [ "$rc" = 0 ] || { cat "$WORK/err"; fail "$kind run, A stopped ${delay} ms in: exit $rc, not taken over by B"; } ;;
	any) [ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "$kind run: exit $rc" ;;
	esac
	MAX=$(( t1 - t0 > MAX ? t1 - t0 : MAX ))
}

# Where each kind of run spends its time: spread the stops over it.
span() {	# KIND: SPAN gets its time in ms, without a stop
	local args="" t0
	rm -rf "$ROOT"
	cp -a "$WORK/synced" "$ROOT"
	[ "$1" = full ] && args=--full
	t0=$(now_ms)
	"$LDAPSYNC" -q -c "$WORK/one.conf" -R "$ROOT" $args || fail "a $1 run"
	SPAN=$(( $(now_ms) - t0 + 1 ))
	[ "$SPAN" -lt 1000 ] || SPAN=999	# the stop comes within the first second
}

for kind in full incremental; do
	span "$kind"
	MAX=0
	for _ in $(seq "$HANG_TRIALS"); do trial "$WORK/one.conf" "$kind" any $((RANDOM % SPAN)); done
	pass "$kind runs with one server stopped at random instants end within ${BOUND} s (slowest $MAX ms)"
	MAX=0
	for _ in $(seq "$HANG_TRIALS"); do trial "$WORK/two.conf" "$kind" ok $((RANDOM % SPAN)); done
	pass "$kind runs with the first of two servers stopped succeed from the second within ${BOUND} s (slowest $MAX ms)"
done

# A server stopped before the run starts: connect succeeds (the kernel
# accepts), and every later step must time out.
kill -STOP "$A_PID"
t0=$(now_ms)
"$LDAPSYNC" -q -c "$WORK/two.conf" -R "$ROOT" || { kill -CONT "$A_PID"; fail "a stopped first server: no takeover"; }
t1=$(now_ms)
kill -CONT "$A_PID"
[ $((t1 - t0)) -le $((BOUND * 1000)) ] || fail "a stopped first server held the run for $((t1 - t0)) ms"
pass "a server stopped before the run is left after op_timeout for the next ($((t1 - t0)) ms)"

# watch, too: a stopped first server sends it to the second.
kill -STOP "$A_PID"
"$LDAPSYNC" -c "$WORK/two.conf" -R "$ROOT" watch > "$WORK/w.out" 2> "$WORK/w.err" &
WATCH=$!
BG_PIDS="$BG_PIDS $WATCH"
for _ in $(seq $((BOUND * 10))); do grep -q '^watching ' "$WORK/w.out" && break; sleep 0.1; done
kill -CONT "$A_PID"
grep -q "^watching $B_URI" "$WORK/w.out" || { kill "$WATCH"; cat "$WORK/w.out" "$WORK/w.err"; fail "watch did not move on to the second server within ${BOUND} s"; }
kill -TERM "$WATCH"
wait "$WATCH" || fail "watch exit status on SIGTERM"
pass "watch with its first server stopped watches the second"

done_testing
