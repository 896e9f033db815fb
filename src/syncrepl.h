/*
 * Incremental sync: keeping the directory cache up to date with RFC 4533
 * refreshOnly searches from the stored cookies, or, on Active Directory
 * (which has no RFC 4533), with a scan of every entry's objectGUID and
 * uSNChanged on the same DC (the missing were deleted; those past the
 * last run's highestCommittedUSN are read again whole); or refilling it
 * with a full paged fetch when it
 * cannot be (no cookie, --full, the configuration changed, the server
 * wants a reload, another DC or a restored one).
 */
#ifndef LDAPSYNC_SYNCREPL_H
#define LDAPSYNC_SYNCREPL_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "dircache.h"
#include "directory.h"

/*
 * A search as the server is asked it: one base of users or of groups, or
 * users and groups together (search SYNCREPL_BOTH) when their bases and
 * filters allow (syncrepl.c's joined()).  The cache keeps a cookie per
 * request and files each entry under a search: user bases, then group
 * bases.
 */
#define SYNCREPL_BOTH	UINT32_MAX
#define SYNCREPL_NONE	(UINT32_MAX - 1)

struct syncrepl_request {
	const char	*base;
	int		 scope;
	const char	*filter;
	struct strlist	 attrs;
	uint32_t	 search;	/* or SYNCREPL_BOTH */
	bool		 class_added;	/* objectClass asked for sorting alone */
	char		*own_base, *own_filter, *folded[2];
};

size_t	 syncrepl_requests(const struct conf *);
void	 syncrepl_request(const struct conf *, size_t i,
	    struct syncrepl_request *);
void	 syncrepl_request_free(struct syncrepl_request *);
/* The search an entry the request sent is filed under, or SYNCREPL_NONE. */
uint32_t syncrepl_search_of(const struct conf *,
	    const struct syncrepl_request *, const struct entry *);

/* What the searches depend on: a cache made otherwise is not reused. */
char	*syncrepl_fingerprint(const struct conf *);
/* The number of searches: user bases, then group bases. */
size_t	 syncrepl_searches(const struct conf *);
/* Whether search i is of groups. */
bool	 syncrepl_is_group(const struct conf *, size_t i);

/* Who hears of each entry of a full refresh as it arrives. */
struct syncrepl_sink {
	void	(*entry)(void *, size_t search, const struct entry *);
	void	*arg;
};

/* Where an AD DC stands (dir_ad_position()). */
struct ad_position {
	char			*dc;
	unsigned long long	 usn;
};

/*
 * Brings the cache to what the server holds now; ad: the server is an AD
 * DC at that position, NULL: it speaks RFC 4533.  A full refresh hands
 * each entry to the sink as it arrives (and *full is set); after an
 * incremental one the cache's entries are what the server holds.
 * *received counts what the server sent.  0, or -1 with *why set.
 */
int	 syncrepl_refresh(struct dir *, const struct conf *, struct dircache *,
	    const struct ad_position *ad, bool want_full, const struct syncrepl_sink *, bool *full,
	    size_t *received, char **why);

/*
 * An incremental refresh asked for at once, the server taken to offer
 * RFC 4533 because the cache holds its cookies (no root DSE read: a
 * run's cost to the server is then that of one sync search).  0 done;
 * DIR_SYNC_RELOAD when the cache holds no such cookies or the server
 * wants a full refresh; -1 failed, with *why.  After anything but 0 the
 * cache must be loaded again.
 */
int	 syncrepl_resume(struct dir *, const struct conf *, struct dircache *,
	    char **why);

#endif
