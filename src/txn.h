/*
 * Replacing several files so that a failure leaves all of them as they
 * were: every new content is written to a temporary file in the target's
 * directory and synced first; only then are they renamed into place, as
 * shadow-utils' commonio does, with its "FILE-" backups.
 */
#ifndef LDAPSYNC_TXN_H
#define LDAPSYNC_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct txn;

struct txn	*txn_new(void);
/*
 * TXN_KEEP: an existing file keeps its mode and owner; TXN_BACKUP: and
 * its old content as "path-"; TXN_NOSYNC: no fsync, for a file whose
 * loss after a crash only costs work (the rename stays atomic).
 */
enum { TXN_KEEP = 1, TXN_BACKUP = 2, TXN_NOSYNC = 4 };

/*
 * Stages new content for path with mode and owner (see TXN_KEEP).
 * 0, or -1 after a message.
 */
int	 txn_stage(struct txn *, const char *path, const void *data,
	    size_t len, mode_t mode, uid_t uid, gid_t gid, int flags);
/* Renames everything staged into place.  0, or -1 after a message. */
int	 txn_commit(struct txn *);
/* Removes whatever was staged and not committed; frees. */
void	 txn_free(struct txn *);

/* Writes one file atomically (temporary file, fsync, rename). */
int	 write_atomic(const char *path, const void *data, size_t len,
	    mode_t mode);

#endif
