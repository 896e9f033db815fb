/*
 * Search filters the client can judge exactly: those that test only
 * objectClass, by equality or presence, joined by &, | and !.  One search
 * can then ask for users and groups together (syncrepl.c) and still tell
 * which of the two filters an entry it sends matches.
 */
#ifndef LDAPSYNC_OCFILTER_H
#define LDAPSYNC_OCFILTER_H

#include <stdbool.h>

#include "entry.h"

/* Whether filter is one of those (RFC 4515 text, as conf checked it). */
bool	 ocfilter_simple(const char *filter);
/*
 * Whether e matches such a filter by its objectClass values, compared
 * without regard to case; false for a filter that is not simple.
 */
bool	 ocfilter_match(const char *filter, const struct entry *e);

#endif
