/*
 * Replacing several files as one unit.  Every new content is written to a
 * temporary file in the target's directory and synced first; then an
 * intent record (the journal, in the state directory) names every rename
 * and removal to come, and only then are they made, as shadow-utils'
 * commonio does, with its "FILE-" backups.  A run killed at any instant
 * leaves either no journal (nothing happened) or a journal that
 * txn_recover() carries out to the end, so the files change together.
 *
 * Temporary files are named PATH.ldapsync.PID.XXXXXX and created
 * exclusively (never through a link); txn_sweep() removes those of dead
 * processes.
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
 * loss in a power failure only costs work (it checks itself when read).
 */
enum { TXN_KEEP = 1, TXN_BACKUP = 2, TXN_NOSYNC = 4 };

/*
 * Stages new content for path with mode and owner (see TXN_KEEP).
 * 0, or -1 after a message.
 */
int	 txn_stage(struct txn *, const char *path, const void *data,
	    size_t len, mode_t mode, uid_t uid, gid_t gid, int flags);
/*
 * A temporary file for path that the caller fills (a full refresh's
 * directory cache, written as it arrives): named as the txn names its
 * own, so that a dead run's is swept, mode 0600.  The fd, or -1 after a
 * message; *tmp gets the name, which txn_stage_temp() hands over (the
 * file complete) or the caller unlinks.
 */
int	 txn_temp(const char *path, char **tmp);
void	 txn_stage_temp(struct txn *, const char *path, char *tmp);
/* Stages the removal of path (absent already is fine). */
void	 txn_stage_unlink(struct txn *, const char *path);
/* Whether anything is staged. */
bool	 txn_empty(const struct txn *);
/*
 * Makes everything staged take effect: with a journal path, through the
 * journal (see above); with NULL, file by file.  0, or -1 after a
 * message (then the journal, if written, is left for txn_recover()).
 */
int	 txn_commit(struct txn *, const char *journal);
/* Removes whatever was staged and not committed; frees. */
void	 txn_free(struct txn *);

/*
 * Completes the commit an interrupted run left in journal, if any, and
 * removes the journal.  1 when there was one, 0 when not, -1 after a
 * message (the journal stays).  The caller holds the files' locks.
 */
int	 txn_recover(const char *journal);
/* Removes the temporary files dead processes left in dir. */
void	 txn_sweep(const char *dir);
/* Whether dead processes left any in dir (to sweep under the locks). */
bool	 txn_left(const char *dir);
/*
 * A commit's rename that would free a file of megabytes keeps it linked
 * as NAME.ldapsync-gone.PID.N instead, so as not to wait for its blocks
 * to be freed: beside the journal (on another file system, not at all),
 * or without one beside the file.  txn_release_start() removes those in
 * the directories given from another thread (their freeing overlaps the
 * work of the run that starts it); txn_release_wait() waits for it, and
 * frees.
 */
struct txn_release;
struct txn_release *txn_release_start(const char *const dirs[], size_t n);
void	 txn_release_wait(struct txn_release *);

/* Writes one file atomically (temporary file, fsync, rename). */
int	 write_atomic(const char *path, const void *data, size_t len,
	    mode_t mode);
/*
 * The same without fsync, for a file whose loss in a power failure only
 * costs the next run time (on ext4 an fsync also writes out every file
 * written since, the mirror's megabytes among them).
 */
int	 write_quick(const char *path, const void *data, size_t len,
	    mode_t mode);

#endif
