#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "txn.h"
#include "util.h"

#define TMP_MARK	".ldapsync."
#define GONE_MARK	".ldapsync-gone."
/* Smaller files are freed in the rename: a link costs as much. */
#define GONE_MIN	(1 << 20)
#define JOURNAL_MAGIC	"ldapsync-commit 1\n"

/* tmp renamed onto path, or (tmp NULL) path removed. */
struct staged {
	char	*path;
	char	*tmp;
	bool	 sync;		/* tmp's data to be on disk before the renames */
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

bool
txn_empty(const struct txn *t)
{
	return t->n == 0;
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

/* A fresh, exclusive temporary name beside path: fd, or -1. */
static int
temp_open(const char *path, char **tmp)
{
	int fd;

	*tmp = xasprintf("%s" TMP_MARK "%ld.XXXXXX", path, (long)getpid());
	if ((fd = mkostemp(*tmp, O_CLOEXEC)) == -1) {
		log_error("%s: cannot create a temporary file: %s", path,
		    strerror(errno));
		FREE(*tmp);
	}
	return fd;
}

/*
 * Its data on its way to the disk: written back while the run goes on,
 * and waited for (fsync) only at the commit, all files at once.
 */
static int
start_writeback(int fd)
{
	if (sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) == 0)
		return 0;
	return errno == ENOSYS || errno == EINVAL ? fsync(fd) : -1;
}

/* A temporary file beside path; its name, or NULL after a message. */
static char *
temp_with(const char *path, const void *data, size_t len, mode_t mode,
    uid_t uid, gid_t gid, bool sync)
{
	char *tmp;
	int fd = temp_open(path, &tmp);

	if (fd == -1)
		return NULL;
	if (fchown(fd, uid, gid) == -1 || fchmod(fd, mode) == -1 ||
	    write_all(fd, data, len) == -1 ||
	    (sync && start_writeback(fd) == -1)) {
		int saved = errno;

		close(fd);
		errno = saved;
		fd = -1;
	}
	if (fd == -1 || close(fd) == -1) {
		log_error("%s: %s", tmp, strerror(errno));
		unlink(tmp);
		FREE(tmp);
	}
	return tmp;
}

static void
add(struct txn *t, const char *path, char *tmp, bool sync)
{
	t->v = xreallocarray(t->v, t->n + 1, sizeof(*t->v));
	t->v[t->n++] = (struct staged){ xstrdup(path), tmp, sync };
}

int
txn_temp(const char *path, char **tmp)
{
	return temp_open(path, tmp);
}

void
txn_stage_temp(struct txn *t, const char *path, char *tmp)
{
	add(t, path, tmp, false);
}

/*
 * The backup is the old file itself, linked under the backup's name: the
 * new one comes by rename, so the old inode is never written again.
 */
static int
stage_backup(struct txn *t, const char *path)
{
	char *bpath = xasprintf("%s-", path), *tmp;
	int fd = temp_open(bpath, &tmp), rc = -1;

	/* A name of our own, then the old file under it. */
	if (fd != -1) {
		close(fd);
		if (unlink(tmp) == 0 && link(path, tmp) == 0)
			rc = 0;
		else
			log_error("%s: cannot back up: %s", path,
			    strerror(errno));
	}
	if (rc == 0)
		add(t, bpath, tmp, false);
	else
		free(tmp);
	free(bpath);
	return rc;
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
	add(t, path, tmp, !(flags & TXN_NOSYNC));
	return 0;
}

void
txn_stage_unlink(struct txn *t, const char *path)
{
	add(t, path, NULL, false);
}

/* --- making it so ------------------------------------------------------ */

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

/* Each directory once: the renames are all in its journal. */
static void
sync_dirs(const struct staged *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = same_dir(v[i].path, v[j].path);
		if (!seen)
			sync_dir(v[i].path);
	}
}

/*
 * The file a rename is about to replace, when that drops its last link,
 * linked under a name of its own in dir (NULL: its own directory): ext4
 * frees a big file's blocks in the rename itself (7 ms for 6 MB of
 * passwd-, in the middle of the commit), and txn_release_start() frees
 * them later, while another run works.  A link that cannot be made (dir
 * on another file system, the name taken by a pid used again) leaves the
 * freeing to the rename, as before.
 */
static void
keep_replaced(const char *path, const char *dir)
{
	static unsigned serial;
	const char *name = strrchr(path, '/');
	struct stat st;
	char *gone;

	if (lstat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_nlink != 1 || st.st_size < GONE_MIN)
		return;
	if (dir != NULL)
		gone = xasprintf("%s/%s" GONE_MARK "%ld.%u", dir,
		    name ? name + 1 : path, (long)getpid(), serial++);
	else
		gone = xasprintf("%s" GONE_MARK "%ld.%u", path,
		    (long)getpid(), serial++);
	(void)link(path, gone);
	free(gone);
}

/*
 * One step, safe to repeat: a temporary file already renamed is gone,
 * and one renamed onto a link to the same inode (a no-op, by POSIX) is
 * removed.
 */
static int
carry_out(const struct staged *s, const char *gone_dir)
{
	struct stat st;

	if (s->tmp == NULL) {
		if (unlink(s->path) == -1 && errno != ENOENT)
			goto fail;
		return 0;
	}
	if (lstat(s->tmp, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	keep_replaced(s->path, gone_dir);
	if (rename(s->tmp, s->path) == -1)
		goto fail;
	if (lstat(s->tmp, &st) == 0 && unlink(s->tmp) == -1)
		goto fail;
	return 0;
fail:
	log_error("%s: cannot replace: %s", s->path, strerror(errno));
	return -1;
}

/* With a journal, what the renames replace is kept beside it. */
static int
carry_out_all(const struct staged *v, size_t n, const char *journal)
{
	const char *slash = journal ? strrchr(journal, '/') : NULL;
	char *dir = slash ? xstrndup(journal, (size_t)(slash - journal)) : NULL;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++)
		rc = carry_out(&v[i], dir);
	if (rc == 0)
		sync_dirs(v, n);
	free(dir);
	return rc;
}

/* "R" tmp path or "U" path, each field NUL-terminated; "E" ends it. */
static void
journal_render(const struct txn *t, struct buf *b)
{
	buf_addstr(b, JOURNAL_MAGIC);
	for (size_t i = 0; i < t->n; i++) {
		buf_addstr(b, t->v[i].tmp ? "R" : "U");
		if (t->v[i].tmp != NULL)
			buf_add(b, t->v[i].tmp, strlen(t->v[i].tmp) + 1);
		buf_add(b, t->v[i].path, strlen(t->v[i].path) + 1);
	}
	buf_addstr(b, "E");
}

static int
journal_write(const struct txn *t, const char *journal)
{
	struct buf b = { 0 };
	int rc;

	journal_render(t, &b);
	rc = write_atomic(journal, b.p, b.len, 0600);
	buf_free(&b);
	return rc;
}

/*
 * Not synced: a journal back after a power failure names temporary files
 * that are gone, and replaying it (txn_recover) does nothing.
 */
static int
journal_remove(const char *journal)
{
	if (unlink(journal) == -1) {
		log_error("%s: %s", journal, strerror(errno));
		return -1;
	}
	return 0;
}

/* Every staged file's data on disk, its writeback long begun. */
static int
sync_staged(const struct txn *t)
{
	for (size_t i = 0; i < t->n; i++) {
		int fd;

		if (!t->v[i].sync)
			continue;
		if ((fd = open(t->v[i].tmp, O_RDONLY | O_CLOEXEC)) == -1 ||
		    fsync(fd) == -1) {
			log_error("%s: %s", t->v[i].tmp, strerror(errno));
			if (fd != -1)
				close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

int
txn_commit(struct txn *t, const char *journal)
{
	int rc;

	if (t->n == 0)
		return 0;
	if (sync_staged(t) != 0 ||
	    (journal != NULL && journal_write(t, journal) != 0))
		return -1;
	rc = carry_out_all(t->v, t->n, journal);
	/*
	 * Renamed, or, with a journal, left for txn_recover(): a half-done
	 * commit must keep every temporary file the journal names, or its
	 * recovery would take the missing ones for done.
	 */
	for (size_t i = 0; i < t->n && (rc == 0 || journal != NULL); i++)
		FREE(t->v[i].tmp);
	if (rc == 0 && journal != NULL)
		rc = journal_remove(journal);
	return rc;
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

/* --- recovery ---------------------------------------------------------- */

/* A NUL-terminated field at *p before end, or NULL. */
static const char *
field(const char **p, const char *end)
{
	const char *s = *p, *nul = memchr(s, '\0', (size_t)(end - s));

	if (nul == NULL)
		return NULL;
	*p = nul + 1;
	return s;
}

/* Only our own temporary files, each beside its target. */
static bool
tmp_of(const char *tmp, const char *path)
{
	size_t n = strlen(path);

	return strncmp(tmp, path, n) == 0 &&
	    strncmp(tmp + n, TMP_MARK, strlen(TMP_MARK)) == 0;
}

/* The journal's steps into t; false when it is not one of ours, whole. */
static bool
journal_parse(const char *text, size_t len, struct txn *t)
{
	const char *p = text + strlen(JOURNAL_MAGIC), *end = text + len;
	const char *tmp, *path;

	if (len < strlen(JOURNAL_MAGIC) + 1 ||
	    memcmp(text, JOURNAL_MAGIC, strlen(JOURNAL_MAGIC)) != 0)
		return false;
	while (p < end && *p != 'E') {
		char op = *p++;

		tmp = op == 'R' ? field(&p, end) : NULL;
		if ((op != 'R' && op != 'U') || (op == 'R' && tmp == NULL) ||
		    (path = field(&p, end)) == NULL || path[0] != '/' ||
		    (tmp != NULL && !tmp_of(tmp, path)))
			return false;
		add(t, path, tmp ? xstrdup(tmp) : NULL, false);
	}
	return p + 1 == end;
}

int
txn_recover(const char *journal)
{
	struct txn *t = txn_new();
	char *text = NULL;
	size_t len;
	int rc = -1;

	if (read_file(journal, &text, &len) == -1) {
		rc = errno == ENOENT ? 0 : -1;
		if (rc != 0)
			log_error("%s: %s", journal, strerror(errno));
		goto out;
	}
	if (!journal_parse(text, len, t)) {
		log_error("%s: not a commit record of ldapsync; remove it "
		    "once the files are checked", journal);
		goto out;
	}
	log_warn("completing the commit of an interrupted run (%s)", journal);
	if (carry_out_all(t->v, t->n, journal) == 0 &&
	    journal_remove(journal) == 0)
		rc = 1;
out:
	/* Nothing here is ours to remove: clear the names first. */
	for (size_t i = 0; i < t->n; i++)
		FREE(t->v[i].tmp);
	txn_free(t);
	free(text);
	return rc;
}

/* The pid in NAME.ldapsync.PID.XXXXXX, or 0 when it is not such a name. */
static long
temp_pid(const char *name)
{
	const char *m = strstr(name, TMP_MARK);
	char *end;
	long pid;

	if (m == NULL)
		return 0;
	pid = strtol(m + strlen(TMP_MARK), &end, 10);
	if (pid <= 0 || *end != '.' || strlen(end + 1) != 6)
		return 0;
	return pid;
}

/* Whether name is a temporary file of a process that is gone. */
static bool
dead_temp(const char *name)
{
	long pid = temp_pid(name);

	return pid != 0 && pid != (long)getpid() &&
	    kill((pid_t)pid, 0) == -1 && errno == ESRCH;
}

/* Removes the dead runs' temporary files in dir, or (dry) finds one. */
static bool
sweep(const char *dir, bool dry)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	if (d == NULL)
		return false;
	while (!(dry && found) && (e = readdir(d)) != NULL) {
		if (!dead_temp(e->d_name))
			continue;
		found = true;
		if (!dry && unlinkat(dirfd(d), e->d_name, 0) == 0)
			log_verbose("%s/%s: removed, left by a dead run", dir,
			    e->d_name);
	}
	closedir(d);
	return found;
}

void
txn_sweep(const char *dir)
{
	sweep(dir, false);
}

bool
txn_left(const char *dir)
{
	return sweep(dir, true);
}

/* --- replaced files, freed off the clock -------------------------------- */

struct txn_release {
	struct task	*task;
	struct strlist	 dirs;
};

/*
 * Every file kept_replaced() left in one directory: garbage, anyone's.
 * Then the removals committed to the file system's journal here: their
 * blocks are freed (and discarded) at that commit, which would otherwise
 * be the next fsync of the run's own.
 */
static void
release_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool removed = false;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, GONE_MARK) != NULL &&
		    unlinkat(dirfd(d), e->d_name, 0) == 0)
			removed = true;
	if (removed)
		(void)fsync(dirfd(d));
	closedir(d);
}

static void
release_all(void *arg)
{
	const struct txn_release *r = arg;

	for (size_t i = 0; i < r->dirs.n; i++)
		release_dir(r->dirs.v[i]);
}

struct txn_release *
txn_release_start(const char *const dirs[], size_t n)
{
	struct txn_release *r = xcalloc(1, sizeof(*r));

	for (size_t i = 0; i < n; i++)
		strlist_add(&r->dirs, dirs[i]);
	r->task = task_start(release_all, r);
	return r;
}

void
txn_release_wait(struct txn_release *r)
{
	if (r == NULL)
		return;
	task_wait(r->task);
	strlist_free(&r->dirs);
	free(r);
}

int
write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	struct txn *t = txn_new();
	int rc;

	rc = txn_stage(t, path, data, len, mode, getuid(), getgid(), TXN_KEEP);
	if (rc == 0)
		rc = txn_commit(t, NULL);
	txn_free(t);
	return rc;
}

int
write_quick(const char *path, const void *data, size_t len, mode_t mode)
{
	struct txn *t = txn_new();
	int rc;

	rc = txn_stage(t, path, data, len, mode, getuid(), getgid(),
	    TXN_KEEP | TXN_NOSYNC);
	if (rc == 0)
		rc = carry_out(&t->v[0], NULL);
	txn_free(t);
	return rc;
}
