#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"

void
user_free(struct user *u)
{
	free(u->name);
	free(u->gecos);
	free(u->home);
	free(u->shell);
	free(u->passwd);
	free(u->uuid);
	free(u->dn);
	strlist_free(&u->keys);
	memset(u, 0, sizeof(*u));
}

void
group_free(struct group *g)
{
	free(g->name);
	strlist_free(&g->members);
	strlist_free(&g->member_dns);
	free(g->uuid);
	free(g->dn);
	memset(g, 0, sizeof(*g));
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void
user_copy(struct user *d, const struct user *s)
{
	*d = *s;
	d->name = dup_or_null(s->name);
	d->gecos = dup_or_null(s->gecos);
	d->home = dup_or_null(s->home);
	d->shell = dup_or_null(s->shell);
	d->passwd = dup_or_null(s->passwd);
	d->uuid = dup_or_null(s->uuid);
	d->dn = dup_or_null(s->dn);
	memset(&d->keys, 0, sizeof(d->keys));
	for (size_t i = 0; i < s->keys.n; i++)
		strlist_add(&d->keys, s->keys.v[i]);
}

struct user *
users_add(struct users *l)
{
	/* Grow geometrically: 100,000 users must not mean 100,000 reallocs. */
	if (l->n == 0 || (l->n >= 16 && (l->n & (l->n - 1)) == 0))
		l->v = xreallocarray(l->v, l->n ? l->n * 2 : 16, sizeof(*l->v));
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

struct group *
groups_add(struct groups *l)
{
	if (l->n == 0 || (l->n >= 16 && (l->n & (l->n - 1)) == 0))
		l->v = xreallocarray(l->v, l->n ? l->n * 2 : 16, sizeof(*l->v));
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

void
users_free(struct users *l)
{
	for (size_t i = 0; i < l->n; i++)
		user_free(&l->v[i]);
	free(l->v);
	strlist_free(&l->seen);
	strlist_free(&l->unresolved);
	memset(l, 0, sizeof(*l));
}

void
groups_free(struct groups *l)
{
	for (size_t i = 0; i < l->n; i++)
		group_free(&l->v[i]);
	free(l->v);
	strlist_free(&l->seen);
	strlist_free(&l->unresolved);
	memset(l, 0, sizeof(*l));
}
