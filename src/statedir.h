/*
 * The state directory (state_dir under the root) and the names of the
 * files in it: the one place that knows its layout.  It is root's alone:
 * a directory that another user could plant links or files in is
 * refused before anything is read from or written to it.
 */
#ifndef LDAPSYNC_STATEDIR_H
#define LDAPSYNC_STATEDIR_H

#include <stdbool.h>

#include "conf.h"

#define SD_STATE	"state"		/* what ldapsync manages */
#define SD_MIRROR	"mirror"	/* the NSS module's passwd and group */
#define SD_MIRROR_SHADOW "mirror.shadow" /* and its shadow, root only */
/* Their deltas (nss/mirror-format.h). */
#define SD_MIRROR_DELTA	"mirror.delta"
#define SD_MIRROR_SHADOW_DELTA "mirror.shadow.delta"
/* The mirror as the last run that wrote the files left it (hard links). */
#define SD_MIRROR_BASE	"mirror.base"
#define SD_MIRROR_SHADOW_BASE "mirror.shadow.base"
#define SD_MIRROR_DELTA_BASE "mirror.delta.base"
#define SD_MIRROR_SHADOW_DELTA_BASE "mirror.shadow.delta.base"
#define SD_CACHE	"directory"	/* the directory cache's image */
#define SD_CACHE_LOG	"directory.log"	/* and its log */
#define SD_STAMP	"stamp"		/* stamp.h */
#define SD_LAST_RUN	"last-run"	/* status.h */
#define SD_SERVER	"server"	/* the pool's last server */
#define SD_KEYS		"keys"		/* sshkeys.h, readable by all */
#define SD_COMMIT	"commit"	/* an interrupted commit (txn.h) */
/*
 * With "files no", the accounts' lines the files would hold, in files
 * named SD_LINES + passwd, shadow, group or gshadow (root's only).
 */
#define SD_LINES	"lines."

/* root joined with an absolute path, without a doubled slash. */
char	*root_path(const char *root, const char *path);
/* The file name in the state directory, under root. */
char	*state_file(const struct conf *, const char *root, const char *name);
/* The state directory itself, under root. */
char	*state_dir(const struct conf *, const char *root);
/*
 * Makes the state directory (0755) when missing and create is set, and
 * refuses one that is a symbolic link, not root's, or writable by group
 * or others.  0, or -1 after a message.
 */
int	 statedir_prepare(const struct conf *, const char *root, bool create);

#endif
