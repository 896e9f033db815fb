#!/bin/bash
# ldapsync status [--json] after no run, a successful, a failed and a
# guarded run (never contacting the directory), and the metrics file.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || fail "jq is not installed"
slapd_start A "$DATA/sample.ldif"
ROOT="$WORK/root"
mkroot "$ROOT"
mkdir -p "$ROOT/var/lib/prometheus"
mkconf "$WORK/c.conf" "$A_URI" <<X
state_dir /var/lib/ldapsync
metrics_file /var/lib/prometheus/ldapsync.prom
user_removal_action delete
X
status() { "$LDAPSYNC" -c "$WORK/c.conf" -R "$ROOT" status "$@"; }
key() { jq -r ".$1" "$WORK/s.json"; }

status --json > "$WORK/s.json" || fail "status before any run"
assert_eq "$(key result)" null "result before any run"
assert_eq "$(key users_managed)" 0 "users before any run"
assert_eq "$(key cookie)" false "cookie before any run"
pass "status before any run"

"$LDAPSYNC" -q -c "$WORK/c.conf" -R "$ROOT" || fail "sync"
status --json > "$WORK/s.json" || fail "status"
jq -e . "$WORK/s.json" > /dev/null || fail "status --json is not JSON"
assert_eq "$(key result)" success "result"
assert_eq "$(key exit_code)" 0 "exit_code"
assert_eq "$(key server)" "$A_URI" "server"
assert_eq "$(key users_managed)" 3 "users_managed"
assert_eq "$(key groups_managed)" 2 "groups_managed"
assert_eq "$(key users_suspended)" 0 "users_suspended"
assert_eq "$(key cookie)" true "cookie held (syncprov)"
[ "$(key cookie_age_seconds)" -ge 0 ] || fail "cookie_age_seconds"
assert_eq "$(key last_error)" null "last_error"
for k in last_run_start last_run_end; do
	key "$k" | grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' || fail "$k is not RFC 3339"
done
status > "$WORK/s.txt"
assert_grep '^result: +success \(exit 0\)$' "$WORK/s.txt"
assert_grep '^managed: +3 users \(0 suspended\), 2 groups$' "$WORK/s.txt"
pass "status and status --json after a successful run"

# Any user (a monitoring agent): the configuration is root's, the
# directory cache too; status reads the record and the state alone.
# It then reads the state directory ldapsync was built with.
chmod 711 "$WORK"
mkroot "$WORK/root2"
grep -v '^state_dir' "$WORK/c.conf" > "$WORK/d.conf"
chmod 600 "$WORK/d.conf"
"$LDAPSYNC" -q -c "$WORK/d.conf" -R "$WORK/root2" || fail "sync with the built-in state_dir"
setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$LDAPSYNC" -c "$WORK/d.conf" -R "$WORK/root2" status --json > "$WORK/n.json" 2> "$WORK/n.err" ||
	{ cat "$WORK/n.err"; fail "status as nobody"; }
assert_eq "$(jq -r .result "$WORK/n.json")" success "result, as nobody"
assert_eq "$(jq -r .users_managed "$WORK/n.json")" 3 "users_managed, as nobody"
assert_eq "$(jq -r .cookie "$WORK/n.json")" true "cookie, as nobody"
[ ! -s "$WORK/n.err" ] || fail "status as nobody complained: $(cat "$WORK/n.err")"
pass "status works for any user, though the configuration is not readable to them"

P="$ROOT/var/lib/prometheus/ldapsync.prom"
assert_grep '^ldapsync_last_run_success 1$' "$P"
assert_grep '^ldapsync_last_run_changes\{kind="user",action="added"\} 3$' "$P"
assert_grep '^ldapsync_last_run_changes\{kind="group",action="added"\} 2$' "$P"
assert_grep '^ldapsync_managed\{kind="user"\} 3$' "$P"
assert_grep '^ldapsync_last_run_duration_seconds [0-9.]+$' "$P"
assert_grep '^# TYPE ldapsync_last_run_timestamp_seconds gauge$' "$P"
pass "the metrics file after a successful run"

# A dry run leaves the record alone.
cp "$ROOT/var/lib/ldapsync/last-run" "$WORK/rec"
"$LDAPSYNC" -q -n -c "$WORK/c.conf" -R "$ROOT" || fail "dry run"
cmp -s "$WORK/rec" "$ROOT/var/lib/ldapsync/last-run" || fail "a dry run wrote the record"

# The guard: every user gone from the directory.
for u in alice bob carol; do printf 'dn: uid=%s,ou=people,%s\nchangetype: delete\n\n' "$u" "$SUFFIX"; done | ldap_modify A
"$LDAPSYNC" -q -c "$WORK/c.conf" -R "$ROOT" 2>/dev/null; assert_eq "$?" 3 "guard"
status --json > "$WORK/s.json"
assert_eq "$(key result)" guard "result after the guard tripped"
assert_eq "$(key exit_code)" 3 "exit_code after the guard"
assert_eq "$(key users_managed)" 3 "nothing changed by the guarded run"
pass "status after a guarded run; a dry run writes no record"

# A failed run, then status with the directory gone: it never asks it.
slapd_stop A
"$LDAPSYNC" -q -c "$WORK/c.conf" -R "$ROOT" 2>/dev/null; assert_eq "$?" 1 "failed run"
status --json > "$WORK/s.json" || fail "status with slapd down"
assert_eq "$(key result)" failure "result after a failure"
assert_eq "$(key exit_code)" 1 "exit_code after a failure"
key last_error | grep -q "$A_URI: connect failed" || fail "last_error: $(key last_error)"
assert_grep '^ldapsync_last_run_success 0$' "$P"
pass "status after a failed run, with the directory down"

done_testing
