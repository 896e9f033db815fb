/*
 * libFuzzer target for the directory cache's reader (src/cachefile.c,
 * src/dircache.c): each input is an image and a log, as a run leaves
 * them in the state directory (a 4-byte little-endian length of the
 * image, the image, then the log).  They are loaded, indexed, every entry
 * decoded and the cache rendered again.  A crash, a sanitizer report or
 * a hang is a bug; "damaged" is a fine answer.
 *
 *   make fuzz
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dircache.h"
#include "log.h"

static void
put(const char *path, const uint8_t *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd == -1)
		abort();
	if (len > 0 && write(fd, p, len) != (ssize_t)len)
		abort();
	close(fd);
}

static void
exercise(struct dircache *c)
{
	struct dircache_change *ch = NULL;
	struct buf image = { 0 }, log = { 0 };

	if (!dircache_index(c))
		return;
	for (size_t i = 0; i < c->n; i++)
		dircache_entry(c, i);
	free(ch);
	dircache_changes(c, &ch);
	free(ch);
	dircache_render(c, &image, &log);
	buf_free(&image);
	buf_free(&log);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64], lpath[80];
	struct dircache c;
	uint32_t n = 0;

	if (path[0] == '\0') {
		log_init(V_QUIET);
		snprintf(path, sizeof(path), "/tmp/fuzz-cache.%ld",
		    (long)getpid());
		snprintf(lpath, sizeof(lpath), "%s.log", path);
	}
	if (size >= 4)
		n = (uint32_t)data[0] | (uint32_t)data[1] << 8 |
		    (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
	data += size >= 4 ? 4 : size;
	size -= size >= 4 ? 4 : size;
	if (n > size)
		n = (uint32_t)size;
	put(path, data, n);
	put(lpath, data + n, size - n);
	dircache_init(&c);
	if (dircache_load(&c, path) == 0)
		exercise(&c);
	dircache_free(&c);
	return 0;
}
