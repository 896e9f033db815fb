#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "directory.h"
#include "fetch.h"
#include "htab.h"
#include "log.h"
#include "map.h"
#include "pool.h"
#include "statedir.h"
#include "syncrepl.h"

struct fetch_ctx {
	struct mapper		*m;
	struct users		*users;
	struct groups		*groups;
	const char		*cache_path;	/* NULL: no incremental sync */
	int			 cache_spill;
	bool			 full;
	struct dircache		*cache;
};

static int
got_user(const struct entry *e, void *arg)
{
	struct fetch_ctx *x = arg;

	log_progress();
	map_user(x->m, e, x->users);
	return 0;
}

static int
got_group(const struct entry *e, void *arg)
{
	struct fetch_ctx *x = arg;

	log_progress();
	map_group(x->m, e, x->groups);
	return 0;
}

static int
search_bases(struct dir *d, const struct strlist *bases, int scope,
    const char *filter, struct strlist *attrs, dir_entry_fn *fn, void *arg,
    char **why)
{
	for (size_t i = 0; i < bases->n; i++)
		if (dir_search(d, bases->v[i], scope, filter, attrs->v, fn,
		    arg, why) != 0)
			return -1;
	return 0;
}

struct member_ctx {
	struct htab	*groups_by_dn;
	const char	*user;
};

static int
got_membership(const struct entry *e, void *arg)
{
	struct member_ctx *x = arg;
	struct group *g = htab_get(x->groups_by_dn, e->dn);

	if (g != NULL)
		strlist_add(&g->members, x->user);
	return 0;
}

/* membership_filter: one search per user, {user_dn} escaped (RFC 4515). */
static int
fetch_memberships(struct dir *d, const struct conf *c, struct users *users,
    struct groups *groups, char **why)
{
	struct strlist attrs = { 0 };
	struct member_ctx x = { htab_new(groups->n), NULL };
	int rc = 0;

	strlist_add(&attrs, "1.1");
	for (size_t i = 0; i < groups->n; i++) {
		strlist_free(&groups->v[i].members);
		strlist_free(&groups->v[i].member_dns);
		htab_put(x.groups_by_dn, groups->v[i].dn, &groups->v[i]);
	}
	for (size_t i = 0; i < users->n && rc == 0; i++) {
		char *esc = dir_filter_escape(users->v[i].dn);
		struct buf f = { 0 };
		const char *at = strstr(c->membership_filter, "{user_dn}");

		buf_add(&f, c->membership_filter,
		    (size_t)(at - c->membership_filter));
		buf_addstr(&f, esc);
		buf_addstr(&f, at + strlen("{user_dn}"));
		x.user = users->v[i].name;
		rc = search_bases(d, &c->group_bases, c->group_scope,
		    buf_cstr(&f), &attrs, got_membership, &x, why);
		buf_free(&f);
		free(esc);
	}
	htab_free(x.groups_by_dn);
	strlist_free(&attrs);
	return rc;
}

/* What every path ends with: one name and id each, members resolved. */
static int
settle(struct dir *d, const struct conf *c, struct fetch_ctx *x, char **why)
{
	int rc = 0;

	map_dedupe_users(x->users);
	map_dedupe_groups(x->groups);
	if (c->groups && c->memberships && c->membership_filter != NULL)
		rc = fetch_memberships(d, c, x->users, x->groups, why);
	else
		map_members(x->groups, x->users,
		    c->nested_groups ? c->nesting_level : 0);
	if (rc == 0)
		map_login_groups(c, x->users, x->groups);
	return rc;
}

/* Everything from one bound server by paged searches; -1 with *why. */
static int
fetch_paged(struct dir *d, const struct conf *c, struct fetch_ctx *x,
    char **why)
{
	struct strlist uattrs = { 0 }, gattrs = { 0 };
	int rc = -1;

	conf_user_attrs(c, &uattrs);
	conf_group_attrs(c, &gattrs);
	if (c->users && search_bases(d, &c->user_bases, c->user_scope,
	    c->user_filter, &uattrs, got_user, x, why) != 0)
		goto out;
	if (c->groups && search_bases(d, &c->group_bases, c->group_scope,
	    c->group_filter, &gattrs, got_group, x, why) != 0)
		goto out;
	rc = settle(d, c, x, why);
out:
	strlist_free(&uattrs);
	strlist_free(&gattrs);
	return rc;
}

static void
map_one(struct fetch_ctx *x, const struct conf *c, size_t search,
    const struct entry *e)
{
	if (syncrepl_is_group(c, search))
		map_group(x->m, e, x->groups);
	else
		map_user(x->m, e, x->users);
}

struct sink_ctx {
	struct fetch_ctx	*x;
	const struct conf	*c;
};

static void
map_arriving(void *arg, size_t search, const struct entry *e)
{
	struct sink_ctx *s = arg;

	log_progress();
	map_one(s->x, s->c, search, e);
}

/* -1 when a record of the cache cannot be read. */
static int
map_cache(struct fetch_ctx *x, const struct conf *c)
{
	if (!dircache_index(x->cache))
		return -1;
	for (size_t i = 0; i < x->cache->n; i++) {
		const struct entry *e = dircache_entry(x->cache, i);

		if (e != NULL)
			map_one(x, c, x->cache->v[i].search, e);
	}
	if (!x->cache->damaged)
		return 0;
	users_free(x->users);
	groups_free(x->groups);
	return -1;
}

int
fetch_from_cache(const struct conf *c, const char *root,
    struct dircache *cache, struct users *users, struct groups *groups)
{
	struct fetch_ctx x = { mapper_new(c, root), users, groups, NULL, -1,
	    false, cache };
	int rc = map_cache(&x, c);

	if (rc == 0)
		settle(NULL, c, &x, NULL);	/* no membership_filter here */
	mapper_free(x.m);
	return rc;
}

/* Between runs the cache is in its files: loaded afresh for each attempt. */
static void
reset_cache(struct fetch_ctx *x)
{
	dircache_free(x->cache);
	dircache_init(x->cache);
	dircache_spill(x->cache, x->cache_spill);
}

/* What an incremental refresh leaves: nothing new, or changes to plan. */
static int
refreshed(const struct dircache *cache)
{
	return cache->dirty ? FETCH_CHANGED : FETCH_UNCHANGED;
}

/*
 * Through the directory cache: a full refresh maps entries as they
 * arrive, as a paged fetch does; after an incremental one, every entry the
 * cache holds is mapped.
 */
static int
fetch_synced(struct dir *d, const struct conf *c, struct fetch_ctx *x,
    const struct ad_position *ad, char **why)
{
	struct sink_ctx sc = { x, c };
	struct syncrepl_sink sink = { map_arriving, &sc };
	struct dircache *cache = x->cache;
	size_t received;
	bool full;

	if (syncrepl_refresh(d, c, cache, ad, x->full, &sink, &full, &received,
	    why) != 0)
		return -1;
	if (!full && cache->damaged) {
		log_warn("%s: damaged; doing a full refresh", x->cache_path);
		reset_cache(x);
		x->full = true;
		return fetch_synced(d, c, x, ad, why);
	}
	/* Nothing came and the cookies stayed: perhaps nothing to do. */
	if (!full)
		return refreshed(cache);
	return settle(d, c, x, why);
}

/*
 * The short way of a run whose cache holds RFC 4533 cookies: the refresh
 * at once.  NOT_RESUMED when it cannot be (no such cache, a damaged one,
 * the server refuses or wants a full refresh): then the long way asks
 * the root DSE first; -1 when the server is gone.
 */
#define NOT_RESUMED	(-2)

static int
resume(struct dir *d, const struct conf *c, struct fetch_ctx *x, char **why)
{
	int rc = NOT_RESUMED;

	if (!x->full && dircache_load(x->cache, x->cache_path) == 0) {
		rc = syncrepl_resume(d, c, x->cache, why);
		if (rc == 0 && !x->cache->damaged)
			return refreshed(x->cache);
		if (rc == -1 && dir_lost(d))
			return -1;
		FREE(*why);
		rc = NOT_RESUMED;
	}
	reset_cache(x);
	return rc;
}

static int
fetch_from(struct dir *d, const struct conf *c, struct fetch_ctx *x,
    char **why)
{
	struct ad_position ad = { NULL, 0 };
	bool sync;
	int rc;

	/* A cache of a fresh server, or of none: start from what is on disk. */
	reset_cache(x);
	if (x->cache_path == NULL || c->membership_filter != NULL)
		return fetch_paged(d, c, x, why);
	if ((rc = resume(d, c, x, why)) != NOT_RESUMED)
		return rc;
	sync = dir_has_sync(d);
	if (!sync && !dir_ad_position(d, &ad.dc, &ad.usn))
		return fetch_paged(d, c, x, why);
	if (dircache_load(x->cache, x->cache_path) != 0 &&
	    access(x->cache_path, F_OK) == 0)
		log_warn("%s: damaged; doing a full refresh", x->cache_path);
	rc = fetch_synced(d, c, x, sync ? NULL : &ad, why);
	free(ad.dc);
	return rc;
}

/* One server, from connect to the last page; -1 with *why set. */
static int
try_fetch(struct conf *c, const char *uri, struct fetch_ctx *x, char **why)
{
	struct dir *d = dir_open(c, uri, why);
	int rc = d != NULL ? fetch_from(d, c, x, why) : -1;

	log_progress_done();
	dir_close(d);
	if (rc < 0) {
		/* What a failed server gave counts for nothing. */
		users_free(x->users);
		groups_free(x->groups);
	}
	return rc;
}

/* Whoever failed before the server that answered: warnings only. */
static void
report(const struct strlist *failed, bool fatal)
{
	if (fatal)
		log_error("no directory server could be used:");
	for (size_t i = 0; i < failed->n; i++) {
		if (fatal)
			log_error("  %s", failed->v[i]);
		else
			log_warn("skipped %s", failed->v[i]);
	}
}

/*
 * Each server of the pool in turn, from the one pool_strategy picks: the
 * first that answers everything gives the whole run's data, so a run never
 * mixes two servers' views.  Any failure, from a refused connection to a
 * connection lost on the last page, moves on to the next.
 */
/* SASL's plugins: only GSSAPI's, from where they are installed. */
static void
plugins(const struct conf *c, const char *root)
{
	char *dir = state_dir(c, root);

	dir_sasl_plugins(c, dir);
	free(dir);
}

int
fetch(struct conf *c, const struct fetch_opts *o, struct users *users,
    struct groups *groups, struct dircache *cache, char **used)
{
	struct fetch_ctx x = { mapper_new(c, o->root), users, groups,
	    o->cache_path, o->cache_spill, o->full, cache };
	const char *root = o->root;
	size_t *order = pool_order(c, root);
	struct strlist failed = { 0 };
	int rc = -1;

	*used = NULL;
	plugins(c, root);
	if (conf_read_bindpw(c) == 0) {
		for (size_t i = 0; i < c->uris.n && rc < 0; i++) {
			const char *uri = c->uris.v[order[i]];
			char *why = NULL, *line;

			if ((rc = try_fetch(c, uri, &x, &why)) >= 0) {
				log_verbose("using %s", uri);
				*used = xstrdup(uri);
				break;
			}
			line = xasprintf("%s: %s", uri, why);
			log_verbose("%s%s", line, i + 1 < c->uris.n ?
			    "; trying the next server" : "");
			strlist_add(&failed, line);
			free(line);
			free(why);
		}
		report(&failed, rc < 0);
	}
	/* The password is not needed once every bind is done. */
	if (c->bindpw != NULL && !c->keep_bindpw)
		explicit_bzero(c->bindpw, strlen(c->bindpw));
	strlist_free(&failed);
	free(order);
	mapper_free(x.m);
	return rc;
}
