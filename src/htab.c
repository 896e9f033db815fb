#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "util.h"

/*
 * Open addressing with linear probing.  A table holds either string keys or
 * id keys.  A slot holds a key's first INLINE bytes (NUL and zeros after a
 * shorter one; an id's bytes): most keys, names, are that short, and are
 * matched without reading the key, a cache miss of its own.
 */
#define INLINE	11

struct slot {
	const char	*key;		/* NULL in a table of ids */
	void		*val;
	uint32_t	 hash;
	unsigned char	 state;		/* 0 empty, 1 used, 2 deleted */
	char		 inl[INLINE];
};
_Static_assert(sizeof(struct slot) == 32, "two slots to a cache line");

/* A key as a search compares it: hashed, and its slot form. */
struct probe {
	const char	*key;
	uint32_t	 hash;
	bool		 longer;	/* than the inline bytes hold */
	char		 inl[INLINE];
};

struct htab {
	struct slot	*s;
	size_t		 cap;		/* a power of two */
	size_t		 used;		/* used and deleted slots */
	size_t		 n;
};

static uint32_t
hash_id(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

/*
 * FNV-1a, then mixed: alone, its low bits (the slot) depend on the low
 * bits of the characters only, and names like u1..u99999 pile up.  The
 * inline bytes are taken in the same pass.
 */
static struct probe
str_probe(const char *key)
{
	struct probe p = { key, 0, false, { 0 } };
	uint32_t h = 2166136261u;
	size_t i = 0;

	for (; key[i] != '\0'; i++) {
		if (i < INLINE)
			p.inl[i] = key[i];
		h ^= (unsigned char)key[i];
		h *= 16777619u;
	}
	p.hash = hash_id(h);
	p.longer = i >= INLINE;
	return p;
}

uint32_t
htab_hash(const char *s)
{
	return str_probe(s).hash;
}

static struct probe
id_probe(uint32_t id)
{
	struct probe p = { NULL, hash_id(id), false, { 0 } };

	memcpy(p.inl, &id, sizeof(id));
	return p;
}

/* A table is filled all over: its pages are mapped at once (prefault()). */
static struct slot *
slots_new(size_t cap)
{
	struct slot *s = xcalloc(cap, sizeof(*s));

	prefault(s, cap * sizeof(*s));
	return s;
}

struct htab *
htab_new(size_t hint)
{
	struct htab *t = xcalloc(1, sizeof(*t));

	t->cap = 16;
	while (t->cap < hint * 2 + 2)
		t->cap *= 2;
	t->s = slots_new(t->cap);
	return t;
}

void
htab_free(struct htab *t)
{
	if (t == NULL)
		return;
	free(t->s);
	free(t);
}

static bool
slot_match(const struct slot *sl, const struct probe *p)
{
	if (sl->state != 1 || sl->hash != p->hash ||
	    memcmp(sl->inl, p->inl, INLINE) != 0)
		return false;
	return !p->longer || strcmp(sl->key + INLINE, p->key + INLINE) == 0;
}

static struct slot *
find(const struct htab *t, const struct probe *p)
{
	size_t mask = t->cap - 1;

	for (size_t i = p->hash & mask;; i = (i + 1) & mask) {
		struct slot *sl = &t->s[i];

		if (sl->state == 0)
			return NULL;
		if (slot_match(sl, p))
			return sl;
	}
}

/* The slots again, cap of them, without the tombstones. */
static void
rehash(struct htab *t, size_t cap)
{
	struct slot *old = t->s;
	size_t oldcap = t->cap;

	t->cap = cap;
	t->s = slots_new(t->cap);
	t->used = 0;
	for (size_t i = 0; i < oldcap; i++) {
		size_t mask = t->cap - 1, j;

		if (old[i].state != 1)
			continue;
		for (j = old[i].hash & mask; t->s[j].state; j = (j + 1) & mask)
			;
		t->s[j] = old[i];
		t->used++;
	}
	free(old);
}

static void
grow(struct htab *t)
{
	/* Half full at most: linear probing slows down fast beyond. */
	if ((t->used + 1) * 2 < t->cap)
		return;
	rehash(t, t->n * 4 >= t->cap ? t->cap * 2 : t->cap);
}

void
htab_reserve(struct htab *t, size_t n)
{
	size_t cap = t->cap;

	while (cap < n * 2 + 2)
		cap *= 2;
	if (cap != t->cap)
		rehash(t, cap);
}

static void *
put(struct htab *t, const struct probe *p, void *val)
{
	struct slot *sl = find(t, p);
	size_t mask, i;
	void *prev;

	if (sl != NULL) {
		prev = sl->val;
		sl->val = val;
		return prev;
	}
	grow(t);
	mask = t->cap - 1;
	for (i = p->hash & mask; t->s[i].state == 1; i = (i + 1) & mask)
		;
	if (t->s[i].state == 0)
		t->used++;
	sl = &t->s[i];
	*sl = (struct slot){ p->key, val, p->hash, 1, { 0 } };
	memcpy(sl->inl, p->inl, INLINE);
	t->n++;
	return NULL;
}

void *
htab_put(struct htab *t, const char *key, void *val)
{
	struct probe p = str_probe(key);

	return put(t, &p, val);
}

void *
htab_put_id(struct htab *t, uint32_t id, void *val)
{
	struct probe p = id_probe(id);

	return put(t, &p, val);
}

void *
htab_get(const struct htab *t, const char *key)
{
	struct probe p;
	struct slot *sl;

	/* A first sync looks its 100,000 names up in empty tables. */
	if (t->n == 0)
		return NULL;
	p = str_probe(key);
	sl = find(t, &p);
	return sl ? sl->val : NULL;
}

void
htab_prefetch(const struct htab *t, const char *key)
{
	__builtin_prefetch(&t->s[htab_hash(key) & (t->cap - 1)]);
}

void
htab_prefetch_id(const struct htab *t, uint32_t id)
{
	__builtin_prefetch(&t->s[hash_id(id) & (t->cap - 1)]);
}

void
htab_prefetch_ahead(const struct htab *t, const char *const *keys, size_t n,
    size_t i)
{
	for (size_t j = i == 0 ? 0 : i + HTAB_AHEAD;
	    j <= i + HTAB_AHEAD && j < n; j++)
		htab_prefetch(t, keys[j]);
}

void *
htab_get_id(const struct htab *t, uint32_t id)
{
	struct probe p = id_probe(id);
	struct slot *sl = find(t, &p);

	return sl ? sl->val : NULL;
}

void *
htab_del(struct htab *t, const char *key)
{
	struct probe p = str_probe(key);
	struct slot *sl = find(t, &p);
	void *prev;

	if (sl == NULL)
		return NULL;
	prev = sl->val;
	sl->state = 2;
	sl->val = NULL;
	t->n--;
	return prev;
}

size_t
htab_count(const struct htab *t)
{
	return t->n;
}

void
htab_each(const struct htab *t, void (*fn)(const char *, void *, void *),
    void *arg)
{
	for (size_t i = 0; i < t->cap; i++)
		if (t->s[i].state == 1 && t->s[i].key != NULL)
			fn(t->s[i].key, t->s[i].val, arg);
}
