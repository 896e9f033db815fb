#include "config.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../nss/mirror-format.h"
#include <sys/stat.h>

#include "acctline.h"
#include "htab.h"
#include "mirror.h"

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

static int
cmp_id(const void *a, const void *b)
{
	const struct mirror_id *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
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

static void
layout_main(struct builder *b, struct buf *out)
{
	struct mirror_header h = { 0 };
	struct buf slots = { 0 };
	size_t nms = b->memberships.len / sizeof(struct mirror_membership);

	/* An empty buffer has no array at all: qsort must not see NULL. */
	if (b->nusers > 0)
		qsort(b->user_ids.p, b->nusers, sizeof(struct mirror_id), cmp_id);
	if (b->ngroups > 0)
		qsort(b->group_ids.p, b->ngroups, sizeof(struct mirror_id),
		    cmp_id);
	if (nms > 0)
		qsort_r(b->memberships.p, nms, sizeof(struct mirror_membership),
		    cmp_membership, b->s.b.p);
	buf_reserve(out, sizeof(h) + b->users.len + b->user_ids.len +
	    4 * slot_count(b->nusers) + b->groups.len + b->group_ids.len +
	    4 * slot_count(b->ngroups) + b->members.len + b->memberships.len +
	    b->s.b.len + 10 * 8);
	buf_add(out, &h, sizeof(h));
	place(out, &h.users, b->users.p, b->users.len, sizeof(struct mirror_user));
	place(out, &h.user_ids, b->user_ids.p, b->user_ids.len,
	    sizeof(struct mirror_id));
	name_slots(&slots, b->users.p, sizeof(struct mirror_user), b->nusers,
	    b->s.b.p);
	place(out, &h.user_names, slots.p, slots.len, sizeof(uint32_t));
	slots.len = 0;
	place(out, &h.groups, b->groups.p, b->groups.len,
	    sizeof(struct mirror_group));
	place(out, &h.group_ids, b->group_ids.p, b->group_ids.len,
	    sizeof(struct mirror_id));
	name_slots(&slots, b->groups.p, sizeof(struct mirror_group),
	    b->ngroups, b->s.b.p);
	place(out, &h.group_names, slots.p, slots.len, sizeof(uint32_t));
	place(out, &h.members, b->members.p, b->members.len, sizeof(uint32_t));
	place(out, &h.memberships, b->memberships.p, b->memberships.len,
	    sizeof(struct mirror_membership));
	place(out, &h.strings, b->s.b.p, b->s.b.len, 1);
	header(out, &h, MIRROR_PASSWD_GROUP);
	buf_free(&slots);
}

static void
layout_shadow(struct builder *b, struct buf *out)
{
	struct mirror_header h = { 0 };
	struct buf slots = { 0 };

	buf_add(out, &h, sizeof(h));
	place(out, &h.shadows, b->shadows.p, b->shadows.len,
	    sizeof(struct mirror_shadow));
	name_slots(&slots, b->shadows.p, sizeof(struct mirror_shadow),
	    b->nshadows, b->s.b.p);
	place(out, &h.shadow_names, slots.p, slots.len, sizeof(uint32_t));
	place(out, &h.strings, b->s.b.p, b->s.b.len, 1);
	header(out, &h, MIRROR_SHADOW);
	buf_free(&slots);
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

/* --- patching --------------------------------------------------------- */

struct patch {
	struct buf		 b;	/* the file, being edited */
	struct mirror_header	 h;
	bool			 changed;	/* a record reads otherwise */
};

static bool
patch_load(struct patch *pt, const char *path, enum mirror_kind kind)
{
	const struct mirror_header *h = &pt->h;
	size_t len;

	memset(pt, 0, sizeof(*pt));
	if (read_file(path, &pt->b.p, &len) == -1)
		return false;
	pt->b.len = len;
	pt->b.cap = len + 1;
	if (len < sizeof(pt->h))
		return false;
	memcpy(&pt->h, pt->b.p, sizeof(pt->h));
	/* Strings come last, so that new ones go at the end. */
	return memcmp(h->magic, MIRROR_MAGIC, sizeof(h->magic)) == 0 &&
	    h->version == MIRROR_VERSION && h->header_size == sizeof(*h) &&
	    h->file_size == len && h->status == MIRROR_ALIVE &&
	    h->kind == (uint32_t)kind && h->strings.count > 0 &&
	    (size_t)h->strings.off + h->strings.count == len &&
	    pt->b.p[len - 1] == '\0';
}

/* Record i of a table, or NULL past its end. */
static char *
record(const struct patch *pt, const struct mirror_table *t, size_t size,
    size_t i)
{
	if (i >= t->count || (size_t)t->off + (i + 1) * size > pt->b.len)
		return NULL;
	return pt->b.p + t->off + i * size;
}

/* The record named name through a table of name slots; -1 if none. */
static long
patch_find(const struct patch *pt, const struct mirror_table *slots,
    const struct mirror_table *recs, size_t size, const char *name)
{
	uint32_t cap = slots->count, h, idx, off;
	const char *rec, *slot;

	if (cap == 0 || (cap & (cap - 1)) != 0)
		return -1;
	h = mirror_hash(name) & (cap - 1);
	for (uint32_t probe = 0; probe < cap; probe++, h = (h + 1) & (cap - 1)) {
		if ((slot = record(pt, slots, sizeof(idx), h)) == NULL)
			return -1;
		memcpy(&idx, slot, sizeof(idx));
		if (idx == MIRROR_NONE || (rec = record(pt, recs, size, idx)) == NULL)
			return -1;
		memcpy(&off, rec, sizeof(off));	/* the name comes first */
		if (off < pt->h.strings.count &&
		    strcmp(pt->b.p + pt->h.strings.off + off, name) == 0)
			return idx;
	}
	return -1;
}

/* Where a field's string is: where it was if the same, else appended. */
static uint32_t
patch_str(struct patch *pt, uint32_t cur, struct acct_field f)
{
	uint32_t off = pt->h.strings.count;
	const char *s = pt->b.p + pt->h.strings.off + cur;

	/* The string area ends with a NUL: s is a string. */
	if (cur < off && strncmp(s, f.p, f.len) == 0 && s[f.len] == '\0')
		return cur;
	buf_add(&pt->b, f.p, f.len);
	buf_addc(&pt->b, '\0');
	pt->h.strings.count += (uint32_t)f.len + 1;
	pt->h.stale += (uint32_t)f.len + 1;
	return off;
}

/* The record of a line's name (at most 32 bytes, as managed), or -1. */
static long
line_record(const struct patch *pt, const char *line,
    const struct mirror_table *slots, const struct mirror_table *recs,
    size_t size)
{
	const char *colon = strchr(line, ':');
	char name[33];

	if (colon == NULL || colon - line > 32)
		return -1;
	memcpy(name, line, (size_t)(colon - line));
	name[colon - line] = '\0';
	return patch_find(pt, slots, recs, size, name);
}

static bool
patch_user(struct patch *pt, const char *line)
{
	struct acct_field f[7];
	struct mirror_user u, was;
	long i = line_record(pt, line, &pt->h.user_names, &pt->h.users,
	    sizeof(u));

	if (i < 0)
		return false;
	acctline_split(line, strlen(line), f, 7);
	memcpy(&u, record(pt, &pt->h.users, sizeof(u), (size_t)i), sizeof(u));
	was = u;
	/* The id index stays as it is. */
	if (u.uid != (uint32_t)num(f[2]))
		return false;
	u.passwd = patch_str(pt, u.passwd, f[1]);
	u.gecos = patch_str(pt, u.gecos, f[4]);
	u.dir = patch_str(pt, u.dir, f[5]);
	u.shell = patch_str(pt, u.shell, f[6]);
	u.gid = (uint32_t)num(f[3]);
	memcpy(record(pt, &pt->h.users, sizeof(u), (size_t)i), &u, sizeof(u));
	pt->changed |= memcmp(&was, &u, sizeof(u)) != 0;
	return true;
}

static bool
patch_shadow(struct patch *pt, const char *line)
{
	struct acct_field f[9];
	struct mirror_shadow sp, was;
	long i = line_record(pt, line, &pt->h.shadow_names, &pt->h.shadows,
	    sizeof(sp));

	if (i < 0)
		return false;
	acctline_split(line, strlen(line), f, 9);
	memcpy(&sp, record(pt, &pt->h.shadows, sizeof(sp), (size_t)i),
	    sizeof(sp));
	was = sp;
	sp.passwd = patch_str(pt, sp.passwd, f[1]);
	sp.lastchg = num(f[2]);
	sp.min = num(f[3]);
	sp.max = num(f[4]);
	sp.warn = num(f[5]);
	sp.inact = num(f[6]);
	sp.expire = num(f[7]);
	memcpy(record(pt, &pt->h.shadows, sizeof(sp), (size_t)i), &sp,
	    sizeof(sp));
	pt->changed |= memcmp(&was, &sp, sizeof(sp)) != 0;
	return true;
}

static int
patch_file(const char *path, enum mirror_kind kind,
    const struct strlist *lines, struct buf *out)
{
	struct patch pt;
	bool ok = patch_load(&pt, path, kind);
	int rc = -1;

	for (size_t i = 0; i < lines->n && ok; i++)
		ok = kind == MIRROR_SHADOW ? patch_shadow(&pt, lines->v[i]) :
		    patch_user(&pt, lines->v[i]);
	/* Half stale: time for a mirror built anew. */
	if (ok && pt.h.stale <= pt.h.strings.count / 2) {
		rc = 0;
		/* Every record as it was: out stays empty, the file as it is. */
		if (pt.changed) {
			header(&pt.b, &pt.h, kind);
			*out = pt.b;
			return 0;
		}
	}
	buf_free(&pt.b);
	return rc;
}

int
mirror_patch(const char *path, const char *shadow_path,
    const struct strlist *passwd, const struct strlist *shadow,
    struct buf *main, struct buf *shadow_out)
{
	if (patch_file(path, MIRROR_PASSWD_GROUP, passwd, main) != 0)
		return -1;
	if (patch_file(shadow_path, MIRROR_SHADOW, shadow, shadow_out) != 0) {
		buf_free(main);
		return -1;
	}
	return 0;
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
