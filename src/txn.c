#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "txn.h"
#include "util.h"

struct staged {
	char	*path;
	char	*tmp;
};

struct txn {
	struct staged	*v;
	size_t		 n;
};

struct txn *
txn_new(void)
{
	return xcalloc(1, sizeof(struct txn));
}

static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* A synced temporary file beside path; its name, or NULL after a message. */
static char *
temp_with(const char *path, const void *data, size_t len, mode_t mode,
    uid_t uid, gid_t gid, bool sync)
{
	char *tmp = xasprintf("%s.ldapsync.XXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC);

	if (fd == -1) {
		log_error("%s: cannot create a temporary file: %s", path,
		    strerror(errno));
		free(tmp);
		return NULL;
	}
	if (fchown(fd, uid, gid) == -1 || fchmod(fd, mode) == -1 ||
	    write_all(fd, data, len) == -1 || (sync && fsync(fd) == -1)) {
		log_error("%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return NULL;
	}
	if (close(fd) == -1) {
		log_error("%s: %s", tmp, strerror(errno));
		unlink(tmp);
		free(tmp);
		return NULL;
	}
	return tmp;
}

static void
add(struct txn *t, const char *path, char *tmp)
{
	t->v = xreallocarray(t->v, t->n + 1, sizeof(*t->v));
	t->v[t->n++] = (struct staged){ xstrdup(path), tmp };
}

/*
 * The backup is the old file itself, linked under the backup's name: the
 * new one comes by rename, so the old inode is never written again.
 */
static int
stage_backup(struct txn *t, const char *path)
{
	char *bpath = xasprintf("%s-", path);
	char *tmp = xasprintf("%s.ldapsync.XXXXXX", bpath);
	int fd = mkostemp(tmp, O_CLOEXEC);

	/* A name of our own, then the old file under it. */
	if (fd == -1 || close(fd) == -1 || unlink(tmp) == -1 ||
	    link(path, tmp) == -1) {
		log_error("%s: cannot back up: %s", path, strerror(errno));
		if (fd != -1)
			unlink(tmp);
		free(tmp);
		free(bpath);
		return -1;
	}
	add(t, bpath, tmp);
	free(bpath);
	return 0;
}

int
txn_stage(struct txn *t, const char *path, const void *data, size_t len,
    mode_t mode, uid_t uid, gid_t gid, int flags)
{
	struct stat st;
	char *tmp;

	if ((flags & TXN_KEEP) && stat(path, &st) == 0) {
		mode = st.st_mode & 07777;
		uid = st.st_uid;
		gid = st.st_gid;
		if ((flags & TXN_BACKUP) && stage_backup(t, path) != 0)
			return -1;
	}
	if ((tmp = temp_with(path, data, len, mode, uid, gid,
	    !(flags & TXN_NOSYNC))) == NULL)
		return -1;
	add(t, path, tmp);
	return 0;
}

static void
sync_dir(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd != -1) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

static bool
same_dir(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');

	return sa != NULL && sb != NULL && sa - a == sb - b &&
	    strncmp(a, b, (size_t)(sa - a)) == 0;
}

int
txn_commit(struct txn *t)
{
	for (size_t i = 0; i < t->n; i++) {
		if (rename(t->v[i].tmp, t->v[i].path) == -1) {
			log_error("%s: cannot replace: %s", t->v[i].path,
			    strerror(errno));
			return -1;
		}
		FREE(t->v[i].tmp);
	}
	/* Each directory once: the renames are all in its journal. */
	for (size_t i = 0; i < t->n; i++) {
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = same_dir(t->v[i].path, t->v[j].path);
		if (!seen)
			sync_dir(t->v[i].path);
	}
	return 0;
}

void
txn_free(struct txn *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].tmp != NULL)
			unlink(t->v[i].tmp);
		free(t->v[i].tmp);
		free(t->v[i].path);
	}
	free(t->v);
	free(t);
}

int
write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	struct txn *t = txn_new();
	int rc;

	rc = txn_stage(t, path, data, len, mode, getuid(), getgid(), TXN_KEEP);
	if (rc == 0)
		rc = txn_commit(t);
	txn_free(t);
	return rc;
}
