/*
 * The directory: a bound connection to one server, and paged searches
 * that hand each entry to a callback as it arrives.  TLS settings are
 * made on each connection, never process-wide.
 */
#ifndef LDAPSYNC_DIRECTORY_H
#define LDAPSYNC_DIRECTORY_H

#include "conf.h"
#include "entry.h"

struct dir;

/* Connects and binds to one server; NULL with *why (to free) set. */
struct dir	*dir_open(const struct conf *, const char *uri, char **why);
void		 dir_close(struct dir *);
/* The URI of the server in use, as configured. */
const char	*dir_uri(const struct dir *);

/* Nonzero from the callback stops the search and is returned. */
typedef int	 dir_entry_fn(const struct entry *, void *);

/*
 * A paged search (page_size 0: unpaged).  Returns 0 when the search
 * completed, -1 with *why (to free) set when it failed in any way,
 * including a size or time limit: a partial answer is never a success.
 */
int	 dir_search(struct dir *, const char *base, int scope,
	    const char *filter, char **attrs, dir_entry_fn *, void *,
	    char **why);
/* RFC 4515 escaping of a value for use inside a filter. */
char	*dir_filter_escape(const char *);

#endif
