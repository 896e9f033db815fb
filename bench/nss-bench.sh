#!/bin/bash
# nss-bench.sh [USERS...]: median time per getpwnam_r, getpwuid_r,
# getgrnam_r, getgrgid_r and initgroups (getgrouplist of a user in 20 of
# 10,000 groups) through libc, answered by libnss_ldapsync, by glibc's
# files module and by Debian's libnss-cache over the same data, each in a
# private mount namespace whose /etc holds only its files (the real /etc
# is never touched).  Also one whole `getent passwd NAME` process.
# Targets (issue 3), at 100,000 users: every call >= 1000 x faster than
# files and >= 10 x faster than libnss-cache; initgroups >= 100 x faster
# than either; getent no slower than with files at 1,000 users.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=${top_builddir:-$here/..}
MODULE_DIR="$top/.libs"
[ -e "$MODULE_DIR/libnss_ldapsync.so.2" ] || { echo "build first (make)" >&2; exit 1; }
[ -e /usr/lib/x86_64-linux-gnu/libnss_cache.so.2 ] || [ -n "$(ls /usr/lib/*/libnss_cache.so.2 2>/dev/null)" ] \
	|| { echo "needs Debian's libnss-cache" >&2; exit 1; }
GROUPS_N=10000 COUNT=${COUNT:-201} GETENT_RUNS=${GETENT_RUNS:-1000}
WORK=$(mktemp -d /tmp/ldapsync-nssbench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# libnss-cache's index: fixed-width "key\0offset\0" records, sorted by
# strcmp, one per line, newer than the file they index.
index() {	# FILE COLUMN OUT
	perl -e '
		my ($file, $col, $out) = @ARGV; my ($off, @r) = (0);
		open(my $f, "<", $file) or die; 
		while (<$f>) { my @x = split /:/; push @r, [$x[$col], $off]; $off += length; }
		@r = sort { $a->[0] cmp $b->[0] } @r;
		my $w = 0; for (@r) { my $l = length($_->[0]) + length($_->[1]) + 2; $w = $l if $l > $w; }
		open(my $o, ">", $out) or die;
		for (@r) { my $s = "$_->[0]\0$_->[1]\0"; print $o $s, "\0" x ($w - length $s), "\n"; }
	' "$1" "$2" "$3"
}

setup() {	# N: $WORK/N/{files,cache,ldapsync} as /etc trees
	local d="$WORK/$1"
	mkdir -p "$d/data" "$d/files" "$d/cache" "$d/ldapsync" "$d/mirror"
	"$here/gen-files.sh" "$1" "$GROUPS_N" "$d/data"
	for m in files cache ldapsync; do
		cp /etc/ld.so.cache "$d/$m/"
		: > "$d/$m/passwd"; : > "$d/$m/group"
	done
	printf 'passwd: files\ngroup: files\n' > "$d/files/nsswitch.conf"
	cp "$d/data/passwd" "$d/data/group" "$d/files/"
	printf 'passwd: cache\ngroup: cache\n' > "$d/cache/nsswitch.conf"
	cp "$d/data/passwd" "$d/cache/passwd.cache"
	cp "$d/data/group" "$d/cache/group.cache"
	index "$d/cache/passwd.cache" 0 "$d/cache/passwd.cache.ixname"
	index "$d/cache/passwd.cache" 2 "$d/cache/passwd.cache.ixuid"
	index "$d/cache/group.cache" 0 "$d/cache/group.cache.ixname"
	index "$d/cache/group.cache" 2 "$d/cache/group.cache.ixgid"
	printf 'passwd: ldapsync\ngroup: ldapsync\n' > "$d/ldapsync/nsswitch.conf"
	"$top/bench/mkmirror" "$d/data/passwd" "$d/data/group" "$d/data/shadow" "$d/mirror"
}

inside() {	# N MODULE COMMAND...: run with that module's /etc
	local etc="$WORK/$1/$2"; shift 2
	unshare -m sh -c 'mount --bind "$0" /etc && exec "$@"' "$etc" \
		env LD_LIBRARY_PATH="$MODULE_DIR" LDAPSYNC_MIRROR_DIR="$WORK/$N/mirror" "$@"
}

# Median ns of one whole getent passwd process for files and for ldapsync,
# measured in alternating chunks so that the machine's drift hits both.
getent_medians() {	# N
	local i
	for i in $(seq 10); do
		inside "$1" files "$top/bench/spawn-time" $((GETENT_RUNS / 10)) getent passwd u500 >> "$WORK/gf"
		inside "$1" ldapsync "$top/bench/spawn-time" $((GETENT_RUNS / 10)) getent passwd u500 >> "$WORK/gl"
	done
	echo "$(sort -n "$WORK/gf" | sed -n 5p) $(sort -n "$WORK/gl" | sed -n 5p)"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", a / b }'; }

for N in ${@:-1000 10000 100000}; do
	setup "$N"
	for m in files cache ldapsync; do
		inside "$N" "$m" "$top/bench/nss-lookup" "$N" "$GROUPS_N" "$COUNT" > "$WORK/$N/$m.out"
	done
	echo "== $N users, $GROUPS_N groups of 20 members: median ns per call (ratio: files / ldapsync, cache / ldapsync)"
	printf '%-11s %12s %12s %12s %10s %10s\n' call files libnss-cache ldapsync x-files x-cache
	while read -r call f; do
		c=$(awk -v k="$call" '$1 == k { print $2 }' "$WORK/$N/cache.out")
		l=$(awk -v k="$call" '$1 == k { print $2 }' "$WORK/$N/ldapsync.out")
		printf '%-11s %12s %12s %12s %10s %10s\n' "$call" "$f" "$c" "$l" "$(ratio "$f" "$l")" "$(ratio "$c" "$l")"
	done < "$WORK/$N/files.out"
	if [ "$N" = 1000 ]; then
		read -r gf gl <<< "$(getent_medians "$N")"
		echo "one getent passwd process: files $((gf / 1000)) us, ldapsync $((gl / 1000)) us (ldapsync / files $(awk -v a="$gl" -v b="$gf" 'BEGIN { printf "%.2f", a / b }'))"
	fi
done
