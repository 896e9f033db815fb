#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <krb5.h>

#include "kerberos.h"
#include "util.h"

struct k5 {
	krb5_context	 ctx;
	krb5_keytab	 kt;
	krb5_principal	 me;
	krb5_ccache	 cc;
	krb5_creds	 creds;
	bool		 have_creds;
};

static char *
k5_why(struct k5 *k, const char *what, krb5_error_code rc)
{
	const char *msg = krb5_get_error_message(k->ctx, rc);
	char *why = xasprintf("%s: %s", what, msg);

	krb5_free_error_message(k->ctx, msg);
	return why;
}

/* The keytab's first principal, as kinit -k picks it. */
static krb5_error_code
first_principal(struct k5 *k, krb5_principal *out)
{
	krb5_kt_cursor cur;
	krb5_keytab_entry ent;
	krb5_error_code rc = krb5_kt_start_seq_get(k->ctx, k->kt, &cur);

	if (rc != 0)
		return rc;
	rc = krb5_kt_next_entry(k->ctx, k->kt, &ent, &cur);
	if (rc == 0) {
		rc = krb5_copy_principal(k->ctx, ent.principal, out);
		krb5_free_keytab_entry_contents(k->ctx, &ent);
	}
	krb5_kt_end_seq_get(k->ctx, k->kt, &cur);
	return rc;
}

/* A ticket for the principal (or the keytab's first) from the keytab. */
static int
get_ticket(struct k5 *k, const char *keytab, const char *principal,
    char **why)
{
	krb5_error_code rc;

	if ((rc = krb5_kt_resolve(k->ctx, keytab, &k->kt)) != 0)
		*why = k5_why(k, keytab, rc);
	else if ((rc = principal ? krb5_parse_name(k->ctx, principal, &k->me) :
	    first_principal(k, &k->me)) != 0)
		*why = k5_why(k, principal ? principal : keytab, rc);
	else if ((rc = krb5_get_init_creds_keytab(k->ctx, &k->creds, k->me,
	    k->kt, 0, NULL, NULL)) != 0)
		*why = k5_why(k, "getting a ticket from the keytab", rc);
	else
		k->have_creds = true;
	return rc == 0 ? 0 : -1;
}

/* The ticket into the (memory) credentials cache ccname. */
static int
store_ticket(struct k5 *k, const char *ccname, char **why)
{
	krb5_error_code rc;

	if ((rc = krb5_cc_resolve(k->ctx, ccname, &k->cc)) == 0 &&
	    (rc = krb5_cc_initialize(k->ctx, k->cc, k->me)) == 0)
		rc = krb5_cc_store_cred(k->ctx, k->cc, &k->creds);
	if (rc != 0)
		*why = k5_why(k, "storing the ticket", rc);
	return rc == 0 ? 0 : -1;
}

/* The memory cache and its context: the cache lives while a handle does. */
static krb5_context cache_ctx;
static krb5_ccache cache;

static void
k5_free(struct k5 *k)
{
	if (k->have_creds)
		krb5_free_cred_contents(k->ctx, &k->creds);
	if (k->me != NULL)
		krb5_free_principal(k->ctx, k->me);
	if (k->kt != NULL)
		krb5_kt_close(k->ctx, k->kt);
}

int
kerberos_login(const char *keytab, const char *principal, char **why)
{
	struct k5 k = { 0 };
	char ccname[64];
	krb5_error_code rc;
	int ret;

	if (cache_ctx == NULL && (rc = krb5_init_context(&cache_ctx)) != 0) {
		*why = xasprintf("Kerberos: cannot initialize (error %d)", rc);
		return -1;
	}
	if (cache != NULL) {
		krb5_cc_destroy(cache_ctx, cache);
		cache = NULL;
	}
	k.ctx = cache_ctx;
	snprintf(ccname, sizeof(ccname), "MEMORY:ldapsync.%ld", (long)getpid());
	ret = get_ticket(&k, keytab, principal, why) == 0 &&
	    store_ticket(&k, ccname, why) == 0 ? 0 : -1;
	if (ret == 0 && setenv("KRB5CCNAME", ccname, 1) == -1) {
		*why = xasprintf("KRB5CCNAME: %s", strerror(errno));
		ret = -1;
	}
	if (ret == 0)
		cache = k.cc;
	else if (k.cc != NULL)
		krb5_cc_destroy(k.ctx, k.cc);
	k5_free(&k);
	return ret;
}
