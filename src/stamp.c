#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "stamp.h"
#include "statedir.h"
#include "txn.h"

static const char *const etc[] = { "/etc/passwd", "/etc/shadow", "/etc/group",
    "/etc/gshadow", "/etc/shells" };
static const char *const state[] = { SD_STATE, SD_MIRROR, SD_MIRROR_SHADOW,
    SD_MIRROR_DELTA, SD_MIRROR_SHADOW_DELTA };
enum { STATE_ONLY = 1 };	/* state[] without the mirror */

static void
add_file(struct buf *b, const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1)
		buf_printf(b, "%s -\n", path);
	else
		buf_printf(b, "%s %lu %lu %lld %lld.%09ld\n", path,
		    (unsigned long)st.st_dev, (unsigned long)st.st_ino,
		    (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		    st.st_mtim.tv_nsec);
}

static void
make(const struct conf *c, const char *root, bool mirror, struct buf *b)
{
	char *text;
	uint64_t h = 14695981039346656037ull;
	size_t len;

	if (read_file(c->path, &text, &len) == 0) {
		for (size_t i = 0; i < len; i++) {
			h ^= (unsigned char)text[i];
			h *= 1099511628211ull;
		}
		explicit_bzero(text, len);	/* it may hold bindpw */
		free(text);
	}
	buf_printf(b, "%s\nconfig %016llx\n", PACKAGE_STRING,
	    (unsigned long long)h);
	for (size_t i = 0; i < sizeof(etc) / sizeof(etc[0]); i++) {
		char *p = root_path(root, etc[i]);

		add_file(b, p);
		free(p);
	}
	for (size_t i = 0; i < (mirror ? sizeof(state) / sizeof(state[0]) :
	    STATE_ONLY); i++) {
		char *p = state_file(c, root, state[i]);

		add_file(b, p);
		free(p);
	}
}

/*
 * Whether the stamp on disk describes the files as they are now; without
 * the mirror, only its beginning (the mirror's lines come last).
 */
static bool
matches(const struct conf *c, const char *root, bool mirror)
{
	struct buf b = { 0 };
	char *path = state_file(c, root, SD_STAMP), *text = NULL;
	size_t len;
	bool same;

	make(c, root, mirror, &b);
	same = read_file(path, &text, &len) == 0 &&
	    (mirror ? len == b.len : len > b.len) &&
	    memcmp(text, b.p, b.len) == 0;
	free(text);
	buf_free(&b);
	free(path);
	return same;
}

bool
stamp_matches(const struct conf *c, const char *root)
{
	return matches(c, root, true);
}

bool
stamp_matches_files(const struct conf *c, const char *root)
{
	return matches(c, root, false);
}

void
stamp_write(const struct conf *c, const char *root)
{
	struct buf b = { 0 };
	char *path = state_file(c, root, SD_STAMP);

	make(c, root, true, &b);
	/* Lost or cut short, a stamp matches nothing: a whole plan. */
	if (write_quick(path, b.p, b.len, 0600) != 0)
		log_warn("%s: not written; the next run does all the work",
		    path);
	buf_free(&b);
	free(path);
}

void
stamp_remove(const struct conf *c, const char *root)
{
	char *path = state_file(c, root, SD_STAMP);

	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("%s: %s", path, strerror(errno));
	free(path);
}

bool
stamp_recorded(const struct conf *c, const char *root, const char *name,
    const char *path)
{
	char *stamp = state_file(c, root, SD_STAMP), *text = NULL;
	char *file = state_file(c, root, name), *want = NULL, *line;
	struct stat st;
	size_t len;
	bool same = false;

	if (stat(path, &st) == 0 && read_file(stamp, &text, &len) == 0) {
		want = xasprintf("\n%s %lu %lu ", file, (unsigned long)st.st_dev,
		    (unsigned long)st.st_ino);
		line = strstr(text, want);
		same = line != NULL;
	}
	free(want);
	free(text);
	free(file);
	free(stamp);
	return same;
}
