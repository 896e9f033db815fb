#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "directory.h"
#include "fetch.h"
#include "htab.h"
#include "map.h"

struct fetch_ctx {
	struct mapper	*m;
	struct users	*users;
	struct groups	*groups;
};

static int
got_user(const struct entry *e, void *arg)
{
	struct fetch_ctx *x = arg;

	map_user(x->m, e, x->users);
	return 0;
}

static int
got_group(const struct entry *e, void *arg)
{
	struct fetch_ctx *x = arg;

	map_group(x->m, e, x->groups);
	return 0;
}

static int
search_bases(struct dir *d, const struct strlist *bases, int scope,
    const char *filter, struct strlist *attrs, dir_entry_fn *fn, void *arg)
{
	for (size_t i = 0; i < bases->n; i++)
		if (dir_search(d, bases->v[i], scope, filter, attrs->v, fn,
		    arg) != 0)
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
    struct groups *groups)
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
		    buf_cstr(&f), &attrs, got_membership, &x);
		buf_free(&f);
		free(esc);
	}
	htab_free(x.groups_by_dn);
	strlist_free(&attrs);
	return rc;
}

int
fetch(struct conf *c, const char *root, struct users *users,
    struct groups *groups)
{
	struct strlist uattrs = { 0 }, gattrs = { 0 };
	struct fetch_ctx x = { mapper_new(c, root), users, groups };
	struct dir *d = NULL;
	int rc = -1;

	if (conf_read_bindpw(c) == -1)
		goto out;
	d = dir_open(c);
	if (c->bindpw != NULL)
		explicit_bzero(c->bindpw, strlen(c->bindpw));
	if (d == NULL)
		goto out;
	conf_user_attrs(c, &uattrs);
	conf_group_attrs(c, &gattrs);
	if (c->users && search_bases(d, &c->user_bases, c->user_scope,
	    c->user_filter, &uattrs, got_user, &x) != 0)
		goto out;
	if (c->groups && search_bases(d, &c->group_bases, c->group_scope,
	    c->group_filter, &gattrs, got_group, &x) != 0)
		goto out;
	map_dedupe_users(users);
	map_dedupe_groups(groups);
	if (c->groups && c->memberships && c->membership_filter != NULL) {
		if (fetch_memberships(d, c, users, groups) != 0)
			goto out;
	} else
		map_members(groups, users);
	rc = 0;
out:
	dir_close(d);
	mapper_free(x.m);
	strlist_free(&uattrs);
	strlist_free(&gattrs);
	return rc;
}
