#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dircache.h"

#define MAGIC	"LDSDIRC1"

void
dircache_init(struct dircache *c, const char *fingerprint, size_t nsearches)
{
	memset(c, 0, sizeof(*c));
	c->fingerprint = xstrdup(fingerprint ? fingerprint : "");
	for (size_t i = 0; i < nsearches; i++)
		strlist_add(&c->cookies, "");
	c->by_uuid = htab_new(1024);
}

void
dircache_free(struct dircache *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].uuid);
		free(c->v[i].e);
	}
	free(c->v);
	free(c->fingerprint);
	strlist_free(&c->cookies);
	htab_free(c->by_uuid);
	memset(c, 0, sizeof(*c));
}

static size_t
slot_of(const struct dircache *c, const char *uuid)
{
	return (size_t)(uintptr_t)htab_get(c->by_uuid, uuid);
}

void
dircache_put(struct dircache *c, const char *uuid, uint32_t search,
    const struct entry *e)
{
	size_t i = slot_of(c, uuid);
	struct cached *r;

	if (i == 0) {
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 1024;
			c->v = xreallocarray(c->v, c->cap, sizeof(*c->v));
		}
		r = &c->v[c->n++];
		r->uuid = xstrdup(uuid);
		htab_put(c->by_uuid, r->uuid, (void *)(uintptr_t)c->n);
	} else {
		r = &c->v[i - 1];
		free(r->e);
	}
	r->search = search;
	r->e = entry_copy(e);
	r->seen = true;
}

/*
 * A search reports as deleted whatever no longer matches it, entries
 * another search holds included: only its own entries go.  A deleted
 * entry keeps its slot, empty, until the cache is written.
 */
bool
dircache_del(struct dircache *c, const char *uuid, uint32_t search)
{
	size_t i = slot_of(c, uuid);

	if (i == 0 || c->v[i - 1].search != search)
		return false;
	FREE(c->v[i - 1].e);
	htab_del(c->by_uuid, uuid);
	return true;
}

void
dircache_mark(struct dircache *c, const char *uuid, uint32_t search)
{
	size_t i = slot_of(c, uuid);

	if (i != 0 && c->v[i - 1].search == search)
		c->v[i - 1].seen = true;
}

void
dircache_drop_unseen(struct dircache *c, uint32_t search)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].e != NULL && c->v[i].search == search &&
		    !c->v[i].seen)
			dircache_del(c, c->v[i].uuid, search);
}

/* --- the file: counted strings and numbers, host byte order ---------- */

static void
put_u32(struct buf *b, uint32_t v)
{
	buf_add(b, &v, sizeof(v));
}

static void
put_str(struct buf *b, const char *s, size_t len)
{
	put_u32(b, (uint32_t)len);
	buf_add(b, s, len);
	buf_addc(b, '\0');
}

static void
put_entry(struct buf *b, const struct entry *e)
{
	put_str(b, e->dn, strlen(e->dn));
	put_u32(b, (uint32_t)e->nattrs);
	for (size_t i = 0; i < e->nattrs; i++) {
		put_str(b, e->attrs[i].name, strlen(e->attrs[i].name));
		put_u32(b, (uint32_t)e->attrs[i].nvals);
		for (size_t j = 0; j < e->attrs[i].nvals; j++)
			put_str(b, e->attrs[i].vals[j].v, e->attrs[i].vals[j].len);
	}
}

void
dircache_render(const struct dircache *c, struct buf *b)
{
	size_t live = 0;

	buf_add(b, MAGIC, 8);
	put_str(b, c->fingerprint, strlen(c->fingerprint));
	put_u32(b, (uint32_t)c->cookies.n);
	for (size_t i = 0; i < c->cookies.n; i++)
		put_str(b, c->cookies.v[i], strlen(c->cookies.v[i]));
	for (size_t i = 0; i < c->n; i++)
		live += c->v[i].e != NULL;
	put_u32(b, (uint32_t)live);
	for (size_t i = 0; i < c->n; i++) {
		if (c->v[i].e == NULL)
			continue;
		put_u32(b, c->v[i].search);
		put_str(b, c->v[i].uuid, strlen(c->v[i].uuid));
		put_entry(b, c->v[i].e);
	}
}

struct reader {
	const char		*p, *end;
	bool			 bad;
	/* Scratch for one entry, grown to the widest (groups can be wide). */
	struct entry_attr	*attrs;
	struct bval		*vals;
	size_t			 attrcap, valcap;
};

static uint32_t
get_u32(struct reader *r)
{
	uint32_t v = 0;

	if (r->bad || r->p > r->end || (size_t)(r->end - r->p) < sizeof(v)) {
		r->bad = true;
		return 0;
	}
	memcpy(&v, r->p, sizeof(v));
	r->p += sizeof(v);
	return v;
}

/* A counted string, NUL-terminated in the buffer; "" once broken. */
static const char *
get_str(struct reader *r, size_t *len)
{
	uint32_t n = get_u32(r);
	const char *s = r->p;

	if (r->bad || (size_t)(r->end - r->p) < (size_t)n + 1 || s[n] != '\0') {
		r->bad = true;
		return "";
	}
	r->p += n + 1;
	if (len != NULL)
		*len = n;
	return s;
}

static void
get_values(struct reader *r, struct entry_attr *a, size_t *nv)
{
	a->nvals = get_u32(r);
	if (r->bad || a->nvals > (size_t)(r->end - r->p))
		return;		/* each value takes at least 5 bytes */
	if (*nv + a->nvals > r->valcap) {
		r->valcap = (*nv + a->nvals) * 2;
		r->vals = xreallocarray(r->vals, r->valcap, sizeof(*r->vals));
	}
	for (size_t j = 0; j < a->nvals && !r->bad; j++) {
		r->vals[*nv + j].v = get_str(r, &r->vals[*nv + j].len);
	}
	*nv += a->nvals;
}

/* Reads one entry into the scratch arrays and stores a copy. */
static void
get_record(struct reader *r, struct dircache *c)
{
	struct entry e = { 0 };
	uint32_t search = get_u32(r);
	const char *uuid = get_str(r, NULL);
	size_t nv = 0, *first;

	e.dn = get_str(r, NULL);
	e.nattrs = get_u32(r);
	if (r->bad || e.nattrs > (size_t)(r->end - r->p))
		return;
	if (e.nattrs > r->attrcap) {
		r->attrcap = e.nattrs * 2;
		r->attrs = xreallocarray(r->attrs, r->attrcap, sizeof(*r->attrs));
	}
	first = xcalloc(e.nattrs, sizeof(*first));
	for (size_t i = 0; i < e.nattrs && !r->bad; i++) {
		r->attrs[i].name = get_str(r, NULL);
		first[i] = nv;
		get_values(r, &r->attrs[i], &nv);
	}
	/* The values array may have moved while it grew: point into it now. */
	for (size_t i = 0; i < e.nattrs && !r->bad; i++)
		r->attrs[i].vals = r->vals + first[i];
	e.attrs = r->attrs;
	if (!r->bad)
		dircache_put(c, uuid, search, &e);
	free(first);
}

int
dircache_load(struct dircache *c, const char *path)
{
	struct reader r = { 0 };
	char *data;
	size_t len, n;

	if (read_file(path, &data, &len) == -1)
		return -1;
	r.p = data + 8;
	r.end = data + len;
	r.bad = len < 8 || memcmp(data, MAGIC, 8) != 0;
	free(c->fingerprint);
	c->fingerprint = xstrdup(get_str(&r, NULL));
	strlist_free(&c->cookies);
	n = get_u32(&r);
	for (size_t i = 0; i < n && !r.bad; i++)
		strlist_add(&c->cookies, get_str(&r, NULL));
	n = get_u32(&r);
	for (size_t i = 0; i < n && !r.bad; i++)
		get_record(&r, c);
	for (size_t i = 0; i < c->n; i++)
		c->v[i].seen = false;
	free(r.attrs);
	free(r.vals);
	free(data);
	return r.bad ? -1 : 0;
}
