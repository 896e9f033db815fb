/*
 * A directory entry as the mapper sees it: a DN and the attributes asked
 * for.  Values are counted byte strings (they may hold NUL); the directory
 * module fills these from libldap, unit tests from fixtures.
 */
#ifndef LDAPSYNC_ENTRY_H
#define LDAPSYNC_ENTRY_H

#include <stddef.h>

struct bval {
	const char	*v;
	size_t		 len;
};

struct entry_attr {
	const char	*name;
	struct bval	*vals;
	size_t		 nvals;
};

struct entry {
	const char		*dn;
	struct entry_attr	*attrs;
	size_t			 nattrs;
};

/* Attribute names compare case-insensitively, options included. */
const struct entry_attr *entry_get(const struct entry *, const char *name);

/*
 * What keeps the entry's identity across renames, as one printable word
 * (to free): entryUUID (OpenLDAP), nsUniqueId (389), or AD's binary
 * objectGUID in hex; NULL when it has none.
 */
char	*entry_uuid(const struct entry *);

/* A copy in one allocation (free() it), values NUL-terminated. */
struct entry *entry_copy(const struct entry *);

#endif
