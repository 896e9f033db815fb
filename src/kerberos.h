/*
 * Kerberos credentials for a GSSAPI bind, as SSSD and nslcd get them: a
 * ticket from a keytab into a credentials cache in this process's memory,
 * never on disk and never shared with another run.
 */
#ifndef LDAPSYNC_KERBEROS_H
#define LDAPSYNC_KERBEROS_H

/*
 * Gets a ticket-granting ticket for principal (NULL: the keytab's first)
 * from keytab, and makes its memory cache this process's default (for
 * libsasl2's GSSAPI).  0, or -1 with *why (to free) set.
 */
int	 kerberos_login(const char *keytab, const char *principal, char **why);

#endif
