#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../nss/mirror-format.h"
#include <sys/param.h>
#include <sys/stat.h>

#include "acctline.h"
#include "htab.h"
#include "mirror.h"
#include "pwfile.h"

/*
 * The string area.  Strings are stored where they fall, so that a user's
 * or a group's strings lie side by side (a group's member names are one
 * or two cache lines, not a miss each); only the few values every record
 * repeats ("x", the shells) are stored once.
 */
#define NCOMMON	16

struct strings {
	struct buf	 b;
	uint32_t	 common[NCOMMON];
	int		 ncommon;
};

struct builder {
	struct buf	 users, user_ids, groups, group_ids, members, memberships;
	struct buf	 shadows;
	struct strings	 s;
	uint32_t	 nusers, ngroups, nshadows;
};

/* A delta's part of the header: its base, and its over tables. */
struct overs {
	uint64_t	 base;		/* the base's generation */
	struct buf	 t[2];		/* struct mirror_over, by base index */
};

static uint32_t
append(struct strings *s, struct acct_field f)
{
	uint32_t off = (uint32_t)s->b.len;

	buf_add(&s->b, f.p, f.len);
	buf_addc(&s->b, '\0');
	return off;
}

static uint32_t
common(struct strings *s, struct acct_field f)
{
	for (int i = 0; i < s->ncommon; i++) {
		const char *c = s->b.p + s->common[i];

		if (strncmp(c, f.p, f.len) == 0 && c[f.len] == '\0')
			return s->common[i];
	}
	if (s->ncommon == NCOMMON)
		return append(s, f);
	return s->common[s->ncommon++] = append(s, f);
}

static long
num(struct acct_field f)
{
	char tmp[24];
	long v;

	if (f.len >= sizeof(tmp))
		return -1;
	memcpy(tmp, f.p, f.len);
	tmp[f.len] = '\0';
	return parse_long(tmp, &v) ? v : -1;
}

/* --- records ---------------------------------------------------------- */

static void
add_user(struct builder *b, const char *line, size_t len, bool suspended)
{
	struct acct_field f[7];
	struct mirror_user u;
	struct mirror_id id;

	acctline_split(line, len, f, 7);
	u.name = append(&b->s, f[0]);
	u.passwd = common(&b->s, f[1]);
	u.gecos = append(&b->s, f[4]);
	u.dir = append(&b->s, f[5]);
	u.shell = common(&b->s, f[6]);
	u.uid = (uint32_t)num(f[2]);
	u.gid = (uint32_t)num(f[3]);
	u.flags = suspended ? MIRROR_SUSPENDED : 0;
	id = (struct mirror_id){ u.uid, b->nusers++ };
	buf_add(&b->users, &u, sizeof(u));
	buf_add(&b->user_ids, &id, sizeof(id));
}

static void
add_group(struct builder *b, const char *line, size_t len)
{
	struct acct_field f[4], m;
	struct mirror_group g;
	struct mirror_id id;
	const char *p, *end, *comma;

	acctline_split(line, len, f, 4);
	g = (struct mirror_group){ append(&b->s, f[0]), common(&b->s, f[1]),
	    (uint32_t)num(f[2]), (uint32_t)(b->members.len / 4), 0 };
	for (p = f[3].p, end = p + f[3].len; p < end; p = comma + 1) {
		if ((comma = memchr(p, ',', (size_t)(end - p))) == NULL)
			comma = end;
		m = (struct acct_field){ p, (size_t)(comma - p) };
		if (m.len > 0) {
			uint32_t off = append(&b->s, m);
			struct mirror_membership ms = { off, g.gid };

			buf_add(&b->members, &off, sizeof(off));
			buf_add(&b->memberships, &ms, sizeof(ms));
			g.nmembers++;
		}
	}
	id = (struct mirror_id){ g.gid, b->ngroups++ };
	buf_add(&b->groups, &g, sizeof(g));
	buf_add(&b->group_ids, &id, sizeof(id));
}

static void
add_shadow(struct builder *b, const char *line, size_t len)
{
	struct acct_field f[9];
	struct mirror_shadow sp;

	acctline_split(line, len, f, 9);
	sp = (struct mirror_shadow){ append(&b->s, f[0]), append(&b->s, f[1]),
	    num(f[2]), num(f[3]), num(f[4]), num(f[5]), num(f[6]), num(f[7]),
	    0 };
	b->nshadows++;
	buf_add(&b->shadows, &sp, sizeof(sp));
}

/* --- indexes ---------------------------------------------------------- */

/*
 * By id, then index.  Records add their ids in index order, so a stable
 * radix sort on the id alone (two 16-bit passes) orders them so.
 */
static void
sort_ids(struct buf *ids, uint32_t n)
{
	struct mirror_id *v = (void *)ids->p, *from = v, *to, *swap;
	uint32_t *count;

	if (n < 2)
		return;
	to = xreallocarray(NULL, n, sizeof(*to));
	count = xreallocarray(NULL, 65536, sizeof(*count));
	for (int shift = 0; shift < 32; shift += 16) {
		uint32_t sum = 0;

		memset(count, 0, 65536 * sizeof(*count));
		for (uint32_t i = 0; i < n; i++)
			count[from[i].id >> shift & 0xffff]++;
		for (uint32_t d = 0; d < 65536; d++) {
			uint32_t c = count[d];

			count[d] = sum;
			sum += c;
		}
		for (uint32_t i = 0; i < n; i++)
			to[count[from[i].id >> shift & 0xffff]++] = from[i];
		swap = from;
		from = to;
		to = swap;
	}
	/* Two passes: the sorted ids are back in v, and to is the copy. */
	free(to);
	free(count);
}

static int
cmp_membership(const void *a, const void *b, void *strings)
{
	const struct mirror_membership *x = a, *y = b;
	int c = strcmp((char *)strings + x->name, (char *)strings + y->name);

	if (c != 0)
		return c;
	return x->gid < y->gid ? -1 : x->gid > y->gid;
}

/*
 * Memberships by name, then gid.  Each carries its name's first 8 bytes
 * as a big-endian number: most comparisons end there, without a miss
 * into the strings.
 */
struct keyed {
	uint64_t			 pre;
	struct mirror_membership	 m;
};

static int
cmp_keyed(const void *a, const void *b, void *strings)
{
	const struct keyed *x = a, *y = b;

	if (x->pre != y->pre)
		return x->pre < y->pre ? -1 : 1;
	/* Both names end within the prefix (a NUL in it): the same name. */
	if ((x->pre & 0xff) == 0)
		return x->m.gid < y->m.gid ? -1 : x->m.gid > y->m.gid;
	return cmp_membership(&x->m, &y->m, strings);
}

/* 16 bits of a record's key: its gid's from shift 64 on, else its prefix's. */
static uint32_t
digit(const struct keyed *k, int shift)
{
	uint64_t key = shift >= 64 ? (uint64_t)k->m.gid >> (shift - 64) :
	    k->pre >> shift;

	return (uint32_t)(key & 0xffff);
}

/*
 * One stable counting pass of a radix sort on a digit() of each record,
 * from *from into *to, which then swap; none when all have the same.
 */
static void
radix_pass(struct keyed **from, struct keyed **to, size_t n, int shift,
    uint32_t *count)
{
	struct keyed *f = *from, *swap;
	uint32_t sum = 0;

	memset(count, 0, 65536 * sizeof(*count));
	for (size_t i = 0; i < n; i++)
		count[digit(&f[i], shift)]++;
	if (count[digit(&f[0], shift)] == n)
		return;
	for (uint32_t d = 0; d < 65536; d++) {
		uint32_t c = count[d];

		count[d] = sum;
		sum += c;
	}
	for (size_t i = 0; i < n; i++)
		(*to)[count[digit(&f[i], shift)]++] = f[i];
	swap = *from;
	*from = *to;
	*to = swap;
}

/*
 * By name, then gid: a stable radix sort on the gid, then on the name's
 * first 8 bytes (cmp_keyed()'s order), leaves out of order only the
 * longer names that share those bytes, whose runs qsort then sorts.
 */
static void
sort_memberships(struct builder *b, size_t n)
{
	struct mirror_membership *v = (void *)b->memberships.p;
	struct keyed *k = xreallocarray(NULL, n + 1, sizeof(*k));
	struct keyed *tmp = xreallocarray(NULL, n + 1, sizeof(*tmp));
	uint32_t *count = xreallocarray(NULL, 65536, sizeof(*count));
	size_t run;

	for (size_t i = 0; i < n; i++)
		k[i] = (struct keyed){ str_prefix(b->s.b.p + v[i].name), v[i] };
	for (int shift = 64; shift < 96 && n > 1; shift += 16)
		radix_pass(&k, &tmp, n, shift, count);
	for (int shift = 0; shift < 64 && n > 1; shift += 16)
		radix_pass(&k, &tmp, n, shift, count);
	for (size_t i = 0; i < n; i = run) {
		for (run = i + 1; run < n && k[run].pre == k[i].pre; run++)
			;
		if (run - i > 1 && (k[i].pre & 0xff) != 0)
			qsort_r(&k[i], run - i, sizeof(*k), cmp_keyed, b->s.b.p);
	}
	for (size_t i = 0; i < n; i++)
		v[i] = k[i].m;
	free(count);
	free(tmp);
	free(k);
}

/* Open addressing over record indexes; the name is the record's first field. */
static uint32_t
slot_count(uint32_t n)
{
	uint32_t cap = 8;

	while (cap < n * 2)
		cap *= 2;
	return cap;
}

static void
name_slots(struct buf *out, const void *recs, size_t size, uint32_t n,
    const char *strings)
{
	uint32_t cap = slot_count(n), *slots;

	slots = xmalloc(cap * sizeof(*slots));
	memset(slots, 0xff, cap * sizeof(*slots));
	for (uint32_t i = 0; i < n; i++) {
		uint32_t name;
		uint32_t h;

		memcpy(&name, (const char *)recs + (size_t)i * size, sizeof(name));
		h = mirror_hash(strings + name) & (cap - 1);
		while (slots[h] != MIRROR_NONE)
			h = (h + 1) & (cap - 1);
		slots[h] = i;
	}
	buf_add(out, slots, cap * sizeof(*slots));
	free(slots);
}

/* --- layout ----------------------------------------------------------- */

static void
place(struct buf *file, struct mirror_table *t, const void *data, size_t len,
    size_t size)
{
	static const char zero[8];

	buf_add(file, zero, (8 - file->len % 8) % 8);
	t->off = (uint32_t)file->len;
	t->count = (uint32_t)(len / size);
	buf_add(file, data, len);
}

static void
header(struct buf *file, struct mirror_header *h, uint32_t kind)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	memcpy(h->magic, MIRROR_MAGIC, sizeof(h->magic));
	h->version = MIRROR_VERSION;
	h->header_size = sizeof(*h);
	h->file_size = file->len;
	h->status = MIRROR_ALIVE;
	h->kind = kind;
	h->generation = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	memcpy(file->p, h, sizeof(*h));
}

/* A kind's id table (ids_t NULL: none) and name slots. */
static void
place_index(struct buf *out, const struct builder *b, struct buf *ids,
    const void *recs, size_t size, uint32_t n, struct mirror_table *ids_t,
    struct mirror_table *names_t)
{
	struct buf slots = { 0 };

	if (ids_t != NULL) {
		sort_ids(ids, n);
		place(out, ids_t, ids->p, ids->len, sizeof(struct mirror_id));
	}
	name_slots(&slots, recs, size, n, b->s.b.p);
	place(out, names_t, slots.p, slots.len, sizeof(uint32_t));
	buf_free(&slots);
}

/* A delta's over tables and base (ov NULL: a base); then the header. */
static void
finish(struct buf *out, struct mirror_header *h, enum mirror_kind kind,
    const struct overs *ov)
{
	if (ov != NULL) {
		for (int i = 0; i < 2; i++)
			place(out, &h->over[i], ov->t[i].p, ov->t[i].len,
			    sizeof(struct mirror_over));
		h->base_generation[0] = (uint32_t)ov->base;
		h->base_generation[1] = (uint32_t)(ov->base >> 32);
	}
	header(out, h, kind | (ov != NULL ? MIRROR_DELTA : 0));
}

static void
layout_main(struct builder *b, const struct overs *ov, struct buf *out)
{
	struct mirror_header h = { 0 };
	size_t nms = b->memberships.len / sizeof(struct mirror_membership);

	if (nms > 0)
		sort_memberships(b, nms);
	buf_reserve(out, sizeof(h) + b->users.len + b->user_ids.len +
	    4 * slot_count(b->nusers) + b->groups.len + b->group_ids.len +
	    4 * slot_count(b->ngroups) + b->members.len + b->memberships.len +
	    b->s.b.len + 12 * 8);
	buf_add(out, &h, sizeof(h));
	place(out, &h.users, b->users.p, b->users.len, sizeof(struct mirror_user));
	place_index(out, b, &b->user_ids, b->users.p,
	    sizeof(struct mirror_user), b->nusers, &h.user_ids, &h.user_names);
	place(out, &h.groups, b->groups.p, b->groups.len,
	    sizeof(struct mirror_group));
	place_index(out, b, &b->group_ids, b->groups.p,
	    sizeof(struct mirror_group), b->ngroups, &h.group_ids,
	    &h.group_names);
	place(out, &h.members, b->members.p, b->members.len, sizeof(uint32_t));
	place(out, &h.memberships, b->memberships.p, b->memberships.len,
	    sizeof(struct mirror_membership));
	place(out, &h.strings, b->s.b.p, b->s.b.len, 1);
	finish(out, &h, MIRROR_PASSWD_GROUP, ov);
}

static void
layout_shadow(struct builder *b, const struct overs *ov, struct buf *out)
{
	struct mirror_header h = { 0 };

	buf_add(out, &h, sizeof(h));
	place(out, &h.shadows, b->shadows.p, b->shadows.len,
	    sizeof(struct mirror_shadow));
	place_index(out, b, NULL, b->shadows.p, sizeof(struct mirror_shadow),
	    b->nshadows, NULL, &h.shadow_names);
	place(out, &h.strings, b->s.b.p, b->s.b.len, 1);
	finish(out, &h, MIRROR_SHADOW, ov);
}

static void
builder_init(struct builder *b, size_t text)
{
	memset(b, 0, sizeof(*b));
	/* About the size of the lines: buffers that double waste up to half. */
	buf_reserve(&b->s.b, text + 1);
	common(&b->s, (struct acct_field){ "", 0 });	/* offset 0 is "" */
}

/*
 * Room for a record per line of passwd and group, and for each member
 * their lists could hold, mapped at once: grown by doubling, the tables
 * were copied as they grew and their pages faulted in one at a time.
 */
static void
builder_size(struct builder *b, const struct buf *passwd,
    const struct buf *group)
{
	size_t users = memcount(passwd->p, passwd->len, '\n') + 1;
	size_t groups = memcount(group->p, group->len, '\n') + 1;
	size_t members = memcount(group->p, group->len, ',') + groups;

	buf_prefault(&b->users, users * sizeof(struct mirror_user));
	buf_prefault(&b->user_ids, users * sizeof(struct mirror_id));
	buf_prefault(&b->groups, groups * sizeof(struct mirror_group));
	buf_prefault(&b->group_ids, groups * sizeof(struct mirror_id));
	buf_prefault(&b->members, members * sizeof(uint32_t));
	buf_prefault(&b->memberships, members *
	    sizeof(struct mirror_membership));
}

static void
builder_free(struct builder *b)
{
	struct buf *bufs[] = { &b->users, &b->user_ids, &b->groups,
	    &b->group_ids, &b->members, &b->memberships, &b->shadows, &b->s.b };

	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
		buf_free(bufs[i]);
}

/* A line of an account file, and the name it starts with. */
struct named_line {
	const char	*p;
	size_t		 len;
	char		 name[33];	/* "": not a managed account's */
};

/* Reads the line at p into l; where the next one starts. */
static const char *
read_line(const char *p, const char *end, struct named_line *l)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p)), *colon;

	if (nl == NULL)
		nl = end;
	*l = (struct named_line){ p, (size_t)(nl - p), "" };
	colon = memchr(p, ':', l->len);
	if (colon != NULL && colon != p && colon - p < (long)sizeof(l->name)) {
		memcpy(l->name, p, (size_t)(colon - p));
		l->name[colon - p] = '\0';
	}
	return nl < end ? nl + 1 : end;
}

/*
 * Calls fn for each line of text whose name is in names, with what the
 * table holds for it.  Names of managed accounts are at most 32 bytes.
 * Lines are read a batch at a time, their lookups prefetched together.
 */
static void
each_managed(const struct buf *text, const struct htab *names,
    void (*fn)(struct builder *, const char *, size_t, void *),
    struct builder *b)
{
	const char *p = text->p, *end = text->p + text->len;
	struct named_line l[2 * HTAB_AHEAD];
	size_t n;
	void *v;

	while (p < end) {
		for (n = 0; n < 2 * HTAB_AHEAD && p < end; n++) {
			p = read_line(p, end, &l[n]);
			htab_prefetch(names, l[n].name);
		}
		for (size_t i = 0; i < n; i++)
			if (l[i].name[0] != '\0' &&
			    (v = htab_get(names, l[i].name)) != NULL)
				fn(b, l[i].p, l[i].len, v);
	}
}

static void
user_line(struct builder *b, const char *line, size_t len, void *v)
{
	add_user(b, line, len, ((const struct managed *)v)->suspended);
}

static void
group_line(struct builder *b, const char *line, size_t len, void *v)
{
	(void)v;
	add_group(b, line, len);
}

static void
shadow_line(struct builder *b, const char *line, size_t len, void *v)
{
	(void)v;
	add_shadow(b, line, len);
}

void
mirror_build(const struct managed *v, size_t n, const struct buf *passwd,
    const struct buf *group, const struct buf *shadow, struct buf *main,
    struct buf *shadow_out)
{
	struct htab *users = htab_new(n), *groups = htab_new(n / 8 + 1);
	struct builder b;

	for (size_t i = 0; i < n; i++) {
		if (i + HTAB_AHEAD < n)
			htab_prefetch(v[i + HTAB_AHEAD].is_group ? groups :
			    users, v[i + HTAB_AHEAD].name);
		htab_put(v[i].is_group ? groups : users, v[i].name,
		    (void *)&v[i]);
	}
	/* File order, so that enumeration follows the files. */
	builder_init(&b, passwd->len + group->len);
	builder_size(&b, passwd, group);
	each_managed(passwd, users, user_line, &b);
	each_managed(group, groups, group_line, &b);
	layout_main(&b, NULL, main);
	builder_free(&b);

	builder_init(&b, shadow->len);
	buf_prefault(&b.shadows, (memcount(shadow->p, shadow->len, '\n') + 1) *
	    sizeof(struct mirror_shadow));
	each_managed(shadow, users, shadow_line, &b);
	layout_shadow(&b, NULL, shadow_out);
	builder_free(&b);
	htab_free(users);
	htab_free(groups);
}

/* --- deltas ----------------------------------------------------------- */

/* A mirror file read back, checked enough to read its records. */
struct old {
	const char		*p;
	size_t			 len;
	struct mirror_header	 h;
};

static bool
table_ok(const struct old *o, const struct mirror_table *t, size_t size)
{
	return (size_t)t->off + (size_t)t->count * size <= o->len;
}

static bool
old_load(struct old *o, const char *path, uint32_t kind)
{
	const struct mirror_header *h = &o->h;

	memset(o, 0, sizeof(*o));
	if ((o->p = map_file(path, &o->len)) == NULL || o->len < sizeof(o->h))
		return false;
	memcpy(&o->h, o->p, sizeof(o->h));
	return memcmp(h->magic, MIRROR_MAGIC, sizeof(h->magic)) == 0 &&
	    h->version == MIRROR_VERSION && h->header_size == sizeof(*h) &&
	    h->file_size == o->len && h->kind == kind &&
	    h->strings.count > 0 && table_ok(o, &h->strings, 1) &&
	    o->p[h->strings.off + h->strings.count - 1] == '\0' &&
	    table_ok(o, &h->users, sizeof(struct mirror_user)) &&
	    table_ok(o, &h->groups, sizeof(struct mirror_group)) &&
	    table_ok(o, &h->members, sizeof(uint32_t)) &&
	    table_ok(o, &h->memberships, sizeof(struct mirror_membership)) &&
	    table_ok(o, &h->shadows, sizeof(struct mirror_shadow)) &&
	    table_ok(o, &h->over[0], sizeof(struct mirror_over)) &&
	    table_ok(o, &h->over[1], sizeof(struct mirror_over));
}

static void
old_free(struct old *o)
{
	if (o->p != NULL)
		unmap_file(o->p, o->len);
	o->p = NULL;
}

static const char *
old_str(const struct old *o, uint32_t off)
{
	return off < o->h.strings.count ? o->p + o->h.strings.off + off : "";
}

static const void *
old_rec(const struct old *o, const struct mirror_table *t, size_t size,
    size_t i)
{
	return o->p + t->off + i * size;
}

static bool
suspended(const struct state *next, const char *line)
{
	const char *colon = strchr(line, ':');
	char name[33];
	const struct managed *m;

	if (colon == NULL || colon - line >= (long)sizeof(name))
		return false;
	memcpy(name, line, (size_t)(colon - line));
	name[colon - line] = '\0';
	m = htab_get(next->users_by_name, name);
	return m != NULL && m->suspended;
}

/* Name slots of the old file that can be probed: a power of 2 in place. */
static bool
slots_ok(const struct old *o, const struct mirror_table *slots)
{
	uint32_t cap = slots->count;

	return cap > 0 && (cap & (cap - 1)) == 0 &&
	    table_ok(o, slots, sizeof(uint32_t));
}

/* The record named name (its first field), through the old slots. */
enum { NOT_FOUND = -1, UNUSABLE = -2 };

static long
old_find(const struct old *o, const struct mirror_table *recs, size_t size,
    const struct mirror_table *slots, const char *name)
{
	uint32_t cap = slots->count, h, idx, off;

	if (!slots_ok(o, slots))
		return UNUSABLE;
	h = mirror_hash(name) & (cap - 1);
	for (uint32_t n = 0; n < cap; n++, h = (h + 1) & (cap - 1)) {
		memcpy(&idx, old_rec(o, slots, 4, h), sizeof(idx));
		if (idx == MIRROR_NONE)
			return NOT_FOUND;
		if (idx >= recs->count)
			return UNUSABLE;
		memcpy(&off, old_rec(o, recs, size, idx), sizeof(off));
		if (strcmp(old_str(o, off), name) == 0)
			return idx;
	}
	return NOT_FOUND;
}

/* Gids, with a filter on their low bits that spares most misses a lookup. */
struct gidset {
	struct htab	*ids;
	unsigned char	 maybe[512];
};

static void
gid_add(struct gidset *s, uint32_t gid)
{
	htab_put_id(s->ids, gid, (void *)1);
	s->maybe[gid % sizeof(s->maybe)] = 1;
}

static bool
gid_has(const struct gidset *s, uint32_t gid)
{
	return s->maybe[gid % sizeof(s->maybe)] &&
	    htab_get_id(s->ids, gid) != NULL;
}

/* The first old membership not ordered before (name, gid). */
static uint32_t
lower_bound(const struct old *o, const char *name, uint32_t gid)
{
	uint32_t lo = 0, hi = o->h.memberships.count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		struct mirror_membership x;
		int c;

		memcpy(&x, old_rec(o, &o->h.memberships, sizeof(x), mid),
		    sizeof(x));
		c = strcmp(old_str(o, x.name), name);
		if (c < 0 || (c == 0 && x.gid < gid))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The gids of the groups listing one of the names (memberships by name). */
static void
listing(const struct old *o, const struct strlist *names, struct gidset *gids)
{
	for (size_t i = 0; i < names->n; i++) {
		for (uint32_t j = lower_bound(o, names->v[i], 0);
		    j < o->h.memberships.count; j++) {
			struct mirror_membership x;

			memcpy(&x, old_rec(o, &o->h.memberships, sizeof(x), j),
			    sizeof(x));
			if (strcmp(old_str(o, x.name), names->v[i]) != 0)
				break;
			gid_add(gids, x.gid);
		}
	}
}

/* A kind of record: its size, its tables, its lines. */
struct kind {
	size_t	  size;
	size_t	  recs, names;	/* offsets of its tables in the header */
	int	  over;		/* its over table */
	/* Its line (to free; NULL if the record is unsound), *suspended. */
	char	*(*text)(const struct old *, const void *, bool *);
	void	 (*add)(struct builder *, const char *, size_t, bool);
};

static const struct mirror_table *
tab(const struct old *o, size_t at)
{
	return (const struct mirror_table *)((const char *)&o->h + at);
}

static char *
user_text(const struct old *o, const void *rec, bool *suspended)
{
	struct mirror_user u;

	memcpy(&u, rec, sizeof(u));
	*suspended = u.flags & MIRROR_SUSPENDED;
	return xasprintf("%s:%s:%u:%u:%s:%s:%s", old_str(o, u.name),
	    old_str(o, u.passwd), u.uid, u.gid, old_str(o, u.gecos),
	    old_str(o, u.dir), old_str(o, u.shell));
}

/* A group's line, less the member names in strip (NULL: none). */
static char *
group_line_of(const struct old *o, const struct mirror_group *g,
    const struct strlist *strip)
{
	const struct mirror_table *t = &o->h.members;
	struct buf b = { 0 };
	bool first = true;
	uint32_t off;
	char *text;

	if ((uint64_t)g->first_member + g->nmembers > t->count)
		return NULL;
	buf_addstr(&b, old_str(o, g->name));
	buf_addc(&b, ':');
	buf_addstr(&b, old_str(o, g->passwd));
	buf_addc(&b, ':');
	buf_addu(&b, g->gid);
	buf_addc(&b, ':');
	for (uint32_t i = 0; i < g->nmembers; i++) {
		memcpy(&off, old_rec(o, t, sizeof(off), g->first_member + i),
		    sizeof(off));
		if (strip != NULL && strlist_has(strip, old_str(o, off)))
			continue;
		if (!first)
			buf_addc(&b, ',');
		buf_addstr(&b, old_str(o, off));
		first = false;
	}
	text = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return text;
}

static char *
group_text(const struct old *o, const void *rec, bool *suspended)
{
	struct mirror_group g;

	memcpy(&g, rec, sizeof(g));
	*suspended = false;
	return group_line_of(o, &g, NULL);
}

static void
add_num(struct buf *b, int64_t v)
{
	buf_addc(b, ':');
	if (v != -1) {
		char n[24];

		snprintf(n, sizeof(n), "%lld", (long long)v);
		buf_addstr(b, n);
	}
}

static char *
shadow_text(const struct old *o, const void *rec, bool *suspended)
{
	struct mirror_shadow sp;
	struct buf b = { 0 };
	char *text;

	memcpy(&sp, rec, sizeof(sp));
	*suspended = false;
	buf_addstr(&b, old_str(o, sp.name));
	buf_addc(&b, ':');
	buf_addstr(&b, old_str(o, sp.passwd));
	add_num(&b, sp.lastchg);
	add_num(&b, sp.min);
	add_num(&b, sp.max);
	add_num(&b, sp.warn);
	add_num(&b, sp.inact);
	add_num(&b, sp.expire);
	buf_addc(&b, ':');
	text = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return text;
}

static void
add_user_k(struct builder *b, const char *line, size_t len, bool suspended)
{
	add_user(b, line, len, suspended);
}

static void
add_group_k(struct builder *b, const char *line, size_t len, bool suspended)
{
	(void)suspended;
	add_group(b, line, len);
}

static void
add_shadow_k(struct builder *b, const char *line, size_t len, bool suspended)
{
	(void)suspended;
	add_shadow(b, line, len);
}

static const struct kind users_k = { sizeof(struct mirror_user),
    offsetof(struct mirror_header, users),
    offsetof(struct mirror_header, user_names), 0, user_text, add_user_k };
static const struct kind groups_k = { sizeof(struct mirror_group),
    offsetof(struct mirror_header, groups),
    offsetof(struct mirror_header, group_names), 1, group_text,
    add_group_k };
static const struct kind shadows_k = { sizeof(struct mirror_shadow),
    offsetof(struct mirror_header, shadows),
    offsetof(struct mirror_header, shadow_names), 0, shadow_text,
    add_shadow_k };

/* A record of a delta in the making: its line, and where it goes. */
struct entry {
	uint32_t	 base;		/* the base record it replaces, or */
#define AFTER		 MIRROR_NONE	/* after the base's records */
	char		*text;		/* NULL: the base record is removed */
	bool		 suspended;
	bool		 edited;	/* given by this run: strips pass it */
};

struct entries {
	struct entry	*v;
	size_t		 n;
	struct htab	*by_name;	/* the old delta's, by name: index+1 */
	struct htab	*by_base;	/* base index: 1 */
	struct strlist	 names;		/* by_name's keys */
	bool		 bad;		/* delta and edits disagree */
};

static void
entry_add(struct entries *es, uint32_t base, char *text, bool suspended,
    bool edited)
{
	if (es->n % 64 == 0)
		es->v = xreallocarray(es->v, es->n + 64, sizeof(*es->v));
	es->v[es->n++] = (struct entry){ base, text, suspended, edited };
	if (base != AFTER)
		htab_put_id(es->by_base, base, (void *)1);
}

static void
entries_free(struct entries *es)
{
	for (size_t i = 0; i < es->n; i++)
		free(es->v[i].text);
	free(es->v);
	htab_free(es->by_name);
	htab_free(es->by_base);
	strlist_free(&es->names);
}

/* An entry of the old delta: named for the edits that may replace it. */
static void
old_entry(struct entries *es, const struct old *d, const struct kind *k,
    uint32_t base, uint32_t i)
{
	bool suspended;
	char *text = k->text(d, old_rec(d, tab(d, k->recs), k->size, i),
	    &suspended);

	if (text == NULL) {
		es->bad = true;
		return;
	}
	strlist_add(&es->names, text);
	es->names.v[es->names.n - 1][strcspn(text, ":")] = '\0';
	htab_put(es->by_name, es->names.v[es->names.n - 1],
	    (void *)(es->n + 1));
	entry_add(es, base, text, suspended, false);
}

/* The delta's entries of a kind: those that replace or remove, the rest. */
static void
old_entries(struct entries *es, const struct old *d, const struct kind *k)
{
	const struct mirror_table *t = &d->h.over[k->over];
	uint32_t count = tab(d, k->recs)->count, nrepl = 0;
	struct mirror_over o;

	for (uint32_t i = 0; i < t->count && !es->bad; i++) {
		memcpy(&o, old_rec(d, t, sizeof(o), i), sizeof(o));
		if (o.index == MIRROR_NONE)
			entry_add(es, o.base, NULL, false, false);
		else if (o.index != nrepl++ || o.index >= count ||
		    o.base == AFTER ||
		    htab_get_id(es->by_base, o.base) != NULL)
			es->bad = true;
		else
			old_entry(es, d, k, o.base, o.index);
	}
	for (uint32_t j = nrepl; j < count && !es->bad; j++)
		old_entry(es, d, k, AFTER, j);
}

struct applying {
	struct entries		*es;
	const struct old	*base;
	const struct kind	*k;
	const struct state	*next;
};

/* The line named name before this run, replaced by text (or dropped). */
static void
replace_one(const char *name, void *text, void *arg)
{
	struct applying *a = arg;
	struct entries *es = a->es;
	size_t at = (size_t)htab_get(es->by_name, name);
	struct entry *e = at ? &es->v[at - 1] : NULL;
	char *now = text == PWFILE_DROP ? NULL : xstrdup(text);
	bool sus = now != NULL && suspended(a->next, now);
	long i;

	if (e != NULL && !e->edited && e->text != NULL) {
		free(e->text);
		*e = (struct entry){ e->base, now, sus, true };
		return;
	}
	i = old_find(a->base, tab(a->base, a->k->recs), a->k->size,
	    tab(a->base, a->k->names), name);
	if (i == UNUSABLE || (i >= 0 &&
	    htab_get_id(es->by_base, (uint32_t)i) != NULL))
		es->bad = true;		/* a name the delta took away */
	if (i >= 0 && !es->bad) {
		entry_add(es, (uint32_t)i, now, sus, true);
		return;
	}
	free(now);
}

static void
apply(struct entries *es, const struct old *base, const struct kind *k,
    const struct pwedit *e, const struct state *next)
{
	struct applying a = { es, base, k, next };

	htab_each(e->replace, replace_one, &a);
	for (size_t i = 0; i < e->append.n; i++)
		entry_add(es, AFTER, xstrdup(e->append.v[i]),
		    suspended(next, e->append.v[i]), true);
}

/* A group line less the member names in strip; NULL if it lists none. */
static char *
stripped_line(const char *line, const struct strlist *strip)
{
	struct acct_field f[4];
	struct buf b = { 0 };
	const char *p, *end, *comma;
	bool any = false, first = true;
	char *out = NULL;

	if (acctline_split(line, strlen(line), f, 4) < 4)
		return NULL;
	buf_add(&b, line, (size_t)(f[3].p - line));
	for (p = f[3].p, end = p + f[3].len; p < end; p = comma + 1) {
		char *name;

		if ((comma = memchr(p, ',', (size_t)(end - p))) == NULL)
			comma = end;
		name = xstrndup(p, (size_t)(comma - p));
		if (strlist_has(strip, name))
			any = true;
		else if (comma > p) {
			if (!first)
				buf_addc(&b, ',');
			buf_addstr(&b, name);
			first = false;
		}
		free(name);
	}
	if (any)
		out = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return out;
}

/*
 * The member names a run strips leave every group this run did not
 * replace: the delta's, and the base's that list them (found by their
 * memberships).
 */
static void
strip(struct entries *es, const struct old *base, const struct strlist *names)
{
	struct gidset listed = { htab_new(16), { 0 } };
	struct mirror_group g;
	char *text;

	for (size_t i = 0; i < es->n && names->n > 0; i++) {
		struct entry *e = &es->v[i];

		if (e->edited || e->text == NULL ||
		    (text = stripped_line(e->text, names)) == NULL)
			continue;
		free(e->text);
		e->text = text;
	}
	if (names->n > 0)
		listing(base, names, &listed);
	for (uint32_t i = 0; i < base->h.groups.count && names->n > 0; i++) {
		memcpy(&g, old_rec(base, &base->h.groups, sizeof(g), i),
		    sizeof(g));
		if (!gid_has(&listed, g.gid) ||
		    htab_get_id(es->by_base, i) != NULL)
			continue;
		if ((text = group_line_of(base, &g, names)) == NULL)
			es->bad = true;
		else
			entry_add(es, i, text, false, false);
	}
	htab_free(listed.ids);
}

static int
cmp_base(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/* A kind's records: those that replace by base index, then the others. */
static void
lay_entries(struct builder *b, const struct entries *es, const struct kind *k,
    struct buf *over)
{
	const struct entry **v = xcalloc(es->n + 1, sizeof(*v));
	size_t n = 0;
	uint32_t next = 0;

	for (size_t i = 0; i < es->n; i++)
		if (es->v[i].base != AFTER)
			v[n++] = &es->v[i];
	qsort(v, n, sizeof(*v), cmp_base);
	for (size_t i = 0; i < n; i++) {
		struct mirror_over o = { v[i]->base,
		    v[i]->text ? next++ : MIRROR_NONE };

		buf_add(over, &o, sizeof(o));
		if (v[i]->text != NULL)
			k->add(b, v[i]->text, strlen(v[i]->text),
			    v[i]->suspended);
	}
	for (size_t i = 0; i < es->n; i++)
		if (es->v[i].base == AFTER && es->v[i].text != NULL)
			k->add(b, es->v[i].text, strlen(es->v[i].text),
			    es->v[i].suspended);
	free(v);
}

/* What a delta of the file holds: users and groups, or shadows. */
struct delta_of {
	uint32_t		 kind;
	const struct kind	*k[2];		/* NULL: none */
	const struct pwedit	*e[2];
	const struct strlist	*strip;		/* from the groups */
	void			(*layout)(struct builder *,
				    const struct overs *, struct buf *);
};

static uint64_t
base_generation(const struct old *d)
{
	return (uint64_t)d->h.base_generation[1] << 32 |
	    d->h.base_generation[0];
}

/* The records, laid out as a delta of base; false if that is too big. */
static bool
lay_delta(const struct delta_of *w, struct entries es[2],
    const struct old *base, struct buf *out)
{
	struct overs ov = { base->h.generation, { { 0 }, { 0 } } };
	struct builder b;

	builder_init(&b, 4096);
	for (int i = 0; i < 2; i++)
		if (w->k[i] != NULL)
			lay_entries(&b, &es[i], w->k[i], &ov.t[i]);
	w->layout(&b, &ov, out);
	builder_free(&b);
	buf_free(&ov.t[0]);
	buf_free(&ov.t[1]);
	/* Past that, lookups slow down and a base costs little more. */
	return out->len <= MAX((size_t)65536, base->len / 8);
}

/*
 * The delta of the base at path: the one at delta_path (none is an empty
 * one), with this run's edits.  -1 when the base or the delta is unsound,
 * they do not go together, or the delta grows too big.
 */
static int
edit_delta(const char *path, const char *delta_path,
    const struct delta_of *w, const struct state *next, struct buf *out)
{
	struct old base, d = { 0 };
	struct entries es[2];
	bool ok;

	for (int i = 0; i < 2; i++)
		es[i] = (struct entries){ .by_name = htab_new(64),
		    .by_base = htab_new(64) };
	ok = old_load(&base, path, w->kind);
	if (ok && old_load(&d, delta_path, w->kind | MIRROR_DELTA))
		ok = base_generation(&d) == base.h.generation;
	for (int i = 0; i < 2 && ok && w->k[i] != NULL; i++) {
		if (d.p != NULL)
			old_entries(&es[i], &d, w->k[i]);
		if (!es[i].bad)
			apply(&es[i], &base, w->k[i], w->e[i], next);
		if (w->k[i] == &groups_k)
			strip(&es[i], &base, w->strip);
		ok = !es[i].bad;
	}
	ok = ok && lay_delta(w, es, &base, out);
	if (!ok)
		buf_free(out);
	old_free(&base);
	old_free(&d);
	entries_free(&es[0]);
	entries_free(&es[1]);
	return ok ? 0 : -1;
}

static bool
edits(const struct pwedit *e)
{
	return htab_count(e->replace) > 0 || e->append.n > 0 ||
	    htab_count(e->strip) > 0;
}

int
mirror_edit(const char *const paths[4], const struct mirror_edit *e,
    struct buf *main, struct buf *shadow_out)
{
	const struct delta_of w[2] = {
		{ MIRROR_PASSWD_GROUP, { &users_k, &groups_k },
		    { e->passwd, e->group }, &e->group->strip_names,
		    layout_main },
		{ MIRROR_SHADOW, { &shadows_k, NULL }, { e->shadow, NULL },
		    NULL, layout_shadow },
	};

	if ((e->both || edits(e->passwd) || edits(e->group)) &&
	    edit_delta(paths[0], paths[2], &w[0], e->next, main) != 0)
		return -1;
	if ((e->both || edits(e->shadow)) &&
	    edit_delta(paths[1], paths[3], &w[1], e->next, shadow_out) != 0) {
		buf_free(main);
		return -1;
	}
	return 0;
}

void
mirror_empty_delta(const struct buf *base, struct buf *out)
{
	struct mirror_header h;
	struct overs ov = { 0, { { 0 }, { 0 } } };
	struct builder b;

	memcpy(&h, base->p, sizeof(h));
	ov.base = h.generation;
	builder_init(&b, 0);
	if (h.kind == MIRROR_SHADOW)
		layout_shadow(&b, &ov, out);
	else
		layout_main(&b, &ov, out);
	builder_free(&b);
}

void
mirror_keep(const char *path, const char *keep)
{
	char *tmp = xasprintf("%s.new", keep);

	/* Only a help: a link that fails is no link, never a wrong one. */
	if ((unlink(tmp) == -1 && errno != ENOENT) || link(path, tmp) == -1 ||
	    rename(tmp, keep) == -1)
		unlink(keep);
	/* Gone, unless keep was that file already: then rename() did not. */
	unlink(tmp);
	free(tmp);
}

int
mirror_hold(const char *path)
{
	return open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
}

void
mirror_retire(int fd)
{
	uint32_t recycled = MIRROR_RECYCLED;

	if (fd == -1)
		return;
	if (pwrite(fd, &recycled, sizeof(recycled),
	    offsetof(struct mirror_header, status)) == -1) {
		/*
		 * Nothing to undo: processes that have the old mirror mapped
		 * keep answering from it until they restart.
		 */
	}
	close(fd);
}

void
mirror_release(int held[4], bool replaced)
{
	for (int i = 0; i < 4; i++) {
		if (replaced)
			mirror_retire(held[i]);
		else if (held[i] != -1)
			close(held[i]);
		held[i] = -1;
	}
}

bool
mirror_present(const char *path)
{
	struct mirror_header h;
	struct stat st;
	bool ok;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return false;
	ok = fstat(fd, &st) == 0 && read(fd, &h, sizeof(h)) == sizeof(h) &&
	    memcmp(h.magic, MIRROR_MAGIC, sizeof(h.magic)) == 0 &&
	    h.version == MIRROR_VERSION && h.file_size == (uint64_t)st.st_size &&
	    h.status == MIRROR_ALIVE;
	close(fd);
	return ok;
}

/*
 * Whether path holds this content, but for the time it was written; read
 * a piece at a time, as the mirror can be tens of megabytes.
 */
bool
mirror_same(const char *path, struct buf *b)
{
	size_t gen = offsetof(struct mirror_header, generation), off = 0;
	char chunk[65536], when[8] = { 0 };
	struct stat st;
	ssize_t n;
	bool same;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return false;
	same = fstat(fd, &st) == 0 && (size_t)st.st_size == b->len;
	while (same && (n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (off == 0 && n >= (ssize_t)(gen + 8))
			memcpy(when, chunk + gen, 8);
		for (ssize_t i = 0; i < n && same; i++, off++)
			same = (off >= gen && off < gen + 8) || chunk[i] == b->p[off];
	}
	close(fd);
	same = same && off == b->len;
	if (same)
		memcpy(b->p + gen, when, 8);
	return same;
}
