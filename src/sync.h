/* One run: config -> fetch -> map -> plan -> apply. */
#ifndef LDAPSYNC_SYNC_H
#define LDAPSYNC_SYNC_H

#include <stdbool.h>

#include "conf.h"

/* The contract's exit codes. */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_CONFIG = 2, EXIT_GUARD = 3 };

struct sync_opts {
	const char	*root;		/* "/" or the --root tree */
	bool		 dry_run;
	bool		 force;
	bool		 full;
	/*
	 * Update the mirror alone (ldapsync watch, between rewrites of the
	 * files): no file, state, cookie or lock is touched, so the next
	 * full run starts from what the files say and fetches again what
	 * changed since its cookie.
	 */
	bool		 mirror_only;
};

int	 sync_run(struct conf *, const struct sync_opts *);

#endif
