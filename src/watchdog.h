/*
 * A watchdog on a socket: once armed, it shuts the socket down (never
 * closes it: the descriptor stays its owner's) when a deadline passes
 * without being pushed back, so that whatever waits on it fails as on a
 * lost connection.  A thread of its own does the watching, so the wait it
 * bounds may be inside any library.
 */
#ifndef LDAPSYNC_WATCHDOG_H
#define LDAPSYNC_WATCHDOG_H

#include <stdbool.h>

struct watchdog;

struct watchdog	*watchdog_new(void);
void		 watchdog_free(struct watchdog *);
/* Watches fd from now on: seconds from now, then from each pet. */
void		 watchdog_arm(struct watchdog *, int fd, int seconds);
/* Something came: the deadline moves to seconds from now. */
void		 watchdog_pet(struct watchdog *, int seconds);
/* Stops watching; whether it ever shut the socket down. */
bool		 watchdog_disarm(struct watchdog *);

#endif
