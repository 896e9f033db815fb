/*
 * The account line format of passwd, shadow, group and gshadow: the one
 * place that writes the lines of accounts and splits lines into fields.
 */
#ifndef LDAPSYNC_ACCTLINE_H
#define LDAPSYNC_ACCTLINE_H

#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "util.h"

/* A field of a line: not NUL-terminated. */
struct acct_field {
	const char	*p;
	size_t		 len;
};

/*
 * Splits a line (no newline) at ':' into n fields, the last of which
 * holds the rest of the line; fields past its end are empty.  Returns
 * how many fields the line has, which may be more or fewer than n.
 */
size_t	 acctline_split(const char *line, size_t len, struct acct_field *,
	    size_t n);

/* The lines ldapsync writes for an account (no newline). */
char	*acctline_passwd(const struct user *);
char	*acctline_shadow(const struct user *);
char	*acctline_group(const char *name, uint32_t gid, const struct strlist *);
char	*acctline_gshadow(const char *name, const struct strlist *);

#endif
