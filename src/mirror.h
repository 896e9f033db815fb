/*
 * Writing the mirror the NSS module reads (nss/mirror-format.h): the
 * accounts ldapsync manages, taken from the lines a run writes.
 */
#ifndef LDAPSYNC_MIRROR_H
#define LDAPSYNC_MIRROR_H

#include <stdbool.h>

#include "state.h"
#include "util.h"

/*
 * Builds both files from the new content of passwd, group and shadow and
 * the accounts of the new state (v, n).
 */
void	 mirror_build(const struct managed *v, size_t n,
	    const struct buf *passwd,
	    const struct buf *group, const struct buf *shadow,
	    struct buf *main, struct buf *shadow_out);

/*
 * The mirror at path (and shadow_path) with the lines of some users
 * replaced, for a run that changes nothing else: the same names, ids and
 * suspension.  New strings are appended and the old ones left stale.
 * -1 when it cannot be patched (missing, another version, a user not in
 * it, half stale already): then it is built anew.  A file whose records
 * already read so is left out (its buffer stays empty).
 */
int	 mirror_patch(const char *path, const char *shadow_path,
	    const struct strlist *passwd, const struct strlist *shadow,
	    struct buf *main, struct buf *shadow_out);

/*
 * Opens the mirror about to be replaced, so that once the new one is in
 * place the old one can be marked RECYCLED for the processes that have
 * it mapped.  -1 when there is none.
 */
int	 mirror_hold(const char *path);
void	 mirror_retire(int fd);
/* Retires both held mirrors if they were replaced, else just closes them. */
void	 mirror_release(int held[2], bool replaced);
/* Whether a current mirror of this version is at path (its header only). */
bool	 mirror_present(const char *path);
/* Whether the file at path already holds this mirror. */
bool	 mirror_same(const char *path, const struct buf *);

#endif
