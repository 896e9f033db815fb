#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "changeset.h"
#include "directory.h"
#include "htab.h"
#include "log.h"
#include "map.h"
#include "syncrepl.h"

/* Beyond this many changed entries, planning everything costs less. */
#define CS_MAX	256

static bool
no(const char *why, const char *what)
{
	log_verbose("the whole directory is planned: %s%s", why, what);
	return false;
}

/* What the checks look up: one table per kind of key. */
struct keys {
	struct htab	*uuids[2];	/* the entries planned, per kind */
	struct strlist	 uuid_list;	/* the same */
	struct htab	*owners, *keys;	/* hashes (state.h's pairs) */
	struct htab	*names[2], *ids[2];	/* their new names and ids */
	struct htab	*own[2];	/* names of the accounts they continue */
	struct strlist	 freed;		/* user names that go, change or move */
	struct htab	*moved;		/* users added, deleted or moved */
	struct strlist	 dns;		/* the DN keys they come to */
	struct strlist	 strings;	/* what the tables point to */
	struct namefilter seen;		/* uuids[] and names[]' keys */
};

static void
keys_init(struct keys *k)
{
	memset(k, 0, sizeof(*k));
	for (int g = 0; g < 2; g++) {
		k->uuids[g] = htab_new(64);
		k->names[g] = htab_new(64);
		k->ids[g] = htab_new(64);
		k->own[g] = htab_new(64);
	}
	k->owners = htab_new(64);
	k->keys = htab_new(256);
	k->moved = htab_new(64);
}

static void
keys_free(struct keys *k)
{
	for (int g = 0; g < 2; g++) {
		htab_free(k->uuids[g]);
		htab_free(k->names[g]);
		htab_free(k->ids[g]);
		htab_free(k->own[g]);
	}
	htab_free(k->owners);
	htab_free(k->keys);
	htab_free(k->moved);
	strlist_free(&k->dns);
	strlist_free(&k->uuid_list);
	strlist_free(&k->freed);
	strlist_free(&k->strings);
}

static const char *
keep(struct keys *k, const char *s)
{
	strlist_add(&k->strings, s);
	return k->strings.v[k->strings.n - 1];
}

/* --- mapping ---------------------------------------------------------- */

/*
 * A user added, deleted or moved: groups that list her by DN may gain
 * or lose her, so they are planned again (touched_groups()).
 */
static void
note_move(struct keys *k, const struct dircache_change *ch)
{
	if (ch->e != NULL && ch->was_dn != NULL &&
	    strcmp(ch->e->dn, ch->was_dn) == 0)
		return;
	htab_put(k->moved, keep(k, ch->uuid), (void *)1);
	if (ch->e != NULL) {
		char *key = map_dn_key(ch->e->dn);

		strlist_add(&k->dns, key);
		free(key);
	}
}

/*
 * Each changed entry mapped once, quietly: a refusal sends the run to
 * the whole directory, whose mapping says why.
 */
static bool
map_changes(struct changeset *cs, const struct changeset_in *in,
    struct keys *k)
{
	struct dircache_change *ch;
	size_t n = dircache_changes(in->cache, &ch);
	struct mapper *m = mapper_new(in->c, in->root);
	bool ok = n <= CS_MAX;

	mapper_quiet(m, true);
	for (size_t i = 0; i < n && ok; i++) {
		bool g = syncrepl_is_group(in->c, ch[i].search);

		htab_put(k->uuids[g], keep(k, ch[i].uuid), (void *)1);
		namefilter_add(&k->seen, ch[i].uuid);
		strlist_add(&k->uuid_list, ch[i].uuid);
		if (!g)
			note_move(k, &ch[i]);
		if (ch[i].e != NULL && g)
			map_group(m, ch[i].e, &cs->groups);
		else if (ch[i].e != NULL)
			map_user(m, ch[i].e, &cs->users);
	}
	if (!ok)
		no("more changes than a change set takes", "");
	mapper_free(m);
	free(ch);
	return ok;
}

static bool
mapped_cleanly(const struct changeset *cs)
{
	if (cs->users.seen.n > 0 || cs->groups.seen.n > 0)
		return no("a changed entry is refused", "");
	return true;
}

static void
new_keys(struct changeset *cs, struct keys *k)
{
	for (size_t i = 0; i < cs->users.n; i++) {
		htab_put(k->names[0], cs->users.v[i].name, (void *)1);
		htab_put_id(k->ids[0], cs->users.v[i].uid, (void *)1);
		namefilter_add(&k->seen, cs->users.v[i].name);
	}
	for (size_t i = 0; i < cs->groups.n; i++) {
		htab_put(k->names[1], cs->groups.v[i].name, (void *)1);
		htab_put_id(k->ids[1], cs->groups.v[i].gid, (void *)1);
		namefilter_add(&k->seen, cs->groups.v[i].name);
	}
}

/* --- the state -------------------------------------------------------- */

static const char *
user_name_now(const struct changeset *cs, const char *uuid)
{
	for (size_t i = 0; i < cs->users.n; i++)
		if (cs->users.v[i].uuid && strcmp(cs->users.v[i].uuid, uuid) == 0)
			return cs->users.v[i].name;
	return NULL;
}

/*
 * An account kept or suspended since its entry left, which an entry of
 * the change set may continue by name (plan.c's match()).
 */
static bool
may_return(struct dircache *cache, const struct keys *k,
    const struct managed *m)
{
	uint32_t search;

	return (m->suspended || m->kept) &&
	    htab_get(k->names[m->is_group], m->name) != NULL &&
	    (m->uuid == NULL || dircache_get(cache, m->uuid, &search) == NULL);
}

static void
continued(struct changeset *cs, struct keys *k, const struct managed *m)
{
	const char *now = m->is_group || m->uuid == NULL ? NULL :
	    user_name_now(cs, m->uuid);

	state_add(&cs->old, m);
	htab_put(k->own[m->is_group], keep(k, m->name), (void *)1);
	if (!m->is_group && (now == NULL || strcmp(now, m->name) != 0 ||
	    htab_get(k->moved, m->uuid) != NULL))
		strlist_add(&k->freed, m->name);
}

/* A record of the view: continued by the change set, or in its way. */
static bool
look_at(struct changeset *cs, struct dircache *cache, struct keys *k,
    const struct managed *m)
{
	int g = m->is_group;
	/* 110,000 records, a few keys: most are told apart at a glance. */
	bool named = namefilter_may(&k->seen, m->name, strlen(m->name));

	if ((m->uuid != NULL &&
	    namefilter_may(&k->seen, m->uuid, strlen(m->uuid)) &&
	    htab_get(k->uuids[g], m->uuid) != NULL) ||
	    (named && may_return(cache, k, m)))
		continued(cs, k, m);
	else if ((named && htab_get(k->names[g], m->name) != NULL) ||
	    htab_get_id(k->ids[g], m->id) != NULL)
		return no("a changed entry takes the name or id of ", m->name);
	return true;
}

static bool
old_accounts(struct changeset *cs, const struct changeset_in *in,
    struct keys *k)
{
	for (size_t i = 0; i < cs->view.n; i++)
		if (!look_at(cs, in->cache, k, &cs->view.v[i]))
			return false;
	return true;
}

/* The hash of s, in one of the tables the pairs are looked up in. */
static void
hash_into(struct keys *k, struct htab *t, const char *s)
{
	char h[17];

	state_unresolved_hash(s, h);
	if (htab_get(t, h) == NULL)
		htab_put(t, keep(k, h), (void *)1);
}

static void
hash_account(struct keys *k, const char *name, uint32_t id, const char *uuid)
{
	char idkey[16];

	snprintf(idkey, sizeof(idkey), "#%u", id);
	hash_into(k, k->keys, name);
	hash_into(k, k->keys, idkey);
	if (uuid != NULL)
		hash_into(k, k->keys, uuid);
}

/* Every key the change set touches, before and after. */
static void
hash_keys(const struct changeset *cs, struct keys *k)
{
	for (size_t i = 0; i < cs->users.n; i++)
		hash_account(k, cs->users.v[i].name, cs->users.v[i].uid,
		    cs->users.v[i].uuid);
	for (size_t i = 0; i < cs->groups.n; i++)
		hash_account(k, cs->groups.v[i].name, cs->groups.v[i].gid,
		    cs->groups.v[i].uuid);
	for (size_t i = 0; i < cs->old.n; i++)
		hash_account(k, cs->old.v[i].name, cs->old.v[i].id,
		    cs->old.v[i].uuid);
	for (size_t i = 0; i < k->dns.n; i++)
		hash_into(k, k->keys, k->dns.v[i]);
	for (size_t i = 0; i < k->uuid_list.n; i++)
		hash_into(k, k->owners, k->uuid_list.v[i]);
}

/*
 * Nothing another entry left unresolved is touched: a name, id, uuid or
 * member DN it holds that the change set's entries held or come to hold,
 * what their records say or what they left unresolved themselves (a
 * record keeps the values of before a collision, not those that
 * collided).
 */
static bool
resolved(const struct changeset *cs, struct keys *k)
{
	const struct strlist *u = &cs->view.unresolved;

	hash_keys(cs, k);
	for (size_t i = 0; i < u->n; i++)
		if (state_unresolved_owner(u->v[i], k->owners) &&
		    htab_get(k->keys, u->v[i] + 17) == NULL)
			htab_put(k->keys, keep(k, u->v[i] + 17), (void *)1);
	for (size_t i = 0; i < u->n; i++)
		if (!state_unresolved_owner(u->v[i], k->owners) &&
		    state_unresolved_key(u->v[i], k->keys))
			return no("it touches what the last run left "
			    "unresolved", "");
	return true;
}

static bool
not_excluded(const struct conf *c, const struct changeset *cs)
{
	for (size_t i = 0; i < cs->users.n; i++)
		if (strlist_has(&c->user_exclude, cs->users.v[i].name))
			return no("an excluded name: ", cs->users.v[i].name);
	for (size_t i = 0; i < cs->groups.n; i++)
		if (strlist_has(&c->group_exclude, cs->groups.v[i].name))
			return no("an excluded name: ", cs->groups.v[i].name);
	return true;
}

/* --- the groups a user's change touches ------------------------------- */

/* Whether the line lists one of the names as a member (field 3). */
static bool
lists_any(const struct pwline *l, const struct strlist *names)
{
	char *list, *save = NULL;
	bool found = false;

	/* A glance first: most lines hold none of the names at all. */
	for (size_t i = 0; i < names->n && !found; i++)
		found = memmem(l->raw, l->len, names->v[i],
		    strlen(names->v[i])) != NULL;
	if (!found)
		return false;
	found = false;
	list = pwline_field(l, 3);
	for (char *t = list ? strtok_r(list, ",", &save) : NULL; t && !found;
	    t = strtok_r(NULL, ",", &save))
		found = strlist_has(names, t);
	free(list);
	return found;
}

static const struct managed *
view_group(const struct state_view *w, const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].is_group && strcmp(w->v[i].name, name) == 0)
			return &w->v[i];
	return NULL;
}

/*
 * A managed group that a user's change touches, planned again, unless it
 * is changed (so there already) or kept (no plan touches its line).
 */
static bool
add_group(struct changeset *cs, const struct changeset_in *in,
    struct keys *k, struct mapper *m, const struct managed *rec)
{
	const struct entry *e;
	uint32_t search;

	if (rec->kept || rec->uuid == NULL ||
	    htab_get(k->uuids[1], rec->uuid) != NULL)
		return true;
	if ((e = dircache_get(in->cache, rec->uuid, &search)) == NULL ||
	    !syncrepl_is_group(in->c, search))
		return no("a group's entry is not in the cache: ", rec->name);
	map_group(m, e, &cs->groups);
	state_add(&cs->old, rec);
	htab_put(k->uuids[1], keep(k, rec->uuid), (void *)1);
	namefilter_add(&k->seen, rec->uuid);
	strlist_add(&k->uuid_list, rec->uuid);
	htab_put(k->own[1], keep(k, rec->name), (void *)1);
	return true;
}

/* The managed group whose uuid hashes to the owner of a pair. */
static const struct managed *
owning_group(const struct state_view *w, const char *pair)
{
	char h[17];

	for (size_t i = 0; i < w->n; i++) {
		if (!w->v[i].is_group || w->v[i].uuid == NULL)
			continue;
		state_unresolved_hash(w->v[i].uuid, h);
		if (memcmp(h, pair, 16) == 0)
			return &w->v[i];
	}
	return NULL;
}

/* Groups that listed a user's name or DN when none was an account. */
static bool
waiting_groups(struct changeset *cs, const struct changeset_in *in,
    struct keys *k, struct mapper *m)
{
	const struct strlist *u = &cs->view.unresolved;
	struct htab *names = htab_new(cs->users.n + k->dns.n);
	const struct managed *rec;
	bool ok = true;

	for (size_t i = 0; i < cs->users.n; i++)
		hash_into(k, names, cs->users.v[i].name);
	for (size_t i = 0; i < k->dns.n; i++)
		hash_into(k, names, k->dns.v[i]);
	for (size_t i = 0; i < u->n && ok; i++)
		if (state_unresolved_key(u->v[i], names) &&
		    (rec = owning_group(&cs->view, u->v[i])) != NULL)
			ok = add_group(cs, in, k, m, rec);
	htab_free(names);
	return ok;
}

/*
 * The managed groups a user's change touches, planned again: those that
 * list a user who leaves or changes name, and those that listed a new
 * user's name before she was an account.
 */
static bool
touched_groups(struct changeset *cs, const struct changeset_in *in,
    struct keys *k, const struct pwfile *group)
{
	struct mapper *m = mapper_new(in->c, in->root);
	const struct managed *rec;
	bool ok = true;

	mapper_quiet(m, true);
	for (size_t i = 0; i < group->n && ok && k->freed.n > 0; i++) {
		const struct pwline *l = &group->lines[i];

		if (l->name == NULL || !lists_any(l, &k->freed) ||
		    (rec = view_group(&cs->view, l->name)) == NULL)
			continue;	/* a local group: strips suffice */
		ok = add_group(cs, in, k, m, rec);
	}
	if (ok)
		ok = waiting_groups(cs, in, k, m);
	mapper_free(m);
	return ok && mapped_cleanly(cs);
}

/* --- members listed by DN --------------------------------------------- */

static bool
same_dn(const char *a, const char *b)
{
	char *x, *y;
	bool same;

	if (strcmp(a, b) == 0)
		return true;
	x = dir_dn_fold(a);
	y = dir_dn_fold(b);
	same = x != NULL && y != NULL && strcmp(x, y) == 0;
	free(x);
	free(y);
	return same;
}

/* The value of a DN's first RDN when it is plain (one value, no escape). */
static char *
rdn_value(const char *dn)
{
	const char *eq = strchr(dn, '='), *end;

	if (eq == NULL)
		return NULL;
	end = eq + 1 + strcspn(eq + 1, ",+\\\"");
	return *end == ',' ? xstrndup(eq + 1, (size_t)(end - eq - 1)) : NULL;
}

/* The managed users whose names a member DN's first RDN may be. */
static struct htab *
candidates(const struct changeset *cs, struct strlist *names)
{
	struct htab *want = htab_new(names->n), *found = htab_new(names->n);

	for (size_t i = 0; i < cs->groups.n; i++)
		for (size_t j = 0; j < cs->groups.v[i].member_dns.n; j++) {
			char *v = rdn_value(cs->groups.v[i].member_dns.v[j]);

			if (v != NULL)
				strlist_add(names, v);
			free(v);
		}
	for (size_t i = 0; i < names->n; i++)
		htab_put(want, names->v[i], (void *)1);
	for (size_t i = 0; i < cs->view.n; i++)
		if (!cs->view.v[i].is_group &&
		    htab_get(want, cs->view.v[i].name) != NULL)
			htab_put(found, cs->view.v[i].name, &cs->view.v[i]);
	htab_free(want);
	return found;
}

/*
 * The name of the user a member DN is, as map_members() would find it
 * among all users: a changed one, or a managed one the run leaves alone
 * whose cached entry carries that DN; NULL when neither is.
 */
static const char *
dn_member(struct dnindex *changed, const struct changeset_in *in,
    const struct keys *k, const struct htab *managed, const char *dn)
{
	const struct managed *m;
	const struct entry *e;
	const char *name;
	uint32_t search;
	char *v;

	if ((name = map_dn_lookup(changed, dn)) != NULL)
		return name;
	v = rdn_value(dn);
	m = v != NULL ? htab_get(managed, v) : NULL;
	free(v);
	if (m == NULL || m->suspended || m->kept || m->uuid == NULL ||
	    htab_get(k->uuids[0], m->uuid) != NULL)
		return NULL;
	e = dircache_get(in->cache, m->uuid, &search);
	return e != NULL && !syncrepl_is_group(in->c, search) &&
	    same_dn(e->dn, dn) ? m->name : NULL;
}

/*
 * Member DNs turned into names, after those listed by name, as a whole
 * run does; one the change set cannot tell (a user it does not manage,
 * or a nested group) means the whole directory.
 */
static bool
members_by_dn(struct changeset *cs, const struct changeset_in *in,
    const struct keys *k)
{
	struct dnindex changed = { .users = &cs->users };
	struct strlist names = { 0 };
	struct htab *managed = NULL;
	bool ok = true;

	for (size_t i = 0; i < cs->groups.n && ok; i++) {
		struct group *g = &cs->groups.v[i];

		if (g->member_dns.n > 0 && in->c->nested_groups) {
			ok = no("a group lists members by DN, and groups "
			    "nest: ", g->name);
			break;
		}
		if (g->member_dns.n > 0 && managed == NULL)
			managed = candidates(cs, &names);
		for (size_t j = 0; j < g->member_dns.n && ok; j++) {
			const char *name = dn_member(&changed, in, k, managed,
			    g->member_dns.v[j]);

			if (name == NULL)
				ok = no("a member DN is no user the change set "
				    "can tell: ", g->member_dns.v[j]);
			else
				strlist_add(&g->members, name);
		}
		strlist_free(&g->member_dns);
	}
	map_dnindex_free(&changed);
	htab_free(managed);
	strlist_free(&names);
	return ok;
}

/* --- the files -------------------------------------------------------- */

/* The names whose lines in passwd and shadow the plan reads. */
static void
names_concerned(const struct changeset *cs, struct strlist *out)
{
	for (size_t i = 0; i < cs->users.n; i++)
		strlist_add(out, cs->users.v[i].name);
	for (size_t i = 0; i < cs->old.n; i++)
		if (!cs->old.v[i].is_group)
			strlist_add(out, cs->old.v[i].name);
	for (size_t i = 0; i < cs->groups.n; i++)
		for (size_t j = 0; j < cs->groups.v[i].members.n; j++)
			strlist_add(out, cs->groups.v[i].members.v[j]);
}

static bool
load_files(struct changeset *cs, const struct changeset_in *in,
    struct pwfile f[CS_FILES])
{
	struct strlist names = { 0 };
	bool ok;

	names_concerned(cs, &names);
	ok = pwfile_load_some(&f[CS_PASSWD], in->paths[CS_PASSWD], &names) == 0
	    && pwfile_load_some(&f[CS_SHADOW], in->paths[CS_SHADOW],
	    &names) == 0;
	strlist_free(&names);
	return ok;
}

/* A new name or id held by a local line (the state's were checked). */
static bool
local_free(const struct keys *k, int g, const struct pwfile *f,
    const char *const *names, size_t n)
{
	char *holder;

	for (size_t i = 0; i < n; i++)
		if (pwfile_find(f, names[i]) != NULL &&
		    htab_get(k->own[g], names[i]) == NULL)
			return no("a changed entry takes a local account's "
			    "name: ", names[i]);
	if ((holder = pwfile_id_holder(f, k->ids[g], k->own[g])) != NULL) {
		no("a changed entry takes a local account's id: ", holder);
		free(holder);
		return false;
	}
	return true;
}

static bool
no_local_clash(const struct changeset *cs, const struct keys *k,
    const struct pwfile f[CS_FILES])
{
	const char **un = xcalloc(cs->users.n + 1, sizeof(*un));
	const char **gn = xcalloc(cs->groups.n + 1, sizeof(*gn));
	bool ok;

	for (size_t i = 0; i < cs->users.n; i++)
		un[i] = cs->users.v[i].name;
	for (size_t i = 0; i < cs->groups.n; i++)
		gn[i] = cs->groups.v[i].name;
	ok = local_free(k, 0, &f[CS_PASSWD], un, cs->users.n) &&
	    local_free(k, 1, &f[CS_GROUP], gn, cs->groups.n);
	free(un);
	free(gn);
	return ok;
}

/*
 * The names a group line's member list holds, read in place: one more
 * than its commas, but for one that ends it, as members_managed() in
 * plan.c counts them.
 */
static size_t
member_count(const struct pwline *l)
{
	const char *p = l->raw, *end = l->raw + l->len, *list;
	size_t n = 1;

	for (int colons = 0; colons < 3; colons++, p++)
		if ((p = memchr(p, ':', (size_t)(end - p))) == NULL)
			return 0;
	if ((list = memchr(p, ':', (size_t)(end - p))) != NULL)
		end = list;
	if (p == end)
		return 0;
	n -= end[-1] == ',';
	for (; p < end; p++)
		n += *p == ',';
	return n;
}

/* What the guard weighs against: every account and membership. */
static void
count_totals(struct changeset *cs, const struct pwfile *group)
{
	const struct state_view *w = &cs->view;

	memset(&cs->totals, 0, sizeof(cs->totals));
	for (size_t i = 0; i < w->n; i++) {
		const struct pwline *l;

		if (i + HTAB_AHEAD < w->n && w->v[i + HTAB_AHEAD].is_group)
			htab_prefetch(group->byname, w->v[i + HTAB_AHEAD].name);
		if (!w->v[i].is_group) {
			cs->totals.users++;
			continue;
		}
		cs->totals.groups++;
		if ((l = pwfile_find(group, w->v[i].name)) != NULL)
			cs->totals.members += member_count(l);
	}
}

/* --- the change set --------------------------------------------------- */

static bool
usable(const struct conf *c)
{
	if (!c->files)
		return no("files no", "");
	if (!c->users || !c->groups || !c->memberships)
		return no("users, groups or memberships are off", "");
	/* Whether a user may have an account depends on every group. */
	if (c->login_groups.n > 0)
		return no("login_groups", "");
	/* A local group's line follows its directory groups' members. */
	if (c->local_group_map.n > 0)
		return no("local_group_map", "");
	return true;
}

/* The state's records of the accounts concerned. */
static bool
old_records(struct changeset *cs, const struct changeset_in *in,
    struct keys *k)
{
	if (state_view_load(&cs->view, in->state_path) != 0)
		return no("the state cannot be read", "");
	if (!cs->view.laid_out)
		return no("the state is laid out as an older version wrote it",
		    "");
	return old_accounts(cs, in, k) && not_excluded(in->c, cs);
}

/* group and gshadow whole, on a second thread (util.h's task). */
struct group_files {
	const struct changeset_in	*in;
	struct pwfile			*f;
	bool				 ok;
};

static void
load_group_files(void *arg)
{
	struct group_files *g = arg;

	g->ok = pwfile_load(&g->f[CS_GROUP], g->in->paths[CS_GROUP]) == 0 &&
	    pwfile_load(&g->f[CS_GSHADOW], g->in->paths[CS_GSHADOW]) == 0;
}

static bool
load(struct changeset *cs, const struct changeset_in *in, struct keys *k,
    struct pwfile f[CS_FILES])
{
	struct group_files g = { in, f, false };
	struct task *t;
	bool ok;

	if (!usable(in->c) || !map_changes(cs, in, k) || !mapped_cleanly(cs))
		return false;
	map_dedupe_users(&cs->users);
	map_dedupe_groups(&cs->groups);
	new_keys(cs, k);
	/* Both reads take some 10 ms: each on its own core. */
	t = task_start(load_group_files, &g);
	ok = old_records(cs, in, k);
	task_wait(t);
	if (!ok || !g.ok)
		return false;
	if (!touched_groups(cs, in, k, &f[CS_GROUP]) ||
	    !members_by_dn(cs, in, k) || !resolved(cs, k) ||
	    !load_files(cs, in, f) || !no_local_clash(cs, k, f))
		return false;
	/* What a lookup found unreadable, the whole run's mapping reports. */
	if (in->cache->damaged)
		return no("the directory cache is damaged", "");
	count_totals(cs, &f[CS_GROUP]);
	state_index(&cs->old);
	cs->planned = k->uuid_list;
	memset(&k->uuid_list, 0, sizeof(k->uuid_list));
	return true;
}

bool
changeset_load(struct changeset *cs, const struct changeset_in *in,
    struct pwfile f[CS_FILES])
{
	struct keys k;
	bool ok;

	memset(cs, 0, sizeof(*cs));
	state_init(&cs->old);
	keys_init(&k);
	ok = load(cs, in, &k, f);
	keys_free(&k);
	if (!ok) {
		changeset_free(cs);
		for (int i = 0; i < CS_FILES; i++)
			pwfile_free(&f[i]);
	}
	return ok;
}

void
changeset_plan(struct changeset *cs, const struct conf *c,
    const struct pwfile f[CS_FILES], struct plan *out)
{
	struct plan_input in = { c, &cs->users, &cs->groups, &cs->old,
	    &f[CS_PASSWD], &f[CS_SHADOW], &f[CS_GROUP], &f[CS_GSHADOW],
	    &cs->totals, false };

	plan_make(&in, out);
}

static bool
same_record(const struct managed *a, const struct managed *b)
{
	return a->is_group == b->is_group && a->id == b->id &&
	    a->suspended == b->suspended && a->kept == b->kept &&
	    strcmp(a->name, b->name) == 0 && (a->uuid == NULL ?
	    b->uuid == NULL : b->uuid != NULL && strcmp(a->uuid, b->uuid) == 0);
}

/* Whether the plan's records and pairs are those they replace. */
static bool
state_same(const struct changeset *cs, const struct plan *p,
    const struct htab *owners)
{
	const struct strlist *had = &cs->view.unresolved;
	const struct strlist *has = &p->next.unresolved;
	size_t k = 0;

	if (p->next.n != cs->old.n)
		return false;
	for (size_t i = 0; i < p->next.n; i++) {
		const struct htab *t = p->next.v[i].is_group ?
		    cs->old.groups_by_name : cs->old.users_by_name;
		const struct managed *m = htab_get(t, p->next.v[i].name);

		if (m == NULL || !same_record(m, &p->next.v[i]))
			return false;
	}
	/* Both sorted: the planned owners' pairs, then the plan's. */
	for (size_t i = 0; i < had->n; i++) {
		if (!state_unresolved_owner(had->v[i], owners))
			continue;
		if (k == has->n || strcmp(had->v[i], has->v[k++]) != 0)
			return false;
	}
	return k == has->n;
}

bool
changeset_state(const struct changeset *cs, const struct plan *p,
    struct buf *out)
{
	struct htab *owners = htab_new(cs->planned.n);
	char (*h)[17] = xcalloc(cs->planned.n + 1, sizeof(*h));
	bool changed;

	for (size_t i = 0; i < cs->planned.n; i++) {
		state_unresolved_hash(cs->planned.v[i], h[i]);
		htab_put(owners, h[i], h[i]);
	}
	if ((changed = !state_same(cs, p, owners)))
		state_splice(&cs->view, &cs->old, owners, &p->next, out);
	htab_free(owners);
	free(h);
	return changed;
}

void
changeset_free(struct changeset *cs)
{
	users_free(&cs->users);
	groups_free(&cs->groups);
	state_free(&cs->old);
	state_view_free(&cs->view);
	strlist_free(&cs->planned);
}
