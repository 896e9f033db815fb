/*
 * The shadow-utils locks: lckpwdf() (for a --root tree, the same fcntl
 * lock on ROOT/etc/.pwd.lock), then commonio's FILE.lock link locks on
 * passwd, group, gshadow and shadow in that order, so that useradd,
 * passwd, vipw and ldapsync exclude one another.
 */
#ifndef LDAPSYNC_LOCK_H
#define LDAPSYNC_LOCK_H

struct locks;

/* root "/" uses lckpwdf() itself.  NULL after a message. */
struct locks	*locks_take(const char *root);
void		 locks_release(struct locks *);

/*
 * Removes the pid files (etc/FILE.PID) that dead processes left while
 * taking a lock (a live process's are never touched).
 */
void		 locks_sweep(const char *root);

/*
 * commonio's per-file lock alone; exposed for tests.  1 taken, 0 held
 * by another, -1 with errno when the pid file cannot be made (no space,
 * no inodes).
 */
int		 lock_file(const char *path);
void		 unlock_file(const char *path);

#endif
