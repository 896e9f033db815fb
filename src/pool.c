#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "statedir.h"
#include "txn.h"
#include "util.h"

/* The index of the server the last run used, or -1. */
static long
last_used(const struct conf *c, const char *root)
{
	char *path = state_file(c, root, SD_SERVER), *text, *nl;
	size_t len;
	long idx = -1;

	if (read_file(path, &text, &len) == 0) {
		if ((nl = strchr(text, '\n')) != NULL)
			*nl = '\0';
		for (size_t i = 0; i < c->uris.n; i++)
			if (strcmp(c->uris.v[i], text) == 0)
				idx = (long)i;
		free(text);
	}
	free(path);
	return idx;
}

size_t *
pool_order(const struct conf *c, const char *root)
{
	size_t n = c->uris.n, start = 0, *order = xcalloc(n, sizeof(*order));

	switch (c->pool_strategy) {
	case POOL_FIRST:
		break;
	case POOL_ROUND_ROBIN:
		start = (size_t)(last_used(c, root) + 1) % n;
		break;
	case POOL_RANDOM:
		start = arc4random_uniform((uint32_t)n);
		break;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = (start + i) % n;
	return order;
}

int
pool_remember(const struct conf *c, const char *root, const char *uri)
{
	char *path, *line;
	long last = last_used(c, root);
	int rc;

	if (last >= 0 && strcmp(c->uris.v[last], uri) == 0)
		return 0;	/* unchanged: nothing to write */
	path = state_file(c, root, SD_SERVER);
	line = xasprintf("%s\n", uri);
	rc = write_atomic(path, line, strlen(line), 0644);
	free(path);
	free(line);
	return rc;
}
