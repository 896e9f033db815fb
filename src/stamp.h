/*
 * The stamp of a run: what its result depended on besides the
 * directory, so that a later run that hears of no change in the
 * directory can tell that nothing else changed either and stop early.
 * It is the configuration file's content and the identity (device,
 * inode, size, modification time) of every local file a run reads or
 * writes; kept in STATE_DIR/stamp.
 */
#ifndef LDAPSYNC_STAMP_H
#define LDAPSYNC_STAMP_H

#include <stdbool.h>

#include "conf.h"

/* Whether the stamp on disk is that of the files as they are now. */
bool	 stamp_matches(const struct conf *, const char *root);
/* The same but for the mirror, which watch keeps ahead of the files. */
bool	 stamp_matches_files(const struct conf *, const char *root);
/*
 * Whether path is the very file (device and inode) the stamp recorded
 * for the state directory's file name: a hard link kept of it.
 */
bool	 stamp_recorded(const struct conf *, const char *root,
	    const char *name, const char *path);
/* Records the stamp of the files as they are now (after a run). */
void	 stamp_write(const struct conf *, const char *root);
/* Removes it, for a run that changes what it describes. */
void	 stamp_remove(const struct conf *, const char *root);

#endif
