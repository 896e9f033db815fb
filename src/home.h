/*
 * Home directories, made as useradd -m makes them: a copy of the skeleton
 * directory, owned by the user and primary group, with login.defs' mode.
 * An existing path is never touched, and a home is never removed.  Every
 * directory on the way is opened without following a symbolic link, from
 * the root down, so nothing is ever written outside the root, nor through
 * a link someone planted.
 */
#ifndef LDAPSYNC_HOME_H
#define LDAPSYNC_HOME_H

#include <stdbool.h>
#include <sys/types.h>

/* login.defs (under root): HOME_MODE, else 0777 less UMASK (022). */
mode_t	 home_mode(const char *root);
/*
 * Makes home (absolute, under root) from skel (absolute, under root; a
 * missing skeleton makes an empty home).  1 made, 0 there already, -1
 * refused or failed, after a warning naming it.
 */
int	 home_make(const char *root, const char *home, const char *skel,
	    uid_t, gid_t, mode_t);

#endif
