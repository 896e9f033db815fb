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
 * Builds both files from the new content of passwd, group and shadow and
 * the accounts of the new state (v, n).
 */
void	 mirror_build(const struct managed *v, size_t n,
	    const struct buf *passwd,
	    const struct buf *group, const struct buf *shadow,
	    struct buf *main, struct buf *shadow_out);

/* What a change set's plan does to the files, for the mirror to follow. */
struct mirror_edit {
	const struct pwedit	*passwd, *shadow, *group;
	const struct state	*next;	/* its accounts, indexed: suspension */
	bool			 both;	/* write both files, edited or not */
};

/*
 * What a change set's plan does to the mirror, written as deltas
 * (nss/mirror-format.h): paths are the base of passwd and group, that of
 * shadow, and the delta beside each.  Each delta is the one there (none
 * is an empty one) with the records of the lines the change set replaces
 * or drops edited, those it appends added and the member names it strips
 * left out.  A file the change set does not touch is left out (its buffer
 * stays empty).  -1 when one cannot be edited (a base missing or of
 * another version, a delta of another base, one grown past an eighth of
 * its base): then both are built anew.
 */
int	 mirror_edit(const char *const paths[4], const struct mirror_edit *,
	    struct buf *main, struct buf *shadow_out);
/* The empty delta of a base mirror (its content). */
void	 mirror_empty_delta(const struct buf *base, struct buf *out);

/*
 * A hard link of the mirror at path, as keep (replacing it): the mirror
 * as the files' last rewrite left it, for watch's runs to edit while the
 * mirror itself runs ahead of the files.  On failure there is none.
 */
void	 mirror_keep(const char *path, const char *keep);

/*
 * Opens the mirror about to be replaced, so that once the new one is in
 * place the old one can be marked RECYCLED for the processes that have
 * it mapped.  -1 when there is none.
 */
int	 mirror_hold(const char *path);
void	 mirror_retire(int fd);
/*
 * Retires the held files of the mirror (bases first) if they were
 * replaced, else just closes them.
 */
void	 mirror_release(int held[4], bool replaced);
/* Whether a current mirror of this version is at path (its header only). */
bool	 mirror_present(const char *path);
/*
 * Whether the file at path already holds this mirror file, but for the
 * time it was written; if so, the buffer takes that time (a delta names
 * its base by it).
 */
bool	 mirror_same(const char *path, struct buf *);

#endif
