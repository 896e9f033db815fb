/*
 * The directory's own word on whether an account may log in: AD's
 * userAccountControl and accountExpires, 389/FreeIPA's nsAccountLock,
 * OpenLDAP ppolicy's permanent pwdAccountLockedTime.  Attributes an entry
 * lacks say nothing; a malformed one is refused rather than read as
 * "enabled".
 */
#ifndef LDAPSYNC_ACCTSTATE_H
#define LDAPSYNC_ACCTSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "entry.h"

/* The attributes read, for the search request. */
extern const char *const acctstate_attrs[];

#define FILETIME_NEVER	INT64_MAX

/*
 * A FILETIME in decimal (100 ns since 1601-01-01 UTC) as Unix seconds,
 * rounded down; 0 and 0x7FFFFFFFFFFFFFFF (never) give FILETIME_NEVER.
 */
bool	 filetime_parse(const char *, size_t, int64_t *unix_time);

struct acctstate {
	const char	*disabled;	/* why, or NULL when it may log in */
	long		 expire_days;	/* a future expiry as shadow's, or -1 */
	bool		 not_user;	/* a computer or trust account */
};

/* false, with *why, when an attribute is malformed. */
bool	 acctstate_of(const struct entry *, time_t now, struct acctstate *,
	    const char **why);

#endif
