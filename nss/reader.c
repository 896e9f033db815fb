#include "config.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reader.h"

/*
 * A mapping's state word: the number of holders, and three flags.  A
 * slot is DEAD (free), CLAIMED (being filled), live, or RETIRED (replaced;
 * its last holder unmaps it).  Slots are never freed, so a thread that
 * read a stale pointer can still look at the word safely.
 */
#define REFS		((uint64_t)0xffffffff)
#define CLAIMED		((uint64_t)1 << 61)
#define DEAD		((uint64_t)1 << 62)
#define RETIRED		((uint64_t)1 << 63)
#define NSLOTS		32

/* A section's check: not yet made, passed, failed. */
enum { UNCHECKED, GOOD, BAD };

struct mapping {
	_Atomic uint64_t	 state;
	const char		*base;
	size_t			 size;
	dev_t			 dev;
	ino_t			 ino;
	_Atomic int		 checked[SEC_COUNT];
	/*
	 * A delta's: how many of its records replace, per over table.
	 * Threads checking a section at once store the same count.
	 */
	_Atomic uint32_t	 nrepl[2];
};

struct source {
	const char		*name;
	uint32_t		 kind;
	struct mapping		 slots[NSLOTS];
	struct mapping *_Atomic	 current;
};

/* The bases, then their deltas. */
static struct source sources[4] = {
	{ .name = "mirror", .kind = MIRROR_PASSWD_GROUP },
	{ .name = "mirror.shadow", .kind = MIRROR_SHADOW },
	{ .name = "mirror.delta", .kind = MIRROR_PASSWD_GROUP | MIRROR_DELTA },
	{ .name = "mirror.shadow.delta",
	    .kind = MIRROR_SHADOW | MIRROR_DELTA },
};

/* Runs when the module is loaded: every slot starts free. */
__attribute__((constructor)) static void
init_slots(void)
{
	for (int s = 0; s < 4; s++)
		for (int i = 0; i < NSLOTS; i++)
			atomic_init(&sources[s].slots[i].state, DEAD);
}

/* --- validation ------------------------------------------------------- */

static bool
table_ok(const struct mirror_table *t, size_t elem, size_t align, size_t size)
{
	uint64_t end = (uint64_t)t->off + (uint64_t)t->count * elem;

	return t->off % align == 0 && t->off >= sizeof(struct mirror_header) &&
	    end <= size;
}

static bool
header_ok(const struct mirror_header *h, size_t size, uint32_t kind)
{
	return size >= sizeof(*h) &&
	    memcmp(h->magic, MIRROR_MAGIC, sizeof(h->magic)) == 0 &&
	    h->version == MIRROR_VERSION && h->header_size == sizeof(*h) &&
	    h->file_size == size && h->kind == kind &&
	    (h->status == MIRROR_ALIVE || h->status == MIRROR_RECYCLED);
}

/* Slots are a power of two in number, each free or a record index. */
static bool
slots_ok(const char *base, const struct mirror_table *t, uint32_t nrec)
{
	const uint32_t *s = (const uint32_t *)(base + t->off);

	if (t->count == 0 || (t->count & (t->count - 1)) != 0 ||
	    t->count <= nrec)
		return false;
	for (uint32_t i = 0; i < t->count; i++)
		if (s[i] != MIRROR_NONE && s[i] >= nrec)
			return false;
	return true;
}

static bool
ids_ok(const char *base, const struct mirror_table *t, uint32_t nrec)
{
	const struct mirror_id *id = (const struct mirror_id *)(base + t->off);

	if (t->count != nrec)
		return false;
	for (uint32_t i = 0; i < t->count; i++)
		if (id[i].index >= nrec || (i > 0 && id[i].id < id[i - 1].id))
			return false;
	return true;
}

#define STR_OK(x)	((x) < nstr)

static bool
users_ok(const char *base, const struct mirror_header *h, uint32_t nstr)
{
	const struct mirror_user *u =
	    (const struct mirror_user *)(base + h->users.off);

	for (uint32_t i = 0; i < h->users.count; i++)
		if (!STR_OK(u[i].name) || !STR_OK(u[i].passwd) ||
		    !STR_OK(u[i].gecos) || !STR_OK(u[i].dir) ||
		    !STR_OK(u[i].shell))
			return false;
	return slots_ok(base, &h->user_names, h->users.count) &&
	    ids_ok(base, &h->user_ids, h->users.count);
}

static bool
groups_ok(const char *base, const struct mirror_header *h, uint32_t nstr)
{
	const struct mirror_group *g =
	    (const struct mirror_group *)(base + h->groups.off);
	const uint32_t *m = (const uint32_t *)(base + h->members.off);

	for (uint32_t i = 0; i < h->groups.count; i++)
		if (!STR_OK(g[i].name) || !STR_OK(g[i].passwd) ||
		    (uint64_t)g[i].first_member + g[i].nmembers > h->members.count)
			return false;
	for (uint32_t i = 0; i < h->members.count; i++)
		if (!STR_OK(m[i]))
			return false;
	return slots_ok(base, &h->group_names, h->groups.count) &&
	    ids_ok(base, &h->group_ids, h->groups.count);
}

static bool
memberships_ok(const char *base, const struct mirror_header *h, uint32_t nstr)
{
	const struct mirror_membership *ms =
	    (const struct mirror_membership *)(base + h->memberships.off);

	for (uint32_t i = 0; i < h->memberships.count; i++)
		if (!STR_OK(ms[i].name))
			return false;
	return true;
}

static bool
shadows_ok(const char *base, const struct mirror_header *h, uint32_t nstr)
{
	const struct mirror_shadow *s =
	    (const struct mirror_shadow *)(base + h->shadows.off);

	for (uint32_t i = 0; i < h->shadows.count; i++)
		if (!STR_OK(s[i].name) || !STR_OK(s[i].passwd))
			return false;
	return slots_ok(base, &h->shadow_names, h->shadows.count);
}

/*
 * A delta's over table: by base index, each record that replaces given
 * in turn (*nrepl of them, at most nrec).  The count is kept in a local
 * and stored once: another thread may be checking the same table.
 */
static bool
overs_ok(const char *base, const struct mirror_table *t, uint32_t nrec,
    _Atomic uint32_t *nrepl)
{
	const struct mirror_over *o =
	    (const struct mirror_over *)(base + t->off);
	uint32_t n = 0;

	for (uint32_t i = 0; i < t->count; i++) {
		if (i > 0 && o[i].base <= o[i - 1].base)
			return false;
		if (o[i].index != MIRROR_NONE && o[i].index != n++)
			return false;
	}
	atomic_store_explicit(nrepl, n, memory_order_relaxed);
	return n <= nrec;
}

/* What map time checks: the header and that every table lies inside. */
static bool
frame_ok(const char *base, size_t size, uint32_t kind)
{
	const struct mirror_header *h = (const struct mirror_header *)base;

	if (!header_ok(h, size, kind) || !table_ok(&h->strings, 1, 1, size) ||
	    h->strings.count == 0 || base[h->strings.off + h->strings.count - 1])
		return false;
	if ((kind & MIRROR_DELTA) &&
	    (!table_ok(&h->over[0], sizeof(struct mirror_over), 4, size) ||
	    !table_ok(&h->over[1], sizeof(struct mirror_over), 4, size)))
		return false;
	if ((kind & ~MIRROR_DELTA) == MIRROR_SHADOW)
		return table_ok(&h->shadows, sizeof(struct mirror_shadow), 8, size) &&
		    table_ok(&h->shadow_names, 4, 4, size);
	return table_ok(&h->users, sizeof(struct mirror_user), 4, size) &&
	    table_ok(&h->user_names, 4, 4, size) &&
	    table_ok(&h->user_ids, sizeof(struct mirror_id), 4, size) &&
	    table_ok(&h->groups, sizeof(struct mirror_group), 4, size) &&
	    table_ok(&h->group_names, 4, 4, size) &&
	    table_ok(&h->group_ids, sizeof(struct mirror_id), 4, size) &&
	    table_ok(&h->members, 4, 4, size) &&
	    table_ok(&h->memberships, sizeof(struct mirror_membership), 4, size);
}

/* The records of a section, their offsets and indexes, on first use. */
static bool
section_ok(struct mapping *m, enum section sec)
{
	const char *base = m->base;
	const struct mirror_header *h = (const struct mirror_header *)base;
	uint32_t nstr = h->strings.count;
	bool delta = h->kind & MIRROR_DELTA;

	switch (sec) {
	case SEC_USERS:
		return users_ok(base, h, nstr) && (!delta ||
		    overs_ok(base, &h->over[0], h->users.count, &m->nrepl[0]));
	case SEC_GROUPS:
		return groups_ok(base, h, nstr) && (!delta ||
		    overs_ok(base, &h->over[1], h->groups.count, &m->nrepl[1]));
	case SEC_MEMBERSHIPS:
		return memberships_ok(base, h, nstr);
	case SEC_SHADOW:
	default:
		return shadows_ok(base, h, nstr) && (!delta ||
		    overs_ok(base, &h->over[0], h->shadows.count, &m->nrepl[0]));
	}
}

/* --- mappings --------------------------------------------------------- */

static void
unmap(struct mapping *m)
{
	munmap((void *)m->base, m->size);
	m->base = NULL;
	atomic_store_explicit(&m->state, DEAD, memory_order_release);
}

static void
reader_release(struct mapping *m)
{
	uint64_t s = atomic_fetch_sub_explicit(&m->state, 1,
	    memory_order_acq_rel);

	if (s == (RETIRED | 1))
		unmap(m);
}

static void
retire(struct mapping *m)
{
	uint64_t s = atomic_fetch_or_explicit(&m->state, RETIRED,
	    memory_order_acq_rel);

	if ((s & REFS) == 0)
		unmap(m);
}

/* A free slot, claimed; NULL when all are held (then keep what we have). */
static struct mapping *
claim(struct source *src)
{
	for (int i = 0; i < NSLOTS; i++) {
		uint64_t dead = DEAD;

		if (atomic_compare_exchange_strong(&src->slots[i].state, &dead,
		    CLAIMED))
			return &src->slots[i];
	}
	return NULL;
}

static const char *
mirror_dir(void)
{
	const char *dir = secure_getenv("LDAPSYNC_MIRROR_DIR");

	return dir != NULL && dir[0] == '/' ? dir : MIRROR_DIR;
}

/*
 * Maps and checks the file; NULL if it is missing or not a valid mirror,
 * or (*same) if it is the file old already maps.
 */
static const char *
map_file(const struct source *src, const struct mapping *old, size_t *size,
    struct stat *st, bool *same)
{
	char path[4096];
	void *base;
	int fd;

	*same = false;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", mirror_dir(),
	    src->name) >= sizeof(path))
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return NULL;
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode) ||
	    st->st_size < (off_t)sizeof(struct mirror_header)) {
		close(fd);
		return NULL;
	}
	*same = old != NULL && old->dev == st->st_dev && old->ino == st->st_ino;
	if (*same) {
		close(fd);
		return NULL;
	}
	*size = (size_t)st->st_size;
	base = mmap(NULL, *size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (base == MAP_FAILED)
		return NULL;
	if (!frame_ok(base, *size, src->kind)) {
		munmap(base, *size);
		return NULL;
	}
	return base;
}

/*
 * Installs the file now at the path in place of old (which may be NULL).
 * When the file is missing or corrupt, nothing is served any more.
 */
static void
reload(struct source *src, struct mapping *old)
{
	struct stat st;
	struct mapping *m;
	const char *base;
	size_t size;
	bool same;

	base = map_file(src, old, &size, &st, &same);
	if (same)
		return;		/* recycled but not replaced: keep serving it */
	if (base != NULL && (m = claim(src)) == NULL) {
		munmap((void *)base, size);
		return;
	}
	if (base != NULL) {
		m->base = base;
		m->size = size;
		m->dev = st.st_dev;
		m->ino = st.st_ino;
		for (int i = 0; i < SEC_COUNT; i++)
			atomic_init(&m->checked[i], UNCHECKED);
		atomic_store_explicit(&m->state, 0, memory_order_release);
	} else
		m = NULL;
	if (atomic_compare_exchange_strong(&src->current, &old, m)) {
		if (old != NULL)
			retire(old);
	} else if (m != NULL)
		retire(m);	/* another thread got there first */
}

static bool
hold(struct mapping *m)
{
	uint64_t s = atomic_load_explicit(&m->state, memory_order_acquire);

	while ((s & (RETIRED | DEAD | CLAIMED)) == 0)
		if (atomic_compare_exchange_weak_explicit(&m->state, &s, s + 1,
		    memory_order_acq_rel, memory_order_acquire))
			return true;
	return false;
}

static bool
recycled(const struct mapping *m)
{
	const struct mirror_header *h = (const struct mirror_header *)m->base;

	return atomic_load_explicit((const _Atomic uint32_t *)&h->status,
	    memory_order_relaxed) != MIRROR_ALIVE;
}

/* Checks a section once per mapping; threads racing to do it agree. */
static bool
checked(struct mapping *m, enum section sec)
{
	int c = atomic_load_explicit(&m->checked[sec], memory_order_acquire);

	if (c == UNCHECKED) {
		c = section_ok(m, sec) ? GOOD : BAD;
		atomic_store_explicit(&m->checked[sec], c, memory_order_release);
	}
	return c == GOOD;
}

static struct mapping *
current(struct source *src)
{
	struct mapping *m;

	for (int tries = 0; tries < 8; tries++) {
		m = atomic_load_explicit(&src->current, memory_order_acquire);
		if (m == NULL) {
			reload(src, NULL);
			if (atomic_load(&src->current) == NULL)
				return NULL;
			continue;
		}
		if (!hold(m))
			continue;
		if (!recycled(m))
			return m;
		reload(src, m);
		if (atomic_load(&src->current) == m)
			return m;	/* same file: serve it */
		reader_release(m);
	}
	return NULL;
}

static uint64_t
generation_of(const struct mapping *m)
{
	return ((const struct mirror_header *)m->base)->generation;
}

static uint64_t
base_of(const struct mapping *delta)
{
	const uint32_t *g =
	    ((const struct mirror_header *)delta->base)->base_generation;

	return (uint64_t)g[1] << 32 | g[0];
}

static bool
empty(const struct mapping *delta)
{
	const struct mirror_header *h =
	    (const struct mirror_header *)delta->base;

	return h->users.count == 0 && h->groups.count == 0 &&
	    h->shadows.count == 0 && h->over[0].count == 0 &&
	    h->over[1].count == 0;
}

/*
 * The base, and its delta unless that is another base's.  A run marks
 * the base it replaces RECYCLED before the delta, so a base still live
 * once its delta is held was live when that delta was current.  A base
 * marked but not replaced (current() serves it) is taken at the last try.
 */
static bool
pair(int s, struct view *v)
{
	for (int tries = 0; tries < 8; tries++) {
		if ((v->base = current(&sources[s])) == NULL)
			return false;
		v->delta = current(&sources[s + 2]);
		if (!recycled(v->base) || tries == 7) {
			/* Another base's, or empty: nothing to consult. */
			if (v->delta != NULL &&
			    (base_of(v->delta) != generation_of(v->base) ||
			    empty(v->delta))) {
				reader_release(v->delta);
				v->delta = NULL;
			}
			return true;
		}
		reader_release_view(v);
	}
	return false;
}

bool
reader_acquire(enum section sec, struct view *v)
{
	if (!pair(sec == SEC_SHADOW ? 1 : 0, v))
		return false;
	/* Memberships under a delta are weighed by the base's groups. */
	if (checked(v->base, sec) && (v->delta == NULL ||
	    (checked(v->delta, sec) && (sec != SEC_MEMBERSHIPS ||
	    checked(v->base, SEC_GROUPS)))))
		return true;
	reader_release_view(v);
	return false;
}

void
reader_release_view(struct view *v)
{
	if (v->delta != NULL)
		reader_release(v->delta);
	reader_release(v->base);
	v->base = v->delta = NULL;
}

/* --- lookups ---------------------------------------------------------- */

#define AT(m, type, table)	((const type *)((m)->base + H(m)->table.off))
#define H(m)			((const struct mirror_header *)(m)->base)

const char *
reader_str(const struct mapping *m, uint32_t off)
{
	return m->base + H(m)->strings.off + off;
}

const uint32_t *
reader_members(const struct mapping *m)
{
	return AT(m, uint32_t, members);
}

/* Probes the slots for a record whose first field (its name) is name. */
static const void *
by_name(const struct mapping *m, const struct mirror_table *slots,
    const struct mirror_table *recs, size_t size, const char *name)
{
	const uint32_t *s = (const uint32_t *)(m->base + slots->off);
	uint32_t mask = slots->count - 1, h = mirror_hash(name) & mask;

	for (uint32_t i = 0; i <= mask; i++, h = (h + 1) & mask) {
		const char *rec;
		uint32_t off;

		if (s[h] == MIRROR_NONE)
			return NULL;
		rec = m->base + recs->off + (size_t)s[h] * size;
		memcpy(&off, rec, sizeof(off));
		if (strcmp(reader_str(m, off), name) == 0)
			return rec;
	}
	return NULL;
}

/*
 * In a table of n pairs of 32-bit words sorted by the first (struct
 * mirror_id by id, struct mirror_over by base), the first pair whose
 * first word is at least key; n if none.
 */
static uint32_t
lower_bound(const uint32_t *pairs, uint32_t n, uint32_t key)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (pairs[2 * (size_t)mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct mirror_id *
by_id(const struct mapping *m, const struct mirror_table *t, uint32_t id)
{
	const struct mirror_id *v = (const struct mirror_id *)(m->base + t->off);
	uint32_t i = lower_bound((const uint32_t *)v, t->count, id);

	return i < t->count && v[i].id == id ? &v[i] : NULL;
}

/* The delta's over entry for base record i of table t; NULL if none. */
static const struct mirror_over *
over(const struct view *v, int t, uint32_t i)
{
	const struct mirror_table *ot;
	const struct mirror_over *o;
	uint32_t at;

	if (v->delta == NULL)
		return NULL;
	ot = &H(v->delta)->over[t];
	o = (const struct mirror_over *)(v->delta->base + ot->off);
	at = lower_bound((const uint32_t *)o, ot->count, i);
	return at < ot->count && o[at].base == i ? &o[at] : NULL;
}

/* What each kind of record is, where its tables are. */
struct kind {
	size_t	size;
	size_t	recs, names, ids; /* offsets of the tables in the header */
	size_t	id_at;		/* of the id in a record (ids: 0, none) */
	int	over;
};

static const struct kind users_k = { sizeof(struct mirror_user),
    offsetof(struct mirror_header, users),
    offsetof(struct mirror_header, user_names),
    offsetof(struct mirror_header, user_ids),
    offsetof(struct mirror_user, uid), 0 };
static const struct kind groups_k = { sizeof(struct mirror_group),
    offsetof(struct mirror_header, groups),
    offsetof(struct mirror_header, group_names),
    offsetof(struct mirror_header, group_ids),
    offsetof(struct mirror_group, gid), 1 };
static const struct kind shadows_k = { sizeof(struct mirror_shadow),
    offsetof(struct mirror_header, shadows),
    offsetof(struct mirror_header, shadow_names), 0, 0, 0 };

static const struct mirror_table *
table(const struct mapping *m, size_t at)
{
	return (const struct mirror_table *)(m->base + at);
}

/* A base record, unless the delta replaces or removes it. */
static const void *
unless_over(const struct view *v, const struct kind *k, const void *rec)
{
	uint32_t i;

	if (rec == NULL)
		return NULL;
	i = (uint32_t)(((const char *)rec - v->base->base -
	    table(v->base, k->recs)->off) / k->size);
	return over(v, k->over, i) == NULL ? rec : NULL;
}

static const void *
named(const struct view *v, const struct kind *k, const char *name,
    const struct mapping **from)
{
	const void *rec = NULL;

	if (v->delta != NULL && (rec = by_name(v->delta,
	    table(v->delta, k->names), table(v->delta, k->recs), k->size,
	    name)) != NULL) {
		*from = v->delta;
		return rec;
	}
	*from = v->base;
	return unless_over(v, k, by_name(v->base, table(v->base, k->names),
	    table(v->base, k->recs), k->size, name));
}

const struct mirror_user *
reader_user_by_name(const struct view *v, const char *name,
    const struct mapping **from)
{
	return named(v, &users_k, name, from);
}

const struct mirror_group *
reader_group_by_name(const struct view *v, const char *name,
    const struct mapping **from)
{
	return named(v, &groups_k, name, from);
}

const struct mirror_shadow *
reader_shadow_by_name(const struct view *v, const char *name,
    const struct mapping **from)
{
	return named(v, &shadows_k, name, from);
}

/* The record of a file with that id (users or groups). */
static const void *
rec_by_id(const struct mapping *m, const struct kind *k, uint32_t id)
{
	const struct mirror_id *x = by_id(m, table(m, k->ids), id);
	const char *rec;
	uint32_t has;

	if (x == NULL)
		return NULL;
	rec = m->base + table(m, k->recs)->off + (size_t)x->index * k->size;
	memcpy(&has, rec + k->id_at, sizeof(has));
	/* The index only points: the record must say the id asked for. */
	return has == id ? rec : NULL;
}

static const void *
ided(const struct view *v, const struct kind *k, uint32_t id,
    const struct mapping **from)
{
	const void *rec;

	if (v->delta != NULL && (rec = rec_by_id(v->delta, k, id)) != NULL) {
		*from = v->delta;
		return rec;
	}
	*from = v->base;
	return unless_over(v, k, rec_by_id(v->base, k, id));
}

const struct mirror_user *
reader_user_by_id(const struct view *v, uint32_t uid,
    const struct mapping **from)
{
	return ided(v, &users_k, uid, from);
}

const struct mirror_group *
reader_group_by_id(const struct view *v, uint32_t gid,
    const struct mapping **from)
{
	return ided(v, &groups_k, gid, from);
}

static const struct kind *
kind_of(enum section sec)
{
	return sec == SEC_USERS ? &users_k : sec == SEC_GROUPS ? &groups_k :
	    &shadows_k;
}

/* How many of the delta's records replace a base record (checked). */
static uint32_t
replacing(const struct view *v, int over)
{
	return atomic_load_explicit(&v->delta->nrepl[over],
	    memory_order_relaxed);
}

/* The base's records, then those the delta adds after them. */
uint32_t
reader_count(const struct view *v, enum section sec)
{
	const struct kind *k = kind_of(sec);
	uint32_t n = table(v->base, k->recs)->count;

	if (v->delta != NULL)
		n += table(v->delta, k->recs)->count - replacing(v, k->over);
	return n;
}

const void *
reader_at(const struct view *v, enum section sec, uint32_t pos,
    const struct mapping **from)
{
	const struct kind *k = kind_of(sec);
	uint32_t nbase = table(v->base, k->recs)->count;
	const struct mirror_over *o;
	const struct mapping *m = v->base;
	uint32_t i = pos;

	if (pos >= nbase) {
		m = v->delta;
		i = pos - nbase + replacing(v, k->over);
	} else if ((o = over(v, k->over, pos)) != NULL) {
		if (o->index == MIRROR_NONE)
			return NULL;
		m = v->delta;
		i = o->index;
	}
	*from = m;
	return m->base + table(m, k->recs)->off + (size_t)i * k->size;
}

const struct mirror_membership *
reader_memberships(const struct mapping *m, const char *name, uint32_t *n)
{
	const struct mirror_membership *v =
	    AT(m, struct mirror_membership, memberships);
	uint32_t lo = 0, hi = H(m)->memberships.count, end;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (strcmp(reader_str(m, v[mid].name), name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < H(m)->memberships.count &&
	    strcmp(reader_str(m, v[end].name), name) == 0; end++)
		;
	*n = end - lo;
	return &v[lo];
}

bool
reader_group_hidden(const struct view *v, uint32_t gid)
{
	const struct mirror_group *g;

	if (v->delta == NULL || H(v->delta)->over[1].count == 0)
		return false;
	g = rec_by_id(v->base, &groups_k, gid);
	return g != NULL && unless_over(v, &groups_k, g) == NULL;
}
