/*
 * The change set of an incremental run: the entries the directory changed
 * since the last run, mapped once, with what their outcome depends on:
 * their accounts in the state, the managed groups that list a user who
 * leaves or changes name, and the lines of the files that hold their
 * names and ids.  plan_make plans that small directory as it would plan
 * the whole one, against the whole one's totals, and the state is
 * spliced (state_splice), so that a run costs what changed, not what the
 * directory holds (but for copying the files' bytes).
 *
 * Member DNs are told from the change set's users, or from the managed
 * user a DN's first RDN names whose cached entry carries it.  A change
 * set that collides with an account outside it, touches what the last
 * run left unresolved (state.h), lists a member DN it cannot tell so, or
 * leaves something unresolved itself is not planned alone: the whole
 * directory is, from the cache.
 */
#ifndef LDAPSYNC_CHANGESET_H
#define LDAPSYNC_CHANGESET_H

#include <stdbool.h>

#include "account.h"
#include "conf.h"
#include "dircache.h"
#include "plan.h"
#include "pwfile.h"
#include "state.h"

enum { CS_PASSWD, CS_SHADOW, CS_GROUP, CS_GSHADOW, CS_FILES };

struct changeset_in {
	const struct conf	*c;
	const char		*root;		/* whose etc/shells applies */
	struct dircache		*cache;		/* after an incremental refresh */
	const char		*state_path;
	const char		*paths[CS_FILES];
};

struct changeset {
	struct users		 users;		/* the changed entries, mapped */
	struct groups		 groups;	/* and the groups they touch */
	struct state		 old;		/* the accounts they continue */
	struct strlist		 planned;	/* the uuids of those entries */
	struct state_view	 view;		/* the whole state */
	struct plan_totals	 totals;
};

/*
 * Maps the changes and loads what they need: passwd and shadow for the
 * names concerned (pwfile_load_some), group and gshadow whole, into f.
 * false, after a verbose line saying why, when the whole directory must
 * be planned: then cs and f are left empty.
 */
bool	 changeset_load(struct changeset *, const struct changeset_in *,
	    struct pwfile f[CS_FILES]);
/* The plan of the change set, against the whole directory's totals. */
void	 changeset_plan(struct changeset *, const struct conf *,
	    const struct pwfile f[CS_FILES], struct plan *);
/*
 * The next state: the old one with the plan's records spliced in; false,
 * out left empty, when it would read as the old one (view).
 */
bool	 changeset_state(const struct changeset *, const struct plan *,
	    struct buf *out);
void	 changeset_free(struct changeset *);

#endif
