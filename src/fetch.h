/*
 * Fetching: one bound connection, a paged search of every user and group
 * base, each entry mapped and validated as it arrives, then duplicates
 * dropped and members resolved.  Nothing local is read or written.
 */
#ifndef LDAPSYNC_FETCH_H
#define LDAPSYNC_FETCH_H

#include "account.h"
#include "conf.h"

/*
 * From the first server of the pool (in pool_strategy's order) that
 * answers every search completely; *used gets its URI (to free).  root:
 * the tree whose etc/shells and state apply.  0, or -1 after one line per
 * server saying why.  The bind password is cleared from c afterwards.
 */
int	 fetch(struct conf *c, const char *root, struct users *,
	    struct groups *, char **used);

#endif
