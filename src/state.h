/*
 * What ldapsync manages: one record per user and group it created, keyed
 * by the directory's entryUUID (objectGUID on AD) and by local name.  It
 * lives in STATE_DIR/state and is replaced together with the files.
 */
#ifndef LDAPSYNC_STATE_H
#define LDAPSYNC_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "htab.h"
#include "util.h"

struct managed {
	char		*name;
	uint32_t	 id;
	char		*uuid;		/* NULL when the server gave none */
	bool		 suspended;	/* users only */
	/* Users only: kept as it was, not refreshed from an entry last run. */
	bool		 kept;
	bool		 is_group;
};

struct state {
	struct managed	*v;
	size_t		 n;
	/*
	 * The accounts' lines are not in the files ("files no"): the state
	 * directory keeps them (statedir.h's SD_LINES).
	 */
	bool		 files_absent;
	/*
	 * What the plan that wrote it left unresolved, as "OWNER KEY"
	 * pairs of hashes ("x OWNER KEY" lines, sorted), each owned by a
	 * directory entry (its uuid, or its DN): for an entry refused or
	 * skipped, its name, uuid and "#ID"; for a group, the member names
	 * that were no account, and "@dn" when it lists members by DN.  A
	 * change set replaces the pairs of the entries it plans, and one
	 * that touches a key another entry owns is not planned alone.
	 */
	struct strlist	 unresolved;
	struct htab	*users_by_name, *users_by_uuid;
	struct htab	*groups_by_name, *groups_by_uuid;
};

void	 state_init(struct state *);
/* A missing file is an empty state.  0, or -1 after a message. */
int	 state_load(struct state *, const char *path);
int	 state_parse(struct state *, const char *name, const char *text);
void	 state_add(struct state *, const struct managed *);
void	 state_render(const struct state *, struct buf *);
void	 state_free(struct state *);
/* Indexes the entries by name and uuid once all are added. */
void	 state_index(struct state *);
size_t	 state_count(const struct state *, bool groups, bool suspended_only);

/*
 * Per kind, the accounts refreshed from the directory by name, then the
 * others in the order they were added: the layout a state is written
 * in, whatever order the directory's entries came in (from the server,
 * or from the directory cache), and which state_splice() keeps.
 */
void	 state_order(struct state *);

/* Unresolved pairs: added as they come, sorted and made unique once. */
void	 state_unresolved_add(struct strlist *, const char *owner,
	    const char *key);
void	 state_unresolved_sort(struct strlist *);
/* The hash a pair holds of s (owner or key), for the tables below. */
void	 state_unresolved_hash(const char *s, char out[17]);
/* Whether a pair's owner, or its key, is in a table of hashes. */
bool	 state_unresolved_owner(const char *pair, const struct htab *owners);
bool	 state_unresolved_key(const char *pair, const struct htab *keys);

/*
 * A state file as a change set reads it: its records in file order,
 * pointing into its text, looked up by scanning (a change set asks a few
 * questions), never indexed.
 */
struct state_view {
	char		*text;
	struct managed	*v;
	size_t		 n;
	/*
	 * The file as read, and where each record's line lies in it: a
	 * splice copies runs of the lines it keeps as they are.  len is 0
	 * for a line that is not exactly what the record renders to.
	 */
	const char	*raw;
	size_t		 size;		/* of raw */
	bool		 mapped;	/* raw maps the file (else malloc'd) */
	struct view_line { size_t at, len; } *lines;
	bool		 files_absent;
	struct strlist	 unresolved;
	/*
	 * Laid out as plan_make writes a state: per kind, the accounts
	 * refreshed from the directory by name, then the others (kept,
	 * suspended) in the order they had.
	 */
	bool		 laid_out;
};

/* 0, or -1 after a message (a missing file too). */
int	 state_view_load(struct state_view *, const char *path);
int	 state_view_parse(struct state_view *, const char *name,
	    const char *text);
void	 state_view_free(struct state_view *);
/*
 * The next state of a run that planned part of the accounts: the view's
 * records less those of gone (by kind and name), with part's records
 * where plan_make would have put them had it planned them all; the
 * view's unresolved pairs less those of the owners planned (a table of
 * their hashes), with part's.  The view must be laid_out.
 */
void	 state_splice(const struct state_view *, const struct state *gone,
	    const struct htab *owners, const struct state *part,
	    struct buf *out);
#endif
