#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ranged.h"
#include "util.h"

/* Digits up to the end or a stop character; *pp moves past them. */
static bool
bound(const char **pp, unsigned long *out)
{
	const char *p = *pp;
	unsigned long v = 0;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (1UL << 31))
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	*pp = p;
	*out = v;
	return true;
}

enum range_kind
range_parse(const char *desc, struct range *r)
{
	const char *opt = strchr(desc, ';'), *p;

	for (; opt != NULL; opt = strchr(opt + 1, ';'))
		if (strncasecmp(opt + 1, "range=", 6) == 0)
			break;
	if (opt == NULL)
		return RANGE_NONE;
	r->namelen = (size_t)(strchr(desc, ';') - desc);
	p = opt + 7;
	if (!bound(&p, &r->lo) || *p++ != '-')
		return RANGE_BAD;
	r->last = *p == '*';
	if (r->last)
		p++;
	else if (!bound(&p, &r->hi) || r->hi < r->lo)
		return RANGE_BAD;
	return *p == '\0' || *p == ';' ? RANGE_OK : RANGE_BAD;
}

static void
add_values(struct range_values *out, const struct bval *vals, size_t n)
{
	out->v = xreallocarray(out->v, out->n + n + 1, sizeof(*out->v));
	for (size_t i = 0; i < n; i++)
		out->v[out->n++] = (struct bval){
		    xstrndup(vals[i].v, vals[i].len), vals[i].len };
}

/* One more range, which must start where the last one ended. */
static int
next_range(const char *desc, const struct range *r, range_fetch_fn *fetch,
    void *arg, struct range_values *out, struct range *got, char **why)
{
	char *req = xasprintf("%.*s;range=%lu-*", (int)r->namelen, desc,
	    r->hi + 1);
	struct range_answer a = { 0 };
	int rc = fetch(arg, req, &a, why);

	if (rc == 0 && (a.desc == NULL || range_parse(a.desc, got) != RANGE_OK ||
	    got->namelen != r->namelen || strncasecmp(a.desc, desc,
	    r->namelen) != 0 || got->lo != r->hi + 1)) {
		*why = xasprintf("%s: the answer %s does not continue the "
		    "values", req, a.desc ? a.desc : "(no such attribute)");
		rc = -1;
	}
	if (rc == 0)
		add_values(out, a.vals, a.n);
	free(req);
	return rc;
}

int
range_read(const char *desc, const struct bval *vals, size_t n,
    range_fetch_fn *fetch, void *arg, struct range_values *out, char **why)
{
	struct range r, got;

	*out = (struct range_values){ 0 };
	if (range_parse(desc, &r) != RANGE_OK || r.lo != 0) {
		*why = xasprintf("%s: not a first range", desc);
		return -1;
	}
	add_values(out, vals, n);
	for (int guard = 0; !r.last; guard++) {
		if (guard == 100000 || next_range(desc, &r, fetch, arg, out,
		    &got, why) == -1) {
			if (guard == 100000)
				*why = xasprintf("%s: ranges never end", desc);
			range_values_free(out);
			return -1;
		}
		r = got;
	}
	return 0;
}

void
range_values_free(struct range_values *rv)
{
	for (size_t i = 0; i < rv->n; i++)
		free((char *)rv->v[i].v);
	free(rv->v);
	*rv = (struct range_values){ 0 };
}
