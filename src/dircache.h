/*
 * The directory cache for incremental sync (RFC 4533): every entry in
 * scope as the server last sent it, keyed by entryUUID, and the cookie of
 * each search.  Kept in STATE_DIR/directory and replaced together with
 * the files, the mirror and the state, so the cookie and the data it
 * stands for never part.
 *
 * Entries loaded from the file stay in its image and are decoded only
 * when asked for; only entries the server sends are copied.  A full
 * refresh writes its entries straight into the image of the new file.
 */
#ifndef LDAPSYNC_DIRCACHE_H
#define LDAPSYNC_DIRCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "entry.h"
#include "htab.h"
#include "util.h"

struct cached {
	const char	*uuid;
	uint32_t	 search;	/* index of the search it came from */
	const char	*raw;		/* in the image, or NULL */
	size_t		 rawlen;
	struct entry	*e;		/* entry_copy() of a sent entry, or NULL */
	bool		 seen;		/* present, added or changed this run */
	bool		 gone;
};

struct dircache {
	char		*fingerprint;	/* of the configuration it was made with */
	struct strlist	 cookies;	/* one per search, "" for none */
	struct cached	*v;
	size_t		 n, cap;
	struct htab	*by_uuid;	/* uuid -> index + 1 */
	struct strlist	 uuids;		/* of entries added after loading */
	char		*image;		/* the file as loaded */
	bool		 dirty;		/* differs from the file */
	/* A refill in progress: the new file, written as entries come. */
	struct buf	 fill;
	size_t		 nfill, count_at;
	/* Where dircache_entry() decodes an entry of the image. */
	struct entry	 scratch;
	struct entry_attr *attrs;
	struct bval	*vals;
	size_t		 attrcap, valcap;
};

void	 dircache_init(struct dircache *);
/* 0, or -1 when missing or unreadable (then it is left empty). */
int	 dircache_load(struct dircache *, const char *path);
void	 dircache_free(struct dircache *);
/* The entry of record i, or NULL once deleted; valid until the next call. */
const struct entry *dircache_entry(struct dircache *, size_t i);
/* Adds or replaces the entry with this uuid. */
void	 dircache_put(struct dircache *, const char *uuid, uint32_t search,
	    const struct entry *);
/* Deletes or marks as present an entry of that search (others are kept). */
bool	 dircache_del(struct dircache *, const char *uuid, uint32_t search);
void	 dircache_mark(struct dircache *, const char *uuid, uint32_t search);
/* Drops the entries of a search that were not seen this run. */
void	 dircache_drop_unseen(struct dircache *, uint32_t search);
void	 dircache_set_cookie(struct dircache *, size_t search, const char *);

/* A refill: empties the cache, writes the header, then each entry. */
void	 dircache_refill(struct dircache *, const char *fingerprint,
	    const struct strlist *cookies);
void	 dircache_append(struct dircache *, const char *uuid, uint32_t search,
	    const struct entry *);
/* The file's new content, if it changed; false when it did not. */
bool	 dircache_render(struct dircache *, struct buf *);

#endif
