/*
 * The directory cache for incremental sync (RFC 4533): every entry in
 * scope as the server last sent it, keyed by entryUUID, and the cookie of
 * each search.  Kept in STATE_DIR/directory and replaced together with
 * the files, the mirror and the state, so the cookie and the data it
 * stands for never part.
 */
#ifndef LDAPSYNC_DIRCACHE_H
#define LDAPSYNC_DIRCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "entry.h"
#include "htab.h"
#include "util.h"

struct cached {
	char		*uuid;
	uint32_t	 search;	/* index of the search it came from */
	struct entry	*e;		/* entry_copy(): one block */
	bool		 seen;		/* present, added or changed this run */
};

struct dircache {
	char		*fingerprint;	/* of the configuration it was made with */
	struct strlist	 cookies;	/* one per search, "" for none */
	struct cached	*v;
	size_t		 n, cap;
	struct htab	*by_uuid;	/* uuid -> index + 1 */
};

void	 dircache_init(struct dircache *, const char *fingerprint,
	    size_t nsearches);
/* 0, or -1 when missing or unreadable (then it is empty). */
int	 dircache_load(struct dircache *, const char *path);
void	 dircache_free(struct dircache *);
/* Adds or replaces the entry with this uuid. */
void	 dircache_put(struct dircache *, const char *uuid, uint32_t search,
	    const struct entry *);
/* Deletes or marks as present an entry of that search (others are kept). */
bool	 dircache_del(struct dircache *, const char *uuid, uint32_t search);
void	 dircache_mark(struct dircache *, const char *uuid, uint32_t search);
/* Drops the entries of a search that were not seen this run. */
void	 dircache_drop_unseen(struct dircache *, uint32_t search);
void	 dircache_render(const struct dircache *, struct buf *);

#endif
