/*
 * Reading the mirror: one mapping per file, shared by every thread,
 * replaced when the provisioner marks it RECYCLED, validated in full when
 * mapped so that lookups can trust every offset.  No lock is taken: a
 * mapping is held by a reference count and unmapped by its last holder.
 */
#ifndef LDAPSYNC_NSS_READER_H
#define LDAPSYNC_NSS_READER_H

#include <stddef.h>
#include <stdint.h>

#include "mirror-format.h"

struct mapping;

/*
 * What a lookup reads.  Each is checked in full the first time it is
 * used in a mapping, so that a process that only asks for a user does not
 * pay for reading every group.
 */
enum section { SEC_USERS, SEC_GROUPS, SEC_MEMBERSHIPS, SEC_SHADOW, SEC_COUNT };

/* The current mapping holding a valid section; NULL when missing or corrupt. */
struct mapping	*reader_acquire(enum section);
void		 reader_release(struct mapping *);

const struct mirror_header *reader_header(const struct mapping *);
const char	*reader_str(const struct mapping *, uint32_t off);

const struct mirror_user *reader_users(const struct mapping *, uint32_t *n);
const struct mirror_group *reader_groups(const struct mapping *, uint32_t *n);
const struct mirror_shadow *reader_shadows(const struct mapping *, uint32_t *n);
const uint32_t	*reader_members(const struct mapping *);

const struct mirror_user *reader_user_by_name(const struct mapping *,
		    const char *);
const struct mirror_user *reader_user_by_id(const struct mapping *, uint32_t);
const struct mirror_group *reader_group_by_name(const struct mapping *,
		    const char *);
const struct mirror_group *reader_group_by_id(const struct mapping *,
		    uint32_t);
const struct mirror_shadow *reader_shadow_by_name(const struct mapping *,
		    const char *);
/* The first membership of a user name, and how many follow it. */
const struct mirror_membership *reader_memberships(const struct mapping *,
		    const char *, uint32_t *n);

#endif
