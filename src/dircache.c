#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dircache.h"

#define MAGIC	"LDSDIRC2"

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

static void
put_header(struct buf *b, const char *fingerprint, const struct strlist *ck)
{
	buf_add(b, MAGIC, 8);
	put_str(b, fingerprint, strlen(fingerprint));
	put_u32(b, (uint32_t)ck->n);
	for (size_t i = 0; i < ck->n; i++)
		put_str(b, ck->v[i], strlen(ck->v[i]));
}

struct reader {
	const char	*p, *end;
	bool		 bad;
};

static uint32_t
get_u32(struct reader *r)
{
	uint32_t v = 0;

	if (r->bad || (size_t)(r->end - r->p) < sizeof(v)) {
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

/*
 * Reads an entry; with e, into the cache's scratch arrays, otherwise
 * only to check it and step over it.
 */
static void
get_entry(struct reader *r, struct dircache *c, struct entry *e)
{
	size_t nattrs, nv = 0;

	(void)get_str(r, NULL);		/* the DN, read again below */
	nattrs = get_u32(r);
	if (r->bad || nattrs > (size_t)(r->end - r->p)) {
		r->bad = true;
		return;
	}
	if (e != NULL && nattrs > c->attrcap) {
		c->attrcap = nattrs * 2;
		c->attrs = xreallocarray(c->attrs, c->attrcap, sizeof(*c->attrs));
	}
	for (size_t i = 0; i < nattrs && !r->bad; i++) {
		const char *name = get_str(r, NULL);
		size_t n = get_u32(r);

		if (r->bad || n > (size_t)(r->end - r->p)) {
			r->bad = true;
			return;
		}
		if (e != NULL && nv + n > c->valcap) {
			c->valcap = (nv + n) * 2;
			c->vals = xreallocarray(c->vals, c->valcap, sizeof(*c->vals));
		}
		for (size_t j = 0; j < n && !r->bad; j++) {
			size_t len = 0;
			const char *v = get_str(r, &len);

			if (e != NULL)
				c->vals[nv + j] = (struct bval){ v, len };
		}
		if (e != NULL)
			c->attrs[i] = (struct entry_attr){ name, NULL, n };
		nv += n;
	}
	if (e == NULL || r->bad)
		return;
	/* The values array may have moved while it grew: point into it now. */
	nv = 0;
	for (size_t i = 0; i < nattrs; i++) {
		c->attrs[i].vals = c->vals + nv;
		nv += c->attrs[i].nvals;
	}
	e->nattrs = nattrs;
	e->attrs = c->attrs;
}

/* --- the cache -------------------------------------------------------- */

void
dircache_init(struct dircache *c)
{
	memset(c, 0, sizeof(*c));
	c->fingerprint = xstrdup("");
	c->by_uuid = htab_new(1024);
}

void
dircache_free(struct dircache *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].e);
	free(c->v);
	free(c->fingerprint);
	strlist_free(&c->cookies);
	strlist_free(&c->uuids);
	htab_free(c->by_uuid);
	free(c->image);
	buf_free(&c->fill);
	free(c->attrs);
	free(c->vals);
	memset(c, 0, sizeof(*c));
}

static struct cached *
add_record(struct dircache *c, const char *uuid, uint32_t search)
{
	struct cached *r;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->v = xreallocarray(c->v, c->cap, sizeof(*c->v));
	}
	r = &c->v[c->n++];
	memset(r, 0, sizeof(*r));
	r->uuid = uuid;
	r->search = search;
	htab_put(c->by_uuid, uuid, (void *)(uintptr_t)c->n);
	return r;
}

int
dircache_load(struct dircache *c, const char *path)
{
	struct reader r = { 0 };
	size_t len, n;

	if (read_file(path, &c->image, &len) == -1)
		return -1;
	r.p = c->image + 8;
	r.end = c->image + len;
	r.bad = len < 8 || memcmp(c->image, MAGIC, 8) != 0;
	free(c->fingerprint);
	c->fingerprint = xstrdup(get_str(&r, NULL));
	n = get_u32(&r);
	for (size_t i = 0; i < n && !r.bad; i++)
		strlist_add(&c->cookies, get_str(&r, NULL));
	n = get_u32(&r);
	for (size_t i = 0; i < n && !r.bad; i++) {
		uint32_t search = get_u32(&r);
		const char *uuid = get_str(&r, NULL), *start = r.p;
		struct cached *rec;

		get_entry(&r, c, NULL);
		if (r.bad)
			break;
		rec = add_record(c, uuid, search);
		rec->raw = start;
		rec->rawlen = (size_t)(r.p - start);
	}
	if (r.bad) {
		dircache_free(c);
		dircache_init(c);
		return -1;
	}
	return 0;
}

const struct entry *
dircache_entry(struct dircache *c, size_t i)
{
	struct cached *rec = &c->v[i];
	struct reader r;

	if (rec->gone)
		return NULL;
	if (rec->e != NULL)
		return rec->e;
	r = (struct reader){ rec->raw, rec->raw + rec->rawlen, false };
	c->scratch.dn = rec->raw + 4;		/* checked when loaded */
	get_entry(&r, c, &c->scratch);
	return &c->scratch;
}

static struct cached *
find(const struct dircache *c, const char *uuid)
{
	size_t i = (size_t)(uintptr_t)htab_get(c->by_uuid, uuid);

	return i ? &c->v[i - 1] : NULL;
}

void
dircache_put(struct dircache *c, const char *uuid, uint32_t search,
    const struct entry *e)
{
	struct cached *rec = find(c, uuid);

	if (rec == NULL) {
		strlist_add(&c->uuids, uuid);
		rec = add_record(c, c->uuids.v[c->uuids.n - 1], search);
	}
	free(rec->e);
	rec->e = entry_copy(e);
	rec->raw = NULL;
	rec->search = search;
	rec->seen = true;
	rec->gone = false;
	c->dirty = true;
}

/*
 * A search reports as deleted whatever no longer matches it, entries
 * another search holds included: only its own entries go.
 */
bool
dircache_del(struct dircache *c, const char *uuid, uint32_t search)
{
	struct cached *rec = find(c, uuid);

	if (rec == NULL || rec->gone || rec->search != search)
		return false;
	FREE(rec->e);
	rec->raw = NULL;
	rec->gone = true;
	htab_del(c->by_uuid, uuid);
	c->dirty = true;
	return true;
}

void
dircache_mark(struct dircache *c, const char *uuid, uint32_t search)
{
	struct cached *rec = find(c, uuid);

	if (rec != NULL && rec->search == search)
		rec->seen = true;
}

void
dircache_drop_unseen(struct dircache *c, uint32_t search)
{
	for (size_t i = 0; i < c->n; i++)
		if (!c->v[i].gone && c->v[i].search == search && !c->v[i].seen)
			dircache_del(c, c->v[i].uuid, search);
}

void
dircache_set_cookie(struct dircache *c, size_t search, const char *cookie)
{
	if (strcmp(c->cookies.v[search], cookie) == 0)
		return;
	free(c->cookies.v[search]);
	c->cookies.v[search] = xstrdup(cookie);
	c->dirty = true;
}

void
dircache_refill(struct dircache *c, const char *fingerprint,
    const struct strlist *cookies)
{
	uint32_t zero = 0;

	dircache_free(c);
	dircache_init(c);
	free(c->fingerprint);
	c->fingerprint = xstrdup(fingerprint);
	for (size_t i = 0; i < cookies->n; i++)
		strlist_add(&c->cookies, cookies->v[i]);
	put_header(&c->fill, c->fingerprint, &c->cookies);
	c->count_at = c->fill.len;
	buf_add(&c->fill, &zero, sizeof(zero));
	c->dirty = true;
}

void
dircache_append(struct dircache *c, const char *uuid, uint32_t search,
    const struct entry *e)
{
	put_u32(&c->fill, search);
	put_str(&c->fill, uuid, strlen(uuid));
	put_entry(&c->fill, e);
	c->nfill++;
}

bool
dircache_render(struct dircache *c, struct buf *b)
{
	size_t live = 0;

	if (!c->dirty)
		return false;
	if (c->fill.len > 0) {
		/* A refill is its own image: hand it over, no copy. */
		uint32_t n = (uint32_t)c->nfill;

		memcpy(c->fill.p + c->count_at, &n, sizeof(n));
		*b = c->fill;
		memset(&c->fill, 0, sizeof(c->fill));
		return true;
	}
	put_header(b, c->fingerprint, &c->cookies);
	for (size_t i = 0; i < c->n; i++)
		live += !c->v[i].gone;
	put_u32(b, (uint32_t)live);
	for (size_t i = 0; i < c->n; i++) {
		struct cached *rec = &c->v[i];

		if (rec->gone)
			continue;
		put_u32(b, rec->search);
		put_str(b, rec->uuid, strlen(rec->uuid));
		if (rec->raw != NULL)
			buf_add(b, rec->raw, rec->rawlen);
		else
			put_entry(b, rec->e);
	}
	return true;
}
