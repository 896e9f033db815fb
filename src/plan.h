/*
 * Planning: what the directory says against what ldapsync manages and what
 * the local files hold, giving the new ownership state, the edits to each
 * file and one line per change.  Nothing here touches a file.
 */
#ifndef LDAPSYNC_PLAN_H
#define LDAPSYNC_PLAN_H

#include <stdbool.h>

#include "account.h"
#include "conf.h"
#include "pwfile.h"
#include "state.h"

/* What the guard weighs removals against: what was managed before. */
struct plan_totals {
	size_t	 users, groups, members;
};

struct plan_input {
	const struct conf	*c;
	const struct users	*users;		/* mapped and deduplicated */
	const struct groups	*groups;
	const struct state	*old;
	const struct pwfile	*passwd, *shadow, *group, *gshadow;
	/*
	 * A change set (changeset.h) plans part of the accounts, against
	 * these totals; NULL: old holds every account, and the files every
	 * line, so the plan counts them itself.
	 */
	const struct plan_totals *totals;
	/*
	 * Nobody will see the change lines (log_changes_shown()): none are
	 * written, 110,000 of them on a first sync.
	 */
	bool			 unlisted;
};

enum { N_ADDED, N_UPDATED, N_SUSPENDED, N_DELETED, N_COUNT };

struct plan_home {
	char		*path;
	uint32_t	 uid, gid;
};

struct plan {
	struct state	 next;		/* not indexed: state_index() to look up */
	struct pwedit	 passwd, shadow, group, gshadow;
	struct strlist	 changes;	/* "+ user alice uid=10001", ... */
	/* The SSH keys map's edit (sshkeys.h): names whose lines go, lines. */
	struct strlist	 keys_drop, keys;
	/* create_home: the accounts planned, to have their homes made. */
	struct plan_home *homes;
	size_t		 nhomes;
	unsigned	 users[N_COUNT], groups[N_COUNT];
	/*
	 * What the guard weighs besides suspensions and deletions: accounts
	 * managed until now that this run skips for bad data, and member
	 * names leaving managed groups, against how many there were.
	 */
	unsigned	 users_skipped, groups_skipped, members_dropped;
	struct plan_totals before;
	bool		 guard_users, guard_groups, guard_members;
};

void	 plan_make(const struct plan_input *, struct plan *);
void	 plan_free(struct plan *);
/* The edits go once the files are rendered: a whole directory's are big. */
void	 plan_drop_edits(struct plan *);
/* "users: 3 added, ...; groups: ..." */
char	*plan_summary(const struct plan *);

#endif
