/*
 * Windows security identifiers (MS-DTYP 2.4.2): objectSid's binary form
 * and the string form S-1-5-21-a-b-c-RID.  Nothing from the directory is
 * trusted: every malformed form is refused.
 */
#ifndef LDAPSYNC_SID_H
#define LDAPSYNC_SID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SID_MAX_SUBAUTH	15
/* "S-1-" + 48-bit authority + 15 × "-4294967295" + NUL. */
#define SID_STRLEN	(4 + 15 + 15 * 11 + 1)

struct sid {
	uint8_t		 revision;
	uint8_t		 nsub;
	uint64_t	 authority;	/* 48 bits */
	uint32_t	 sub[SID_MAX_SUBAUTH];
};

/* The binary form, exactly 8 + 4 × count bytes, revision 1. */
bool	 sid_from_binary(const void *, size_t, struct sid *);
/* "S-1-..." in decimal, no spaces, no leading zeros, no sign. */
bool	 sid_from_string(const char *, struct sid *);
/* The string form of the whole SID, or of all but its last part. */
void	 sid_format(const struct sid *, char buf[SID_STRLEN]);
void	 sid_format_domain(const struct sid *, char buf[SID_STRLEN]);
/* The last sub-authority; the SID must have at least two. */
uint32_t sid_rid(const struct sid *);

#endif
