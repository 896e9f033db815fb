#include "config.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../nss/mirror-format.h"
#include "htab.h"
#include "mirror.h"

/* Strings, each stored once (shells, "x" and the like repeat). */
struct strings {
	struct buf	 b;
	struct htab	*seen;		/* string -> offset + 1 */
	struct strlist	 keys;
};

struct builder {
	struct buf	 users, user_ids, groups, group_ids, members, memberships;
	struct buf	 shadows;
	struct strings	 s;
	uint32_t	 nusers, ngroups, nshadows;
};

static uint32_t
intern(struct strings *s, const char *str)
{
	uintptr_t off = (uintptr_t)htab_get(s->seen, str);

	if (off != 0)
		return (uint32_t)(off - 1);
	off = s->b.len;
	buf_add(&s->b, str, strlen(str) + 1);
	strlist_add(&s->keys, str);
	htab_put(s->seen, s->keys.v[s->keys.n - 1], (void *)(off + 1));
	return (uint32_t)off;
}

/*
 * A string stored where it falls, not shared: a group's member names
 * then lie side by side, and copying them out is one or two cache lines
 * instead of a miss per name scattered over the users' strings.
 */
static uint32_t
append(struct strings *s, const char *str)
{
	uint32_t off = (uint32_t)s->b.len;

	buf_add(&s->b, str, strlen(str) + 1);
	return off;
}

static long
num(const char *s)
{
	long v;

	return parse_long(s, &v) ? v : -1;
}

/* --- records ---------------------------------------------------------- */

static void
fields(const struct pwline *l, char **f, int n)
{
	for (int i = 0; i < n; i++) {
		f[i] = pwline_field(l, i);
		if (f[i] == NULL)
			f[i] = xstrdup("");
	}
}

static void
free_fields(char **f, int n)
{
	for (int i = 0; i < n; i++)
		free(f[i]);
}

static void
add_user(struct builder *b, const struct pwline *l, bool suspended)
{
	char *f[7];
	struct mirror_user u;
	struct mirror_id id;

	fields(l, f, 7);
	u = (struct mirror_user){ intern(&b->s, f[0]), intern(&b->s, f[1]),
	    intern(&b->s, f[4]), intern(&b->s, f[5]), intern(&b->s, f[6]),
	    (uint32_t)num(f[2]), (uint32_t)num(f[3]),
	    suspended ? MIRROR_SUSPENDED : 0 };
	id = (struct mirror_id){ u.uid, b->nusers++ };
	buf_add(&b->users, &u, sizeof(u));
	buf_add(&b->user_ids, &id, sizeof(id));
	free_fields(f, 7);
}

static void
add_group(struct builder *b, const struct pwline *l)
{
	char *f[4], *save = NULL;
	struct mirror_group g;
	struct mirror_id id;

	fields(l, f, 4);
	g = (struct mirror_group){ intern(&b->s, f[0]), intern(&b->s, f[1]),
	    (uint32_t)num(f[2]), (uint32_t)(b->members.len / 4), 0 };
	for (char *m = strtok_r(f[3], ",", &save); m != NULL;
	    m = strtok_r(NULL, ",", &save)) {
		uint32_t off = append(&b->s, m);
		struct mirror_membership ms = { off, g.gid };

		buf_add(&b->members, &off, sizeof(off));
		buf_add(&b->memberships, &ms, sizeof(ms));
		g.nmembers++;
	}
	id = (struct mirror_id){ g.gid, b->ngroups++ };
	buf_add(&b->groups, &g, sizeof(g));
	buf_add(&b->group_ids, &id, sizeof(id));
	free_fields(f, 4);
}

static void
add_shadow(struct builder *b, const struct pwline *l)
{
	char *f[9];
	struct mirror_shadow sp;

	fields(l, f, 9);
	sp = (struct mirror_shadow){ intern(&b->s, f[0]), intern(&b->s, f[1]),
	    num(f[2]), num(f[3]), num(f[4]), num(f[5]), num(f[6]), num(f[7]),
	    0 };
	b->nshadows++;
	buf_add(&b->shadows, &sp, sizeof(sp));
	free_fields(f, 9);
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
static void
name_slots(struct buf *out, const void *recs, size_t size, uint32_t n,
    const char *strings)
{
	uint32_t cap = 8, *slots;

	while (cap < n * 2)
		cap *= 2;
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
builder_init(struct builder *b)
{
	memset(b, 0, sizeof(*b));
	b->s.seen = htab_new(1024);
	/* Offset 0 is the empty string. */
	intern(&b->s, "");
}

static void
builder_free(struct builder *b)
{
	struct buf *bufs[] = { &b->users, &b->user_ids, &b->groups,
	    &b->group_ids, &b->members, &b->memberships, &b->shadows, &b->s.b };

	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
		buf_free(bufs[i]);
	htab_free(b->s.seen);
	strlist_free(&b->s.keys);
}

void
mirror_build(const struct state *st, const struct pwfile *passwd,
    const struct pwfile *group, const struct pwfile *shadow,
    struct buf *main, struct buf *shadow_out)
{
	struct builder b;

	/* File order, so that enumeration follows the files. */
	builder_init(&b);
	for (size_t i = 0; i < passwd->n; i++) {
		const struct pwline *l = &passwd->lines[i];
		struct managed *m = l->name ?
		    htab_get(st->users_by_name, l->name) : NULL;

		if (m != NULL)
			add_user(&b, l, m->suspended);
	}
	for (size_t i = 0; i < group->n; i++)
		if (group->lines[i].name != NULL &&
		    htab_get(st->groups_by_name, group->lines[i].name) != NULL)
			add_group(&b, &group->lines[i]);
	layout_main(&b, main);
	builder_free(&b);

	builder_init(&b);
	for (size_t i = 0; i < shadow->n; i++)
		if (shadow->lines[i].name != NULL &&
		    htab_get(st->users_by_name, shadow->lines[i].name) != NULL)
			add_shadow(&b, &shadow->lines[i]);
	layout_shadow(&b, shadow_out);
	builder_free(&b);
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

/* Whether path holds this content, but for the time it was written. */
bool
mirror_same(const char *path, const struct buf *b)
{
	size_t gen = offsetof(struct mirror_header, generation), len;
	char *old;
	bool same;

	if (read_file(path, &old, &len) == -1)
		return false;
	same = len == b->len && len >= sizeof(struct mirror_header) &&
	    memcmp(old, b->p, gen) == 0 &&
	    memcmp(old + gen + 8, b->p + gen + 8, len - gen - 8) == 0;
	free(old);
	return same;
}
