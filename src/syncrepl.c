#include "config.h"

#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "htab.h"
#include "log.h"
#include "ocfilter.h"
#include "syncrepl.h"

size_t
syncrepl_searches(const struct conf *c)
{
	return (c->users ? c->user_bases.n : 0) +
	    (c->groups ? c->group_bases.n : 0);
}

bool
syncrepl_is_group(const struct conf *c, size_t i)
{
	return i >= (c->users ? c->user_bases.n : 0);
}

/* --- requests ---------------------------------------------------------- */

/* Whether folded DN dn is base or under it (a comma not escaped between). */
static bool
at_or_under(const char *dn, const char *base)
{
	size_t n = strlen(dn), b = strlen(base), slashes = 0;

	if (n < b || strcasecmp(dn + n - b, base) != 0)
		return false;
	if (n == b)
		return true;
	if (dn[n - b - 1] != ',')
		return false;
	for (size_t i = n - b - 1; i > 0 && dn[i - 1] == '\\'; i--)
		slashes++;
	return slashes % 2 == 0;
}

/* A folded DN's parent: past its first comma not escaped; NULL at the top. */
static const char *
parent(const char *dn)
{
	for (const char *p = dn; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == ',')
			return p + 1;
	}
	return NULL;
}

/* The closest DN both folded DNs are at or under, or NULL. */
static char *
common_ancestor(const char *a, const char *b)
{
	for (const char *p = a; p != NULL; p = parent(p))
		if (at_or_under(b, p))
			return xstrdup(p);
	return NULL;
}

/*
 * Users and groups are asked for in one search when the answer can be
 * sorted exactly: one base each, neither under the other, whole subtrees,
 * and filters the client can judge (ocfilter.h).  The search starts at
 * their closest common ancestor.
 */
static bool
joined(const struct conf *c, struct syncrepl_request *r)
{
	char *u, *g, *top = NULL;

	if (!c->users || !c->groups || c->user_bases.n != 1 ||
	    c->group_bases.n != 1 || c->user_scope != LDAP_SCOPE_SUBTREE ||
	    c->group_scope != LDAP_SCOPE_SUBTREE ||
	    !ocfilter_simple(c->user_filter) ||
	    !ocfilter_simple(c->group_filter))
		return false;
	u = dir_dn_fold(c->user_bases.v[0]);
	g = dir_dn_fold(c->group_bases.v[0]);
	if (u != NULL && g != NULL && !at_or_under(u, g) && !at_or_under(g, u))
		top = common_ancestor(u, g);
	if (top == NULL) {
		free(u);
		free(g);
		return false;
	}
	r->folded[0] = u;
	r->folded[1] = g;
	r->own_base = top;
	r->own_filter = xasprintf("(|%s%s)", c->user_filter, c->group_filter);
	return true;
}

size_t
syncrepl_requests(const struct conf *c)
{
	struct syncrepl_request r = { 0 };
	bool one = joined(c, &r);

	syncrepl_request_free(&r);
	return one ? 1 : syncrepl_searches(c);
}

void
syncrepl_request(const struct conf *c, size_t i, struct syncrepl_request *r)
{
	size_t nu = c->users ? c->user_bases.n : 0;

	memset(r, 0, sizeof(*r));
	if (joined(c, r)) {
		r->base = r->own_base;
		r->scope = LDAP_SCOPE_SUBTREE;
		r->filter = r->own_filter;
		r->search = SYNCREPL_BOTH;
		conf_user_attrs(c, &r->attrs);
		conf_group_attrs(c, &r->attrs);
		r->class_added = !strlist_has_nocase(&r->attrs, "objectClass");
		if (r->class_added)
			strlist_add(&r->attrs, "objectClass");
	} else if (i < nu) {
		r->base = c->user_bases.v[i];
		r->scope = c->user_scope;
		r->filter = c->user_filter;
		r->search = (uint32_t)i;
		conf_user_attrs(c, &r->attrs);
	} else {
		r->base = c->group_bases.v[i - nu];
		r->scope = c->group_scope;
		r->filter = c->group_filter;
		r->search = (uint32_t)i;
		conf_group_attrs(c, &r->attrs);
	}
}

void
syncrepl_request_free(struct syncrepl_request *r)
{
	strlist_free(&r->attrs);
	free(r->own_base);
	free(r->own_filter);
	free(r->folded[0]);
	free(r->folded[1]);
	memset(r, 0, sizeof(*r));
}

/* Whether an entry is under a folded base: as sent, or folded itself. */
static bool
dn_under(const char *dn, const char *base)
{
	char *folded;
	bool under;

	if (at_or_under(dn, base))
		return true;
	if ((folded = dir_dn_fold(dn)) == NULL)
		return false;
	under = at_or_under(folded, base);
	free(folded);
	return under;
}

/* Whether an entry under one base matches only the other base's filter. */
static bool
only_other(const char *own, const char *other, const struct entry *e)
{
	return ocfilter_match(other, e) && !ocfilter_match(own, e);
}

uint32_t
syncrepl_search_of(const struct conf *c, const struct syncrepl_request *r,
    const struct entry *e)
{
	if (r->search != SYNCREPL_BOTH)
		return r->search;
	if (dn_under(e->dn, r->folded[0]))
		return only_other(c->user_filter, c->group_filter, e) ?
		    SYNCREPL_NONE : 0;
	if (dn_under(e->dn, r->folded[1]))
		return only_other(c->group_filter, c->user_filter, e) ?
		    SYNCREPL_NONE : 1;
	return SYNCREPL_NONE;
}

/*
 * The entry as its own search would have sent it: without objectClass
 * when only sorting asked for it (tmp's attrs then need free()).
 */
static const struct entry *
as_asked(const struct syncrepl_request *r, const struct entry *e,
    struct entry *tmp)
{
	size_t n = 0;

	if (!r->class_added)
		return e;
	*tmp = (struct entry){ e->dn, xcalloc(e->nattrs + 1,
	    sizeof(*tmp->attrs)), 0 };
	for (size_t i = 0; i < e->nattrs; i++)
		if (strcasecmp(e->attrs[i].name, "objectClass") != 0)
			tmp->attrs[n++] = e->attrs[i];
	tmp->nattrs = n;
	return tmp;
}

char *
syncrepl_fingerprint(const struct conf *c)
{
	struct buf b = { 0 };
	uint64_t h = 14695981039346656037ull;
	struct syncrepl_request s;
	size_t n = syncrepl_requests(c);

	for (size_t i = 0; i < n; i++) {
		syncrepl_request(c, i, &s);
		buf_printf(&b, "%zu|%s|%d|%s|", i, s.base, s.scope, s.filter);
		for (size_t j = 0; j < s.attrs.n; j++)
			buf_printf(&b, "%s,", s.attrs.v[j]);
		syncrepl_request_free(&s);
	}
	for (size_t i = 0; i < b.len; i++) {
		h ^= (unsigned char)b.p[i];
		h *= 1099511628211ull;
	}
	buf_free(&b);
	return xasprintf("%016llx", (unsigned long long)h);
}

/* --- incremental ------------------------------------------------------ */

struct apply_ctx {
	const struct conf		*c;
	struct dircache			*cache;
	const struct syncrepl_request	*r;	/* the one under way */
	struct htab			*heard;	/* uuids sent or deleted */
	struct strlist			 uuids;	/* their strings */
};

static void
heard_of(struct apply_ctx *x, const char *uuid)
{
	if (htab_get(x->heard, uuid) != NULL)
		return;
	strlist_add(&x->uuids, uuid);
	htab_put(x->heard, x->uuids.v[x->uuids.n - 1], x);
}

/*
 * The search's own deletions and marks: a joined search's reach every
 * search (the one request covers them all).
 */
static uint32_t
own(const struct apply_ctx *x)
{
	return x->r->search == SYNCREPL_BOTH ? DIRCACHE_ANY : x->r->search;
}

/* An entry sent: kept under its search; one that fits none goes. */
static void
sent(struct apply_ctx *x, const char *uuid, const struct entry *e)
{
	uint32_t search = syncrepl_search_of(x->c, x->r, e);
	struct entry tmp = { 0 };

	if (search == SYNCREPL_NONE)
		dircache_del(x->cache, uuid, DIRCACHE_ANY);
	else
		dircache_put(x->cache, uuid, search,
		    as_asked(x->r, e, &tmp));
	free(tmp.attrs);
	heard_of(x, uuid);
}

/* slapd reports a changed entry as deleted, then sent: it counts once. */
static int
apply_change(void *arg, const char *uuid, const struct entry *e,
    enum sync_state st)
{
	struct apply_ctx *x = arg;

	switch (st) {
	case SYNC_ADD:
	case SYNC_MODIFY:
		log_progress();
		sent(x, uuid, e);
		break;
	case SYNC_DELETE:
		dircache_del(x->cache, uuid, own(x));
		heard_of(x, uuid);
		break;
	case SYNC_PRESENT:
		dircache_mark(x->cache, uuid, own(x));
		break;
	}
	return 0;
}

/* --- Active Directory ---------------------------------------------------- */

/* An AD cookie: the DC and database it holds for, and the USN it reached. */
static char *
ad_cookie(const struct ad_position *ad)
{
	return xasprintf("usn:%s:%llu", ad->dc, ad->usn);
}

/* The USN of a cookie of this DC's; false for another DC's, or RFC 4533's. */
static bool
ad_since(const char *cookie, const struct ad_position *ad,
    unsigned long long *usn)
{
	size_t n = strlen(ad->dc);
	char *end;

	if (strncmp(cookie, "usn:", 4) != 0 || strncmp(cookie + 4, ad->dc, n) ||
	    cookie[4 + n] != ':')
		return false;
	*usn = strtoull(cookie + 5 + n, &end, 10);
	return *end == '\0' && end != cookie + 5 + n;
}

static int
ad_changed(const struct entry *e, void *arg)
{
	struct apply_ctx *x = arg;
	char *uuid = entry_uuid(e);

	if (uuid == NULL)
		return -1;
	log_progress();
	sent(x, uuid, e);
	free(uuid);
	return 0;
}

/*
 * Beyond this many changed entries, one search for them all costs less
 * than reading each.
 */
#define AD_READ_MAX	64

/* One scan of a base: who is still there, and whose USN passed the mark. */
struct ad_scan {
	struct apply_ctx	*x;
	unsigned long long	 since;
	struct strlist		 changed;	/* their DNs */
};

static int
ad_present(const struct entry *e, void *arg)
{
	struct ad_scan *sc = arg;
	const struct entry_attr *a = entry_get(e, "uSNChanged");
	char *uuid = entry_uuid(e);

	if (uuid == NULL)
		return -1;
	dircache_mark(sc->x->cache, uuid, own(sc->x));
	/* Without a USN to compare, it is read again. */
	if (a == NULL || a->nvals == 0 ||
	    strtoull(a->vals[0].v, NULL, 10) > sc->since)
		strlist_add(&sc->changed, e->dn);
	free(uuid);
	return 0;
}

/*
 * Who is still there, with their uSNChanged, in one scan (a server that
 * does not index uSNChanged ranges, Samba's, reads every entry for a
 * filter on it anyway); then the entries past the cookie's USN, each
 * read again whole, or all in one search when they are many.
 */
static int
ad_search(struct dir *d, const struct syncrepl_request *s,
    unsigned long long since, struct apply_ctx *x, char **why)
{
	char *ids[] = { "objectGUID", "entryUUID", "nsUniqueId", "uSNChanged",
	    NULL };
	struct ad_scan sc = { x, since, { 0 } };
	char *changed;
	int rc = dir_search(d, s->base, s->scope, s->filter, ids, ad_present,
	    &sc, why);

	if (rc == 0 && sc.changed.n > AD_READ_MAX) {
		changed = xasprintf("(&%s(uSNChanged>=%llu))", s->filter,
		    since + 1);
		rc = dir_search(d, s->base, s->scope, changed, s->attrs.v,
		    ad_changed, x, why);
		free(changed);
	}
	for (size_t i = 0; rc == 0 && sc.changed.n <= AD_READ_MAX &&
	    i < sc.changed.n; i++)
		rc = dir_search(d, sc.changed.v[i], LDAP_SCOPE_BASE, s->filter,
		    s->attrs.v, ad_changed, x, why);
	strlist_free(&sc.changed);
	return rc != 0 ? -1 : 0;
}

/*
 * One search brought up to date from *cookie, which gets the new one;
 * *present: what the search did not list is gone.  0, DIR_SYNC_RELOAD (a
 * full refresh is needed: the server says so, or the cookie is another
 * DC's) or -1.
 */
static int
refresh_one(struct dir *d, const struct syncrepl_request *s,
    const struct ad_position *ad, struct dir_sync *cb, char **cookie,
    bool *present, char **why)
{
	unsigned long long since;
	int rc;

	if (ad == NULL) {
		rc = dir_sync(d, s->base, s->scope, s->filter, s->attrs.v,
		    cookie, cb, why);
		/* Without refreshDeletes the server used the present phase. */
		*present = !cb->refresh_deletes;
		return rc;
	}
	if (!ad_since(*cookie, ad, &since))
		return DIR_SYNC_RELOAD;
	rc = ad_search(d, s, since, cb->arg, why);
	free(*cookie);
	*cookie = ad_cookie(ad);
	*present = true;
	return rc;
}

/* -1 failed, DIR_SYNC_RELOAD a full refresh is needed, 0 done. */
static int
incremental(struct dir *d, const struct conf *c, struct dircache *cache,
    const struct ad_position *ad, size_t *received, char **why)
{
	struct syncrepl_request s;
	struct apply_ctx x = { c, cache, &s, htab_new(64), { 0 } };
	size_t dropped = 0;	/* left out of the present phase */
	struct dir_sync cb = { apply_change, &x, false };
	size_t n = syncrepl_requests(c);
	bool present;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		char *cookie = xstrdup(cache->cookies.v[i]);

		syncrepl_request(c, i, &s);
		rc = refresh_one(d, &s, ad, &cb, &cookie, &present, why);
		if (rc == 0 && present)
			dropped += dircache_drop_unseen(cache, own(&x));
		if (rc == 0)
			dircache_set_cookie(cache, i, cookie);
		free(cookie);
		syncrepl_request_free(&s);
	}
	*received = htab_count(x.heard) + dropped;
	htab_free(x.heard);
	strlist_free(&x.uuids);
	return rc;
}

/* --- full ------------------------------------------------------------- */

static int
ignore_entry(void *arg, const char *uuid, const struct entry *e,
    enum sync_state st)
{
	(void)arg;
	(void)uuid;
	(void)e;
	(void)st;
	return 0;
}

/*
 * The cookie for a search, taken before its full fetch so that changes
 * made during the fetch come again next time: a refreshOnly search with
 * a filter that matches nothing returns only the cookie.  An object class
 * no schema defines matches nothing, and from objectClass's equality
 * index at once: "(!(objectClass=*))" had slapd test every entry under
 * the base, a fifth of a second of its CPU at 100,000 users.
 */
#define NO_SUCH_CLASS	"(objectClass=ldapsync-no-such-class)"

static int
take_cookie(struct dir *d, const struct syncrepl_request *s, char **cookie,
    char **why)
{
	struct dir_sync cb = { ignore_entry, NULL, false };
	char *none = xasprintf("(&%s" NO_SUCH_CLASS ")", s->filter);
	char *attrs[] = { "1.1", NULL };
	int rc;

	free(*cookie);
	*cookie = NULL;
	rc = dir_sync(d, s->base, s->scope, none, attrs, cookie, &cb, why);
	free(none);
	if (rc == DIR_SYNC_RELOAD) {
		*why = xstrdup("the server refused a fresh sync search");
		rc = -1;
	}
	return rc;
}

struct fill_ctx {
	const struct conf		*c;
	struct dircache			*cache;
	const struct syncrepl_sink	*sink;
	const struct syncrepl_request	*r;
	size_t				 received;
	bool				 no_uuid;
};

static int
fill(const struct entry *e, void *arg)
{
	struct fill_ctx *x = arg;
	uint32_t search = syncrepl_search_of(x->c, x->r, e);
	struct entry tmp = { 0 };
	char *uuid;

	x->received++;
	if (search == SYNCREPL_NONE)
		return 0;	/* under the ancestor, in neither base */
	e = as_asked(x->r, e, &tmp);
	x->sink->entry(x->sink->arg, search, e);
	if ((uuid = entry_uuid(e)) == NULL)
		x->no_uuid = true;	/* cannot be kept up to date */
	else
		dircache_append(x->cache, uuid, search, e);
	free(uuid);
	free(tmp.attrs);
	return 0;
}

/*
 * Every cookie first, each before its search's fetch (so changes made
 * during the fetch come again), then the paged fetches, which write the
 * new cache as they go.
 */
static int
full(struct dir *d, const struct conf *c, const char *fp,
    struct dircache *cache, const struct ad_position *ad,
    const struct syncrepl_sink *sink, size_t *received, char **why)
{
	struct syncrepl_request s;
	struct fill_ctx x = { c, cache, sink, &s, 0, false };
	struct strlist cookies = { 0 }, none = { 0 };
	size_t n = syncrepl_requests(c);
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		char *cookie = NULL;

		syncrepl_request(c, i, &s);
		/* AD's position was read before any search began. */
		if (ad != NULL)
			cookie = ad_cookie(ad);
		else
			rc = take_cookie(d, &s, &cookie, why);
		strlist_add(&cookies, rc == 0 ? cookie : "");
		strlist_add(&none, "");
		free(cookie);
		syncrepl_request_free(&s);
	}
	dircache_refill(cache, fp, &cookies);
	for (size_t i = 0; i < n && rc == 0; i++) {
		syncrepl_request(c, i, &s);
		rc = dir_search(d, s.base, s.scope, s.filter, s.attrs.v, fill,
		    &x, why);
		syncrepl_request_free(&s);
	}
	if (rc == 0 && x.no_uuid) {
		log_warn("entries without entryUUID or objectGUID: the next "
		    "run will be a full refresh again");
		dircache_refill(cache, "", &none);
	}
	strlist_free(&cookies);
	strlist_free(&none);
	*received = x.received;
	return rc;
}

static bool
usable(const struct dircache *cache, const struct conf *c,
    const char *fingerprint)
{
	if (strcmp(cache->fingerprint, fingerprint) != 0 ||
	    cache->cookies.n != syncrepl_requests(c))
		return false;
	for (size_t i = 0; i < cache->cookies.n; i++)
		if (cache->cookies.v[i][0] == '\0')
			return false;
	return cache->cookies.n > 0;
}

/* Cookies RFC 4533 gave (AD's are "usn:DC:USN"), for this configuration. */
static bool
resumable(const struct dircache *cache, const struct conf *c)
{
	char *fp = syncrepl_fingerprint(c);
	bool ok = usable(cache, c, fp);

	for (size_t i = 0; ok && i < cache->cookies.n; i++)
		ok = strncmp(cache->cookies.v[i], "usn:", 4) != 0;
	free(fp);
	return ok;
}

static void
say_joined(const struct conf *c)
{
	struct syncrepl_request r;

	if (syncrepl_requests(c) != 1)
		return;
	syncrepl_request(c, 0, &r);
	if (r.search == SYNCREPL_BOTH)
		log_verbose("users and groups in one search from %s", r.base);
	syncrepl_request_free(&r);
}

int
syncrepl_resume(struct dir *d, const struct conf *c, struct dircache *cache,
    char **why)
{
	size_t received;
	int rc;

	if (!resumable(cache, c))
		return DIR_SYNC_RELOAD;
	if ((rc = incremental(d, c, cache, NULL, &received, why)) == 0) {
		say_joined(c);
		log_verbose("incremental refresh: %zu entries received",
		    received);
	}
	return rc;
}

int
syncrepl_refresh(struct dir *d, const struct conf *c, struct dircache *cache,
    const struct ad_position *ad, bool want_full,
    const struct syncrepl_sink *sink, bool *was_full, size_t *received,
    char **why)
{
	char *fp = syncrepl_fingerprint(c);
	int rc = DIR_SYNC_RELOAD;

	*was_full = false;
	say_joined(c);
	if (!want_full && usable(cache, c, fp)) {
		rc = incremental(d, c, cache, ad, received, why);
		if (rc == 0)
			log_verbose("incremental refresh: %zu entries received",
			    *received);
		else if (rc == DIR_SYNC_RELOAD)
			log_verbose("the server wants a full refresh");
		else {
			/*
			 * slapd refuses a cookie it cannot use (another
			 * server's, say) as unwillingToPerform rather than
			 * e-syncRefreshRequired; a full refresh is always
			 * right, and fails in its turn if the server is gone.
			 */
			log_verbose("incremental refresh failed (%s); doing a "
			    "full refresh", *why);
			FREE(*why);
			rc = DIR_SYNC_RELOAD;
		}
	}
	if (rc == DIR_SYNC_RELOAD) {
		rc = full(d, c, fp, cache, ad, sink, received, why);
		*was_full = true;
		if (rc == 0)
			log_verbose("full refresh: %zu entries received",
			    *received);
	}
	free(fp);
	return rc;
}
