#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "home.h"
#include "log.h"
#include "util.h"

/* An octal number after a login.defs keyword, or -1. */
static long
defs_value(const char *text, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = text; p != NULL; p = strchr(p, '\n')) {
		char *end;
		long v;

		p += *p == '\n';
		p += strspn(p, " \t");
		if (strncmp(p, key, n) != 0 || (p[n] != ' ' && p[n] != '\t'))
			continue;
		v = strtol(p + n, &end, 8);
		if (end != p + n && v >= 0 && v <= 07777)
			return v;
	}
	return -1;
}

mode_t
home_mode(const char *root)
{
	char *path = xasprintf("%s/etc/login.defs", root), *text = NULL;
	size_t len;
	long mode = -1, umask_v = 022;

	if (read_file(path, &text, &len) == 0) {
		mode = defs_value(text, "HOME_MODE");
		if (defs_value(text, "UMASK") >= 0)
			umask_v = defs_value(text, "UMASK");
	}
	free(text);
	free(path);
	return (mode_t)(mode >= 0 ? mode : 0777 & ~umask_v);
}

static bool
is_link(int dir, const char *name)
{
	struct stat st;

	return fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode);
}

/*
 * The directory holding the last component of path, opened from root
 * one component at a time, never through a symbolic link; missing ones
 * are made, root's, 0755.  The fd, or -1 with *why.
 */
static int
open_parent(const char *root, const char *path, const char **last,
    const char **why)
{
	char *copy = xstrdup(path), *save = NULL, *c, *next;
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), sub;

	*why = "the root cannot be opened";
	c = strtok_r(copy, "/", &save);
	for (; fd != -1 && c != NULL; c = next) {
		if ((next = strtok_r(NULL, "/", &save)) == NULL)
			break;
		if (mkdirat(fd, c, 0755) == -1 && errno != EEXIST)
			*why = "a parent directory cannot be made";
		sub = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (sub == -1 && (errno == ELOOP || errno == ENOTDIR))
			*why = is_link(fd, c) ?
			    "a parent directory is a symbolic link" :
			    "a parent is not a directory";
		close(fd);
		fd = sub;
	}
	*last = c ? path + (c - copy) : NULL;
	free(copy);
	if (fd != -1 && *last == NULL) {
		close(fd);
		*why = "no name for the home";
		return -1;
	}
	return fd;
}

static int copy_tree(int from, int to, uid_t, gid_t);

static int
copy_file(int in, int out)
{
	char buf[65536];
	uint64_t off = 0;
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (pwrite_all(out, buf, (size_t)n, off) != 0)
			return -1;
		off += (uint64_t)n;
	}
	return n == 0 ? 0 : -1;
}

/* One skeleton entry into the new home, owned by the user. */
static int
copy_entry(int from, int to, const char *name, uid_t uid, gid_t gid)
{
	struct stat st;
	char target[4096];
	ssize_t n;
	int in = -1, out = -1, rc = -1;

	if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (S_ISLNK(st.st_mode)) {
		if ((n = readlinkat(from, name, target, sizeof(target) - 1)) < 0)
			return -1;
		target[n] = '\0';
		return symlinkat(target, to, name) == 0 ? fchownat(to, name,
		    uid, gid, AT_SYMLINK_NOFOLLOW) : -1;
	}
	if (S_ISDIR(st.st_mode)) {
		if (mkdirat(to, name, st.st_mode & 0777) == -1)
			return -1;
		in = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		out = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (in != -1 && out != -1 && fchown(out, uid, gid) == 0)
			rc = copy_tree(in, out, uid, gid);
	} else if (S_ISREG(st.st_mode)) {
		in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, st.st_mode & 0777);
		if (in != -1 && out != -1 && fchown(out, uid, gid) == 0)
			rc = copy_file(in, out);
	} else
		return 0;	/* devices, fifos, sockets: not for a home */
	if (in != -1)
		close(in);
	if (out != -1)
		close(out);
	return rc;
}

static int
copy_tree(int from, int to, uid_t uid, gid_t gid)
{
	DIR *d = fdopendir(dup(from));
	struct dirent *de;
	int rc = d ? 0 : -1;

	while (d != NULL && rc == 0 && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			rc = copy_entry(from, to, de->d_name, uid, gid);
	if (d != NULL)
		closedir(d);
	return rc;
}

/* The skeleton's copy, then the home's owner and mode. */
static int
fill_home(int home, const char *root, const char *skel, uid_t uid,
    gid_t gid, mode_t mode)
{
	char *path = xasprintf("%s%s", strcmp(root, "/") ? root : "", skel);
	int from = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (from != -1) {
		rc = copy_tree(from, home, uid, gid);
		close(from);
	}
	free(path);
	if (rc == 0 && (fchown(home, uid, gid) == -1 ||
	    fchmod(home, mode) == -1))
		rc = -1;
	return rc;
}

int
home_make(const char *root, const char *home, const char *skel, uid_t uid,
    gid_t gid, mode_t mode)
{
	const char *last, *why;
	int parent = open_parent(root, home, &last, &why), fd, rc = -1;

	if (parent == -1) {
		log_warn("home %s not made: %s", home, why);
		return -1;
	}
	/* Root's and closed to others until it is complete and the user's. */
	if (mkdirat(parent, last, 0700) == -1) {
		rc = errno == EEXIST ? 0 : -1;
		if (rc != 0)
			log_warn("home %s not made: %s", home, strerror(errno));
	} else if ((fd = openat(parent, last, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    fill_home(fd, root, skel, uid, gid, mode) != 0) {
		log_warn("home %s: the copy of %s failed: %s", home, skel,
		    strerror(errno));
		if (fd != -1)
			close(fd);
	} else {
		close(fd);
		rc = 1;
	}
	close(parent);
	return rc;
}
