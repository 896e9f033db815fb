#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cachefile.h"
#include "dircache.h"
#include "htab.h"
#include "log.h"

static void
unmap(const char **p, size_t len)
{
	unmap_file(*p, len);
	*p = NULL;
}

/* --- the cache -------------------------------------------------------- */

void
dircache_init(struct dircache *c)
{
	memset(c, 0, sizeof(*c));
	c->fingerprint = xstrdup("");
	/* An empty cache has nothing to index. */
	c->indexed = true;
	c->spill = -1;
}

void
dircache_spill(struct dircache *c, int fd)
{
	c->spill = fd;
}

int
dircache_spilled(const struct dircache *c)
{
	if (c->spill_failed)
		return -1;
	return c->refilled && c->spill >= 0;
}

/* What a refill has gathered, written out: memory stays small. */
static void
spill_fill(struct dircache *c)
{
	if (c->spill_failed || pwrite_all(c->spill, c->fill.p, c->fill.len,
	    c->spilled) != 0) {
		if (!c->spill_failed)
			log_error("the directory cache's new image: %s",
			    strerror(errno));
		c->spill_failed = true;
	}
	c->spilled += c->fill.len;
	c->fill.len = 0;
}

void
dircache_free(struct dircache *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].e);
	free(c->v);
	for (size_t i = 0; i < c->npending; i++) {
		free((char *)c->pending[i].uuid);
		free(c->pending[i].e);
	}
	free(c->pending);
	free(c->fingerprint);
	strlist_free(&c->cookies);
	strlist_free(&c->uuids);
	free(c->slots);
	unmap(&c->image, c->image_len);
	unmap(&c->log, c->log_len);
	buf_free(&c->fill);
	free(c->idx);
	free(c->dec.attrs);
	free(c->dec.vals);
	memset(c, 0, sizeof(*c));
}

/* The log, when it continues this image: its cookies are the newer. */
static void
load_log(struct dircache *c, const char *path)
{
	char *lpath = xasprintf("%s.log", path);
	struct cf_reader r;
	uint64_t gen, len;

	c->log = map_file(lpath, &c->log_len);
	free(lpath);
	if (c->log == NULL)
		return;
	r = (struct cf_reader){ c->log, c->log + c->log_len, false };
	r.bad = c->log_len < 8 || memcmp(c->log, CF_LOG_MAGIC, 8) != 0;
	r.p += 8;
	cf_get(&r, &gen, sizeof(gen));
	cf_get(&r, &len, sizeof(len));
	/* A damaged log goes: the image's older cookies bring it again. */
	if (!r.bad && gen == c->generation && len == c->log_len) {
		struct strlist ck = { 0 };

		cf_cookies(&r, &ck);
		if (!r.bad) {
			strlist_free(&c->cookies);
			c->cookies = ck;
			c->log_body = (size_t)(r.p - c->log);
			return;
		}
		strlist_free(&ck);
	}
	unmap(&c->log, c->log_len);
}

/* Where the image's records end and its index begins. */
static bool
read_index(struct dircache *c)
{
	uint64_t at;

	if (c->image_len < c->body + sizeof(at))
		return false;
	memcpy(&at, c->image + c->image_len - sizeof(at), sizeof(at));
	if (at < c->body || at > c->image_len - sizeof(at) ||
	    (c->image_len - sizeof(at) - at) !=
	    c->image_count * sizeof(struct cf_slot))
		return false;
	c->records_end = (size_t)at;
	return true;
}

int
dircache_load(struct dircache *c, const char *path)
{
	struct cf_reader r;
	uint64_t len = 0;

	if ((c->image = map_file(path, &c->image_len)) == NULL)
		return -1;
	r = (struct cf_reader){ c->image, c->image + c->image_len, false };
	r.bad = c->image_len < 8 || memcmp(c->image, CF_MAGIC, 8) != 0;
	r.p += 8;
	cf_get(&r, &c->generation, sizeof(c->generation));
	cf_get(&r, &len, sizeof(len));
	r.bad |= len != c->image_len;
	free(c->fingerprint);
	c->fingerprint = xstrdup(cf_str(&r, NULL));
	cf_cookies(&r, &c->cookies);
	c->image_count = cf_u32(&r);
	if (r.bad) {
		dircache_free(c);
		dircache_init(c);
		return -1;
	}
	c->body = (size_t)(r.p - c->image);
	if (!read_index(c)) {
		dircache_free(c);
		dircache_init(c);
		return -1;
	}
	c->indexed = false;
	load_log(c, path);
	return 0;
}

/*
 * The index by uuid: open addressing over 64-bit slots, a record's hash
 * beside its position, so that building it for a whole image touches
 * little memory and a probe reads a record only when the hash matches.
 */
static void
slot_put(uint64_t *slots, size_t mask, uint32_t h, size_t i)
{
	size_t j = h & mask;

	while (slots[j] != 0)
		j = (j + 1) & mask;
	slots[j] = (uint64_t)h << 32 | (uint32_t)(i + 1);
}

static void
index_resize(struct dircache *c, size_t want)
{
	size_t n = 1024;

	while (n < want * 2)
		n *= 2;
	free(c->slots);
	c->slots = xcalloc(n, sizeof(*c->slots));
	c->nslots = n;
	for (size_t i = 0; i < c->n; i++)
		slot_put(c->slots, n - 1, htab_hash(c->v[i].uuid), i);
}

static struct cached *
find(const struct dircache *c, const char *uuid)
{
	uint32_t h = htab_hash(uuid);
	size_t mask = c->nslots - 1;

	if (c->nslots == 0)
		return NULL;
	for (size_t j = h & mask; c->slots[j] != 0; j = (j + 1) & mask) {
		struct cached *rec;

		if ((uint32_t)(c->slots[j] >> 32) != h)
			continue;
		rec = &c->v[(uint32_t)c->slots[j] - 1];
		if (strcmp(rec->uuid, uuid) == 0)
			return rec;
	}
	return NULL;
}

static struct cached *
add_record(struct dircache *c, const char *uuid, uint32_t search)
{
	struct cached *r;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->v = xreallocarray(c->v, c->cap, sizeof(*c->v));
	}
	if ((c->n + 1) * 2 > c->nslots)
		index_resize(c, c->n + 1);
	r = &c->v[c->n];
	memset(r, 0, sizeof(*r));
	r->uuid = uuid;
	r->search = search;
	slot_put(c->slots, c->nslots - 1, htab_hash(uuid), c->n++);
	return r;
}

/* Whether a deletion or mark of search takes a record of that one. */
static bool
takes(uint32_t search, uint32_t record)
{
	return search == DIRCACHE_ANY || search == record;
}

static void
index_image(struct dircache *c, struct cf_reader *r)
{
	struct cf_record x;
	size_t i;

	for (i = 0; i < c->image_count && cf_next(r, false, &x); i++) {
		struct cached *rec = add_record(c, x.uuid, x.search);

		rec->raw = x.raw;
		rec->rawlen = x.rawlen;
	}
	/* As many records as the header says, and nothing after them. */
	if (i != c->image_count || r->p != r->end)
		r->bad = true;
}

/* The log's records, in order, over the image's. */
static void
replay_log(struct dircache *c, struct cf_reader *r)
{
	struct cf_record x;

	while (cf_next(r, true, &x)) {
		struct cached *rec = find(c, x.uuid);

		if (x.op == CF_DEL) {
			if (rec != NULL && takes(x.search, rec->search))
				rec->gone = true;
			continue;
		}
		if (rec == NULL)
			rec = add_record(c, x.uuid, x.search);
		rec->search = x.search;
		rec->raw = x.raw;
		rec->rawlen = x.rawlen;
		rec->gone = false;
	}
}

static void put_indexed(struct dircache *, const char *, uint32_t,
    struct entry *);

static bool del_indexed(struct dircache *, const char *, uint32_t);

/* What waited for the index goes through it now, in order. */
static void
replay_pending(struct dircache *c)
{
	struct cached *p = c->pending;
	size_t n = c->npending;

	c->pending = NULL;
	c->npending = 0;
	for (size_t i = 0; i < n; i++) {
		if (c->damaged)
			free(p[i].e);
		else if (p[i].gone)
			del_indexed(c, p[i].uuid, p[i].search);
		else
			put_indexed(c, p[i].uuid, p[i].search, p[i].e);
		free((char *)p[i].uuid);
	}
	free(p);
}

bool
dircache_index(struct dircache *c)
{
	struct cf_reader r;

	if (c->indexed)
		return !c->damaged;
	c->indexed = true;
	c->cap = c->image_count + 64;
	c->v = xreallocarray(c->v, c->cap, sizeof(*c->v));
	index_resize(c, c->cap);
	r = (struct cf_reader){ c->image + c->body, c->image + c->records_end,
	    false };
	index_image(c, &r);
	if (!r.bad && c->log != NULL) {
		r = (struct cf_reader){ c->log + c->log_body, c->log + c->log_len,
		    false };
		replay_log(c, &r);
	}
	c->damaged = r.bad;
	replay_pending(c);
	return !c->damaged;
}

const struct entry *
dircache_entry(struct dircache *c, size_t i)
{
	struct cached *rec = &c->v[i];
	struct cf_reader r;

	if (rec->gone)
		return NULL;
	if (rec->e != NULL)
		return rec->e;
	r = (struct cf_reader){ rec->raw, rec->raw + rec->rawlen, false };
	if (!cf_entry(&r, &c->dec, &c->scratch)) {
		c->damaged = true;
		return NULL;
	}
	return &c->scratch;
}

/* What a record was before this run first changed it. */
static void
first_change(struct cached *rec)
{
	if (rec->changed)
		return;
	rec->changed = true;
	rec->was_dn = rec->gone ? NULL : cf_dn(rec->raw, rec->rawlen);
}

/* A change waiting for the index; e NULL for a deletion. */
static void
add_pending(struct dircache *c, const char *uuid, uint32_t search,
    struct entry *e)
{
	if (c->npending % 16 == 0)
		c->pending = xreallocarray(c->pending, c->npending + 16,
		    sizeof(*c->pending));
	c->pending[c->npending++] = (struct cached){ .uuid = xstrdup(uuid),
	    .search = search, .e = e, .changed = true, .gone = e == NULL };
}

/* Takes e (an entry_copy()). */
static void
put_indexed(struct dircache *c, const char *uuid, uint32_t search,
    struct entry *e)
{
	struct cached *rec;

	if ((rec = find(c, uuid)) == NULL) {
		strlist_add(&c->uuids, uuid);
		rec = add_record(c, c->uuids.v[c->uuids.n - 1], search);
	}
	first_change(rec);
	free(rec->e);
	rec->e = e;
	rec->raw = NULL;
	rec->search = search;
	rec->seen = true;
	rec->gone = false;
}

void
dircache_put(struct dircache *c, const char *uuid, uint32_t search,
    const struct entry *e)
{
	c->dirty = true;
	if (c->indexed) {
		put_indexed(c, uuid, search, entry_copy(e));
		return;
	}
	add_pending(c, uuid, search, entry_copy(e));
}

/*
 * A search reports as deleted whatever no longer matches it, entries
 * another search holds included: only its own entries go.
 */
static bool
del_indexed(struct dircache *c, const char *uuid, uint32_t search)
{
	struct cached *rec = find(c, uuid);

	if (rec == NULL || rec->gone || !takes(search, rec->search))
		return false;
	first_change(rec);
	FREE(rec->e);
	rec->raw = NULL;
	rec->gone = true;
	c->dirty = true;
	return true;
}

void
dircache_del(struct dircache *c, const char *uuid, uint32_t search)
{
	if (c->indexed)
		del_indexed(c, uuid, search);
	else {
		add_pending(c, uuid, search, NULL);
		c->dirty = true;
	}
}

void
dircache_mark(struct dircache *c, const char *uuid, uint32_t search)
{
	struct cached *rec;

	if (dircache_index(c) && (rec = find(c, uuid)) != NULL &&
	    !rec->gone && takes(search, rec->search))
		rec->seen = true;
}

size_t
dircache_drop_unseen(struct dircache *c, uint32_t search)
{
	size_t n = 0;

	if (!dircache_index(c))
		return 0;
	for (size_t i = 0; i < c->n; i++)
		if (!c->v[i].gone && takes(search, c->v[i].search) &&
		    !c->v[i].seen)
			n += del_indexed(c, c->v[i].uuid, search);
	return n;
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

static uint64_t
new_generation(void)
{
	return (uint64_t)arc4random() << 32 | arc4random();
}

/* base: where b begins in the file (a refill's spilled bytes). */
static void
note_record(struct dircache *c, const struct buf *b, uint64_t base,
    const char *uuid)
{
	if (c->nidx % 1024 == 0)
		c->idx = xreallocarray(c->idx, c->nidx + 1024, sizeof(*c->idx));
	c->idx[c->nidx++] = (struct cf_slot){ cf_prefix(uuid),
	    (uint32_t)(base + b->len), 0 };
}

/* The index of the records written, and the image is complete. */
static void
finish_image(struct dircache *c, struct buf *b)
{
	cf_finish_image(b, c->idx, c->nidx);
	FREE(c->idx);
	c->nidx = 0;
}

void
dircache_refill(struct dircache *c, const char *fingerprint,
    const struct strlist *cookies)
{
	uint32_t zero = 0;
	int spill = c->spill;

	dircache_free(c);
	dircache_init(c);
	c->spill = spill;
	c->refilled = true;
	free(c->fingerprint);
	c->fingerprint = xstrdup(fingerprint);
	c->generation = new_generation();
	for (size_t i = 0; i < cookies->n; i++)
		strlist_add(&c->cookies, cookies->v[i]);
	cf_put_header(&c->fill, c->generation, c->fingerprint, &c->cookies);
	c->count_at = c->fill.len;
	buf_add(&c->fill, &zero, sizeof(zero));
	c->dirty = true;
}

void
dircache_append(struct dircache *c, const char *uuid, uint32_t search,
    const struct entry *e)
{
	note_record(c, &c->fill, c->spilled, uuid);
	cf_put_record(&c->fill, search, uuid, NULL, 0, e);
	c->nfill++;
	if (c->spill >= 0 && c->fill.len >= 1u << 20)
		spill_fill(c);
}

/* Every live record, in a new image. */
static void
render_image(struct dircache *c, struct buf *b)
{
	uint32_t live = 0;

	c->generation = new_generation();
	cf_put_header(b, c->generation, c->fingerprint, &c->cookies);
	for (size_t i = 0; i < c->n; i++)
		live += !c->v[i].gone;
	buf_add(b, &live, sizeof(live));
	for (size_t i = 0; i < c->n; i++) {
		const struct cached *rec = &c->v[i];

		if (rec->gone)
			continue;
		note_record(c, b, 0, rec->uuid);
		cf_put_record(b, rec->search, rec->uuid, rec->raw, rec->rawlen,
		    rec->e);
	}
	finish_image(c, b);
}

/* The log so far, then this run's changes. */
static void
render_log(const struct dircache *c, struct buf *b)
{
	cf_put_log_header(b, c->generation, &c->cookies);
	if (c->log != NULL)
		buf_add(b, c->log + c->log_body, c->log_len - c->log_body);
	for (size_t i = 0; i < c->n; i++) {
		const struct cached *rec = &c->v[i];

		if (!rec->changed)
			continue;
		cf_put_op(b, rec->gone ? CF_DEL : CF_PUT, rec->search, rec->uuid,
		    rec->e);
	}
	for (size_t i = 0; i < c->npending; i++) {
		cf_put_op(b, c->pending[i].gone ? CF_DEL : CF_PUT,
		    c->pending[i].search, c->pending[i].uuid, c->pending[i].e);
	}
}

/* What a waiting entry was before this run, and becomes. */
struct fate {
	const char		*was_dn;	/* NULL: not there */
	uint32_t		 search;
	bool			 there;
	const struct entry	*e;
};

/*
 * What each waiting entry was: its record in the image, found through
 * the index, then the log's records over it in order.
 */
static void
look_up_pending(struct dircache *c, struct fate *f)
{
	struct cf_reader r = { c->log + c->log_body, c->log + c->log_len,
	    c->log == NULL };
	struct cf_image img = { c->image, c->body, c->records_end,
	    c->image_count };
	struct cf_record x;

	for (size_t i = 0; i < c->npending; i++)
		if (cf_image_find(&img, c->pending[i].uuid, &x))
			f[i] = (struct fate){ x.dn, x.search, true, NULL };
	while (cf_next(&r, true, &x)) {
		for (size_t i = 0; i < c->npending; i++) {
			if (strcmp(x.uuid, c->pending[i].uuid) != 0)
				continue;
			if (x.op == CF_PUT)
				f[i] = (struct fate){ x.dn, x.search, true, NULL };
			else if (takes(x.search, f[i].search))
				f[i] = (struct fate){ 0 };
		}
	}
}

/*
 * The waiting changes played in order on what each entry was, as the
 * index would: a deletion takes only an entry of its own search.
 */
static size_t
pending_changes(struct dircache *c, struct dircache_change *out)
{
	struct fate *f = xcalloc(c->npending, sizeof(*f));
	size_t n = 0;

	look_up_pending(c, f);
	for (size_t i = 0; i < c->npending; i++) {
		const struct cached *p = &c->pending[i];
		size_t first = 0;

		while (strcmp(c->pending[first].uuid, p->uuid) != 0)
			first++;
		if (!p->gone)
			f[first] = (struct fate){ f[first].was_dn, p->search,
			    true, p->e };
		else if (f[first].there && takes(p->search, f[first].search))
			f[first] = (struct fate){ f[first].was_dn,
			    f[first].search, false, NULL };
	}
	for (size_t i = 0; i < c->npending; i++) {
		const struct fate *x = &f[i];

		if (x->e == NULL && !(x->was_dn != NULL && !x->there))
			continue;	/* not first, or nothing changed */
		out[n++] = (struct dircache_change){ c->pending[i].uuid,
		    x->search, x->e, x->was_dn };
	}
	free(f);
	return n;
}

/* A record's entry, decoded into the scratch space. */
static const struct entry *
decode(struct dircache *c, const char *raw, size_t len)
{
	struct cf_reader r = { raw, raw + len, false };

	if (!cf_entry(&r, &c->dec, &c->scratch)) {
		c->damaged = true;
		return NULL;
	}
	return &c->scratch;
}

/* The image's record, then the log's records over it in order. */
static bool
look_up(const struct dircache *c, const char *uuid, struct cf_record *found)
{
	struct cf_reader r = { c->log + c->log_body, c->log + c->log_len,
	    c->log == NULL };
	struct cf_image img = { c->image, c->body, c->records_end,
	    c->image_count };
	struct cf_record x;
	bool there = cf_image_find(&img, uuid, found);

	while (cf_next(&r, true, &x)) {
		if (strcmp(x.uuid, uuid) != 0)
			continue;
		if (x.op == CF_PUT) {
			*found = x;
			there = true;
		} else if (there && takes(x.search, found->search))
			there = false;
	}
	return there;
}

const struct entry *
dircache_get(struct dircache *c, const char *uuid, uint32_t *search)
{
	struct cf_record x;
	struct cached *rec;

	if (c->indexed) {
		if ((rec = find(c, uuid)) == NULL || rec->gone)
			return NULL;
		*search = rec->search;
		return rec->e ? rec->e : decode(c, rec->raw, rec->rawlen);
	}
	if (!look_up(c, uuid, &x))
		return NULL;
	*search = x.search;
	return decode(c, x.raw, x.rawlen);
}

size_t
dircache_changes(struct dircache *c, struct dircache_change **out)
{
	size_t n = 0;

	/* One pass per waiting entry: beyond a few, the index is cheaper. */
	if (c->npending > 32)
		dircache_index(c);
	*out = xcalloc(c->n + c->npending + 1, sizeof(**out));
	for (size_t i = 0; i < c->n; i++) {
		const struct cached *rec = &c->v[i];

		if (rec->changed)
			(*out)[n++] = (struct dircache_change){ rec->uuid,
			    rec->search, rec->gone ? NULL : rec->e, rec->was_dn };
	}
	if (c->npending > 0)
		n += pending_changes(c, *out + n);
	return n;
}

/* The spill file made a complete image: count, index, length. */
static void
finish_spilled(struct dircache *c)
{
	uint32_t n = (uint32_t)c->nfill;

	spill_fill(c);
	if (!c->spill_failed &&
	    (pwrite_all(c->spill, &n, sizeof(n), c->count_at) != 0 ||
	    cf_finish_file(c->spill, c->spilled, c->idx, c->nidx) != 0 ||
	    ftruncate(c->spill, (off_t)(c->spilled + c->nidx *
	    sizeof(*c->idx) + sizeof(uint64_t))) != 0)) {
		log_error("the directory cache's new image: %s",
		    strerror(errno));
		c->spill_failed = true;
	}
	FREE(c->idx);
	c->nidx = 0;
}

bool
dircache_render(struct dircache *c, struct buf *image, struct buf *log)
{
	uint32_t n = (uint32_t)c->nfill;

	if (!c->dirty)
		return false;
	if (c->refilled && c->spill >= 0) {
		finish_spilled(c);
		cf_put_log_header(log, c->generation, &c->cookies);
		cf_set_length(log);
		return true;
	}
	if (c->refilled) {
		/* A refill is its own image: hand it over, no copy. */
		memcpy(c->fill.p + c->count_at, &n, sizeof(n));
		*image = c->fill;
		memset(&c->fill, 0, sizeof(c->fill));
		finish_image(c, image);
		cf_put_log_header(log, c->generation, &c->cookies);
		cf_set_length(log);
		return true;
	}
	render_log(c, log);
	/* A log past an eighth of the image is folded into a new image. */
	if (log->len > 65536 && log->len > c->image_len / 8 &&
	    dircache_index(c)) {
		log->len = 0;
		render_image(c, image);
		cf_put_log_header(log, c->generation, &c->cookies);
	}
	cf_set_length(log);
	return true;
}
