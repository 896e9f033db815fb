/*
 * Map expressions: an attribute name, or a quoted template such as
 * "/home/$uid", "${loginShell:-/bin/bash}" or "${gecos:-$cn}".
 */
#ifndef LDAPSYNC_EXPR_H
#define LDAPSYNC_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "entry.h"
#include "util.h"

struct expr;

/*
 * quoted: the value was written in double quotes, so it is a template;
 * otherwise it must be a bare attribute name.  On error returns NULL and
 * sets *why to a static message.
 */
struct expr	*expr_parse(const char *text, bool quoted, const char **why);
void		 expr_free(struct expr *);
/*
 * The value for an entry, or NULL when it maps to nothing: an attribute
 * referenced without a default is absent or empty, or the result is empty.
 * Multi-valued attributes contribute their first value.  *len gets the
 * length, which differs from strlen() when a value held a NUL.
 */
char		*expr_eval(const struct expr *, const struct entry *, size_t *len);
/* Adds every attribute the expression reads to the list (no duplicates). */
void		 expr_attrs(const struct expr *, struct strlist *);
/* The attribute name when the expression is a bare attribute, else NULL. */
const char	*expr_attr(const struct expr *);

#endif
