#!/bin/bash
# A run that fails at any point leaves every local file as it was, exit 1.
. "$(dirname "$0")/lib.sh"

gen_users 20000 > "$WORK/users.ldif"
slapd_start A "$WORK/users.ldif" "$DATA/sample.ldif"
ROOT="$WORK/root"
mkroot "$ROOT"
mkconf "$WORK/c.conf" "$A_URI" <<X
state_dir /var/lib/ldapsync
user_removal_action delete
max_removals 100%
X
# A first sync of the sample alone, so the failures below have state to keep.
sed "s|ou=people,|uid=alice,ou=people,|" "$WORK/c.conf" > "$WORK/first.conf"
sed -i 's|^user_base .*|user_base ou=people,dc=example,dc=com\nuser_filter (uid=alice)|' "$WORK/first.conf"
chmod 600 "$WORK/first.conf"
"$LDAPSYNC" -q -c "$WORK/first.conf" -R "$ROOT" || fail "first sync"
assert_grep '^alice:' "$ROOT/etc/passwd"
# The record of the run (last-run) is the one thing a failed run updates.
snapshot() { (cd "$ROOT" && find . -type f ! -name last-run | sort | xargs md5sum); }
snapshot > "$WORK/before"
unchanged() {
	snapshot > "$WORK/after"
	cmp -s "$WORK/before" "$WORK/after" || { diff "$WORK/before" "$WORK/after"; fail "$1: files changed"; }
}

# A corrupt state file: named with its line, nothing changed.
cp "$ROOT/var/lib/ldapsync/state" "$WORK/state.good"
echo "u broken" >> "$ROOT/var/lib/ldapsync/state"
snapshot > "$WORK/before"
"$LDAPSYNC" -c "$WORK/first.conf" -R "$ROOT" > "$WORK/out" 2> "$WORK/err"; rc=$?
assert_eq "$rc" 1 "exit status with a corrupt state file"
assert_grep "var/lib/ldapsync/state:[0-9]+: malformed record" "$WORK/err"
unchanged "corrupt state"
cp "$WORK/state.good" "$ROOT/var/lib/ldapsync/state"
snapshot > "$WORK/before"
pass "a corrupt state file fails the run, naming the file and line"

# Size limit: anonymous searches stop at slapd's default 500 entries.
grep -v '^bind' "$WORK/c.conf" > "$WORK/anon.conf"
"$LDAPSYNC" -c "$WORK/anon.conf" -R "$ROOT" > "$WORK/out" 2> "$WORK/err"; rc=$?
assert_eq "$rc" 1 "exit status on a size limit"
assert_grep 'Size limit exceeded' "$WORK/err"
unchanged "size limit"
pass "a search ended by the size limit fails the run and changes nothing"

# A page refused part way: size.prtotal caps what paging may return.
ldapmodify -Y EXTERNAL -H "ldapi://$(echo "$A_DIR/ldapi" | sed 's|/|%2F|g')" >/dev/null 2>&1 <<L || fail "set prtotal"
dn: olcDatabase={1}mdb,cn=config
changetype: modify
replace: olcLimits
olcLimits: {0}dn.exact="$SYNC_DN" size.soft=unlimited size.hard=unlimited size.prtotal=1000 time=unlimited
L
"$LDAPSYNC" -c "$WORK/c.conf" -R "$ROOT" > "$WORK/out" 2> "$WORK/err"; rc=$?
assert_eq "$rc" 1 "exit status when paging is cut off"
assert_grep 'search of "dc=example,dc=com".*failed' "$WORK/err"
unchanged "prtotal"
pass "a page refused part way fails the run and changes nothing"
ldapmodify -Y EXTERNAL -H "ldapi://$(echo "$A_DIR/ldapi" | sed 's|/|%2F|g')" >/dev/null 2>&1 <<L || fail "reset limits"
dn: olcDatabase={1}mdb,cn=config
changetype: modify
replace: olcLimits
olcLimits: {0}dn.exact="$SYNC_DN" size=unlimited time=unlimited
L

# slapd killed mid-search: one entry a page makes the fetch take seconds.
echo "page_size 1" >> "$WORK/c.conf"
"$LDAPSYNC" -c "$WORK/c.conf" -R "$ROOT" > "$WORK/out" 2> "$WORK/err" &
sync_pid=$!
sleep 0.5
kill -0 $sync_pid 2>/dev/null || { cat "$WORK/err"; fail "the sync ended before slapd was killed"; }
kill -9 "$A_PID"
wait $sync_pid; rc=$?
assert_eq "$rc" 1 "exit status when slapd dies mid-run"
assert_grep 'failed' "$WORK/err"
unchanged "slapd killed"
pass "slapd killed mid-run: exit 1, every file as it was"

# slapd not running at all.
"$LDAPSYNC" -c "$WORK/c.conf" -R "$ROOT" > "$WORK/out" 2> "$WORK/err"; rc=$?
assert_eq "$rc" 1 "exit status with no server"
assert_grep "$A_URI: (connect|bind) failed" "$WORK/err"
assert_grep 'no directory server could be used' "$WORK/err"
unchanged "no server"
pass "an unreachable directory: exit 1, the server named, nothing changed"

done_testing
