#!/bin/bash
# The manuals: mandoc -Tlint finds nothing above style level, and they
# document every configuration keyword (from conf.c's table), every
# command-line option (from main.c's), every subcommand, exit status and
# unit.
. "$(dirname "$0")/lib.sh"

MAN="$top_srcdir/man"
command -v mandoc > /dev/null || fail "mandoc is not installed"
for m in ldapsync.8 ldapsync.conf.5 nss_ldapsync.8; do
	mandoc -Tlint -Wwarning "$MAN/$m" > "$WORK/lint" 2>&1 || { cat "$WORK/lint"; fail "mandoc -Tlint: $m"; }
done
pass "mandoc -Tlint reports nothing above style level"

n=0
for k in $(sed -n 's/^	{ "\([a-z_]*\)", [0-9].*/\1/p' "$top_srcdir/src/conf.c"); do
	grep -qE "^\.It .*Ic $k( |,|$)" "$MAN/ldapsync.conf.5" || fail "ldapsync.conf(5) does not document $k"
	n=$((n + 1))
done
[ "$n" -ge 40 ] || fail "only $n keywords found in conf.c"
pass "ldapsync.conf(5) documents all $n keywords"

n=0
for o in $(sed -n 's/.*{ "\([a-z-]*\)", [a-z_]*_argument.*/\1/p' "$top_srcdir/src/main.c"); do
	[ "$o" = help ] && continue
	grep -qE "^\.It .*Fl \\\\-$o( |$)" "$MAN/ldapsync.8" || fail "ldapsync(8) does not document --$o"
	n=$((n + 1))
done
[ "$n" -ge 8 ] || fail "only $n options found in main.c"
for c in sync status check-config watch authorized-keys; do
	grep -qE "^\.Cm $c( |$)" "$MAN/ldapsync.8" || fail "ldapsync(8) does not document $c"
done
for s in 0 1 2 3; do
	sed -n '/^\.Sh EXIT STATUS/,/^\.Sh/p' "$MAN/ldapsync.8" | grep -qx "\.It $s" || fail "exit status $s"
done
for u in ldapsync.service ldapsync.timer ldapsync-watch.service; do
	grep -q "^\.It Pa $u" "$MAN/ldapsync.8" || fail "ldapsync(8) does not document $u"
done
pass "ldapsync(8) documents all $n options, the subcommands, exit statuses and units"

grep -q 'Active Directory' "$MAN/ldapsync.conf.5" && grep -q 'OpenLDAP' "$MAN/ldapsync.conf.5" \
	|| fail "ldapsync.conf(5) lacks the OpenLDAP or the Active Directory example"
grep -q 'nsswitch.conf' "$MAN/nss_ldapsync.8" || fail "nss_ldapsync(8) does not say how to edit nsswitch.conf"
pass "examples for OpenLDAP and Active Directory; nss_ldapsync(8) says how to enable the module"

done_testing
