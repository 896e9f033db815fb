#!/bin/bash
# The Debian packages, from the committed tree: dpkg-buildpackage builds
# ldapsync and libnss-ldapsync, lintian finds no error, and dpkg --root
# installs them into a scratch root, where ldapsync --version runs, the
# module exports only _nss_ldapsync_*, the timer is enabled and the
# watcher is not, and nsswitch.conf is as it was.  Run by .ci/run (root).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/ldapsync-package.XXXXXX")
trap 'rm -rf "$W"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

git -C "$top" archive --prefix=ldapsync/ HEAD | tar -x -C "$W"
(cd "$W/ldapsync" && dpkg-buildpackage -us -uc -b) > "$W/build.log" 2>&1 \
	|| { tail -40 "$W/build.log"; fail "dpkg-buildpackage"; }
ls "$W"/ldapsync_*.deb "$W"/libnss-ldapsync_*.deb > /dev/null || fail "no packages"
ok "dpkg-buildpackage -us -uc -b builds ldapsync and libnss-ldapsync"

lintian "$W"/ldapsync_*.changes > "$W/lintian" 2>&1 || true
if grep '^E:' "$W/lintian"; then fail "lintian reports errors"; fi
ok "lintian reports no errors ($(grep -c '^W:' "$W/lintian" || true) warnings)"

R="$W/root"
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/etc"
: > "$R/var/lib/dpkg/status"
printf 'passwd: files\ngroup: files\nshadow: files\n' > "$R/etc/nsswitch.conf"
cp "$R/etc/nsswitch.conf" "$W/nsswitch.before"
# The scratch root has no libc of its own: its dependencies are the host's.
dpkg --root="$R" --force-depends --force-script-chrootless \
	-i "$W"/ldapsync_*.deb "$W"/libnss-ldapsync_*.deb > "$W/dpkg.log" 2>&1 \
	|| { cat "$W/dpkg.log"; fail "dpkg -i"; }
[ "$(dpkg --root="$R" -l ldapsync libnss-ldapsync | grep -c '^ii')" = 2 ] || fail "not both installed"
"$R/usr/sbin/ldapsync" --version | grep -q '^ldapsync [0-9]' || fail "ldapsync --version"
M=$(ls "$R"/lib/*/libnss_ldapsync.so.2)
nm -D --defined-only "$M" | awk '$2 ~ /^[TDBR]$/ { print $3 }' > "$W/exports"
grep -q '^_nss_ldapsync_getpwnam_r$' "$W/exports" || fail "no _nss_ldapsync_getpwnam_r"
if grep -v '^_nss_ldapsync_' "$W/exports"; then fail "the module exports more"; fi
[ ! -e "$R/etc/ldapsync.conf" ] || fail "a fresh install has an /etc/ldapsync.conf (its runs would fail against the example's server)"
ls "$R"/usr/share/doc/ldapsync/examples/ldapsync.conf* > /dev/null || fail "no example configuration"
grep -q '^ConditionPathExists=/etc/ldapsync.conf$' "$R/lib/systemd/system/ldapsync.service" || fail "the service does not wait for a configuration"
ok "installed with dpkg --root: ldapsync --version runs; the module exports only $(wc -l < "$W/exports") _nss_ldapsync_* symbols; no configuration until the administrator writes one (the example is in /usr/share/doc), so the timer's runs are skipped, not failed"

[ -L "$R/etc/systemd/system/timers.target.wants/ldapsync.timer" ] || fail "the timer is not enabled"
if find "$R/etc/systemd" -name 'ldapsync-watch.service' | grep .; then fail "the watcher is enabled"; fi
cmp -s "$R/etc/nsswitch.conf" "$W/nsswitch.before" || fail "nsswitch.conf was changed"
ok "the postinst enables the timer, not the watcher, and leaves nsswitch.conf alone"
echo "$n passed, 0 failed"
