#include "config.h"

#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "log.h"
#include "syncrepl.h"

/* One search: a base of users or of groups. */
struct search {
	const char	*base;
	int		 scope;
	const char	*filter;
	struct strlist	 attrs;
};

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

static void
search_of(const struct conf *c, size_t i, struct search *s)
{
	size_t nu = c->users ? c->user_bases.n : 0;

	memset(s, 0, sizeof(*s));
	if (i < nu) {
		*s = (struct search){ c->user_bases.v[i], c->user_scope,
		    c->user_filter, { 0 } };
		conf_user_attrs(c, &s->attrs);
	} else {
		*s = (struct search){ c->group_bases.v[i - nu], c->group_scope,
		    c->group_filter, { 0 } };
		conf_group_attrs(c, &s->attrs);
	}
}

char *
syncrepl_fingerprint(const struct conf *c)
{
	struct buf b = { 0 };
	uint64_t h = 14695981039346656037ull;
	struct search s;

	for (size_t i = 0; i < syncrepl_searches(c); i++) {
		search_of(c, i, &s);
		buf_printf(&b, "%zu|%s|%d|%s|", i, s.base, s.scope, s.filter);
		for (size_t j = 0; j < s.attrs.n; j++)
			buf_printf(&b, "%s,", s.attrs.v[j]);
		strlist_free(&s.attrs);
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
	struct dircache	*cache;
	uint32_t	 search;
	struct htab	*heard;		/* uuids added, changed or deleted */
	struct strlist	 uuids;		/* their strings */
};

static void
heard_of(struct apply_ctx *x, const char *uuid)
{
	if (htab_get(x->heard, uuid) != NULL)
		return;
	strlist_add(&x->uuids, uuid);
	htab_put(x->heard, x->uuids.v[x->uuids.n - 1], x);
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
		dircache_put(x->cache, uuid, x->search, e);
		heard_of(x, uuid);
		break;
	case SYNC_DELETE:
		dircache_del(x->cache, uuid, x->search);
		heard_of(x, uuid);
		break;
	case SYNC_PRESENT:
		dircache_mark(x->cache, uuid, x->search);
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
	dircache_put(x->cache, uuid, x->search, e);
	heard_of(x, uuid);
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
	dircache_mark(sc->x->cache, uuid, sc->x->search);
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
ad_search(struct dir *d, const struct search *s, unsigned long long since,
    struct apply_ctx *x, char **why)
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
refresh_one(struct dir *d, const struct search *s,
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
	struct apply_ctx x = { cache, 0, htab_new(64), { 0 } };
	size_t dropped = 0;	/* left out of the present phase */
	struct dir_sync cb = { apply_change, &x, false };
	struct search s;
	bool present;
	int rc = 0;

	for (size_t i = 0; i < syncrepl_searches(c) && rc == 0; i++) {
		char *cookie = xstrdup(cache->cookies.v[i]);

		search_of(c, i, &s);
		x.search = (uint32_t)i;
		rc = refresh_one(d, &s, ad, &cb, &cookie, &present, why);
		if (rc == 0 && present)
			dropped += dircache_drop_unseen(cache, (uint32_t)i);
		if (rc == 0)
			dircache_set_cookie(cache, i, cookie);
		free(cookie);
		strlist_free(&s.attrs);
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
 * a filter that matches nothing returns only the cookie.
 */
static int
take_cookie(struct dir *d, const struct search *s, char **cookie, char **why)
{
	struct dir_sync cb = { ignore_entry, NULL, false };
	char *none = xasprintf("(&%s(!(objectClass=*)))", s->filter);
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
	struct dircache			*cache;
	const struct syncrepl_sink	*sink;
	uint32_t			 search;
	size_t				 received;
	bool				 no_uuid;
};

static int
fill(const struct entry *e, void *arg)
{
	struct fill_ctx *x = arg;
	char *uuid = entry_uuid(e);

	x->received++;
	x->sink->entry(x->sink->arg, x->search, e);
	if (uuid == NULL)
		x->no_uuid = true;	/* cannot be kept up to date */
	else
		dircache_append(x->cache, uuid, x->search, e);
	free(uuid);
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
	struct fill_ctx x = { cache, sink, 0, 0, false };
	struct strlist cookies = { 0 }, none = { 0 };
	struct search s;
	int rc = 0;

	for (size_t i = 0; i < syncrepl_searches(c) && rc == 0; i++) {
		char *cookie = NULL;

		search_of(c, i, &s);
		/* AD's position was read before any search began. */
		if (ad != NULL)
			cookie = ad_cookie(ad);
		else
			rc = take_cookie(d, &s, &cookie, why);
		strlist_add(&cookies, rc == 0 ? cookie : "");
		strlist_add(&none, "");
		free(cookie);
		strlist_free(&s.attrs);
	}
	dircache_refill(cache, fp, &cookies);
	for (size_t i = 0; i < syncrepl_searches(c) && rc == 0; i++) {
		search_of(c, i, &s);
		x.search = (uint32_t)i;
		rc = dir_search(d, s.base, s.scope, s.filter, s.attrs.v, fill,
		    &x, why);
		strlist_free(&s.attrs);
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
	    cache->cookies.n != syncrepl_searches(c))
		return false;
	for (size_t i = 0; i < cache->cookies.n; i++)
		if (cache->cookies.v[i][0] == '\0')
			return false;
	return cache->cookies.n > 0;
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
