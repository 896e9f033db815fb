/*
 * Reading the mirror: one mapping per file, shared by every thread,
 * replaced when the provisioner marks it RECYCLED, validated in full when
 * mapped so that lookups can trust every offset.  No lock is taken: a
 * mapping is held by a reference count and unmapped by its last holder.
 */
#ifndef LDAPSYNC_NSS_READER_H
#define LDAPSYNC_NSS_READER_H

#include <stdbool.h>
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

/* A base file and the delta that applies to it (NULL: none). */
struct view {
	struct mapping	*base, *delta;
};

/*
 * The current base and delta, each holding a valid section; false when
 * the base is missing or corrupt.  Released with reader_release_view().
 */
bool		 reader_acquire(enum section, struct view *);
void		 reader_release_view(struct view *);

const char	*reader_str(const struct mapping *, uint32_t off);
const uint32_t	*reader_members(const struct mapping *);

/*
 * Lookups through the delta, then the base: the record, and in *from the
 * file whose strings and members it refers to.
 */
const struct mirror_user *reader_user_by_name(const struct view *,
		    const char *, const struct mapping **from);
const struct mirror_user *reader_user_by_id(const struct view *, uint32_t,
		    const struct mapping **from);
const struct mirror_group *reader_group_by_name(const struct view *,
		    const char *, const struct mapping **from);
const struct mirror_group *reader_group_by_id(const struct view *,
		    uint32_t, const struct mapping **from);
const struct mirror_shadow *reader_shadow_by_name(const struct view *,
		    const char *, const struct mapping **from);

/*
 * Enumeration of SEC_USERS, SEC_GROUPS or SEC_SHADOW in the files'
 * order: positions up to reader_count(), each a record, or NULL where the
 * delta removed a base record.
 */
uint32_t	 reader_count(const struct view *, enum section);
const void	*reader_at(const struct view *, enum section, uint32_t pos,
		    const struct mapping **from);

/* In one file: the first membership of a user name, and how many follow. */
const struct mirror_membership *reader_memberships(const struct mapping *,
		    const char *, uint32_t *n);
/* Whether the base's group of that gid is one the delta replaces or removes. */
bool		 reader_group_hidden(const struct view *, uint32_t gid);

#endif
