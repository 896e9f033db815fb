/*
 * Ids from Windows SIDs for entries without uidNumber/gidNumber.
 *
 * sssd: SSSD's ldap_id_mapping, id for id.  A domain's primary slice is
 * MurmurHash3 (x86, 32 bits, seed 0xdeadbeef) of its SID string modulo
 * the number of slices; its ids are the slice's start plus the RID.  A
 * RID at or past the slice size maps through a secondary slice hashed
 * from "SID-FIRSTRID", FIRSTRID the RID rounded down to the size.  As in
 * SSSD, a slice that overlaps the domain's primary one moves to the next.
 * rid: BASE + RID for each configured domain, as winbind's idmap_rid.
 */
#ifndef LDAPSYNC_IDMAP_H
#define LDAPSYNC_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sid.h"

enum idmap_kind { IDMAP_NONE, IDMAP_SSSD, IDMAP_RID };

struct idmap_domain {
	struct sid	 sid;		/* the domain's, without a RID */
	uint32_t	 base;
};

struct idmap {
	enum idmap_kind	 kind;
	uint32_t	 min, max, size;	/* idmap_range, idmap_range_size */
	struct idmap_domain *domains;		/* idmap_domain */
	size_t		 ndomains;
};

uint32_t idmap_murmur3(const void *, size_t, uint32_t seed);
/* sssd: the slice a range id ("S-1-5-21-...") hashes to. */
uint32_t idmap_slice(const struct idmap *, const char *range_id);
/*
 * The id of a SID (a domain SID and a RID).  false, with *why, when it has
 * none: no mapping, a domain rid does not know, an id past the range.
 */
bool	 idmap_map(const struct idmap *, const struct sid *, uint32_t *id,
	    const char **why);

#endif
