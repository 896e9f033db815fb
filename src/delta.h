/*
 * The short way for a run that heard of a few changes.  When every entry
 * the directory changed since the last run is a user that run refreshed,
 * still under the same name, uid and DN, and nothing local changed
 * either, a full plan would change those users' lines and nothing else:
 * group members resolve as before, and no name or id moves.  Then only
 * the changed entries are mapped and only those lines planned
 * (plan_updates), and the rest of the directory is not even read.
 */
#ifndef LDAPSYNC_DELTA_H
#define LDAPSYNC_DELTA_H

#include <stdbool.h>

#include "account.h"
#include "conf.h"
#include "dircache.h"
#include "state.h"

/*
 * The changed entries of the cache, mapped into users, with their
 * accounts from the state file into managed; false, after a verbose line
 * saying why, when a full plan is needed.
 */
bool	 delta_users(const struct conf *, const char *root,
	    struct dircache *, const char *state_path, struct users *,
	    struct state *managed);

#endif
