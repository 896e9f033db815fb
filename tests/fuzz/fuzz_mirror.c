/*
 * libFuzzer target for the NSS module's mirror reader: each input is a
 * base and a delta (a 4-byte little-endian length, the base, the delta),
 * installed as the mirror (both files, and both deltas) the way ldapsync
 * replaces them, and every entry point is called on them.  A crash, a
 * sanitizer report or a hang is a bug; any answer is fine.
 *
 *   make fuzz && ./fuzz_mirror -max_total_time=60 tests/fuzz/corpus
 */
#include <fcntl.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <shadow.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mirror-format.h"

enum nss_status _nss_ldapsync_getpwnam_r(const char *, struct passwd *,
    char *, size_t, int *);
enum nss_status _nss_ldapsync_getpwuid_r(uid_t, struct passwd *, char *,
    size_t, int *);
enum nss_status _nss_ldapsync_getgrnam_r(const char *, struct group *,
    char *, size_t, int *);
enum nss_status _nss_ldapsync_getgrgid_r(gid_t, struct group *, char *,
    size_t, int *);
enum nss_status _nss_ldapsync_getspnam_r(const char *, struct spwd *,
    char *, size_t, int *);
enum nss_status _nss_ldapsync_initgroups_dyn(const char *, gid_t, long *,
    long *, gid_t **, long, int *);
enum nss_status _nss_ldapsync_setpwent(int);
enum nss_status _nss_ldapsync_getpwent_r(struct passwd *, char *, size_t,
    int *);
enum nss_status _nss_ldapsync_setgrent(int);
enum nss_status _nss_ldapsync_getgrent_r(struct group *, char *, size_t,
    int *);
enum nss_status _nss_ldapsync_setspent(int);
enum nss_status _nss_ldapsync_getspent_r(struct spwd *, char *, size_t,
    int *);

static char dir[] = "/tmp/ldapsync-fuzz.XXXXXX";

static void
install(const char *name, const uint8_t *data, size_t size)
{
	char path[256], tmp[256];
	uint32_t recycled = MIRROR_RECYCLED;
	int old, fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/%s.new", dir, name);
	old = open(path, O_RDWR);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	if (rename(tmp, path) == -1)
		abort();
	if (old != -1) {
		if (pwrite(old, &recycled, sizeof(recycled),
		    offsetof(struct mirror_header, status)) == -1)
			abort();
		close(old);
	}
}

static void
lookups(void)
{
	static const char *const names[] = { "alice", "bob", "", "x" };
	struct passwd pw;
	struct group gr;
	struct spwd sp;
	char buf[4096];
	int err;
	long start = 0, size = 0;
	gid_t *gids = NULL;

	for (size_t i = 0; i < 4; i++) {
		_nss_ldapsync_getpwnam_r(names[i], &pw, buf, sizeof(buf), &err);
		_nss_ldapsync_getgrnam_r(names[i], &gr, buf, sizeof(buf), &err);
		_nss_ldapsync_getspnam_r(names[i], &sp, buf, sizeof(buf), &err);
		_nss_ldapsync_initgroups_dyn(names[i], 0, &start, &size, &gids,
		    0, &err);
	}
	free(gids);
	for (uint32_t id = 10000; id < 10004; id++) {
		_nss_ldapsync_getpwuid_r(id, &pw, buf, sizeof(buf), &err);
		_nss_ldapsync_getgrgid_r(id, &gr, buf, 64, &err);
	}
	_nss_ldapsync_setpwent(0);
	while (_nss_ldapsync_getpwent_r(&pw, buf, sizeof(buf), &err) ==
	    NSS_STATUS_SUCCESS)
		;
	_nss_ldapsync_setgrent(0);
	while (_nss_ldapsync_getgrent_r(&gr, buf, sizeof(buf), &err) ==
	    NSS_STATUS_SUCCESS)
		;
	_nss_ldapsync_setspent(0);
	while (_nss_ldapsync_getspent_r(&sp, buf, sizeof(buf), &err) ==
	    NSS_STATUS_SUCCESS)
		;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	setenv("LDAPSYNC_MIRROR_DIR", dir, 1);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t base;

	if (size < 4)
		return 0;
	base = ((size_t)data[0] | (size_t)data[1] << 8 |
	    (size_t)data[2] << 16 | (size_t)data[3] << 24) % (size - 3);
	data += 4;
	size -= 4;
	install("mirror", data, base);
	install("mirror.shadow", data, base);
	install("mirror.delta", data + base, size - base);
	install("mirror.shadow.delta", data + base, size - base);
	lookups();
	return 0;
}
