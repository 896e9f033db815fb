/*
 * The server pool: in which order a run tries the configured URIs
 * (pool_strategy), and the server the last successful fetch used, kept
 * in STATE_DIR/server for round_robin and for status.
 */
#ifndef LDAPSYNC_POOL_H
#define LDAPSYNC_POOL_H

#include <stddef.h>

#include "conf.h"

/* Indexes into c->uris, each once, the first to try first. */
size_t	*pool_order(const struct conf *, const char *root);
/* Records uri as the server used.  0, or -1 after a message. */
int	 pool_remember(const struct conf *, const char *root, const char *uri);

#endif
