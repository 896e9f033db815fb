#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "delta.h"
#include "log.h"
#include "map.h"
#include "syncrepl.h"

static bool
no(const char *why, const char *what)
{
	log_verbose("a full plan: %s%s", why, what);
	return false;
}

/* A changed entry the short way can take: a user, neither new nor moved. */
static bool
simple(const struct conf *c, const struct dircache_change *ch)
{
	if (ch->e == NULL || ch->was_dn == NULL)
		return no("an entry was added or deleted: ", ch->uuid);
	if (syncrepl_is_group(c, ch->search))
		return no("a group changed: ", ch->e->dn);
	if (strcmp(ch->e->dn, ch->was_dn) != 0)
		return no("an entry was renamed or moved: ", ch->e->dn);
	return true;
}

static bool
map_changed(const struct conf *c, const char *root,
    const struct dircache_change *ch, size_t n, bool quiet,
    struct users *users)
{
	struct mapper *m = mapper_new(c, root);
	bool ok = true;

	mapper_quiet(m, quiet);
	for (size_t i = 0; i < n && ok; i++) {
		size_t before = users->n;

		if (!(ok = simple(c, &ch[i])))
			break;
		map_user(m, ch[i].e, users);
		if (users->n == before || users->v[before].uuid == NULL)
			ok = no("an entry is refused: ", ch[i].e->dn);
	}
	mapper_free(m);
	return ok;
}

/* Each user continues an account the last run refreshed, unchanged. */
static bool
same_accounts(const struct users *users, const struct state *managed)
{
	for (size_t i = 0; i < users->n; i++) {
		const struct user *d = &users->v[i];
		const struct managed *m = htab_get(managed->users_by_uuid,
		    d->uuid);

		if (m == NULL || m->suspended || m->kept)
			return no("not an account synced last run: ", d->dn);
		if (strcmp(m->name, d->name) != 0 || m->id != d->uid)
			return no("a name or uid changed: ", d->dn);
	}
	return true;
}

bool
delta_users(const struct conf *c, const char *root, struct dircache *cache,
    const char *state_path, struct users *users, struct state *managed)
{
	struct strlist uuids = { 0 };
	struct dircache_change *ch;
	size_t n = dircache_changes(cache, &ch);
	bool ok = c->files && c->users;

	state_init(managed);
	if (!ok)
		log_verbose("a full plan: files or users are off");
	if (ok)
		ok = map_changed(c, root, ch, n, true, users);
	for (size_t i = 0; ok && i < users->n; i++)
		strlist_add(&uuids, users->v[i].uuid);
	if (ok)
		ok = state_load_users(managed, state_path, &uuids) == 0 &&
		    same_accounts(users, managed);
	/* Mapped again, now saying what it warns of. */
	users_free(users);
	if (ok)
		ok = map_changed(c, root, ch, n, false, users);
	strlist_free(&uuids);
	free(ch);
	if (!ok) {
		users_free(users);
		state_free(managed);
	}
	return ok;
}
