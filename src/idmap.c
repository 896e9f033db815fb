#include "config.h"

#include <stdio.h>
#include <string.h>

#include "idmap.h"

static uint32_t
rotl(uint32_t x, int r)
{
	return x << r | x >> (32 - r);
}

static uint32_t
mix(uint32_t k)
{
	k *= 0xcc9e2d51;
	k = rotl(k, 15);
	return k * 0x1b873593;
}

uint32_t
idmap_murmur3(const void *p, size_t len, uint32_t seed)
{
	const unsigned char *b = p;
	size_t blocks = len / 4;
	uint32_t h = seed, k = 0;

	for (size_t i = 0; i < blocks; i++) {
		const unsigned char *w = b + 4 * i;

		k = (uint32_t)w[0] | (uint32_t)w[1] << 8 |
		    (uint32_t)w[2] << 16 | (uint32_t)w[3] << 24;
		h ^= mix(k);
		h = rotl(h, 13) * 5 + 0xe6546b64;
	}
	k = 0;
	switch (len & 3) {
	case 3: k ^= (uint32_t)b[4 * blocks + 2] << 16;	/* FALLTHROUGH */
	case 2: k ^= (uint32_t)b[4 * blocks + 1] << 8;	/* FALLTHROUGH */
	case 1: k ^= b[4 * blocks];
		h ^= mix(k);
	}
	h ^= (uint32_t)len;
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	return h ^ h >> 16;
}

static uint32_t
nslices(const struct idmap *m)
{
	return (m->max - m->min) / m->size;
}

uint32_t
idmap_slice(const struct idmap *m, const char *range_id)
{
	return idmap_murmur3(range_id, strlen(range_id), 0xdeadbeef) %
	    nslices(m);
}

static bool
sssd_map(const struct idmap *m, const struct sid *s, uint32_t *id)
{
	char dom[SID_STRLEN], name[SID_STRLEN + 12];
	uint32_t rid = sid_rid(s), first = rid - rid % m->size;
	uint32_t primary, slice;

	sid_format_domain(s, dom);
	primary = idmap_slice(m, dom);
	slice = primary;
	if (first > 0) {
		snprintf(name, sizeof(name), "%s-%u", dom, first);
		slice = idmap_slice(m, name);
		if (slice == primary)
			slice = (slice + 1) % nslices(m);
	}
	*id = m->min + slice * m->size + (rid - first);
	return true;
}

static bool
same_domain(const struct sid *dom, const struct sid *s)
{
	return s->nsub == dom->nsub + 1 && s->authority == dom->authority &&
	    memcmp(s->sub, dom->sub, dom->nsub * sizeof(dom->sub[0])) == 0;
}

static bool
rid_map(const struct idmap *m, const struct sid *s, uint32_t *id,
    const char **why)
{
	for (size_t i = 0; i < m->ndomains; i++) {
		const struct idmap_domain *d = &m->domains[i];

		if (!same_domain(&d->sid, s))
			continue;
		if (sid_rid(s) > UINT32_MAX - 1 - d->base) {
			*why = "objectSid's RID plus its idmap_domain base is "
			    "past 4294967294";
			return false;
		}
		*id = d->base + sid_rid(s);
		return true;
	}
	*why = "objectSid is in no idmap_domain";
	return false;
}

bool
idmap_map(const struct idmap *m, const struct sid *s, uint32_t *id,
    const char **why)
{
	if (s->nsub < 2) {
		*why = "objectSid has no domain and RID";
		return false;
	}
	/* BUILTIN: the same SIDs in every domain, which SSSD never maps. */
	if (s->authority == 5 && s->sub[0] == 32) {
		*why = "a built-in SID (S-1-5-32-...), which is never mapped";
		return false;
	}
	switch (m->kind) {
	case IDMAP_SSSD:
		return sssd_map(m, s, id);
	case IDMAP_RID:
		return rid_map(m, s, id, why);
	default:
		*why = "no id attribute, and id_mapping is none";
		return false;
	}
}
