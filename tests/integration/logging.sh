#!/bin/bash
# Logging: a run always prints its summary and changes to stdout and its
# warnings and errors to stderr (pipes, cron and CI read them there);
# when stderr is neither a terminal nor the journal's stream, the same
# messages go to syslog too (authpriv, ident ldapsync).
# Syslog is a socket of the test's own at /dev/log, in a private mount
# namespace; the terminal is a pty from script(1).
. "$(dirname "$0")/lib.sh"

: "${LOGSINK:=$top_srcdir/tests/integration/logsink}"
[ -x "$LOGSINK" ] || fail "no $LOGSINK (make check builds it)"
slapd_start A "$DATA/sample.ldif"
ldap_modify A <<L
dn: uid=rel,ou=people,$SUFFIX
changetype: add
objectClass: inetOrgPerson
objectClass: posixAccount
uid: rel
cn: rel
sn: rel
uidNumber: 10009
gidNumber: 10001
homeDirectory: relative/home
L
ROOT="$WORK/root"
mkroot "$ROOT"
mkconf "$WORK/c.conf" "$A_URI" <<X
state_dir /var/lib/ldapsync
X

# COMMAND... in a mount namespace whose /dev/log is the sink's socket;
# the datagrams go to $WORK/syslog.
with_syslog() {
	unshare -m bash -c '
		mount -t tmpfs -o mode=755 tmpfs /dev &&
		mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 &&
		mknod -m 666 /dev/urandom c 1 9 && mknod -m 666 /dev/random c 1 8 &&
		mkdir /dev/pts && ln -s pts/ptmx /dev/ptmx &&
		mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts &&
		exec "$0" /dev/log "$@"' "$LOGSINK" "$WORK/syslog" "$@"
}
# syslog(3): <facility * 8 + severity>; authpriv is 10.
ERR='<83>' WARNING='<84>' INFO='<86>'

with_syslog "$LDAPSYNC" -c "$WORK/c.conf" -R "$ROOT" -v sync > "$WORK/out" 2> "$WORK/err" || fail "sync"
assert_grep "^$WARNING.*ldapsync\[[0-9]+\]: uid=rel,ou=people,$SUFFIX: skipped: home directory" "$WORK/syslog" "the warning, naming the DN, at authpriv.warning"
assert_grep "^$INFO.*ldapsync\[[0-9]+\]: users: [0-9]+ added" "$WORK/syslog" "the summary at authpriv.info"
assert_grep "^$INFO.*ldapsync\[[0-9]+\]: \+ user alice uid=" "$WORK/syslog" "a change line at authpriv.info"
assert_grep "^ldapsync: warning: uid=rel,ou=people,$SUFFIX: skipped: home directory" "$WORK/err" "the warning on stderr (a pipe)"
assert_grep "^users: [0-9]+ added" "$WORK/out" "the summary on stdout (a pipe)"
assert_grep "^\+ user alice uid=" "$WORK/out" "a change line on stdout (a pipe)"
assert_no_grep "entries received" "$WORK/err" "a progress line off a terminal"
assert_grep '^alice:' "$ROOT/etc/passwd"
pass "off a terminal, a run prints to stdout and stderr and logs to syslog (authpriv, ldapsync) too"

# Under systemd, stderr is the journal's stream: no second copy in syslog.
: > "$WORK/syslog"
with_syslog bash -c 'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$@"' - \
	"$LDAPSYNC" -c "$WORK/c.conf" -R "$ROOT" --full sync > "$WORK/out" 2> "$WORK/err" || fail "sync with JOURNAL_STREAM"
assert_grep "^users: " "$WORK/out" "the summary on stdout"
assert_grep "skipped: home directory" "$WORK/err" "the warning on stderr"
[ ! -s "$WORK/syslog" ] || { cat "$WORK/syslog"; fail "a run on the journal's stream logged to syslog as well"; }
pass "with stderr the journal's stream (JOURNAL_STREAM), nothing is sent to syslog twice"

# No /dev/log at all: the run still prints and succeeds.
unshare -m bash -c 'mount -t tmpfs tmpfs /dev && mknod -m 666 /dev/null c 1 3 && exec "$@"' - \
	"$LDAPSYNC" -c "$WORK/c.conf" -R "$ROOT" -n > "$WORK/out" 2> "$WORK/err" || fail "a dry run without /dev/log failed"
assert_grep "^users: " "$WORK/out" "the summary of a dry run without /dev/log"
pass "without /dev/log a dry run prints its summary and succeeds"

sed -i "s|^uri .*|uri ldap://127.0.0.1:1/|" "$WORK/c.conf"
with_syslog "$LDAPSYNC" -c "$WORK/c.conf" -R "$ROOT" sync 2> "$WORK/err" && fail "a sync without a server succeeded"
assert_grep "no directory server could be used" "$WORK/err" "the error on stderr"
assert_grep "^$ERR.*ldapsync\[[0-9]+\]: no directory server could be used" "$WORK/syslog" "the error at authpriv.err"
echo "bogus_keyword 1" >> "$WORK/c.conf"
rc=0
with_syslog "$LDAPSYNC" -c "$WORK/c.conf" -R "$ROOT" sync 2> "$WORK/err" || rc=$?
assert_eq "$rc" 2 "exit status of a bad configuration"
assert_grep "^$ERR.*ldapsync\[[0-9]+\]: $WORK/c.conf:[0-9]+: .*bogus_keyword" "$WORK/syslog" "a configuration error, naming file and line"
pass "errors, a configuration's with its file and line, reach syslog at authpriv.err"

# check-config and status answer whoever asked, terminal or not.
with_syslog "$LDAPSYNC" -c "$WORK/c.conf" -R "$ROOT" check-config 2> "$WORK/err" && fail "check-config accepted a bad keyword"
assert_grep "bogus_keyword" "$WORK/err"
[ ! -s "$WORK/syslog" ] || fail "check-config logged to syslog"
pass "check-config prints its findings, even off a terminal"

# At a terminal (a pty): stderr and stdout, with a progress line while
# entries come, and nothing to syslog.
sed -i '/^bogus_keyword/d; s|^uri .*|uri '"$A_URI"'|' "$WORK/c.conf"
gen_users 3000 add | ldap_modify A
rm -rf "$ROOT"; mkroot "$ROOT"
with_syslog script -qec "'$LDAPSYNC' -c '$WORK/c.conf' -R '$ROOT' sync" "$WORK/tty" > /dev/null || fail "sync at a terminal"
assert_grep "ldapsync: warning: uid=rel,ou=people,$SUFFIX: skipped" "$WORK/tty" "the warning on the terminal"
assert_grep "users: [0-9]+ added" "$WORK/tty" "the summary on the terminal"
assert_grep "ldapsync: [0-9]+ entries received \([0-9]+/s\)" "$WORK/tty" "a progress line"
[ ! -s "$WORK/syslog" ] || { cat "$WORK/syslog"; fail "a run at a terminal logged to syslog"; }
pass "at a terminal, a run prints, with a progress line, and syslog hears nothing"

done_testing
