/*
 * Fetching: one bound connection, a paged search of every user and group
 * base, each entry mapped and validated as it arrives, then duplicates
 * dropped and members resolved.  Nothing local is read or written.
 */
#ifndef LDAPSYNC_FETCH_H
#define LDAPSYNC_FETCH_H

#include "account.h"
#include "conf.h"
#include "dircache.h"

struct fetch_opts {
	const char	*root;		/* whose etc/shells and state apply */
	const char	*cache_path;	/* directory cache; NULL: none */
	int		 cache_spill;	/* a refill's image goes here; -1: none */
	bool		 full;		/* refresh everything (--full) */
};

/* After an incremental refresh: nothing came, or some changes (not mapped). */
#define FETCH_UNCHANGED	1
#define FETCH_CHANGED	2

/*
 * From the first server of the pool (in pool_strategy's order) that
 * answers every search completely; *used gets its URI (to free).  With a
 * server that offers RFC 4533 and no membership_filter, it goes through
 * the directory cache, incrementally when its cookies allow: *cache then
 * holds what to write back with the files.  0, or -1 after one line per
 * server saying why.  The bind password is cleared from c afterwards.
 */
int	 fetch(struct conf *c, const struct fetch_opts *, struct users *,
	    struct groups *, struct dircache *cache, char **used);
/*
 * After FETCH_UNCHANGED or FETCH_CHANGED: the users and groups of the
 * cache the fetch brought up to date.  -1 when it cannot be read.
 */
int	 fetch_from_cache(const struct conf *, const char *root,
	    struct dircache *, struct users *, struct groups *);

#endif
