/*
 * The directory: a bound connection to one server, and paged searches
 * that hand each entry to a callback as it arrives.  TLS settings are
 * made on each connection, never process-wide.
 */
#ifndef LDAPSYNC_DIRECTORY_H
#define LDAPSYNC_DIRECTORY_H

#include <ldap.h>
#include <stdbool.h>

#include "conf.h"
#include "entry.h"

struct dir;

/*
 * Before the first dir_open(): unless binds use GSSAPI, the one mechanism
 * that is a plugin, Cyrus SASL looks for its plugins in dir (the state
 * directory, root's, which holds none) rather than loading every one
 * installed.  Nothing when dir is not a directory.
 */
void		 dir_sasl_plugins(const struct conf *, const char *dir);
/* Connects and binds to one server; NULL with *why (to free) set. */
struct dir	*dir_open(const struct conf *, const char *uri, char **why);
void		 dir_close(struct dir *);
/* The URI of the server in use, as configured. */
const char	*dir_uri(const struct dir *);
/* The libldap handle, for RFC 4533 persistent searches (watch.c). */
LDAP		*dir_ld(const struct dir *);
/*
 * Starts a refreshAndPersist search (ldap_sync_init) with the watchdog
 * on: a server silent for op_timeout during the refresh phase fails it
 * (LDAP_TIMEOUT) rather than holding the caller, whose callbacks call
 * dir_alive() for each message.  An LDAP result code.
 */
int		 dir_persist_start(struct dir *, ldap_sync_t *);
void		 dir_alive(struct dir *);

/* Nonzero from the callback stops the search and is returned. */
typedef int	 dir_entry_fn(const struct entry *, void *);

/*
 * A paged search (page_size 0: unpaged).  Returns 0 when the search
 * completed, -1 with *why (to free) set when it failed in any way,
 * including a size or time limit: a partial answer is never a success.
 * The socket is read a large block at a time meanwhile.
 */
int	 dir_search(struct dir *, const char *base, int scope,
	    const char *filter, char **attrs, dir_entry_fn *, void *,
	    char **why);
/* Whether the server offers the RFC 4533 Sync control. */
bool	 dir_has_sync(struct dir *);
/*
 * Where an Active Directory DC stands, for incremental runs without RFC
 * 4533: *dc (to free) names the DC and its database ("dnsHostName/
 * invocationId"), *usn is its highestCommittedUSN.  false when the server
 * says neither (it is no AD DC).
 */
bool	 dir_ad_position(struct dir *, char **dc, unsigned long long *usn);

/* What an RFC 4533 refresh reports. */
enum sync_state { SYNC_PRESENT, SYNC_ADD, SYNC_MODIFY, SYNC_DELETE };

struct dir_sync {
	/* e is NULL for SYNC_PRESENT and SYNC_DELETE. */
	int		(*entry)(void *, const char *uuid, const struct entry *e,
			    enum sync_state);
	void		*arg;
	bool		 refresh_deletes;	/* set at the end */
};

/*
 * A refreshOnly search (RFC 4533) from *cookie (NULL: from nothing);
 * *cookie gets the new one.  0; DIR_SYNC_RELOAD when the server wants a
 * full refresh (e-syncRefreshRequired); -1 with *why set on failure.
 */
#define DIR_SYNC_RELOAD	1
int	 dir_sync(struct dir *, const char *base, int scope, const char *filter,
	    char **attrs, char **cookie, struct dir_sync *, char **why);

/*
 * A DN in one form for comparing (RFC 4514 allows many): normalized and
 * case-folded; NULL when it does not parse.  free() it.
 */
char	*dir_dn_fold(const char *dn);

/*
 * Whether the server stopped answering (op_timeout) or the connection
 * is gone: nothing more is to be asked of it.
 */
bool	 dir_lost(struct dir *);

/* RFC 4515 escaping of a value for use inside a filter. */
char	*dir_filter_escape(const char *);

#endif
