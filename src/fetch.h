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
 * root: the tree whose etc/shells applies.  0, or -1 after a message:
 * any failure, a partial search included, fails the whole fetch.  The
 * bind password is cleared from c once the bind is done.
 */
int	 fetch(struct conf *c, const char *root, struct users *,
	    struct groups *);

#endif
