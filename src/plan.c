#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/param.h>

#include "acctline.h"
#include "htab.h"
#include "log.h"
#include "plan.h"

/* What becomes of an account ldapsync managed before this run. */
enum fate { FATE_MATCHED, FATE_KEEP, FATE_SUSPEND, FATE_DELETE };

/* One kind (users or groups) being planned. */
struct side {
	bool		 groups;
	size_t		 n;		/* desired entries */
	struct managed	**match;	/* per desired: what it continues */
	bool		*skip;		/* per desired: refused here */
	enum fate	*fate;		/* per old state entry */
	struct htab	*names, *ids;	/* taken by local or kept accounts */
	struct htab	*by_name, *by_uuid;	/* old state */
};

struct planner {
	const struct plan_input	*in;
	struct plan		*out;
	struct htab		*seen;		/* refused entries' names, uuids */
	struct htab		*accounts;	/* user names after this run */
	struct htab		*renamed;	/* old user name -> new */
	struct htab		*synced;	/* the users this plan syncs */
	struct side		 u, g;
};

/* --- changes ---------------------------------------------------------- */

static void
change(struct planner *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
change(struct planner *p, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (p->in->unlisted)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL)
		return;
	strlist_add(&p->out->changes, s);
	free(s);
}

/* Every field of a line, as strings. */
static void
split_fields(const char *s, size_t len, struct strlist *out)
{
	struct acct_field f[16];
	size_t n = acctline_split(s, len, f, 16);

	for (size_t i = 0; i < n && i < 16; i++) {
		char *v = xstrndup(f[i].p, f[i].len);

		strlist_add(out, v);
		free(v);
	}
}

/*
 * One change line per field that differs; labels name the fields worth
 * reporting (NULL: not reported).  Passwords are never shown.
 */
static unsigned
diff_line(struct planner *p, const char *kind, const char *name,
    const struct pwline *old, const char *new, const char *const *labels,
    size_t nlabels)
{
	struct strlist a = { 0 }, b = { 0 };
	unsigned n = 0;

	if (old == NULL)
		return 1;
	if (pwline_is(old, new))
		return 0;
	split_fields(old->raw, old->len, &a);
	split_fields(new, strlen(new), &b);
	for (size_t i = 0; i < nlabels; i++) {
		const char *x = i < a.n ? a.v[i] : "", *y = i < b.n ? b.v[i] : "";

		if (strcmp(x, y) == 0)
			continue;
		n++;
		if (labels[i] == NULL)
			continue;
		if (strcmp(labels[i], "password") == 0)
			change(p, "~ %s %s password changed", kind, name);
		else
			change(p, "~ %s %s %s %s -> %s", kind, name, labels[i],
			    x, y);
	}
	if (a.n != b.n)
		n++;
	strlist_free(&a);
	strlist_free(&b);
	return n;
}

/* --- matching --------------------------------------------------------- */

static const char *
d_name(const struct planner *p, const struct side *s, size_t i)
{
	return s->groups ? p->in->groups->v[i].name : p->in->users->v[i].name;
}

static const char *
d_uuid(const struct planner *p, const struct side *s, size_t i)
{
	return s->groups ? p->in->groups->v[i].uuid : p->in->users->v[i].uuid;
}

static uint32_t
d_id(const struct planner *p, const struct side *s, size_t i)
{
	return s->groups ? p->in->groups->v[i].gid : p->in->users->v[i].uid;
}

static const char *
d_dn(const struct planner *p, const struct side *s, size_t i)
{
	return s->groups ? p->in->groups->v[i].dn : p->in->users->v[i].dn;
}

static const struct strlist *
excludes(const struct planner *p, const struct side *s)
{
	return s->groups ? &p->in->c->group_exclude : &p->in->c->user_exclude;
}

static size_t
idx(const struct planner *p, const struct managed *m)
{
	return (size_t)(m - p->in->old->v);
}

/*
 * By entryUUID first, so a rename keeps the account; then by name, so a
 * user who comes back under a new entryUUID is restored.
 */
static void
match(struct planner *p, struct side *s)
{
	struct managed *m;

	for (size_t i = 0; i < s->n; i++) {
		if (strlist_has(excludes(p, s), d_name(p, s, i))) {
			log_verbose("%s: %s is excluded", d_dn(p, s, i),
			    d_name(p, s, i));
			s->skip[i] = true;
			continue;
		}
		if (d_uuid(p, s, i) == NULL ||
		    (m = htab_get(s->by_uuid, d_uuid(p, s, i))) == NULL)
			continue;
		s->match[i] = m;
		s->fate[idx(p, m)] = FATE_MATCHED;
	}
	for (size_t i = 0; i < s->n; i++) {
		if (s->skip[i] || s->match[i] ||
		    (m = htab_get(s->by_name, d_name(p, s, i))) == NULL ||
		    s->fate[idx(p, m)] == FATE_MATCHED)
			continue;
		s->match[i] = m;
		s->fate[idx(p, m)] = FATE_MATCHED;
	}
}

/* Whether the directory sent this account, but it was refused. */
static bool
skipped_now(const struct planner *p, const struct managed *m)
{
	return htab_get(p->seen, m->name) != NULL ||
	    (m->uuid != NULL && htab_get(p->seen, m->uuid) != NULL);
}

/* Managed accounts the directory no longer lists, by policy. */
static void
decide_removed(struct planner *p, struct side *s)
{
	const struct state *old = p->in->old;
	enum removal policy = s->groups ? p->in->c->group_removal :
	    p->in->c->user_removal;

	for (size_t i = 0; i < old->n; i++) {
		const struct managed *m = &old->v[i];

		if (m->is_group != s->groups || s->fate[i] == FATE_MATCHED)
			continue;
		if (skipped_now(p, m)) {
			s->fate[i] = FATE_KEEP;
			/* Bad data where there was good: a removal, for the
			 * guard. */
			if (!m->kept && !m->suspended)
				(*(s->groups ? &p->out->groups_skipped :
				    &p->out->users_skipped))++;
		} else if (strlist_has(excludes(p, s), m->name) ||
		    policy == RM_NOTHING ||
		    (policy == RM_SUSPEND && m->suspended))
			s->fate[i] = FATE_KEEP;
		else
			s->fate[i] = policy == RM_SUSPEND ? FATE_SUSPEND :
			    FATE_DELETE;
	}
}

/* --- collisions ------------------------------------------------------- */

static void
occupy(struct side *s, const char *name, uint32_t id)
{
	if (htab_get(s->names, name) == NULL)
		htab_put(s->names, name, (void *)name);
	if (htab_get_id(s->ids, id) == NULL)
		htab_put_id(s->ids, id, (void *)name);
}

/*
 * Local lines (not managed) and kept managed accounts hold their names.
 * Local users are accounts that groups may list as members.
 */
static void
occupy_existing(struct planner *p, struct side *s, const struct pwfile *f)
{
	const struct state *old = p->in->old;
	size_t managed = htab_count(s->by_name);
	struct acct_field field[4];
	uint32_t id;

	/* A change set's plan sees the lines of accounts it does not plan
	 * as local: as many as the file has. */
	htab_reserve(s->names, f->n > managed ? f->n - managed : 0);
	htab_reserve(s->ids, f->n > managed ? f->n - managed : 0);
	for (size_t i = 0; i < f->n; i++) {
		const struct pwline *l = &f->lines[i];

		if (l->name == NULL || htab_get(s->by_name, l->name) != NULL)
			continue;
		if (!s->groups)
			htab_put(p->accounts, l->name, (void *)l->name);
		if (acctline_split(l->raw, l->len, field, 4) > 2 &&
		    parse_id(field[2].p, field[2].len, &id))
			occupy(s, l->name, id);
		else
			htab_put(s->names, l->name, (void *)l->name);
	}
	for (size_t i = 0; i < old->n; i++)
		if (old->v[i].is_group == s->groups &&
		    (s->fate[i] == FATE_KEEP || s->fate[i] == FATE_SUSPEND))
			occupy(s, old->v[i].name, old->v[i].id);
}

static const char *
holder(const struct side *s, const char *name)
{
	return htab_get(s->by_name, name) != NULL ?
	    "an account ldapsync keeps from earlier runs" : "a local account";
}

static bool
collides(struct planner *p, struct side *s, size_t i)
{
	const char *name = d_name(p, s, i), *other;
	uint32_t id = d_id(p, s, i);

	if ((other = htab_get(s->names, name)) != NULL) {
		log_warn("%s: skipped: the name %s belongs to %s", d_dn(p, s, i),
		    name, holder(s, other));
		return true;
	}
	if ((other = htab_get_id(s->ids, id)) != NULL) {
		log_warn("%s: skipped: the id %u belongs to %s %s",
		    d_dn(p, s, i), id, holder(s, other), other);
		return true;
	}
	return false;
}

/*
 * A directory entry that collides is skipped, and the account it would
 * have continued stays as it is, holding its own name and id, which may
 * in turn block another entry: repeat until nothing changes.
 */
static void
resolve_collisions(struct planner *p, struct side *s)
{
	bool again = true;

	while (again) {
		again = false;
		for (size_t i = 0; i < s->n; i++) {
			if (s->skip[i] || !collides(p, s, i))
				continue;
			s->skip[i] = true;
			if (s->match[i] != NULL) {
				s->fate[idx(p, s->match[i])] = FATE_KEEP;
				occupy(s, s->match[i]->name, s->match[i]->id);
				s->match[i] = NULL;
				again = true;
			}
		}
	}
}

/* --- users ------------------------------------------------------------ */

static const char *const passwd_labels[] = { NULL, NULL, "uid", "gid",
    "gecos", "home", "shell" };
static const char *const shadow_labels[] = { NULL, "password", "lastchg",
    "min", "max", "warn", "inactive", "expire", NULL };

/* A line already as it should be is left alone, like a local one. */
static void
put_line(struct pwedit *e, const struct pwline *l, const char *oldname,
    const char *text)
{
	if (l == NULL)
		pwedit_append(e, text);
	else if (!pwline_is(l, text))
		pwedit_replace(e, oldname, text);
}

/* A shadow line as a suspension leaves it: locked, expired on day 1. */
static bool
suspended_line(const struct pwline *sl)
{
	char *pw = sl ? pwline_field(sl, 1) : NULL;
	char *expire = sl ? pwline_field(sl, 7) : NULL;
	bool yes = pw != NULL && pw[0] == '!' && expire != NULL &&
	    strcmp(expire, "1") == 0;

	free(pw);
	free(expire);
	return yes;
}

static void
update_user(struct planner *p, const struct user *d, const struct managed *m,
    const char *pw, const char *sh, const struct pwline *pl,
    const struct pwline *sl)
{
	unsigned n = 0;

	if (strcmp(m->name, d->name) != 0) {
		change(p, "~ user %s renamed from %s", d->name, m->name);
		htab_put(p->renamed, m->name, (void *)d->name);
		n++;
	}
	if (m->suspended) {
		change(p, "~ user %s unsuspended", d->name);
		n++;
	}
	/* Disabled in the directory: a suspension, for the summary and guard. */
	if (d->disabled && !suspended_line(sl)) {
		change(p, "! user %s suspended: disabled in the directory",
		    d->name);
		p->out->users[N_SUSPENDED]++;
		return;
	}
	n += diff_line(p, "user", d->name, pl, pw, passwd_labels, 7);
	n += diff_line(p, "user", d->name, sl, sh, shadow_labels, 9);
	if (n > 0)
		p->out->users[N_UPDATED]++;
}

/* The lines of a user, new (m NULL) or continuing the account m. */
static void
user_lines(struct planner *p, const struct user *d, const struct managed *m)
{
	char *pw = acctline_passwd(d), *sh = acctline_shadow(d);
	const struct pwline *pl = m ? pwfile_find(p->in->passwd, m->name) : NULL;
	const struct pwline *sl = m ? pwfile_find(p->in->shadow, m->name) : NULL;

	if (m != NULL)
		update_user(p, d, m, pw, sh, pl, sl);
	else {
		change(p, "+ user %s uid=%u", d->name, d->uid);
		p->out->users[N_ADDED]++;
	}
	put_line(&p->out->passwd, pl, m ? m->name : NULL, pw);
	put_line(&p->out->shadow, sl, m ? m->name : NULL, sh);
	free(pw);
	free(sh);
}

/* The user's keys replace those the account had, under either name. */
static void
user_keys(struct planner *p, const struct user *d, const struct managed *m)
{
	strlist_add(&p->out->keys_drop, d->name);
	if (m != NULL && strcmp(m->name, d->name) != 0)
		strlist_add(&p->out->keys_drop, m->name);
	for (size_t i = 0; i < d->keys.n; i++) {
		char *line = xasprintf("%s:%s", d->name, d->keys.v[i]);

		strlist_add(&p->out->keys, line);
		free(line);
	}
}

static void
want_home(struct plan *out, const struct user *d)
{
	out->homes = xreallocarray(out->homes, out->nhomes + 1,
	    sizeof(*out->homes));
	out->homes[out->nhomes++] = (struct plan_home){ xstrdup(d->home),
	    d->uid, d->gid };
}

static void
apply_user(struct planner *p, size_t i)
{
	const struct user *d = &p->in->users->v[i];

	user_lines(p, d, p->u.match[i]);
	user_keys(p, d, p->u.match[i]);
	htab_put(p->synced, d->name, (void *)d->name);
	if (p->in->c->create_home)
		want_home(p->out, d);
	state_add(&p->out->next, &(struct managed){ .name = d->name,
	    .id = d->uid, .uuid = d->uuid });
	htab_put(p->accounts, d->name, (void *)d->name);
}

/* The tables apply_user() fills, brought into the cache ahead of it. */
static void
users_ahead(const struct planner *p, size_t i)
{
	const struct users *l = p->in->users;

	/* The name further ahead still: it is read to hash it. */
	if (i + HTAB_AHEAD < p->u.n)
		__builtin_prefetch(l->v[i + HTAB_AHEAD].name);
	if (i >= p->u.n)
		return;
	htab_prefetch(p->synced, l->v[i].name);
	htab_prefetch(p->accounts, l->v[i].name);
}

/* Locked shell, "!"-locked password, expired: neither password nor key. */
static void
suspend_user(struct planner *p, const struct managed *m)
{
	const struct pwline *pl = pwfile_find(p->in->passwd, m->name);
	const struct pwline *sl = pwfile_find(p->in->shadow, m->name);
	struct strlist f = { 0 };
	struct buf b = { 0 };

	if (pl != NULL) {
		split_fields(pl->raw, pl->len, &f);
		for (size_t i = 0; i < 6 && i < f.n; i++)
			buf_printf(&b, "%s:", f.v[i]);
		buf_addstr(&b, p->in->c->suspend_shell);
		pwedit_replace(&p->out->passwd, m->name, buf_cstr(&b));
		strlist_free(&f);
		b.len = 0;
	}
	if (sl != NULL) {
		split_fields(sl->raw, sl->len, &f);
		for (size_t i = 0; i < 9; i++) {
			const char *v = i < f.n ? f.v[i] : "";

			if (i == 1 && v[0] != '!')
				buf_addc(&b, '!');
			buf_addstr(&b, i == 7 ? "1" : v);
			if (i < 8)
				buf_addc(&b, ':');
		}
		pwedit_replace(&p->out->shadow, m->name, buf_cstr(&b));
		strlist_free(&f);
	}
	buf_free(&b);
	change(p, "! user %s suspended", m->name);
	p->out->users[N_SUSPENDED]++;
}

static void
finish_removed_users(struct planner *p)
{
	const struct state *old = p->in->old;

	for (size_t i = 0; i < old->n; i++) {
		const struct managed *m = &old->v[i];

		if (m->is_group)
			continue;
		switch (p->u.fate[i]) {
		case FATE_MATCHED:
			continue;
		case FATE_DELETE:
			pwedit_replace(&p->out->passwd, m->name, NULL);
			pwedit_replace(&p->out->shadow, m->name, NULL);
			pwedit_strip(&p->out->group, m->name);
			pwedit_strip(&p->out->gshadow, m->name);
			change(p, "- user %s deleted", m->name);
			p->out->users[N_DELETED]++;
			strlist_add(&p->out->keys_drop, m->name);
			continue;
		case FATE_SUSPEND:
			suspend_user(p, m);
			strlist_add(&p->out->keys_drop, m->name);
			break;
		case FATE_KEEP:
			break;
		}
		state_add(&p->out->next, &(struct managed){ .name = m->name,
		    .id = m->id, .uuid = m->uuid,
		    .suspended = m->suspended || p->u.fate[i] == FATE_SUSPEND,
		    .kept = !m->suspended && p->u.fate[i] == FATE_KEEP });
		htab_put(p->accounts, m->name, (void *)m->name);
	}
}

/* --- groups ----------------------------------------------------------- */

/*
 * Whether name was listed before; a table only for long lists, as most
 * groups are short and a table apiece costs more than a scan.
 */
static bool
listed_before(struct htab *had, const struct strlist *l, size_t i)
{
	if (had == NULL) {
		for (size_t j = 0; j < i; j++)
			if (strcmp(l->v[j], l->v[i]) == 0)
				return true;
		return false;
	}
	return htab_put(had, l->v[i], l->v[i]) != NULL;
}

/* Member names that are accounts here, each once, in directory order. */
static void
filter_members(struct planner *p, const struct group *d, struct strlist *out)
{
	struct htab *had = d->members.n > 32 ? htab_new(d->members.n) : NULL;

	for (size_t i = 0; i < d->members.n; i++) {
		const char *name = d->members.v[i];

		htab_prefetch_ahead(p->accounts,
		    (const char *const *)d->members.v, d->members.n, i);
		if (listed_before(had, &d->members, i))
			continue;
		if (htab_get(p->accounts, name) != NULL)
			strlist_add(out, name);
		else {
			log_verbose("group %s: member %s is not an account "
			    "here, dropped", d->name, name);
			state_unresolved_add(&p->out->next.unresolved,
			    d->uuid ? d->uuid : d->dn, name);
		}
	}
	htab_free(had);
}

/* With "memberships no" a managed group keeps the members it has. */
static void
current_members(const struct pwline *l, struct strlist *out)
{
	char *list = l ? pwline_field(l, 3) : NULL, *save = NULL;

	if (list == NULL)
		return;
	for (char *t = strtok_r(list, ",", &save); t;
	    t = strtok_r(NULL, ",", &save))
		strlist_add(out, t);
	free(list);
}

static void
member_diff(struct planner *p, const char *name, const struct strlist *old,
    const struct strlist *new)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < new->n; i++)
		if (!strlist_has(old, new->v[i]))
			buf_printf(&b, " +%s", new->v[i]);
	for (size_t i = 0; i < old->n; i++) {
		const char *to = htab_get(p->renamed, old->v[i]);

		if (strlist_has(new, old->v[i]))
			continue;
		buf_printf(&b, " -%s", old->v[i]);
		/* A member renamed stays a member: no removal for the guard. */
		if (to == NULL || !strlist_has(new, to))
			p->out->members_dropped++;
	}
	if (b.len > 0)
		change(p, "~ group %s members%s", name, buf_cstr(&b));
	buf_free(&b);
}

static void
update_group(struct planner *p, const struct group *d, const struct managed *m,
    const struct strlist *members, const char *gl, const char *gsl)
{
	const struct pwline *old = pwfile_find(p->in->group, m->name);
	const struct pwline *olds = pwfile_find(p->in->gshadow, m->name);
	struct strlist had = { 0 };
	char *oldgid;

	if (pwline_is(old, gl) && pwline_is(olds, gsl))
		return;
	oldgid = old ? pwline_field(old, 2) : NULL;
	if (strcmp(m->name, d->name) != 0)
		change(p, "~ group %s renamed from %s", d->name, m->name);
	if (oldgid != NULL && (uint32_t)strtoul(oldgid, NULL, 10) != d->gid)
		change(p, "~ group %s gid %s -> %u", d->name, oldgid, d->gid);
	current_members(old, &had);
	member_diff(p, d->name, &had, members);
	p->out->groups[N_UPDATED]++;
	strlist_free(&had);
	free(oldgid);
}

static void
apply_group(struct planner *p, size_t i)
{
	const struct group *d = &p->in->groups->v[i];
	const struct managed *m = p->g.match[i];
	struct strlist members = { 0 };
	char *gl, *gsl;

	if (p->in->c->memberships)
		filter_members(p, d, &members);
	else if (m != NULL)
		current_members(pwfile_find(p->in->group, m->name), &members);
	gl = acctline_group(d->name, d->gid, &members);
	gsl = acctline_gshadow(d->name, &members);
	if (m != NULL)
		update_group(p, d, m, &members, gl, gsl);
	else {
		change(p, "+ group %s gid=%u", d->name, d->gid);
		p->out->groups[N_ADDED]++;
	}
	put_line(&p->out->group, m ? pwfile_find(p->in->group, m->name) : NULL,
	    m ? m->name : NULL, gl);
	put_line(&p->out->gshadow, m ? pwfile_find(p->in->gshadow, m->name) :
	    NULL, m ? m->name : NULL, gsl);
	state_add(&p->out->next, &(struct managed){ .name = d->name,
	    .id = d->gid, .uuid = d->uuid, .is_group = true });
	strlist_free(&members);
	free(gl);
	free(gsl);
}

static void
finish_removed_groups(struct planner *p)
{
	const struct state *old = p->in->old;

	for (size_t i = 0; i < old->n; i++) {
		const struct managed *m = &old->v[i];

		if (!m->is_group || p->g.fate[i] == FATE_MATCHED)
			continue;
		if (p->g.fate[i] == FATE_DELETE) {
			pwedit_replace(&p->out->group, m->name, NULL);
			pwedit_replace(&p->out->gshadow, m->name, NULL);
			change(p, "- group %s deleted", m->name);
			p->out->groups[N_DELETED]++;
			continue;
		}
		state_add(&p->out->next, &(struct managed){ .name = m->name,
		    .id = m->id, .uuid = m->uuid, .is_group = true,
		    .kept = p->g.fate[i] == FATE_KEEP });
	}
}

/* --- local groups (local_group_map) ------------------------------------ */

/*
 * What the directory groups mapped to this local group give it: their
 * members that have an account after this run.
 */
static void
mapped_members(const struct planner *p, const char *local,
    struct strlist *out, struct htab *set)
{
	const struct strlist *map = &p->in->c->local_group_map;
	const struct groups *gl = p->in->groups;

	for (size_t k = 0; k + 1 < map->n; k += 2) {
		if (strcmp(map->v[k + 1], local) != 0)
			continue;
		for (size_t i = 0; i < gl->n; i++) {
			const struct strlist *m = &gl->v[i].members;

			if (strcmp(gl->v[i].name, map->v[k]) != 0)
				continue;
			for (size_t j = 0; j < m->n; j++)
				if (htab_get(p->synced, m->v[j]) != NULL &&
				    htab_put(set, m->v[j], (void *)1) == NULL)
					strlist_add(out, m->v[j]);
		}
	}
}

/*
 * The local group's members: its own (local accounts, in their order),
 * the directory's users it lists that are still mapped to it, then the
 * newly mapped.  A managed user's membership follows the directory.
 */
static void
local_members(const struct planner *p, const struct strlist *had,
    const struct strlist *want, const struct htab *wanted,
    struct strlist *out)
{
	struct htab *kept = htab_new(had->n);

	for (size_t i = 0; i < had->n; i++) {
		bool managed = htab_get(p->synced, had->v[i]) != NULL ||
		    htab_get(p->in->old->users_by_name, had->v[i]) != NULL;

		if (!managed || htab_get(wanted, had->v[i]) != NULL) {
			strlist_add(out, had->v[i]);
			htab_put(kept, had->v[i], (void *)1);
		}
	}
	for (size_t i = 0; i < want->n; i++)
		if (htab_get(kept, want->v[i]) == NULL)
			strlist_add(out, want->v[i]);
	htab_free(kept);
}

/* The line with its field i (the member list) replaced. */
static char *
with_members(const struct pwline *l, int field, const struct strlist *m)
{
	struct strlist f = { 0 };
	struct buf b = { 0 };

	split_fields(l->raw, l->len, &f);
	for (int i = 0; i < (int)f.n || i <= field; i++) {
		if (i > 0)
			buf_addc(&b, ':');
		if (i != field)
			buf_addstr(&b, i < (int)f.n ? f.v[i] : "");
		for (size_t j = 0; i == field && j < m->n; j++)
			buf_printf(&b, "%s%s", j ? "," : "", m->v[j]);
	}
	strlist_free(&f);
	return buf_cstr(&b);
}

static void
map_local_group(struct planner *p, const char *local)
{
	const struct pwline *l = pwfile_find(p->in->group, local);
	const struct pwline *sl = pwfile_find(p->in->gshadow, local);
	struct strlist had = { 0 }, want = { 0 }, now = { 0 };
	struct htab *wanted;
	char *text;

	if (l == NULL || htab_get(p->in->old->groups_by_name, local) != NULL) {
		log_warn("local_group_map: %s is no local group here", local);
		return;
	}
	current_members(l, &had);
	wanted = htab_new(64);
	mapped_members(p, local, &want, wanted);
	local_members(p, &had, &want, wanted, &now);
	htab_free(wanted);
	member_diff(p, local, &had, &now);
	text = with_members(l, 3, &now);
	put_line(&p->out->group, l, local, text);
	free(text);
	if (sl != NULL) {
		text = with_members(sl, 3, &now);
		put_line(&p->out->gshadow, sl, local, text);
		free(text);
	}
	strlist_free(&had);
	strlist_free(&want);
	strlist_free(&now);
}

static void
map_local_groups(struct planner *p)
{
	const struct strlist *map = &p->in->c->local_group_map;

	for (size_t k = 0; k + 1 < map->n; k += 2) {
		bool again = false;

		for (size_t j = 1; j < k; j += 2)
			again |= strcmp(map->v[j], map->v[k + 1]) == 0;
		if (!again)
			map_local_group(p, map->v[k + 1]);
	}
}

/* --- the whole plan --------------------------------------------------- */

static void
side_init(struct planner *p, struct side *s, bool groups)
{
	const struct state *old = p->in->old;

	s->groups = groups;
	s->n = groups ? p->in->groups->n : p->in->users->n;
	s->match = xcalloc(s->n, sizeof(*s->match));
	s->skip = xcalloc(s->n, sizeof(*s->skip));
	s->fate = xcalloc(old->n, sizeof(*s->fate));
	/* They hold local and kept accounts only: usually few. */
	s->names = htab_new(64);
	s->ids = htab_new(64);
	s->by_name = groups ? old->groups_by_name : old->users_by_name;
	s->by_uuid = groups ? old->groups_by_uuid : old->users_by_uuid;
	/* Disabled kind: keep every managed account as it is. */
	for (size_t i = 0; i < old->n; i++)
		s->fate[i] = FATE_KEEP;
}

static void
side_free(struct side *s)
{
	free(s->match);
	free(s->skip);
	free(s->fate);
	htab_free(s->names);
	htab_free(s->ids);
}

static void
plan_side(struct planner *p, struct side *s, const struct pwfile *f)
{
	bool enabled = s->groups ? p->in->c->groups : p->in->c->users;

	if (enabled) {
		match(p, s);
		decide_removed(p, s);
	} else
		s->n = 0;
	occupy_existing(p, s, f);
	resolve_collisions(p, s);
}

static void
see_all(struct planner *p, const struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		htab_prefetch_ahead(p->seen, (const char *const *)l->v, l->n,
		    i);
		htab_put(p->seen, l->v[i], l->v[i]);
	}
}

/* What the next change set must know (state.h): what mapping left. */
static void
unresolved_map(struct planner *p)
{
	const struct groups *g = p->in->groups;
	struct strlist *out = &p->out->next.unresolved;

	for (size_t i = 0; i < p->in->users->unresolved.n; i++)
		strlist_add(out, p->in->users->unresolved.v[i]);
	for (size_t i = 0; i < g->unresolved.n; i++)
		strlist_add(out, g->unresolved.v[i]);
}

static void
unresolved_skips(struct planner *p, const struct side *s)
{
	struct strlist *out = &p->out->next.unresolved;
	char id[16];

	for (size_t i = 0; i < s->n; i++) {
		const char *owner = d_uuid(p, s, i) ? d_uuid(p, s, i) :
		    d_dn(p, s, i);

		if (!s->skip[i])
			continue;
		state_unresolved_add(out, owner, d_name(p, s, i));
		state_unresolved_add(out, owner, owner);
		snprintf(id, sizeof(id), "#%u", d_id(p, s, i));
		state_unresolved_add(out, owner, id);
	}
}

/* Member names in the managed groups' lines as they were. */
static size_t
members_managed(const struct planner *p)
{
	const struct state *old = p->in->old;
	size_t n = 0;

	for (size_t i = 0; i < old->n; i++) {
		const struct pwline *l = old->v[i].is_group ?
		    pwfile_find(p->in->group, old->v[i].name) : NULL;
		char *list = l ? pwline_field(l, 3) : NULL;

		for (char *c = list; c != NULL && *c != '\0'; c++)
			n += c == list || c[-1] == ',';
		free(list);
	}
	return n;
}

/* max_removals: N, or N% of what was managed, always allowing one. */
static bool
guard_trips(const struct conf *c, unsigned removals, size_t managed)
{
	size_t limit = c->max_removals;

	if (c->max_removals_pct) {
		limit = managed * c->max_removals / 100;
		if (limit < 1)
			limit = 1;
	}
	return removals > limit;
}

static void
plan_init(struct plan *out)
{
	memset(out, 0, sizeof(*out));
	state_init(&out->next);
	pwedit_init(&out->passwd);
	pwedit_init(&out->shadow);
	pwedit_init(&out->group);
	pwedit_init(&out->gshadow);
	out->group.strip_fields[0] = 3;
	out->gshadow.strip_fields[0] = 2;
	out->gshadow.strip_fields[1] = 3;
}

void
plan_make(const struct plan_input *in, struct plan *out)
{
	struct planner p = { .in = in, .out = out };

	plan_init(out);
	p.seen = htab_new(in->users->seen.n + in->groups->seen.n);
	see_all(&p, &in->users->seen);
	see_all(&p, &in->groups->seen);
	p.accounts = htab_new(in->users->n + in->passwd->n -
	    MIN(in->passwd->n, htab_count(in->old->users_by_name)));
	p.renamed = htab_new(16);
	p.synced = htab_new(in->users->n);
	side_init(&p, &p.u, false);
	side_init(&p, &p.g, true);

	unresolved_map(&p);
	plan_side(&p, &p.u, in->passwd);
	unresolved_skips(&p, &p.u);
	for (size_t i = 0; i < p.u.n; i++) {
		users_ahead(&p, i + HTAB_AHEAD);
		if (!p.u.skip[i])
			apply_user(&p, i);
	}
	finish_removed_users(&p);

	plan_side(&p, &p.g, in->group);
	unresolved_skips(&p, &p.g);
	for (size_t i = 0; i < p.g.n; i++)
		if (!p.g.skip[i])
			apply_group(&p, i);
	finish_removed_groups(&p);
	map_local_groups(&p);

	state_order(&out->next);
	state_unresolved_sort(&out->next.unresolved);
	out->before = in->totals ? *in->totals : (struct plan_totals){
	    state_count(in->old, false, false),
	    state_count(in->old, true, false), members_managed(&p) };
	out->guard_users = guard_trips(in->c, out->users[N_SUSPENDED] +
	    out->users[N_DELETED] + out->users_skipped, out->before.users);
	out->guard_groups = guard_trips(in->c, out->groups[N_DELETED] +
	    out->groups_skipped, out->before.groups);
	out->guard_members = guard_trips(in->c, out->members_dropped,
	    out->before.members);
	side_free(&p.u);
	side_free(&p.g);
	htab_free(p.seen);
	htab_free(p.accounts);
	htab_free(p.renamed);
	htab_free(p.synced);
}

void
plan_drop_edits(struct plan *pl)
{
	pwedit_free(&pl->passwd);
	pwedit_free(&pl->shadow);
	pwedit_free(&pl->group);
	pwedit_free(&pl->gshadow);
}

void
plan_free(struct plan *pl)
{
	state_free(&pl->next);
	plan_drop_edits(pl);
	strlist_free(&pl->changes);
	strlist_free(&pl->keys_drop);
	strlist_free(&pl->keys);
	for (size_t i = 0; i < pl->nhomes; i++)
		free(pl->homes[i].path);
	free(pl->homes);
}

char *
plan_summary(const struct plan *pl)
{
	return xasprintf("users: %u added, %u updated, %u suspended, "
	    "%u deleted; groups: %u added, %u updated, %u deleted",
	    pl->users[N_ADDED], pl->users[N_UPDATED], pl->users[N_SUSPENDED],
	    pl->users[N_DELETED], pl->groups[N_ADDED], pl->groups[N_UPDATED],
	    pl->groups[N_DELETED]);
}
