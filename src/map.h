/*
 * From directory entries to users and groups, refusing whatever could
 * corrupt or subvert the local databases.  Every refusal is a warning that
 * names the DN and the reason.
 */
#ifndef LDAPSYNC_MAP_H
#define LDAPSYNC_MAP_H

#include <stdbool.h>

#include "account.h"
#include "conf.h"
#include "entry.h"
#include "htab.h"

struct mapper;

/* root: the tree whose etc/shells lists the permitted shells. */
struct mapper	*mapper_new(const struct conf *, const char *root);
void		 mapper_free(struct mapper *);
/* Maps without a warning: for a look before the real mapping. */
void		 mapper_quiet(struct mapper *, bool);

/* Map one entry and append it, or warn and record it as seen-but-refused. */
void	 map_user(struct mapper *, const struct entry *, struct users *);
void	 map_group(struct mapper *, const struct entry *, struct groups *);
/* Two entries claiming one name or one id: both go, each with a warning. */
void	 map_dedupe_users(struct users *);
void	 map_dedupe_groups(struct groups *);
/*
 * Users by DN, as sent or folded (dir_dn_fold()); its tables are built
 * on first use: { .users = list }, then map_dnindex_free().
 */
struct dnindex {
	struct htab		*exact, *norm;
	struct strlist		 keys;
	const struct users	*users;
};

/* The name of the user whose DN dn is, or NULL. */
const char *map_dn_lookup(struct dnindex *, const char *dn);
void	 map_dnindex_free(struct dnindex *);
/*
 * Turns member DNs into the names of the users that carry them; a DN
 * that none carries is left unresolved (state.h), keyed by map_dn_key().
 * nesting > 0: a DN of one of the groups is a nested group, whose members
 * join, that many levels deep; a cycle is cut with a warning.
 */
void	 map_members(struct groups *, const struct users *, int nesting);
/*
 * login_groups: the users who are members of none of them (directly,
 * through nested groups, or by primary gid) leave the set, as if the
 * directory did not hold them.  After map_members().
 */
void	 map_login_groups(const struct conf *, struct users *,
	    const struct groups *);
/* "dn:" and the DN as DNs compare (normalized, case folded); to free. */
char	*map_dn_key(const char *dn);

/* A user or group name the databases can hold safely. */
bool	 map_valid_name(const struct conf *, const char *, size_t,
	    const char **why);

#endif
