/*
 * The directory cache for incremental sync (RFC 4533): every entry in
 * scope as the server last sent it, keyed by entryUUID, and the cookie of
 * each search.  It is two files in STATE_DIR: "directory", an image
 * written by a full refresh (or when the log grows too long), and
 * "directory.log", the entries changed since, with the current cookies.
 * A run that hears of a few changes writes only the log, so its cost
 * follows the changes, not the directory.  Both are replaced together
 * with the files, the mirror and the state, so a cookie and the data it
 * stands for never part; a log names the image it continues, and one
 * left over from another image is ignored.
 *
 * Loading reads the headers only.  Entries sent by the server wait in a
 * list; the files' entries are indexed only when a run needs them all
 * (or a deletion), and decoded from the mapped files only when asked for.
 */
#ifndef LDAPSYNC_DIRCACHE_H
#define LDAPSYNC_DIRCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "cachefile.h"
#include "entry.h"
#include "util.h"

struct cached {
	const char	*uuid;
	uint32_t	 search;	/* index of the search it came from */
	const char	*raw;		/* in the image or the log, or NULL */
	size_t		 rawlen;
	struct entry	*e;		/* entry_copy() of a sent entry, or NULL */
	const char	*was_dn;	/* before this run's change; NULL: new */
	bool		 seen;		/* present, added or changed this run */
	bool		 changed;	/* added, changed or deleted this run */
	bool		 gone;
};

struct dircache {
	char		*fingerprint;	/* of the configuration it was made with */
	struct strlist	 cookies;	/* one per search, "" for none */
	uint64_t	 generation;	/* of the image; the log names it */
	struct cached	*v;
	size_t		 n, cap;
	uint64_t	*slots;		/* the index by uuid (dircache.c) */
	size_t		 nslots;
	struct strlist	 uuids;		/* of entries added after loading */
	const char	*image, *log;	/* the files, mapped */
	size_t		 image_len, log_len;
	size_t		 body, log_body;	/* where their records start */
	size_t		 records_end;	/* in the image: then its index */
	size_t		 image_count;
	bool		 indexed;	/* v holds every record */
	/*
	 * Until then, the entries sent this run wait here, to be looked up
	 * in one pass over the files only when needed.
	 */
	struct cached	*pending;
	size_t		 npending;
	bool		 damaged;	/* a record could not be read */
	bool		 dirty;		/* differs from the files */
	/* A refill in progress: the new image, written as entries come. */
	struct buf	 fill;
	size_t		 nfill, count_at;
	bool		 refilled;
	/* Where a refill's image goes as it grows (dircache_spill()). */
	int		 spill;
	uint64_t	 spilled;	/* bytes written there */
	bool		 spill_failed;
	struct cf_slot	*idx;		/* the index of an image being written */
	size_t		 nidx;
	/* Where dircache_entry() decodes an entry of the files. */
	struct entry	 scratch;
	struct cf_scratch dec;
};

void	 dircache_init(struct dircache *);
/*
 * Reads the headers of the files at path and path.log.  0, or -1 when
 * missing or unreadable (then it is left empty).
 */
int	 dircache_load(struct dircache *, const char *path);
void	 dircache_free(struct dircache *);
/* Indexes every record; false when one is damaged. */
bool	 dircache_index(struct dircache *);
/*
 * The entry of record i, or NULL once deleted or damaged (then damaged
 * is set); valid until the next call.  dircache_index() first.
 */
const struct entry *dircache_entry(struct dircache *, size_t i);
/* A change of this run, with the DN before it (NULL: a new entry). */
struct dircache_change {
	const char		*uuid;
	uint32_t		 search;
	const struct entry	*e;		/* NULL: deleted */
	const char		*was_dn;
};

/*
 * The entry with this uuid as the cache's files hold it, and its search,
 * or NULL when there is none (or it is damaged: then damaged is set);
 * valid until the next call.  For a few lookups: no index is built.
 */
const struct entry *dircache_get(struct dircache *, const char *uuid,
	    uint32_t *search);
/* This run's changes, each entry once; free() the array. */
size_t	 dircache_changes(struct dircache *, struct dircache_change **);
/* Adds or replaces the entry with this uuid. */
void	 dircache_put(struct dircache *, const char *uuid, uint32_t search,
	    const struct entry *);
/*
 * Deletes or marks as present an entry of that search (others are kept),
 * or of any search with DIRCACHE_ANY.
 */
#define DIRCACHE_ANY	UINT32_MAX
void	 dircache_del(struct dircache *, const char *uuid, uint32_t search);
void	 dircache_mark(struct dircache *, const char *uuid, uint32_t search);
/* Drops the entries of a search (or any) not seen this run: how many. */
size_t	 dircache_drop_unseen(struct dircache *, uint32_t search);
void	 dircache_set_cookie(struct dircache *, size_t search, const char *);

/*
 * A refill then writes its image to fd as it grows rather than keeping
 * it in memory (at 100,000 users the image is most of a run's memory);
 * dircache_render() completes the file and leaves its image empty.  The
 * caller owns fd.
 */
void	 dircache_spill(struct dircache *, int fd);
/* 1: the image is complete in the spill file; 0: not spilled; -1: failed. */
int	 dircache_spilled(const struct dircache *);

/* A refill: empties the cache, writes the header, then each entry. */
void	 dircache_refill(struct dircache *, const char *fingerprint,
	    const struct strlist *cookies);
void	 dircache_append(struct dircache *, const char *uuid, uint32_t search,
	    const struct entry *);
/*
 * The files' new content, if the cache changed (false when it did not):
 * image empty when the image stays as it is.
 */
bool	 dircache_render(struct dircache *, struct buf *image, struct buf *log);

#endif
