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

/*
 * A kind's id table and name slots as the old file has them, when an
 * edit left every record where it was, under its name and id.
 */
struct index_kept {
	const void	*ids, *names;	/* NULL: built anew */
	size_t		 ids_len, names_len;
};

enum { K_USERS, K_GROUPS, K_SHADOWS };

struct builder {
	struct buf	 users, user_ids, groups, group_ids, members, memberships;
	struct buf	 shadows;
	struct strings	 s;
	uint32_t	 nusers, ngroups, nshadows;
	uint32_t	 stale;		/* bytes no record refers to */
	bool		 edited;	/* memberships already in order */
	struct index_kept kept[3];
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

static uint64_t
prefix(const char *s)
{
	uint64_t v = 0;
	int i = 0;

	for (; i < 8 && s[i] != '\0'; i++)
		v = v << 8 | (unsigned char)s[i];
	return v << (8 * (8 - i));
}

static void
sort_memberships(struct builder *b, size_t n)
{
	struct mirror_membership *v = (void *)b->memberships.p;
	struct keyed *k = xreallocarray(NULL, n, sizeof(*k));

	for (size_t i = 0; i < n; i++)
		k[i] = (struct keyed){ prefix(b->s.b.p + v[i].name), v[i] };
	qsort_r(k, n, sizeof(*k), cmp_keyed, b->s.b.p);
	for (size_t i = 0; i < n; i++)
		v[i] = k[i].m;
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
header(struct buf *file, struct mirror_header *h, enum mirror_kind kind)
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

/* A kind's id table (ids_t NULL: none) and name slots, kept or built. */
static void
place_index(struct buf *out, struct builder *b, int kind, struct buf *ids,
    const void *recs, size_t size, uint32_t n, struct mirror_table *ids_t,
    struct mirror_table *names_t)
{
	const struct index_kept *k = &b->kept[kind];
	struct buf slots = { 0 };

	if (ids_t != NULL && k->ids != NULL)
		place(out, ids_t, k->ids, k->ids_len, sizeof(struct mirror_id));
	else if (ids_t != NULL) {
		sort_ids(ids, n);
		place(out, ids_t, ids->p, ids->len, sizeof(struct mirror_id));
	}
	if (k->names != NULL) {
		place(out, names_t, k->names, k->names_len, sizeof(uint32_t));
		return;
	}
	name_slots(&slots, recs, size, n, b->s.b.p);
	place(out, names_t, slots.p, slots.len, sizeof(uint32_t));
	buf_free(&slots);
}

static void
layout_main(struct builder *b, struct buf *out)
{
	struct mirror_header h = { 0 };
	size_t nms = b->memberships.len / sizeof(struct mirror_membership);

	if (nms > 0 && !b->edited)
		sort_memberships(b, nms);
	buf_reserve(out, sizeof(h) + b->users.len + b->user_ids.len +
	    4 * slot_count(b->nusers) + b->groups.len + b->group_ids.len +
	    4 * slot_count(b->ngroups) + b->members.len + b->memberships.len +
	    b->s.b.len + 10 * 8);
	buf_add(out, &h, sizeof(h));
	place(out, &h.users, b->users.p, b->users.len, sizeof(struct mirror_user));
	place_index(out, b, K_USERS, &b->user_ids, b->users.p,
	    sizeof(struct mirror_user), b->nusers, &h.user_ids, &h.user_names);
	place(out, &h.groups, b->groups.p, b->groups.len,
	    sizeof(struct mirror_group));
	place_index(out, b, K_GROUPS, &b->group_ids, b->groups.p,
	    sizeof(struct mirror_group), b->ngroups, &h.group_ids,
	    &h.group_names);
	place(out, &h.members, b->members.p, b->members.len, sizeof(uint32_t));
	place(out, &h.memberships, b->memberships.p, b->memberships.len,
	    sizeof(struct mirror_membership));
	place(out, &h.strings, b->s.b.p, b->s.b.len, 1);
	h.stale = b->stale;
	header(out, &h, MIRROR_PASSWD_GROUP);
}

static void
layout_shadow(struct builder *b, struct buf *out)
{
	struct mirror_header h = { 0 };

	buf_add(out, &h, sizeof(h));
	place(out, &h.shadows, b->shadows.p, b->shadows.len,
	    sizeof(struct mirror_shadow));
	place_index(out, b, K_SHADOWS, NULL, b->shadows.p,
	    sizeof(struct mirror_shadow), b->nshadows, NULL, &h.shadow_names);
	place(out, &h.strings, b->s.b.p, b->s.b.len, 1);
	h.stale = b->stale;
	header(out, &h, MIRROR_SHADOW);
}

static void
builder_init(struct builder *b, size_t text)
{
	memset(b, 0, sizeof(*b));
	/* About the size of the lines: buffers that double waste up to half. */
	buf_reserve(&b->s.b, text + 1);
	common(&b->s, (struct acct_field){ "", 0 });	/* offset 0 is "" */
}

static void
builder_free(struct builder *b)
{
	struct buf *bufs[] = { &b->users, &b->user_ids, &b->groups,
	    &b->group_ids, &b->members, &b->memberships, &b->shadows, &b->s.b };

	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
		buf_free(bufs[i]);
}

/*
 * Calls fn for each line of text whose name is in names, with what the
 * table holds for it.  Names of managed accounts are at most 32 bytes.
 */
static void
each_managed(const struct buf *text, const struct htab *names,
    void (*fn)(struct builder *, const char *, size_t, void *),
    struct builder *b)
{
	const char *p = text->p, *end = text->p + text->len, *nl, *colon;
	char name[33];
	void *v;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		colon = memchr(p, ':', (size_t)(nl - p));
		if (colon == NULL || colon == p || colon - p >= (long)sizeof(name))
			continue;
		memcpy(name, p, (size_t)(colon - p));
		name[colon - p] = '\0';
		if ((v = htab_get(names, name)) != NULL)
			fn(b, p, (size_t)(nl - p), v);
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

	for (size_t i = 0; i < n; i++)
		htab_put(v[i].is_group ? groups : users, v[i].name,
		    (void *)&v[i]);
	/* File order, so that enumeration follows the files. */
	builder_init(&b, passwd->len + group->len);
	each_managed(passwd, users, user_line, &b);
	each_managed(group, groups, group_line, &b);
	layout_main(&b, main);
	builder_free(&b);

	builder_init(&b, shadow->len);
	each_managed(shadow, users, shadow_line, &b);
	layout_shadow(&b, shadow_out);
	builder_free(&b);
	htab_free(users);
	htab_free(groups);
}

/* --- editing ---------------------------------------------------------- */

/* A mirror file read back, checked enough to copy its records from. */
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
old_load(struct old *o, const char *path, enum mirror_kind kind)
{
	const struct mirror_header *h = &o->h;

	memset(o, 0, sizeof(*o));
	/* Mapped: most of it is copied once, into the new file. */
	if ((o->p = map_file(path, &o->len)) == NULL || o->len < sizeof(o->h))
		return false;
	memcpy(&o->h, o->p, sizeof(o->h));
	return memcmp(h->magic, MIRROR_MAGIC, sizeof(h->magic)) == 0 &&
	    h->version == MIRROR_VERSION && h->header_size == sizeof(*h) &&
	    h->file_size == o->len && h->kind == (uint32_t)kind &&
	    h->strings.count > 0 && table_ok(o, &h->strings, 1) &&
	    o->p[h->strings.off + h->strings.count - 1] == '\0' &&
	    table_ok(o, &h->users, sizeof(struct mirror_user)) &&
	    table_ok(o, &h->groups, sizeof(struct mirror_group)) &&
	    table_ok(o, &h->members, sizeof(uint32_t)) &&
	    table_ok(o, &h->memberships, sizeof(struct mirror_membership)) &&
	    table_ok(o, &h->shadows, sizeof(struct mirror_shadow));
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

/*
 * Starts with the old strings, so that the records kept keep theirs, and
 * room for the old records and a few more.
 */
static void
builder_from(struct builder *b, const struct old *o)
{
	const struct mirror_header *h = &o->h;

	memset(b, 0, sizeof(*b));
	buf_reserve(&b->s.b, h->strings.count + 65536);
	buf_add(&b->s.b, o->p + h->strings.off, h->strings.count);
	buf_reserve(&b->users, (h->users.count + 64) * sizeof(struct mirror_user));
	buf_reserve(&b->user_ids, (h->users.count + 64) * sizeof(struct mirror_id));
	buf_reserve(&b->groups, (h->groups.count + 64) *
	    sizeof(struct mirror_group));
	buf_reserve(&b->group_ids, (h->groups.count + 64) *
	    sizeof(struct mirror_id));
	buf_reserve(&b->members, (h->members.count + 256) * sizeof(uint32_t));
	buf_reserve(&b->shadows, (h->shadows.count + 64) *
	    sizeof(struct mirror_shadow));
	b->stale = o->h.stale;
	b->edited = true;
}

/* Old users first to end-1, kept as they are: one copy, and their ids. */
static void
keep_users(struct builder *b, const struct old *o, uint32_t first,
    uint32_t end)
{
	const char *recs = old_rec(o, &o->h.users, sizeof(struct mirror_user),
	    first);

	buf_add(&b->users, recs, (size_t)(end - first) *
	    sizeof(struct mirror_user));
	for (uint32_t i = first; i < end; i++) {
		struct mirror_user u;
		struct mirror_id id;

		memcpy(&u, recs + (size_t)(i - first) * sizeof(u), sizeof(u));
		id = (struct mirror_id){ u.uid, b->nusers++ };
		buf_add(&b->user_ids, &id, sizeof(id));
	}
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

struct marking {
	const struct old		*o;
	const struct mirror_table	*recs, *slots;
	size_t				 size;
	const char			**text;		/* per old record */
	bool				 bad;
};

static void
mark(const char *name, void *text, void *arg)
{
	struct marking *m = arg;
	long i = old_find(m->o, m->recs, m->size, m->slots, name);

	if (i == UNUSABLE)
		m->bad = true;
	else if (i >= 0)
		m->text[i] = text;
}

/*
 * Per old record, the text that replaces it (or PWFILE_DROP), NULL for
 * those kept: found by name through the old file's own slots, so that
 * the records kept are never hashed.  NULL when the slots are unusable.
 */
static const char **
replacements(const struct old *o, const struct mirror_table *recs,
    size_t size, const struct mirror_table *slots, const struct pwedit *e)
{
	struct marking m = { o, recs, slots, size,
	    xcalloc(recs->count + 1, sizeof(char *)), false };

	htab_each(e->replace, mark, &m);
	if (!m.bad)
		return m.text;
	free(m.text);
	return NULL;
}

/* No id to compare (shadow records). */
#define NO_ID	SIZE_MAX

/*
 * Whether the record just added, the last of recs, has the name and (at
 * id_at) the id of was, the old record it replaces: then it sits where
 * that one did, and the old indexes still find it.
 */
static bool
same_place(const struct builder *b, const struct buf *recs, size_t size,
    size_t id_at, const struct old *o, const void *was)
{
	const char *now = recs->p + recs->len - size;
	uint32_t name[2], id[2] = { 0, 0 };

	memcpy(&name[0], now, sizeof(name[0]));
	memcpy(&name[1], was, sizeof(name[1]));
	if (id_at != NO_ID) {
		memcpy(&id[0], now + id_at, sizeof(id[0]));
		memcpy(&id[1], (const char *)was + id_at, sizeof(id[1]));
	}
	return id[0] == id[1] &&
	    strcmp(b->s.b.p + name[0], old_str(o, name[1])) == 0;
}

/*
 * For a kind whose n records all stayed put: the old file's id table
 * (ids NULL: none) and name slots, when they look sound.
 */
static void
keep_index(struct builder *b, int kind, const struct old *o, uint32_t n,
    const struct mirror_table *ids, const struct mirror_table *names)
{
	struct index_kept *k = &b->kept[kind];
	uint32_t cap = names->count;

	if ((ids != NULL && (ids->count != n ||
	    !table_ok(o, ids, sizeof(struct mirror_id)))) || cap < n ||
	    !slots_ok(o, names))
		return;
	if (ids != NULL) {
		k->ids = old_rec(o, ids, sizeof(struct mirror_id), 0);
		k->ids_len = (size_t)n * sizeof(struct mirror_id);
	}
	k->names = old_rec(o, names, sizeof(uint32_t), 0);
	k->names_len = (size_t)cap * sizeof(uint32_t);
}

/* Old user i replaced by text, or dropped: false unless it stays put. */
static bool
replace_user(struct builder *b, const struct old *o,
    const struct mirror_edit *e, uint32_t i, const char *text)
{
	struct mirror_user u;

	if (text == PWFILE_DROP)
		return false;
	memcpy(&u, old_rec(o, &o->h.users, sizeof(u), i), sizeof(u));
	add_user(b, text, strlen(text), suspended(e->next, text));
	return same_place(b, &b->users, sizeof(u),
	    offsetof(struct mirror_user, uid), o, &u);
}

static bool
edit_users(struct builder *b, const struct old *o, const struct mirror_edit *e)
{
	const char **repl = replacements(o, &o->h.users,
	    sizeof(struct mirror_user), &o->h.user_names, e->passwd);
	uint32_t n = o->h.users.count, run = 0;
	bool same = e->passwd->append.n == 0;

	if (repl == NULL)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		if (repl[i] == NULL)
			continue;
		keep_users(b, o, run, i);
		same = replace_user(b, o, e, i, repl[i]) && same;
		run = i + 1;
	}
	keep_users(b, o, run, n);
	for (size_t i = 0; i < e->passwd->append.n; i++) {
		const char *text = e->passwd->append.v[i];

		add_user(b, text, strlen(text), suspended(e->next, text));
	}
	if (same)
		keep_index(b, K_USERS, o, n, &o->h.user_ids, &o->h.user_names);
	free(repl);
	return true;
}

/* A group kept, but for the member names stripped; true if any was. */
static bool
keep_group(struct builder *b, const struct old *o, struct mirror_group g,
    const struct strlist *strip)
{
	const struct mirror_table *t = &o->h.members;
	struct mirror_id id = { g.gid, b->ngroups++ };
	uint32_t first = g.first_member, n = g.nmembers, off;

	g.first_member = (uint32_t)(b->members.len / 4);
	g.nmembers = 0;
	if (strip->n == 0 && first <= t->count) {
		g.nmembers = MIN(n, t->count - first);
		buf_add(&b->members, old_rec(o, t, sizeof(off), first),
		    g.nmembers * sizeof(off));
	}
	for (uint32_t i = first; strip->n > 0 && i < first + n &&
	    i < t->count; i++) {
		memcpy(&off, old_rec(o, t, sizeof(off), i), sizeof(off));
		if (strlist_has(strip, old_str(o, off)))
			continue;
		buf_add(&b->members, &off, sizeof(off));
		g.nmembers++;
	}
	buf_add(&b->groups, &g, sizeof(g));
	buf_add(&b->group_ids, &id, sizeof(id));
	return g.nmembers != n;
}

/* The memberships of a group kept with members stripped, anew. */
static void
redo_memberships(struct builder *b)
{
	const struct mirror_group *g = (const void *)(b->groups.p +
	    b->groups.len - sizeof(*g));
	const uint32_t *m = (const void *)b->members.p;

	for (uint32_t i = 0; i < g->nmembers; i++) {
		struct mirror_membership ms = { m[g->first_member + i], g->gid };

		buf_add(&b->memberships, &ms, sizeof(ms));
	}
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

/*
 * Groups as edited: touched receives the gids whose memberships change.
 * Only the groups listing a stripped name are searched for it.
 */
static bool
edit_groups(struct builder *b, const struct old *o, const struct mirror_edit *e,
    struct gidset *touched)
{
	static const struct strlist none;
	const char **repl = replacements(o, &o->h.groups,
	    sizeof(struct mirror_group), &o->h.group_names, e->group);
	struct gidset listed = { htab_new(16), { 0 } };
	bool same = e->group->append.n == 0;
	const char *text;

	if (repl == NULL) {
		htab_free(listed.ids);
		return false;
	}
	listing(o, &e->group->strip_names, &listed);
	for (uint32_t i = 0; i < o->h.groups.count; i++) {
		struct mirror_group g;

		memcpy(&g, old_rec(o, &o->h.groups, sizeof(g), i), sizeof(g));
		if ((text = repl[i]) != NULL)
			gid_add(touched, g.gid);
		if (text == NULL && keep_group(b, o, g,
		    gid_has(&listed, g.gid) ? &e->group->strip_names : &none)) {
			gid_add(touched, g.gid);
			redo_memberships(b);
		} else if (text == PWFILE_DROP)
			same = false;
		else if (text != NULL) {
			add_group(b, text, strlen(text));
			same = same && same_place(b, &b->groups, sizeof(g),
			    offsetof(struct mirror_group, gid), o, &g);
		}
	}
	for (size_t i = 0; i < e->group->append.n; i++) {
		text = e->group->append.v[i];
		add_group(b, text, strlen(text));
	}
	if (same)
		keep_index(b, K_GROUPS, o, o->h.groups.count, &o->h.group_ids,
		    &o->h.group_names);
	free(repl);
	htab_free(listed.ids);
	return true;
}

/*
 * The memberships: the old ones of groups untouched, in their order,
 * with the new ones (b->memberships, sorted) each put where a binary
 * search of the old ones places it, as layout wants them.
 */
static void
merge_memberships(struct builder *b, const struct old *o,
    struct gidset *touched)
{
	struct mirror_membership *v = (void *)b->memberships.p, x;
	size_t n = b->memberships.len / sizeof(x), k = 0;
	uint32_t total = o->h.memberships.count, run = 0;
	uint32_t *at = xcalloc(n + 1, sizeof(*at));
	const char *old = old_rec(o, &o->h.memberships, sizeof(x), 0);
	struct buf out = { 0 };

	for (size_t i = 0; i < n; i++)
		gid_add(touched, v[i].gid);
	if (n > 0)
		sort_memberships(b, n);
	for (size_t i = 0; i < n; i++)
		at[i] = lower_bound(o, b->s.b.p + v[i].name, v[i].gid);
	buf_reserve(&out, (total + n) * sizeof(x));
	for (uint32_t i = 0; i <= total; i++) {
		bool skip = false;

		if (i < total) {
			memcpy(&x, old + (size_t)i * sizeof(x), sizeof(x));
			skip = gid_has(touched, x.gid);
		}
		if (i < total && !skip && !(k < n && at[k] <= i))
			continue;
		buf_add(&out, old + (size_t)run * sizeof(x),
		    (size_t)(i - run) * sizeof(x));
		for (; k < n && at[k] <= i; k++)
			buf_add(&out, &v[k], sizeof(x));
		run = skip ? i + 1 : i;
	}
	buf_free(&b->memberships);
	b->memberships = out;
	free(at);
}

static bool
edit_shadows(struct builder *b, const struct old *o, const struct pwedit *e)
{
	const char **repl = replacements(o, &o->h.shadows,
	    sizeof(struct mirror_shadow), &o->h.shadow_names, e);
	const char *text;

	bool same = e->append.n == 0;

	if (repl == NULL)
		return false;
	for (uint32_t i = 0; i < o->h.shadows.count; i++) {
		struct mirror_shadow sp;

		memcpy(&sp, old_rec(o, &o->h.shadows, sizeof(sp), i),
		    sizeof(sp));
		if ((text = repl[i]) == NULL) {
			buf_add(&b->shadows, &sp, sizeof(sp));
			b->nshadows++;
		} else if (text == PWFILE_DROP)
			same = false;
		else {
			add_shadow(b, text, strlen(text));
			same = same && same_place(b, &b->shadows, sizeof(sp),
			    NO_ID, o, &sp);
		}
	}
	for (size_t i = 0; i < e->append.n; i++)
		add_shadow(b, e->append.v[i], strlen(e->append.v[i]));
	if (same)
		keep_index(b, K_SHADOWS, o, o->h.shadows.count, NULL,
		    &o->h.shadow_names);
	free(repl);
	return true;
}

/* Half stale: time for a mirror built anew. */
static bool
too_stale(const struct builder *b, const struct old *o)
{
	return b->stale + (b->s.b.len - o->h.strings.count) > b->s.b.len / 2;
}

/* The edited file laid out, unless half of it would be stale: -1 then. */
static int
lay_out(struct builder *b, const struct old *o, struct buf *out,
    void (*layout)(struct builder *, struct buf *))
{
	if (too_stale(b, o))
		return -1;
	b->stale += (uint32_t)(b->s.b.len - o->h.strings.count);
	layout(b, out);
	return 0;
}

static int
edit_main(const char *path, const struct mirror_edit *e, struct buf *out)
{
	struct gidset touched = { htab_new(64), { 0 } };
	struct builder b;
	struct old o;
	int rc = -1;

	if (old_load(&o, path, MIRROR_PASSWD_GROUP)) {
		builder_from(&b, &o);
		if (edit_users(&b, &o, e) && edit_groups(&b, &o, e, &touched)) {
			merge_memberships(&b, &o, &touched);
			rc = lay_out(&b, &o, out, layout_main);
		}
		builder_free(&b);
	}
	if (o.p != NULL)
		unmap_file(o.p, o.len);
	htab_free(touched.ids);
	return rc;
}

static int
edit_shadow(const char *path, const struct mirror_edit *e, struct buf *out)
{
	struct builder b;
	struct old o;
	int rc = -1;

	if (old_load(&o, path, MIRROR_SHADOW)) {
		builder_from(&b, &o);
		if (edit_shadows(&b, &o, e->shadow))
			rc = lay_out(&b, &o, out, layout_shadow);
		builder_free(&b);
	}
	if (o.p != NULL)
		unmap_file(o.p, o.len);
	return rc;
}

static bool
edits(const struct pwedit *e)
{
	return htab_count(e->replace) > 0 || e->append.n > 0 ||
	    htab_count(e->strip) > 0;
}

int
mirror_edit(const char *path, const char *shadow_path,
    const struct mirror_edit *e, struct buf *main, struct buf *shadow_out)
{
	if ((e->both || edits(e->passwd) || edits(e->group)) &&
	    edit_main(path, e, main) != 0)
		return -1;
	if ((e->both || edits(e->shadow)) &&
	    edit_shadow(shadow_path, e, shadow_out) != 0) {
		buf_free(main);
		return -1;
	}
	return 0;
}

void
mirror_keep(const char *path, const char *keep)
{
	char *tmp = xasprintf("%s.new", keep);

	/* Only a help: a link that fails is no link, never a wrong one. */
	if ((unlink(tmp) == -1 && errno != ENOENT) || link(path, tmp) == -1 ||
	    rename(tmp, keep) == -1) {
		unlink(tmp);
		unlink(keep);
	}
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
mirror_release(int held[2], bool replaced)
{
	for (int i = 0; i < 2; i++) {
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
mirror_same(const char *path, const struct buf *b)
{
	size_t gen = offsetof(struct mirror_header, generation), off = 0;
	char chunk[65536];
	struct stat st;
	ssize_t n;
	bool same;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return false;
	same = fstat(fd, &st) == 0 && (size_t)st.st_size == b->len;
	while (same && (n = read(fd, chunk, sizeof(chunk))) > 0) {
		for (ssize_t i = 0; i < n && same; i++, off++)
			same = (off >= gen && off < gen + 8) || chunk[i] == b->p[off];
	}
	close(fd);
	return same && off == b->len;
}
