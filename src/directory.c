#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sasl/sasl.h>
#include <sys/stat.h>

#include "directory.h"
#include "kerberos.h"
#include "ranged.h"
#include "watchdog.h"

/*
 * A server that stops answering must not hold a run: while ldapsync
 * waits on the connection, the watchdog shuts the socket down once
 * op_timeout passes with no message, and the wait fails as a lost
 * connection.  libldap's own refresh (ldap_sync_init) would otherwise
 * poll a silent server for ever, whatever its timeouts say.
 */
struct dir {
	LDAP			*ld;
	struct watchdog		*dog;
	ldap_conncb		 conncb;	/* arms it once TCP is up */
	const struct conf	*c;
	char			*uri;
	/* Reused for every entry, so a search allocates little per entry. */
	struct rawattr	*raw;
	struct entry_attr	*attrs;
	struct bval		*vals;
	size_t			 rawcap, attrcap, valcap;
	char			*entry_why;	/* why an entry was unreadable */
	bool			 silent;	/* the watchdog fired once */
	bool			 reading_ahead;	/* within dir_search() */
};

static int
set_str_opt(LDAP *ld, int opt, const char *v)
{
	return v == NULL ? LDAP_OPT_SUCCESS : ldap_set_option(ld, opt, v);
}

/* TLS settings live on the handle: nothing leaks between pool members. */
static int
set_tls(LDAP *ld, const struct conf *c)
{
	int rc, zero = 0;

	rc = ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &c->tls_reqcert);
	if (rc == LDAP_OPT_SUCCESS)
		rc = set_str_opt(ld, LDAP_OPT_X_TLS_CACERTFILE, c->tls_cacertfile);
	if (rc == LDAP_OPT_SUCCESS)
		rc = set_str_opt(ld, LDAP_OPT_X_TLS_CACERTDIR, c->tls_cacertdir);
	if (rc == LDAP_OPT_SUCCESS)
		rc = set_str_opt(ld, LDAP_OPT_X_TLS_CERTFILE, c->tls_cert);
	if (rc == LDAP_OPT_SUCCESS)
		rc = set_str_opt(ld, LDAP_OPT_X_TLS_KEYFILE, c->tls_key);
	if (rc == LDAP_OPT_SUCCESS)
		rc = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
	return rc;
}

static int
set_options(LDAP *ld, const struct conf *c)
{
	int v3 = LDAP_VERSION3, rc;
	struct timeval net = { c->timeout, 0 }, op = { c->op_timeout, 0 };

	rc = ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	if (rc == LDAP_OPT_SUCCESS)
		rc = ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	if (rc == LDAP_OPT_SUCCESS)
		rc = ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &net);
	if (rc == LDAP_OPT_SUCCESS)
		rc = ldap_set_option(ld, LDAP_OPT_TIMEOUT, &op);
	if (rc == LDAP_OPT_SUCCESS)
		rc = set_tls(ld, c);
	return rc;
}

/*
 * libldap gives the reason a TLS handshake failed ("hostname does not
 * match", "peer cert untrusted or revoked") only to its debug log.  While
 * connecting, the log is on (TRACE) and goes to a function that keeps the
 * first "TLS:" line; the rest of the time only a level nothing is logged
 * at (LDAP_DEBUG_NONE) is on, so a 100,000-entry search formats nothing.
 */
#define TRACE_DEBUG_LEVEL	0x0001		/* LDAP_DEBUG_TRACE */
#define QUIET_DEBUG_LEVEL	0x8000		/* LDAP_DEBUG_NONE */

static char tls_reason[256];

static void
keep_tls_reason(const char *msg)
{
	if (strncmp(msg, "TLS: ", 5) != 0 || tls_reason[0] != '\0')
		return;
	strlcpy(tls_reason, msg, sizeof(tls_reason));
	tls_reason[strcspn(tls_reason, "\n")] = '\0';
}

static void
catch_tls_reasons(bool on)
{
	int level = on ? TRACE_DEBUG_LEVEL : QUIET_DEBUG_LEVEL;

	if (on) {
		tls_reason[0] = '\0';
		ber_set_option(NULL, LBER_OPT_LOG_PRINT_FN,
		    (void *)keep_tls_reason);
	}
	ldap_set_option(NULL, LDAP_OPT_DEBUG_LEVEL, &level);
}

/* The result of the last operation, or why TLS failed when it did. */
static const char *
diag(LDAP *ld, bool tls)
{
	static char msg[512];
	char *d = NULL;
	int rc = LDAP_OTHER;

	ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc);
	ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &d);
	if (tls && tls_reason[0] != '\0')
		snprintf(msg, sizeof(msg), "%s: %s", ldap_err2string(rc),
		    tls_reason);
	else
		snprintf(msg, sizeof(msg), "%s%s%s", ldap_err2string(rc),
		    d && *d ? ": " : "", d && *d ? d : "");
	ldap_memfree(d);
	return msg;
}

/* GSSAPI asks for nothing a keytab does not answer: every prompt empty. */
static int
quiet_interact(LDAP *ld, unsigned flags, void *defaults, void *in)
{
	(void)ld;
	(void)flags;
	(void)defaults;
	for (sasl_interact_t *it = in; it->id != SASL_CB_LIST_END; it++) {
		it->result = "";
		it->len = 0;
	}
	return LDAP_SUCCESS;
}

/* A ticket from the keytab, then SASL GSSAPI with it. */
static int
gssapi_bind(LDAP *ld, const struct conf *c)
{
	char *why = NULL;
	int rc;

	if (kerberos_login(c->krb5_keytab, c->krb5_principal, &why) == -1) {
		rc = LDAP_LOCAL_ERROR;
		ldap_set_option(ld, LDAP_OPT_RESULT_CODE, &rc);
		ldap_set_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, why);
		free(why);
		return rc;
	}
	rc = ldap_set_option(ld, LDAP_OPT_X_SASL_NOCANON,
	    c->sasl_canonicalize ? LDAP_OPT_OFF : LDAP_OPT_ON);
	/* Over TLS, no second security layer: AD refuses one (and needs none). */
	if (rc == LDAP_OPT_SUCCESS && c->ssl != SSL_OFF)
		rc = ldap_set_option(ld, LDAP_OPT_X_SASL_SECPROPS, "maxssf=0");
	if (rc != LDAP_OPT_SUCCESS)
		return rc;
	return ldap_sasl_interactive_bind_s(ld, NULL, "GSSAPI", NULL, NULL,
	    LDAP_SASL_QUIET, quiet_interact, NULL);
}

static int
do_bind(LDAP *ld, const struct conf *c)
{
	struct berval cred = { 0, NULL };
	int rc;

	if (c->sasl_mech != NULL && strcmp(c->sasl_mech, "GSSAPI") == 0)
		return gssapi_bind(ld, c);
	/*
	 * EXTERNAL with an empty initial response (not none), so that the
	 * server completes in one step instead of sending an empty challenge.
	 */
	if (c->sasl_mech != NULL) {
		cred.bv_val = (char *)"";
		return ldap_sasl_bind_s(ld, NULL, c->sasl_mech, &cred, NULL,
		    NULL, NULL);
	}
	if (c->binddn == NULL)
		return LDAP_SUCCESS;	/* anonymous */
	if (c->bindpw != NULL) {
		cred.bv_val = c->bindpw;
		cred.bv_len = strlen(c->bindpw);
	}
	rc = ldap_sasl_bind_s(ld, c->binddn, LDAP_SASL_SIMPLE, &cred, NULL,
	    NULL, NULL);
	return rc;
}

/* --- the watchdog ------------------------------------------------------ */

/* Something came (or a wait begins): op_timeout from now. */
static void
dog_pet(struct dir *d)
{
	watchdog_pet(d->dog, d->c->op_timeout);
}

/* Watches the connection from now on, until dog_rest(). */
static void
dog_watch(struct dir *d)
{
	int fd = -1;

	if (ldap_get_option(d->ld, LDAP_OPT_DESC, &fd) == LDAP_OPT_SUCCESS &&
	    fd >= 0)
		watchdog_arm(d->dog, fd, d->c->op_timeout);
}

/* Stops watching; whether the watchdog cut the connection. */
static bool
dog_rest(struct dir *d)
{
	bool fired = watchdog_disarm(d->dog);

	d->silent = d->silent || fired;
	return fired;
}

/*
 * TCP is up: the TLS handshake of ldaps:// comes next, and libldap may
 * spin on it for ever against a silent server.  It counts as connecting:
 * timeout.
 */
static int
on_connect(LDAP *ld, Sockbuf *sb, LDAPURLDesc *srv, struct sockaddr *addr,
    struct ldap_conncb *ctx)
{
	struct dir *d = ctx->lc_arg;
	ber_socket_t fd;

	(void)ld;
	(void)srv;
	(void)addr;
	if (ber_sockbuf_ctrl(sb, LBER_SB_OPT_GET_FD, &fd) == 1 && fd >= 0)
		watchdog_arm(d->dog, fd, d->c->timeout);
	return 0;
}

static void
on_disconnect(LDAP *ld, Sockbuf *sb, struct ldap_conncb *ctx)
{
	(void)ld;
	(void)sb;
	(void)ctx;
}

/* Why a wait the watchdog cut failed. */
static char *
no_answer(const struct dir *d)
{
	return xasprintf("no answer within op_timeout (%d s)", d->c->op_timeout);
}

/* --- connecting -------------------------------------------------------- */

/* Connects and binds to one server; false with *why set. */
static bool
try_server(struct dir *d, const char *uri, char **why)
{
	const struct conf *c = d->c;
	LDAP *ld = NULL;
	const char *step = "initialize";
	int rc;

	if ((rc = ldap_initialize(&ld, uri)) != LDAP_SUCCESS)
		goto fail;
	d->ld = ld;
	step = "set options";
	d->conncb = (ldap_conncb){ on_connect, on_disconnect, d };
	if ((rc = set_options(ld, c)) != LDAP_OPT_SUCCESS ||
	    (rc = ldap_set_option(ld, LDAP_OPT_CONNECT_CB, &d->conncb)) !=
	    LDAP_OPT_SUCCESS)
		goto fail;
	step = "connect";
	catch_tls_reasons(true);
	rc = ldap_connect(ld);
	/* Connected (and for ldaps://, TLS up) within timeout; now each
	 * answer within op_timeout. */
	if (rc == LDAP_SUCCESS)
		dog_watch(d);
	if (rc == LDAP_SUCCESS && c->ssl == SSL_START_TLS) {
		step = "start TLS";
		rc = ldap_start_tls_s(ld, NULL, NULL);
	}
	catch_tls_reasons(false);
	if (rc == LDAP_SUCCESS) {
		step = "bind";
		rc = do_bind(ld, c);
	}
	if (!dog_rest(d) && rc == LDAP_SUCCESS)
		return true;
fail:
	if (dog_rest(d) && strcmp(step, "connect") == 0)
		*why = xasprintf("connect failed: no answer within timeout "
		    "(%d s)", c->timeout);
	else if (dog_rest(d)) {
		char *silent = no_answer(d);

		*why = xasprintf("%s failed: %s", step, silent);
		free(silent);
	} else
		*why = xasprintf("%s failed: %s", step, ld ? diag(ld,
		    strcmp(step, "bind") != 0) : ldap_err2string(rc));
	return false;
}

/*
 * libldap starts Cyrus SASL, which loads every mechanism plugin installed
 * (GSSAPI and Kerberos with them): some milliseconds of each run.  A
 * path that does not exist would be logged to syslog, hence a directory.
 */
void
dir_sasl_plugins(const struct conf *c, const char *dir)
{
	struct stat st;
	char *path;

	if (c->sasl_mech != NULL && strcmp(c->sasl_mech, "GSSAPI") == 0)
		return;
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
		return;
	path = xstrdup(dir);	/* not const in its prototype; it copies */
	(void)sasl_set_path(SASL_PATH_TYPE_PLUGIN, path);
	free(path);
}

struct dir *
dir_open(const struct conf *c, const char *uri, char **why)
{
	struct dir *d = xcalloc(1, sizeof(*d));

	d->c = c;
	d->uri = xstrdup(uri);
	d->dog = watchdog_new();
	if (!try_server(d, uri, why)) {
		dir_close(d);
		return NULL;
	}
	return d;
}

void
dir_close(struct dir *d)
{
	if (d == NULL)
		return;
	watchdog_free(d->dog);
	if (d->ld != NULL)
		ldap_unbind_ext_s(d->ld, NULL, NULL);
	free(d->uri);
	free(d->entry_why);
	free(d->raw);
	free(d->attrs);
	free(d->vals);
	free(d);
}

const char *
dir_uri(const struct dir *d)
{
	return d->uri;
}

LDAP *
dir_ld(const struct dir *d)
{
	return d->ld;
}

int
dir_persist_start(struct dir *d, ldap_sync_t *ls)
{
	int rc;

	dog_watch(d);
	rc = ldap_sync_init_refresh_and_persist(ls);
	return dog_rest(d) ? LDAP_TIMEOUT : rc;
}

void
dir_alive(struct dir *d)
{
	dog_pet(d);
}

/* --- entries ---------------------------------------------------------- */

struct rawattr {
	char		*name;
	struct berval	*vals;
};

static void
grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return;
	while (*cap < need)
		*cap = *cap ? *cap * 2 : 16;
	*p = xreallocarray(*p, *cap, size);
}

/* Lays the values out as struct bval, once all attributes are read. */
static void
build_entry(struct dir *d, struct entry *e, size_t nraw, size_t nvals)
{
	size_t k = 0;

	grow((void **)&d->attrs, &d->attrcap, nraw, sizeof(*d->attrs));
	grow((void **)&d->vals, &d->valcap, nvals, sizeof(*d->vals));
	e->attrs = d->attrs;
	e->nattrs = nraw;
	for (size_t i = 0; i < nraw; i++) {
		struct berval *bv = d->raw[i].vals;

		e->attrs[i].name = d->raw[i].name;
		e->attrs[i].vals = &d->vals[k];
		e->attrs[i].nvals = 0;
		for (; bv != NULL && bv->bv_val != NULL; bv++) {
			d->vals[k++] = (struct bval){ bv->bv_val, bv->bv_len };
			e->attrs[i].nvals++;
		}
	}
}

static void
free_raw(struct dir *d, size_t nraw)
{
	for (size_t i = 0; i < nraw; i++) {
		free(d->raw[i].name);
		ber_memfree(d->raw[i].vals);
	}
}

/*
 * One entry, scope base, under the watchdog: an LDAP result code, *res to
 * free, *e the entry or NULL.
 */
static int
read_base(struct dir *d, const char *dn, char **attrs, LDAPMessage **res,
    LDAPMessage **e)
{
	struct timeval tv = { d->c->op_timeout, 0 };
	int rc;

	*res = NULL;
	dog_watch(d);
	rc = ldap_search_ext_s(d->ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	    attrs, 0, NULL, NULL, &tv, 1, res);
	dog_rest(d);
	*e = rc == LDAP_SUCCESS ? ldap_first_entry(d->ld, *res) : NULL;
	return rc;
}

/* --- ranged values (ranged.h) ----------------------------------------- */

struct range_ctx {
	struct dir	*d;
	const char	*dn;
	LDAPMessage	*res;		/* the last answer, until the next */
	struct bval	*vals;
	struct berval	**bv;
	char		*name;
};

static void
range_ctx_clear(struct range_ctx *x)
{
	ldap_msgfree(x->res);
	ldap_value_free_len(x->bv);
	ldap_memfree(x->name);
	free(x->vals);
	x->name = NULL;
	x->res = NULL;
	x->bv = NULL;
	x->vals = NULL;
}

/* The same entry again, scope base, for one more range of one attribute. */
static int
range_fetch(void *arg, const char *request, struct range_answer *a,
    char **why)
{
	struct range_ctx *x = arg;
	char *attrs[] = { (char *)request, NULL }, *name;
	BerElement *ber = NULL;
	LDAPMessage *m;
	size_t n;
	int rc;

	range_ctx_clear(x);
	rc = read_base(x->d, x->dn, attrs, &x->res, &m);
	if (rc != LDAP_SUCCESS) {
		*why = xasprintf("%s: %s", request, ldap_err2string(rc));
		return -1;
	}
	*a = (struct range_answer){ 0 };
	if (m == NULL || (name = ldap_first_attribute(x->d->ld, m, &ber)) ==
	    NULL) {
		ber_free(ber, 0);
		return 0;
	}
	x->bv = ldap_get_values_len(x->d->ld, m, name);
	for (n = 0; x->bv != NULL && x->bv[n] != NULL; n++)
		;
	x->vals = xcalloc(n + 1, sizeof(*x->vals));
	for (size_t i = 0; i < n; i++)
		x->vals[i] = (struct bval){ x->bv[i]->bv_val, x->bv[i]->bv_len };
	a->desc = x->name = name;
	a->vals = x->vals;
	a->n = n;
	ber_free(ber, 0);
	return 0;
}

/*
 * A large attribute AD sent as its first range is read to its end before
 * the entry is mapped: store[i] gets attribute i's values.
 */
static int
complete_ranges(struct dir *d, struct entry *e, struct range_values *store)
{
	struct range r;
	char *why = NULL;

	for (size_t i = 0; i < e->nattrs; i++) {
		struct entry_attr *a = &e->attrs[i];
		struct range_ctx x = { d, e->dn, NULL, NULL, NULL, NULL };
		enum range_kind k = range_parse(a->name, &r);
		int rc = 0;

		if (k == RANGE_NONE)
			continue;
		if (k == RANGE_BAD)
			why = xasprintf("%s: a malformed range", a->name);
		else
			rc = range_read(a->name, a->vals, a->nvals, range_fetch,
			    &x, &store[i], &why);
		range_ctx_clear(&x);
		if (k == RANGE_BAD || rc != 0) {
			d->entry_why = xasprintf("%s: %s", e->dn, why);
			free(why);
			return -1;
		}
		((char *)a->name)[r.namelen] = '\0';
		a->vals = store[i].v;
		a->nvals = store[i].n;
	}
	return 0;
}

static bool
has_range(const struct entry *e)
{
	for (size_t i = 0; i < e->nattrs; i++)
		if (strchr(e->attrs[i].name, ';') != NULL)
			return true;
	return false;
}

/* Hands the entry on, read whole. */
static int
hand_on(struct dir *d, struct entry *e, dir_entry_fn *fn, void *arg)
{
	struct range_values *store;
	int rc;

	if (!has_range(e))
		return fn(e, arg);
	store = xcalloc(e->nattrs + 1, sizeof(*store));
	rc = complete_ranges(d, e, store);
	if (rc == 0)
		rc = fn(e, arg);
	for (size_t i = 0; i < e->nattrs; i++)
		range_values_free(&store[i]);
	free(store);
	return rc;
}

/*
 * Reads attributes straight from the message's BER, as ldapsearch does:
 * values stay in the message buffer, NUL-terminated in place by liblber.
 */
static int
deliver(struct dir *d, LDAPMessage *msg, dir_entry_fn *fn, void *arg)
{
	struct entry e = { 0 };
	struct berval dn, name, *vals;
	BerElement *ber = NULL;
	size_t nraw = 0, nvals = 0;
	int rc;

	if (ldap_get_dn_ber(d->ld, msg, &ber, &dn) != LDAP_SUCCESS)
		return -1;
	e.dn = xstrndup(dn.bv_val, dn.bv_len);
	while ((rc = ldap_get_attribute_ber(d->ld, msg, ber, &name, &vals)) ==
	    LDAP_SUCCESS && name.bv_val != NULL) {
		grow((void **)&d->raw, &d->rawcap, nraw + 1, sizeof(*d->raw));
		d->raw[nraw].name = xstrndup(name.bv_val, name.bv_len);
		d->raw[nraw++].vals = vals;
		for (; vals != NULL && vals->bv_val != NULL; vals++)
			nvals++;
	}
	ber_free(ber, 0);
	if (rc == LDAP_SUCCESS) {
		build_entry(d, &e, nraw, nvals);
		rc = hand_on(d, &e, fn, arg);
	} else
		rc = -1;
	free_raw(d, nraw);
	free((char *)e.dn);
	return rc;
}

/* --- searching -------------------------------------------------------- */

struct page {
	struct berval	 cookie;
	bool		 more;
};

static int
send_page(struct dir *d, const char *base, int scope, const char *filter,
    char **attrs, struct page *pg, int *msgid)
{
	LDAPControl *ctrl = NULL, *ctrls[2] = { NULL, NULL };
	int rc;

	if (d->c->page_size > 0) {
		rc = ldap_create_page_control(d->ld, (ber_int_t)d->c->page_size,
		    &pg->cookie, 0, &ctrl);
		if (rc != LDAP_SUCCESS)
			return rc;
		ctrls[0] = ctrl;
	}
	rc = ldap_search_ext(d->ld, base, scope, filter, attrs, 0, ctrls, NULL,
	    NULL, LDAP_NO_LIMIT, msgid);
	ldap_control_free(ctrl);
	return rc;
}

/* Checks the final result and takes the next page's cookie from it. */
static int
end_page(struct dir *d, LDAPMessage *res, struct page *pg, char **why)
{
	LDAPControl **sctrls = NULL, *pctrl;
	char *errmsg = NULL;
	ber_int_t estimate;
	int err = LDAP_OTHER, rc;

	rc = ldap_parse_result(d->ld, res, &err, NULL, &errmsg, NULL, &sctrls, 0);
	if (rc == LDAP_SUCCESS && err != LDAP_SUCCESS)
		rc = err;
	if (rc != LDAP_SUCCESS) {
		*why = xasprintf("%s%s%s", ldap_err2string(rc),
		    errmsg && *errmsg ? ": " : "", errmsg ? errmsg : "");
		goto out;
	}
	ber_memfree(pg->cookie.bv_val);
	pg->cookie = (struct berval){ 0, NULL };
	pctrl = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, sctrls, NULL);
	if (pctrl != NULL)
		rc = ldap_parse_pageresponse_control(d->ld, pctrl, &estimate,
		    &pg->cookie);
	pg->more = rc == LDAP_SUCCESS && pg->cookie.bv_len > 0;
	if (rc != LDAP_SUCCESS)
		*why = xasprintf("bad paged results control: %s",
		    ldap_err2string(rc));
out:
	ldap_memfree(errmsg);
	ldap_controls_free(sctrls);
	return rc;
}

/* Waits for a whole page: its entries and the final result. */
static int
wait_page(struct dir *d, int msgid, LDAPMessage **chain, char **why)
{
	struct timeval tv = { d->c->op_timeout, 0 };
	int rc = ldap_result(d->ld, msgid, LDAP_MSG_ALL, &tv, chain);

	if (rc > 0)
		return 0;
	*why = xstrdup(rc == 0 ? "timed out (op_timeout)" : diag(d->ld, false));
	if (rc == 0)
		ldap_abandon_ext(d->ld, msgid, NULL, NULL);
	return LDAP_OTHER;
}

static int
deliver_page(struct dir *d, LDAPMessage *chain, dir_entry_fn *fn, void *arg,
    char **why)
{
	for (LDAPMessage *m = ldap_first_entry(d->ld, chain); m != NULL;
	    m = ldap_next_entry(d->ld, m))
		if (deliver(d, m, fn, arg) != 0) {
			*why = d->entry_why ? d->entry_why :
			    xstrdup("could not read an entry");
			d->entry_why = NULL;
			return LDAP_OTHER;
		}
	return 0;
}

/*
 * For the length of a paged search, reads take what the socket holds, up
 * to READ_AHEAD bytes, into a buffer the messages are then parsed from:
 * libldap alone makes two read()s and a poll() per message, at 100,000
 * entries more CPU than mapping them.  Never under libldap's RFC 4533
 * calls (ldap_sync_*): given several messages received at once, they
 * handle the first as many times and lose the others.
 */
#define READ_AHEAD	(256 * 1024)

static Sockbuf *
sockbuf(const struct dir *d)
{
	Sockbuf *sb = NULL;

	if (ldap_get_option(d->ld, LDAP_OPT_SOCKBUF, &sb) != LDAP_OPT_SUCCESS)
		return NULL;
	return sb;
}

static void
read_ahead_start(struct dir *d)
{
	Sockbuf *sb = sockbuf(d);
	int size = READ_AHEAD;

	d->reading_ahead = sb != NULL && ber_sockbuf_add_io(sb,
	    &ber_sockbuf_io_readahead, LBER_SBIOD_LEVEL_APPLICATION,
	    &size) == 0;
}

/* false when the buffer still holds something: no search asked for it. */
static bool
read_ahead_stop(struct dir *d)
{
	Sockbuf *sb = sockbuf(d);

	if (!d->reading_ahead)
		return true;
	d->reading_ahead = sb == NULL || ber_sockbuf_remove_io(sb,
	    &ber_sockbuf_io_readahead, LBER_SBIOD_LEVEL_APPLICATION) != 0;
	return !d->reading_ahead;
}

/*
 * Each page is read whole and the next one asked for before this one is
 * mapped, so slapd prepares a page while ldapsync maps the last: on two
 * cores a sync takes little longer than the fetch alone.
 */
int
dir_search(struct dir *d, const char *base, int scope, const char *filter,
    char **attrs, dir_entry_fn *fn, void *arg, char **whyp)
{
	struct page pg = { { 0, NULL }, true };
	LDAPMessage *chain = NULL, *res;
	char *why = NULL;
	int msgid, rc;

	dog_watch(d);
	read_ahead_start(d);
	rc = send_page(d, base, scope, filter, attrs, &pg, &msgid);
	while (rc == 0) {
		if ((rc = wait_page(d, msgid, &chain, &why)) != 0)
			break;
		dog_pet(d);
		res = ldap_first_message(d->ld, chain);
		while (res != NULL && ldap_msgtype(res) != LDAP_RES_SEARCH_RESULT)
			res = ldap_next_message(d->ld, res);
		rc = res ? end_page(d, res, &pg, &why) : LDAP_OTHER;
		if (rc == 0 && pg.more)
			rc = send_page(d, base, scope, filter, attrs, &pg, &msgid);
		if (rc == 0)
			rc = deliver_page(d, chain, fn, arg, &why);
		ldap_msgfree(chain);
		chain = NULL;
		if (!pg.more)
			break;
	}
	if (!read_ahead_stop(d) && rc == 0) {
		why = xstrdup("the server sent more than was asked for");
		rc = LDAP_OTHER;
	}
	if (dog_rest(d) && rc != 0) {
		free(why);
		why = no_answer(d);
	}
	if (rc != 0 && why == NULL)
		why = xstrdup(diag(d->ld, false));
	ber_memfree(pg.cookie.bv_val);
	if (rc != 0)
		*whyp = xasprintf("search of \"%s\" with %s failed: %s", base,
		    filter, why);
	free(why);
	return rc == 0 ? 0 : -1;
}

char *
dir_dn_fold(const char *dn)
{
	char *norm = NULL, *key;

	if (ldap_dn_normalize(dn, LDAP_DN_FORMAT_LDAPV3, &norm,
	    LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		return NULL;
	key = xstrdup(norm);
	ldap_memfree(norm);
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return key;
}

bool
dir_lost(struct dir *d)
{
	int err = LDAP_SUCCESS;

	ldap_get_option(d->ld, LDAP_OPT_RESULT_CODE, &err);
	return d->silent || err == LDAP_SERVER_DOWN || err == LDAP_TIMEOUT ||
	    err == LDAP_CONNECT_ERROR;
}

char *
dir_filter_escape(const char *s)
{
	struct buf b = { 0 };

	for (; *s; s++) {
		if (strchr("*()\\", *s) != NULL)
			buf_printf(&b, "\\%02x", (unsigned char)*s);
		else
			buf_addc(&b, *s);
	}
	return buf_cstr(&b);
}

/* --- RFC 4533 -------------------------------------------------------- */

/* The first value of attr, hex when binary; false when absent or long. */
static bool
first_value(struct dir *d, LDAPMessage *e, const char *attr, bool hex,
    char *out, size_t size)
{
	struct berval **v = ldap_get_values_len(d->ld, e, attr);
	bool ok = v != NULL && v[0] != NULL &&
	    (hex ? v[0]->bv_len * 2 : v[0]->bv_len) < size;

	for (size_t i = 0; ok && i < v[0]->bv_len; i++)
		if (hex)
			snprintf(out + 2 * i, 3, "%02x",
			    (unsigned char)v[0]->bv_val[i]);
	if (ok && !hex) {
		memcpy(out, v[0]->bv_val, v[0]->bv_len);
		out[v[0]->bv_len] = '\0';
	}
	ldap_value_free_len(v);
	return ok;
}

bool
dir_has_sync(struct dir *d)
{
	char *attrs[] = { "supportedControl", NULL };
	LDAPMessage *res, *e;
	struct berval **vals;
	bool found = false;

	read_base(d, "", attrs, &res, &e);
	if (e != NULL &&
	    (vals = ldap_get_values_len(d->ld, e, "supportedControl")) != NULL) {
		for (size_t i = 0; vals[i] != NULL; i++)
			if (strcmp(vals[i]->bv_val, LDAP_CONTROL_SYNC) == 0)
				found = true;
		ldap_value_free_len(vals);
	}
	ldap_msgfree(res);
	return found;
}

bool
dir_ad_position(struct dir *d, char **dc, unsigned long long *usn)
{
	char *root_attrs[] = { "highestCommittedUSN", "dnsHostName",
	    "dsServiceName", NULL };
	char *ntds_attrs[] = { "invocationId", NULL };
	char host[256], service[1024], usn_text[32], inv[64], *end;
	LDAPMessage *res, *e;
	bool ok = read_base(d, "", root_attrs, &res, &e) == LDAP_SUCCESS &&
	    e != NULL &&
	    first_value(d, e, "highestCommittedUSN", false, usn_text, 32) &&
	    first_value(d, e, "dnsHostName", false, host, sizeof(host)) &&
	    first_value(d, e, "dsServiceName", false, service, sizeof(service));

	ldap_msgfree(res);
	if (!ok)
		return false;
	ok = read_base(d, service, ntds_attrs, &res, &e) == LDAP_SUCCESS &&
	    e != NULL && first_value(d, e, "invocationId", true, inv,
	    sizeof(inv));
	ldap_msgfree(res);
	*usn = strtoull(usn_text, &end, 10);
	if (!ok || *end != '\0' || end == usn_text)
		return false;
	*dc = xasprintf("%s/%s", host, inv);
	return true;
}

/* Sync messages carry entryUUIDs as 16 bytes; entries carry them as text. */
static void
uuid_text(const struct berval *b, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)b->bv_val;
	char *p = out;

	out[0] = '\0';
	if (b->bv_len != 16)
		return;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[u[i] >> 4];
		*p++ = hex[u[i] & 15];
	}
	*p = '\0';
}

struct sync_ctx {
	struct dir	*d;
	struct dir_sync	*cb;
	const char	*uuid;
	enum sync_state	 state;
	int		 failed;
};

static int
sync_deliver(const struct entry *e, void *arg)
{
	struct sync_ctx *x = arg;

	return x->cb->entry(x->cb->arg, x->uuid, e, x->state);
}

static int
on_entry(ldap_sync_t *ls, LDAPMessage *msg, struct berval *uuid,
    ldap_sync_refresh_t phase)
{
	struct sync_ctx *x = ls->ls_private;
	char text[37];
	int rc;

	dog_pet(x->d);
	uuid_text(uuid, text);
	if (text[0] == '\0')
		return x->failed = -1;
	x->uuid = text;
	switch (phase) {
	case LDAP_SYNC_CAPI_ADD:
	case LDAP_SYNC_CAPI_MODIFY:
		x->state = phase == LDAP_SYNC_CAPI_ADD ? SYNC_ADD : SYNC_MODIFY;
		rc = deliver(x->d, msg, sync_deliver, x);
		break;
	case LDAP_SYNC_CAPI_DELETE:
		rc = x->cb->entry(x->cb->arg, text, NULL, SYNC_DELETE);
		break;
	default:
		rc = x->cb->entry(x->cb->arg, text, NULL, SYNC_PRESENT);
	}
	if (rc != 0)
		x->failed = -1;
	return rc;
}

static int
on_intermediate(ldap_sync_t *ls, LDAPMessage *msg, BerVarray uuids,
    ldap_sync_refresh_t phase)
{
	struct sync_ctx *x = ls->ls_private;
	enum sync_state st = phase == LDAP_SYNC_CAPI_DELETES_IDSET ?
	    SYNC_DELETE : SYNC_PRESENT;
	char text[37];

	(void)msg;
	dog_pet(x->d);
	if (phase != LDAP_SYNC_CAPI_DELETES_IDSET &&
	    phase != LDAP_SYNC_CAPI_PRESENTS_IDSET)
		return 0;
	for (size_t i = 0; uuids != NULL && uuids[i].bv_val != NULL; i++) {
		uuid_text(&uuids[i], text);
		if (text[0] != '\0' && x->cb->entry(x->cb->arg, text, NULL, st))
			return x->failed = -1;
	}
	return 0;
}

static int
on_result(ldap_sync_t *ls, LDAPMessage *msg, int refresh_deletes)
{
	struct sync_ctx *x = ls->ls_private;

	(void)msg;
	x->cb->refresh_deletes = refresh_deletes != 0;
	return 0;
}

int
dir_sync(struct dir *d, const char *base, int scope, const char *filter,
    char **attrs, char **cookie, struct dir_sync *cb, char **why)
{
	struct sync_ctx x = { d, cb, NULL, SYNC_PRESENT, 0 };
	ldap_sync_t ls;
	int rc, ret = -1;

	/* Not ldap_sync_destroy(): it would unbind the connection. */
	ldap_sync_initialize(&ls);
	ls.ls_ld = d->ld;
	ls.ls_base = (char *)base;
	ls.ls_scope = scope;
	ls.ls_filter = (char *)filter;
	ls.ls_attrs = attrs;
	ls.ls_timeout = d->c->op_timeout;
	ls.ls_search_entry = on_entry;
	ls.ls_intermediate = on_intermediate;
	ls.ls_search_result = on_result;
	ls.ls_private = &x;
	if (*cookie != NULL && **cookie != '\0')
		ber_str2bv(*cookie, 0, 1, &ls.ls_cookie);
	dog_watch(d);
	rc = ldap_sync_init_refresh_only(&ls);
	if (dog_rest(d)) {
		char *silent = no_answer(d);

		*why = xasprintf("sync search of \"%s\" failed: %s", base,
		    silent);
		free(silent);
	} else if (rc == LDAP_SUCCESS && x.failed == 0) {
		free(*cookie);
		*cookie = xstrndup(ls.ls_cookie.bv_val ? ls.ls_cookie.bv_val : "",
		    ls.ls_cookie.bv_len);
		ret = 0;
	} else if (rc == LDAP_SYNC_REFRESH_REQUIRED)
		ret = DIR_SYNC_RELOAD;
	else
		*why = xasprintf("sync search of \"%s\" failed: %s", base,
		    x.failed ? "could not read an entry" :
		    ldap_err2string(rc));
	ber_memfree(ls.ls_cookie.bv_val);
	return ret;
}
