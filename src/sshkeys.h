/*
 * The SSH keys map (SD_KEYS in the state directory): the public keys of
 * every active account, as "NAME:KEY" lines sorted by name, each key as
 * the directory holds it, options included.  Readable by all (public keys
 * are not secret), so that sshd's AuthorizedKeysCommand can run as nobody
 * and answer from it alone: no network, no configuration.
 */
#ifndef LDAPSYNC_SSHKEYS_H
#define LDAPSYNC_SSHKEYS_H

#include <stdio.h>

#include "util.h"

/*
 * The map after a run: old (NULL: none) without the lines of the names in
 * drop, with the lines of add ("NAME:KEY"), sorted by name (a name's keys
 * in the order they came).
 */
void	 sshkeys_edit(const char *old, size_t len, const struct strlist *drop,
	    const struct strlist *add, struct buf *out);
/*
 * Prints the keys of exactly this name, one per line.  0, also for a name
 * without keys or a missing map; -1 after a message when the map cannot
 * be read.
 */
int	 sshkeys_print(const char *path, const char *name, FILE *out);

#endif
