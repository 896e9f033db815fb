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
	struct htab	*users_by_name, *users_by_uuid;
	struct htab	*groups_by_name, *groups_by_uuid;
};

void	 state_init(struct state *);
/* A missing file is an empty state.  0, or -1 after a message. */
int	 state_load(struct state *, const char *path);
int	 state_parse(struct state *, const char *name, const char *text);
/* Only the users with these uuids: 0, or -1. */
int	 state_load_users(struct state *, const char *path,
	    const struct strlist *uuids);
void	 state_add(struct state *, const struct managed *);
void	 state_render(const struct state *, struct buf *);
void	 state_free(struct state *);
/* Indexes the entries by name and uuid once all are added. */
void	 state_index(struct state *);
size_t	 state_count(const struct state *, bool groups, bool suspended_only);
#endif
