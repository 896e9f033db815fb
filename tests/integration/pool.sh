#!/bin/bash
# The server pool: each strategy's order over several runs, and failover
# when the first server is stopped, killed mid-search, or accepts and
# never answers; with both down, exit 1 and nothing changed.
. "$(dirname "$0")/lib.sh"

gen_users 20000 > "$WORK/users.ldif"
slapd_start A "$WORK/users.ldif"
slapd_start B "$WORK/users.ldif"
ROOT="$WORK/root"
mkroot "$ROOT"
conf() {	# STRATEGY [extra lines]
	mkconf "$WORK/c.conf" "$A_URI" <<X
uri $B_URI
pool_strategy $1
state_dir /var/lib/ldapsync
timeout 2
op_timeout 2
max_removals 100%
${2:-}
X
}
used() {	# the server a -v run says it used; fails as the run does
	"$LDAPSYNC" -v -c "$WORK/c.conf" -R "$ROOT" > "$WORK/used.out" 2> "$WORK/err" || return
	sed -n 's/^using //p' "$WORK/used.out"
}

conf first
for i in 1 2 3; do assert_eq "$(used)" "$A_URI" "first, run $i"; done
assert_eq "$(cat "$ROOT/var/lib/ldapsync/server")" "$A_URI" "server recorded"
pass "first: every run starts with the first server"

conf round_robin
seq_used=""
for i in 1 2 3 4; do seq_used="$seq_used $(used)"; done
assert_eq "$seq_used" " $B_URI $A_URI $B_URI $A_URI" "round_robin order after A"
pass "round_robin: each run starts after the server the last one used"

conf random
: > "$WORK/seen"
for i in $(seq 20); do used >> "$WORK/seen"; done
assert_eq "$(sort -u "$WORK/seen" | wc -l)" 2 "servers seen by 20 random runs"
pass "random: runs start at either server"

# The first server stopped: the run completes from the second.
conf first
slapd_stop A
out=$(used) || fail "sync with A stopped"
assert_eq "$out" "$B_URI" "server used with A stopped"
assert_grep "skipped $A_URI: connect failed" "$WORK/err"
pass "a stopped server is skipped for the next"

# Both down: exit 1, one line per server, nothing changed.
slapd_stop B
# The record of the run (last-run) is the one thing a failed run updates.
snapshot() { (cd "$ROOT" && find . -type f ! -name last-run | sort | xargs md5sum); }
snapshot > "$WORK/before"
"$LDAPSYNC" -c "$WORK/c.conf" -R "$ROOT" > "$WORK/out" 2> "$WORK/err"; rc=$?
assert_eq "$rc" 1 "exit status with both servers down"
assert_grep "^ldapsync: no directory server could be used:" "$WORK/err"
assert_grep "^ldapsync:   $A_URI: connect failed" "$WORK/err"
assert_grep "^ldapsync:   $B_URI: connect failed" "$WORK/err"
snapshot > "$WORK/after"
cmp -s "$WORK/before" "$WORK/after" || fail "files changed with both servers down"
pass "both servers down: exit 1, a line for each, nothing changed"

# A listener that accepts and never answers: slapd stopped with SIGSTOP
# still completes TCP handshakes from its backlog.
slapd_start A "$WORK/users.ldif"
slapd_start B "$WORK/users.ldif"
conf first
kill -STOP "$A_PID"
start=$(date +%s)
out=$(used) || { kill -CONT "$A_PID"; fail "sync with A hanging"; }
elapsed=$(( $(date +%s) - start ))
kill -CONT "$A_PID"
assert_eq "$out" "$B_URI" "server used with A hanging"
assert_grep "skipped $A_URI: .*(Timed out|Can't contact|timed out|no answer within op_timeout)" "$WORK/err"
[ "$elapsed" -le 12 ] || fail "the hanging server held the run ${elapsed}s"
pass "a server that accepts and never answers is abandoned after op_timeout (${elapsed}s)"

# Killed mid-search: the fetch restarts on the second server.
conf first "page_size 1"
"$LDAPSYNC" -v -c "$WORK/c.conf" -R "$ROOT" > "$WORK/out" 2> "$WORK/err" &
pid=$!
sleep 0.5
kill -0 $pid 2>/dev/null || fail "the sync ended before A was killed"
kill -9 "$A_PID"
wait $pid; rc=$?
assert_eq "$rc" 0 "exit status after A died mid-search"
assert_grep "^using $B_URI" "$WORK/out"
assert_grep "skipped $A_URI: search of" "$WORK/err"
assert_eq "$(grep -c '^u[0-9]*:' "$ROOT/etc/passwd")" 20000 "users after failover"
pass "a server killed mid-search: the whole fetch restarts on the next one"

done_testing
