/*
 * Hash tables keyed by a borrowed string or by a 32-bit id.  Keys are not
 * copied: the caller keeps them alive as long as the table.
 */
#ifndef LDAPSYNC_HTAB_H
#define LDAPSYNC_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct htab;

struct htab	*htab_new(size_t hint);
void		 htab_free(struct htab *);
/* Room for n keys in all, so that putting them never grows the table. */
void		 htab_reserve(struct htab *, size_t n);
/* Both return the previous value, or NULL. */
void		*htab_put(struct htab *, const char *key, void *val);
void		*htab_put_id(struct htab *, uint32_t id, void *val);
void		*htab_get(const struct htab *, const char *key);
void		*htab_get_id(const struct htab *, uint32_t id);
/*
 * Brings into the cache the slot where a search for key starts.  Called
 * some keys ahead of a run of lookups in a large table, it overlaps their
 * cache misses instead of waiting for each in turn.  (A key of up to 10
 * bytes is matched in its slot; a longer one is read too.)
 */
void		 htab_prefetch(const struct htab *, const char *key);
void		 htab_prefetch_id(const struct htab *, uint32_t id);
/* How many keys ahead: enough misses in flight, not so many they evict. */
#define HTAB_AHEAD	8
/*
 * Before looking up keys[i] of n: prefetches keys[i + HTAB_AHEAD], and at
 * i == 0 those before it too.
 */
void		 htab_prefetch_ahead(const struct htab *,
		    const char *const *keys, size_t n, size_t i);
/* Removal leaves a tombstone; fine for our few deletes. */
void		*htab_del(struct htab *, const char *key);
size_t		 htab_count(const struct htab *);
/* Calls fn for every string key and its value, in no order. */
void		 htab_each(const struct htab *,
		    void (*fn)(const char *key, void *val, void *arg), void *arg);

/* The hash of a string the tables use (FNV-1a, mixed). */
uint32_t htab_hash(const char *);

#endif
