#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cachefile.h"

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

/*
 * A record: its search, its uuid, then its entry with the entry's length
 * first, so that indexing steps over entries without reading them.
 */
void
cf_put_record(struct buf *b, uint32_t search, const char *uuid,
    const char *raw, size_t rawlen, const struct entry *e)
{
	size_t at;
	uint32_t len;

	put_u32(b, search);
	put_str(b, uuid, strlen(uuid));
	at = b->len;
	put_u32(b, 0);
	if (raw != NULL)
		buf_add(b, raw, rawlen);
	else if (e != NULL)
		put_entry(b, e);
	len = (uint32_t)(b->len - at - sizeof(len));
	memcpy(b->p + at, &len, sizeof(len));
}

void
cf_put_op(struct buf *b, uint32_t op, uint32_t search, const char *uuid,
    const struct entry *e)
{
	put_u32(b, op);
	cf_put_record(b, search, uuid, NULL, 0, e);
}

static void
put_cookies(struct buf *b, const struct strlist *ck)
{
	put_u32(b, (uint32_t)ck->n);
	for (size_t i = 0; i < ck->n; i++)
		put_str(b, ck->v[i], strlen(ck->v[i]));
}

/* The length follows the magic and the generation. */
#define LENGTH_AT	16

static void
put_start(struct buf *b, const char *magic, uint64_t gen)
{
	uint64_t len = 0;

	buf_add(b, magic, 8);
	buf_add(b, &gen, sizeof(gen));
	buf_add(b, &len, sizeof(len));
}

void
cf_set_length(struct buf *b)
{
	uint64_t len = b->len;

	memcpy(b->p + LENGTH_AT, &len, sizeof(len));
}

void
cf_put_header(struct buf *b, uint64_t gen, const char *fingerprint,
    const struct strlist *ck)
{
	put_start(b, CF_MAGIC, gen);
	put_str(b, fingerprint, strlen(fingerprint));
	put_cookies(b, ck);
}

void
cf_put_log_header(struct buf *b, uint64_t gen, const struct strlist *ck)
{
	put_start(b, CF_LOG_MAGIC, gen);
	put_cookies(b, ck);
}

bool
cf_get(struct cf_reader *r, void *v, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		memset(v, 0, n);
		return false;
	}
	memcpy(v, r->p, n);
	r->p += n;
	return true;
}

uint32_t
cf_u32(struct cf_reader *r)
{
	uint32_t v;

	cf_get(r, &v, sizeof(v));
	return v;
}

const char *
cf_str(struct cf_reader *r, size_t *len)
{
	uint32_t n = cf_u32(r);
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

const char *
cf_raw(struct cf_reader *r, size_t *len)
{
	uint32_t n = cf_u32(r);
	const char *s = r->p;

	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	*len = n;
	return s;
}

void
cf_cookies(struct cf_reader *r, struct strlist *out)
{
	size_t n = cf_u32(r);

	strlist_free(out);
	for (size_t i = 0; i < n && !r->bad; i++)
		strlist_add(out, cf_str(r, NULL));
}

const char *
cf_dn(const char *raw, size_t rawlen)
{
	struct cf_reader r = { raw, raw + rawlen, raw == NULL };
	const char *dn = cf_str(&r, NULL);

	return r.bad ? NULL : dn;
}

bool
cf_next(struct cf_reader *r, bool log, struct cf_record *rec)
{
	if (r->bad || r->p >= r->end)
		return false;
	rec->op = log ? cf_u32(r) : CF_PUT;
	rec->search = cf_u32(r);
	rec->uuid = cf_str(r, NULL);
	rec->raw = cf_raw(r, &rec->rawlen);
	if (!r->bad && rec->op != CF_PUT && rec->op != CF_DEL)
		r->bad = true;
	if (!r->bad && rec->op == CF_PUT &&
	    (rec->dn = cf_dn(rec->raw, rec->rawlen)) == NULL)
		r->bad = true;
	if (rec->op == CF_DEL)
		rec->dn = NULL;
	return !r->bad;
}

bool
cf_entry(struct cf_reader *r, struct cf_scratch *c, struct entry *e)
{
	size_t nattrs, nv = 0;

	e->dn = cf_str(r, NULL);
	nattrs = cf_u32(r);
	if (r->bad || nattrs > (size_t)(r->end - r->p))
		return false;
	if (nattrs > c->attrcap) {
		c->attrcap = nattrs * 2;
		c->attrs = xreallocarray(c->attrs, c->attrcap, sizeof(*c->attrs));
	}
	for (size_t i = 0; i < nattrs && !r->bad; i++) {
		const char *name = cf_str(r, NULL);
		size_t n = cf_u32(r);

		if (r->bad || n > (size_t)(r->end - r->p))
			return false;
		if (nv + n > c->valcap) {
			c->valcap = (nv + n) * 2;
			c->vals = xreallocarray(c->vals, c->valcap, sizeof(*c->vals));
		}
		for (size_t j = 0; j < n && !r->bad; j++) {
			size_t len = 0;
			const char *v = cf_str(r, &len);

			c->vals[nv + j] = (struct bval){ v, len };
		}
		c->attrs[i] = (struct entry_attr){ name, NULL, n };
		nv += n;
	}
	if (r->bad || r->p != r->end)
		return false;
	/* The values array may have moved while it grew: point into it now. */
	nv = 0;
	for (size_t i = 0; i < nattrs; i++) {
		c->attrs[i].vals = c->vals + nv;
		nv += c->attrs[i].nvals;
	}
	e->nattrs = nattrs;
	e->attrs = c->attrs;
	return true;
}

/* The first eight bytes of a uuid, where most differ: a glance first. */
uint64_t
cf_prefix(const char *u)
{
	uint64_t x = 0;

	memcpy(&x, u, strnlen(u, 8));
	return x;
}

/* By prefix; a lookup reads every record of its prefix, in any order. */
static int
cmp_slot(const void *a, const void *b)
{
	const struct cf_slot *x = a, *y = b;

	if (x->pre != y->pre)
		return x->pre < y->pre ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

void
cf_finish_image(struct buf *b, struct cf_slot *idx, size_t n)
{
	uint64_t at = b->len;

	if (n > 0)
		qsort(idx, n, sizeof(*idx), cmp_slot);
	buf_add(b, idx, n * sizeof(*idx));
	buf_add(b, &at, sizeof(at));
	cf_set_length(b);
}

int
cf_finish_file(int fd, uint64_t at, struct cf_slot *idx, size_t n)
{
	uint64_t len = at + n * sizeof(*idx) + sizeof(at);

	if (n > 0)
		qsort(idx, n, sizeof(*idx), cmp_slot);
	if (pwrite_all(fd, idx, n * sizeof(*idx), at) != 0 ||
	    pwrite_all(fd, &at, sizeof(at), len - sizeof(at)) != 0 ||
	    pwrite_all(fd, &len, sizeof(len), LENGTH_AT) != 0)
		return -1;
	return 0;
}

/* A record of the image at an offset, if it is this uuid's. */
static bool
image_record(const struct cf_image *img, uint32_t off, const char *uuid,
    struct cf_record *rec)
{
	struct cf_reader r = { img->p + off, img->p + img->records_end, false };

	return cf_next(&r, false, rec) && strcmp(rec->uuid, uuid) == 0;
}

bool
cf_image_find(const struct cf_image *img, const char *uuid,
    struct cf_record *rec)
{
	const struct cf_slot *idx;
	uint64_t pre = cf_prefix(uuid);
	size_t lo = 0, hi = img->count;

	if (img->p == NULL)
		return false;
	idx = (const void *)(img->p + img->records_end);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct cf_slot x;

		memcpy(&x, &idx[mid], sizeof(x));
		if (x.pre < pre)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < img->count; lo++) {
		struct cf_slot x;

		memcpy(&x, &idx[lo], sizeof(x));
		if (x.pre != pre || x.off < img->body || x.off >= img->records_end)
			break;
		if (image_record(img, x.off, uuid, rec))
			return true;
	}
	return false;
}
