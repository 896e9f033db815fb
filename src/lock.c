#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <shadow.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "log.h"
#include "util.h"

/* commonio_lock() gives up after 15 s; polling more often than its 1 s
 * keeps a run from idling behind a useradd that took the lock briefly. */
#define LOCK_TRIES	150	/* 100 ms apart */

static const char *const files[] = { "passwd", "group", "gshadow", "shadow" };
#define NFILES	(sizeof(files) / sizeof(files[0]))

struct locks {
	bool	 lckpwdf;		/* real root: ulckpwdf() to release */
	int	 pwdfd;			/* --root: the fcntl-locked fd */
	char	*paths[NFILES];		/* locked files */
};

static bool
link_count_is_two(const char *file)
{
	struct stat st;

	return stat(file, &st) == 0 && st.st_nlink == 2;
}

static pid_t
lock_holder(const char *lock)
{
	char buf[32] = "";
	ssize_t n;
	int fd = open(lock, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return (pid_t)strtol(buf, NULL, 10);
}

/* commonio's do_lock_file(): FILE.PID linked to FILE.lock. */
static int
link_lock(const char *pidfile, const char *lock)
{
	pid_t holder;

	if (link(pidfile, lock) == 0)
		return link_count_is_two(pidfile);
	if (errno != EEXIST)
		return 0;
	holder = lock_holder(lock);
	if (holder > 0 && (kill(holder, 0) == 0 || errno != ESRCH))
		return 0;
	/* Stale: the pid that took it is gone, as shadow-utils decides. */
	if (holder <= 0 || unlink(lock) == -1)
		return 0;
	return link(pidfile, lock) == 0 && link_count_is_two(pidfile);
}

/*
 * Our pid file, created exclusively and never through a link: one left
 * by this pid (or planted) is removed first.  fd, or -1 with errno.
 */
static int
pidfile_create(const char *pidfile)
{
	int flags = O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC;
	int fd = open(pidfile, flags, 0600);

	if (fd == -1 && errno == EEXIST && unlink(pidfile) == 0)
		fd = open(pidfile, flags, 0600);
	return fd;
}

int
lock_file(const char *path)
{
	char *pidfile = xasprintf("%s.%ld", path, (long)getpid());
	char *lock = xasprintf("%s.lock", path);
	char buf[32];
	int fd, ok = -1;

	if ((fd = pidfile_create(pidfile)) != -1) {
		/* shadow-utils writes the pid with its NUL. */
		int n = snprintf(buf, sizeof(buf), "%lu", (unsigned long)getpid());

		if (write(fd, buf, (size_t)n + 1) == n + 1 && fsync(fd) == 0)
			ok = 0;
		if (close(fd) == -1)
			ok = -1;
		if (ok == 0)
			ok = link_lock(pidfile, lock);
		else
			errno = errno ? errno : EIO;
		unlink(pidfile);
	}
	free(pidfile);
	free(lock);
	return ok;
}

void
unlock_file(const char *path)
{
	char *lock = xasprintf("%s.lock", path);

	if (lock_holder(lock) == getpid())
		unlink(lock);
	free(lock);
}

static void
nap(void)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* The lckpwdf() protocol on a tree's own .pwd.lock, with its 15 s limit. */
static int
pwd_lock(const char *root)
{
	char *path = xasprintf("%s/etc/.pwd.lock", root);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600);

	if (fd == -1) {
		log_error("%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	for (int i = 0; fcntl(fd, F_SETLK, &fl) == -1; i++) {
		if ((errno != EAGAIN && errno != EACCES) || i == 150) {
			log_error("%s: cannot lock: %s", path, strerror(errno));
			close(fd);
			free(path);
			return -1;
		}
		nap();
	}
	free(path);
	return fd;
}

static int
take_files(struct locks *l, const char *root)
{
	for (size_t i = 0; i < NFILES; i++) {
		char *p = xasprintf("%s/etc/%s", root, files[i]);
		int tries, rc = 0;

		for (tries = 0; tries < LOCK_TRIES &&
		    (rc = lock_file(p)) == 0; tries++)
			nap();
		if (rc != 1) {
			if (rc == -1)
				log_error("%s: cannot lock: %s", p,
				    strerror(errno));
			else
				log_error("%s: locked by another program "
				    "(%s.lock)", p, p);
			free(p);
			return -1;
		}
		l->paths[i] = p;
	}
	return 0;
}

struct locks *
locks_take(const char *root)
{
	struct locks *l = xcalloc(1, sizeof(*l));

	l->pwdfd = -1;
	if (strcmp(root, "/") == 0) {
		if (lckpwdf() == -1) {
			log_error("lckpwdf: cannot lock the password files: %s",
			    strerror(errno));
			free(l);
			return NULL;
		}
		l->lckpwdf = true;
		root = "";
	} else if ((l->pwdfd = pwd_lock(root)) == -1) {
		free(l);
		return NULL;
	}
	if (take_files(l, root) == -1) {
		locks_release(l);
		return NULL;
	}
	return l;
}

void
locks_release(struct locks *l)
{
	if (l == NULL)
		return;
	for (size_t i = NFILES; i-- > 0;) {
		if (l->paths[i] != NULL)
			unlock_file(l->paths[i]);
		free(l->paths[i]);
	}
	if (l->lckpwdf)
		ulckpwdf();
	if (l->pwdfd != -1)
		close(l->pwdfd);
	free(l);
}

/* NAME.PID of one of the files, whose pid is dead: commonio's leftover. */
static bool
stale_pidfile(const char *name)
{
	for (size_t i = 0; i < NFILES; i++) {
		size_t n = strlen(files[i]);
		char *end;
		long pid;

		if (strncmp(name, files[i], n) != 0 || name[n] != '.' ||
		    name[n + 1] < '1' || name[n + 1] > '9')
			continue;
		pid = strtol(name + n + 1, &end, 10);
		return *end == '\0' && kill((pid_t)pid, 0) == -1 &&
		    errno == ESRCH;
	}
	return false;
}

void
locks_sweep(const char *root)
{
	char *dir = xasprintf("%s/etc", strcmp(root, "/") == 0 ? "" : root);
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL)
		if (stale_pidfile(e->d_name))
			unlinkat(dirfd(d), e->d_name, 0);
	if (d != NULL)
		closedir(d);
	free(dir);
}
