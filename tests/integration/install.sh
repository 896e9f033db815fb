#!/bin/bash
# make install into a DESTDIR: the binary, the NSS module beside glibc's
# (only it, exporting only _nss_ldapsync_*), the example configuration
# mode 0600 (never over one already there), the manuals, the state
# directory, and units whose paths are this build's and that
# systemd-analyze verify accepts; make uninstall takes them away again.
. "$(dirname "$0")/lib.sh"

: "${top_builddir:=$top_srcdir}"
DEST="$WORK/dest"
# make of the build tree, apart from the make running the tests.
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" --no-print-directory "$@"; }
dir() { mk --eval "show-$1:; @echo \$($1)" "show-$1"; }
SBINDIR=$(dir sbindir) SYSCONFDIR=$(dir sysconfdir) NSSLIBDIR=$(dir nsslibdir)
MANDIR=$(dir mandir) UNITDIR=$(dir systemdsystemunitdir) STATEDIR=$(dir localstatedir)/lib/ldapsync
for v in SBINDIR SYSCONFDIR NSSLIBDIR MANDIR UNITDIR; do
	case ${!v} in /*) ;; *) fail "$v is not an absolute path: '${!v}'" ;; esac
done

mk install DESTDIR="$DEST" > "$WORK/install.out" 2>&1 || { cat "$WORK/install.out"; fail "make install"; }
[ -x "$DEST$SBINDIR/ldapsync" ] || fail "no $SBINDIR/ldapsync"
"$DEST$SBINDIR/ldapsync" --version | grep -q "^ldapsync " || fail "ldapsync --version"
M="$DEST$NSSLIBDIR/libnss_ldapsync.so.2"
[ -f "$M" ] || fail "no $NSSLIBDIR/libnss_ldapsync.so.2"
ls "$DEST$NSSLIBDIR" | grep '^libnss_ldapsync' | grep -v '\.so\.2$' && fail "more than the module in $NSSLIBDIR"
nm -D --defined-only "$M" | awk '$2 ~ /^[TDBR]$/ { print $3 }' | grep -v '^_nss_ldapsync_' && fail "the module exports more than _nss_ldapsync_*"
nm -D --defined-only "$M" | grep -q ' T _nss_ldapsync_getpwnam_r$' || fail "the module lacks _nss_ldapsync_getpwnam_r"
assert_eq "$(stat -c %a "$DEST$SYSCONFDIR/ldapsync.conf")" 600 "the example configuration's mode"
"$DEST$SBINDIR/ldapsync" -c "$DEST$SYSCONFDIR/ldapsync.conf" check-config > /dev/null || fail "the example configuration is not valid"
for m in man8/ldapsync.8 man5/ldapsync.conf.5 man8/nss_ldapsync.8; do
	[ -f "$DEST$MANDIR/$m" ] || fail "no $MANDIR/$m"
done
[ -d "$DEST$STATEDIR" ] || fail "no $STATEDIR"
pass "make install puts the binary, the module, the configuration, the manuals and the state directory in place"

for u in ldapsync.service ldapsync.timer ldapsync-watch.service; do
	[ -f "$DEST$UNITDIR/$u" ] || fail "no $UNITDIR/$u"
done
assert_grep "^ExecStart=$SBINDIR/ldapsync -c $SYSCONFDIR/ldapsync.conf sync$" "$DEST$UNITDIR/ldapsync.service"
assert_grep "^ExecStart=$SBINDIR/ldapsync -c $SYSCONFDIR/ldapsync.conf watch$" "$DEST$UNITDIR/ldapsync-watch.service"
assert_grep "^ReadWritePaths=/etc $STATEDIR$" "$DEST$UNITDIR/ldapsync.service"
assert_grep '^OnUnitActiveSec=15min$' "$DEST$UNITDIR/ldapsync.timer"
assert_grep '^Persistent=true$' "$DEST$UNITDIR/ldapsync.timer"
# systemd-analyze checks that ExecStart= exists: point it at the copy.
mkdir "$WORK/units"
for u in ldapsync.service ldapsync.timer ldapsync-watch.service; do
	sed "s|$SBINDIR/ldapsync|$DEST$SBINDIR/ldapsync|" "$DEST$UNITDIR/$u" > "$WORK/units/$u"
done
command -v systemd-analyze > /dev/null || fail "systemd-analyze is not installed (package systemd)"
(cd "$WORK/units" && systemd-analyze verify --man=no ldapsync.service ldapsync.timer ldapsync-watch.service) > "$WORK/verify" 2>&1 \
	|| { cat "$WORK/verify"; fail "systemd-analyze verify"; }
grep -i "ldapsync" "$WORK/verify" && fail "systemd-analyze verify complained"
pass "the units carry this build's paths, and systemd-analyze verify accepts them"

echo "# an administrator's" >> "$DEST$SYSCONFDIR/ldapsync.conf"
mk install DESTDIR="$DEST" > /dev/null 2>&1 || fail "make install again"
assert_grep "^# an administrator's" "$DEST$SYSCONFDIR/ldapsync.conf" "a second install replaced the configuration"
mk uninstall DESTDIR="$DEST" > /dev/null 2>&1 || fail "make uninstall"
left=$(find "$DEST" -type f | sed "s|^$DEST||")
assert_eq "$left" "$SYSCONFDIR/ldapsync.conf" "what make uninstall leaves (the edited configuration only)"
pass "a second install keeps an edited configuration; uninstall removes the rest"

done_testing
