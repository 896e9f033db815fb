#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "statedir.h"
#include "util.h"

char *
root_path(const char *root, const char *path)
{
	if (strcmp(root, "/") == 0)
		return xstrdup(path);
	return xasprintf("%s%s", root, path);
}

char *
state_dir(const struct conf *c, const char *root)
{
	return root_path(root, c->state_dir);
}

char *
state_file(const struct conf *c, const char *root, const char *name)
{
	char *dir = state_dir(c, root);
	char *path = xasprintf("%s/%s", dir, name);

	free(dir);
	return path;
}

int
statedir_prepare(const struct conf *c, const char *root, bool create)
{
	char *dir = state_dir(c, root);
	const char *why = NULL;
	struct stat st;
	int rc = -1;

	if (lstat(dir, &st) == -1 && errno == ENOENT) {
		rc = create ? mkdir_p(dir) : 0;
		if (rc != 0 || !create)
			goto out;
	}
	if (lstat(dir, &st) == -1)
		why = strerror(errno);
	else if (S_ISLNK(st.st_mode))
		why = "a symbolic link";
	else if (!S_ISDIR(st.st_mode))
		why = "not a directory";
	else if (st.st_uid != 0)
		why = "not owned by root";
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		why = "writable by group or others";
	else
		rc = 0;
	if (why != NULL)
		log_error("state_dir %s: %s; refused", dir, why);
out:
	free(dir);
	return rc;
}
