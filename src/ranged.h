/*
 * Active Directory's ranged attribute values (MS-ADTS 3.1.1.3.1.3.3): a
 * server that will not send every value of a large attribute at once
 * sends "member;range=0-1499" and the client asks for "member;range=1500-*"
 * and so on, until the upper bound is "*".  Never assume the step: the
 * limit is the server's.  An answer that does not continue where asked
 * fails the read; a group read in part must never look complete.
 */
#ifndef LDAPSYNC_RANGED_H
#define LDAPSYNC_RANGED_H

#include <stdbool.h>
#include <stddef.h>

#include "entry.h"

enum range_kind { RANGE_NONE, RANGE_OK, RANGE_BAD };

struct range {
	size_t		 namelen;	/* of the attribute name before ';' */
	unsigned long	 lo, hi;
	bool		 last;		/* the upper bound was '*' */
};

/* Whether an attribute description carries a range option, and which. */
enum range_kind range_parse(const char *desc, struct range *);

/* What the server sent for one request: the description and values. */
struct range_answer {
	const char		*desc;
	const struct bval	*vals;
	size_t			 n;
};

/*
 * Asks the server for request (such as "member;range=1500-*") on the same
 * entry.  0, with a->desc NULL when the answer held no such attribute;
 * -1 with *why (to free) when the request failed.
 */
typedef int range_fetch_fn(void *arg, const char *request,
    struct range_answer *a, char **why);

/* Every value, copied, NUL-terminated. */
struct range_values {
	struct bval	*v;
	size_t		 n;
};

/*
 * Reads the rest of an attribute that came ranged (desc and its values)
 * into out.  0, or -1 with *why (to free).
 */
int	 range_read(const char *desc, const struct bval *vals, size_t n,
	    range_fetch_fn *, void *arg, struct range_values *out, char **why);
void	 range_values_free(struct range_values *);

#endif
