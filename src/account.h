/* Users and groups as ldapsync carries them from the directory to files. */
#ifndef LDAPSYNC_ACCOUNT_H
#define LDAPSYNC_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

enum { SP_LASTCHG, SP_MIN, SP_MAX, SP_WARN, SP_INACT, SP_EXPIRE, SP_COUNT };

struct user {
	char		*name;
	uint32_t	 uid, gid;
	char		*gecos, *home, *shell;
	char		*passwd;		/* the shadow password field */
	long		 sp[SP_COUNT];		/* -1: empty field */
	char		*uuid;			/* NULL when the server has none */
	char		*dn;
	struct strlist	 keys;			/* SSH public keys, verbatim */
	bool		 disabled;	/* written suspended: account_state */
};

struct group {
	char		*name;
	uint32_t	 gid;
	struct strlist	 members;		/* names */
	struct strlist	 member_dns;		/* resolved by map_members */
	char		*uuid;
	char		*dn;
};

struct users {
	struct user	*v;
	size_t		 n;
	/* Entries fetched but refused: names and uuids still in the directory. */
	struct strlist	 seen;
	/* What refused or dropped entries leave unresolved (state.h). */
	struct strlist	 unresolved;
};

struct groups {
	struct group	*v;
	size_t		 n;
	struct strlist	 seen;
	struct strlist	 unresolved;
};

void	user_free(struct user *);
void	group_free(struct group *);
void	user_copy(struct user *dst, const struct user *src);
struct user *users_add(struct users *);
struct group *groups_add(struct groups *);
void	users_free(struct users *);
void	groups_free(struct groups *);

#endif
