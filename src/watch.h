/*
 * ldapsync watch: one long-running process that hears of each change
 * through RFC 4533 refreshAndPersist searches, brings the mirror (and so
 * the NSS module) up to date within a second, and rewrites the files in
 * /etc at most once per files_interval with everything since.
 */
#ifndef LDAPSYNC_WATCH_H
#define LDAPSYNC_WATCH_H

#include "conf.h"
#include "sync.h"

/* Runs until SIGTERM; 0 then, or an exit status from the first run. */
int	 watch_run(struct conf *, const char *config_path,
	    const struct sync_opts *);

#endif
