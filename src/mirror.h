/*
 * Writing the mirror the NSS module reads (nss/mirror-format.h): the
 * accounts ldapsync manages, taken from the lines a run writes.
 */
#ifndef LDAPSYNC_MIRROR_H
#define LDAPSYNC_MIRROR_H

#include <stdbool.h>

#include "pwfile.h"
#include "state.h"
#include "util.h"

/*
 * Builds both files from the new content of passwd, group and shadow
 * (parsed) and the accounts of the new state.
 */
void	 mirror_build(const struct state *, const struct pwfile *passwd,
	    const struct pwfile *group, const struct pwfile *shadow,
	    struct buf *main, struct buf *shadow_out);

/*
 * Opens the mirror about to be replaced, so that once the new one is in
 * place the old one can be marked RECYCLED for the processes that have
 * it mapped.  -1 when there is none.
 */
int	 mirror_hold(const char *path);
void	 mirror_retire(int fd);
/* Whether the file at path already holds this mirror. */
bool	 mirror_same(const char *path, const struct buf *);

#endif
