/*
 * The mirror: the accounts ldapsync manages, in a form the NSS module can
 * answer from with a read-only mapping and no parsing.  Two files in the
 * state directory: "mirror" (passwd and group, world-readable) and
 * "mirror.shadow" (root only).  Both are written by the provisioner
 * (src/mirror.c) and replaced by rename; before the old file's last
 * reference goes, its status word is set to RECYCLED, so every process
 * that has it mapped learns of the replacement from one memory read.
 *
 * Each file has a delta beside it, "mirror.delta" and "mirror.shadow.delta":
 * a file of the same format whose records replace, remove or follow those
 * of the file it applies to (named by its generation), so that a run that
 * changes a few accounts writes a few records, not the whole mirror.  A
 * record of the delta is found first; a record of the base is served
 * unless the delta's "over" table names it.  A run that writes a base
 * writes an empty delta for it, so that readers always have one mapped
 * and learn of a new one from its RECYCLED status word.  A delta whose
 * base generation is not its base's is not applied: the base it goes with
 * is on its way, or gone.
 *
 * All numbers are in host byte order: a mirror is read on the host that
 * wrote it.  Offsets are from the start of the file; every string is
 * NUL-terminated inside the string area.  The reader checks all of this
 * once when it maps a file, so a lookup can trust what it reads.
 */
#ifndef LDAPSYNC_MIRROR_FORMAT_H
#define LDAPSYNC_MIRROR_FORMAT_H

#include <stdint.h>

#define MIRROR_MAGIC		"LDSMIRR"	/* 8 bytes with its NUL */
#define MIRROR_VERSION		1
#define MIRROR_ALIVE		0x414c4956u	/* "ALIV" */
#define MIRROR_RECYCLED		0x52435943u	/* "RCYC" */
#define MIRROR_NONE		0xffffffffu	/* empty hash slot */

enum mirror_kind { MIRROR_PASSWD_GROUP = 1, MIRROR_SHADOW = 2 };
#define MIRROR_DELTA		0x100u	/* added to the kind of a delta */

/* A table: count entries of a fixed size at an offset. */
struct mirror_table {
	uint32_t	off;
	uint32_t	count;
};

struct mirror_header {
	char		magic[8];
	uint32_t	version;
	uint32_t	header_size;	/* sizeof(struct mirror_header) */
	uint64_t	file_size;
	uint32_t	status;		/* MIRROR_ALIVE or MIRROR_RECYCLED */
	uint32_t	kind;		/* enum mirror_kind */
	uint64_t	generation;	/* time of writing, in nanoseconds */
	struct mirror_table strings;	/* bytes */
	/* passwd+group file */
	struct mirror_table users;	/* struct mirror_user, file order */
	struct mirror_table user_names;	/* uint32 hash slots (power of 2) */
	struct mirror_table user_ids;	/* struct mirror_id, by id */
	struct mirror_table groups;	/* struct mirror_group */
	struct mirror_table group_names;
	struct mirror_table group_ids;
	struct mirror_table members;	/* uint32 string offsets */
	struct mirror_table memberships; /* struct mirror_membership, by name */
	/* shadow file */
	struct mirror_table shadows;	/* struct mirror_shadow */
	struct mirror_table shadow_names;
	/* Bytes of strings no record refers to: 0 since deltas. */
	uint32_t	stale;
	/*
	 * A delta's: the generation of its base (low word, high word), and
	 * the base records it replaces or removes (struct mirror_over), users
	 * then groups, or shadows in the first.
	 */
	uint32_t	base_generation[2];
	struct mirror_table over[2];
	uint32_t	reserved[1];
};

/*
 * A base record (its index) that a delta replaces or removes, by base
 * index.  The records that replace come first in the delta, in the order
 * of their over entries; those after them follow the base's records.
 */
struct mirror_over {
	uint32_t	base;
	uint32_t	index;		/* into the delta; MIRROR_NONE: removed */
};

struct mirror_user {
	uint32_t	name, passwd, gecos, dir, shell;	/* string offsets */
	uint32_t	uid, gid;
	uint32_t	flags;				/* MIRROR_SUSPENDED */
};

#define MIRROR_SUSPENDED	1u

struct mirror_group {
	uint32_t	name, passwd;
	uint32_t	gid;
	uint32_t	first_member;	/* index into members */
	uint32_t	nmembers;
};

struct mirror_id {
	uint32_t	id;
	uint32_t	index;		/* into users or groups */
};

/* A user name and a group it belongs to, sorted by name, then gid. */
struct mirror_membership {
	uint32_t	name;		/* string offset */
	uint32_t	gid;
};

struct mirror_shadow {
	uint32_t	name, passwd;
	int64_t		lastchg, min, max, warn, inact, expire;	/* -1: empty */
	uint64_t	flag;
};

/* FNV-1a, as the writer hashes names into the slot tables. */
static inline uint32_t
mirror_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h;
}

#endif
