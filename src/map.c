#include "config.h"

#include <crypt.h>
#include <ctype.h>
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acctstate.h"
#include "directory.h"
#include "htab.h"
#include "idmap.h"
#include "log.h"
#include "sid.h"
#include "state.h"
#include "map.h"

struct mapper {
	const struct conf	*c;
	struct strlist		 shells;
	bool			 quiet;
	time_t			 now;	/* for accountExpires */
	bool			 named;	/* a passwd map reads $name */
	struct strlist		 synced;	/* synced_groups' DN keys */
};

void
mapper_quiet(struct mapper *m, bool quiet)
{
	m->quiet = quiet;
}

struct mapper *
mapper_new(const struct conf *c, const char *root)
{
	struct mapper *m = xcalloc(1, sizeof(*m));
	char *path = xasprintf("%s/etc/shells", root), *text, *line, *nl;
	size_t len;

	m->c = c;
	m->now = time(NULL);
	m->named = conf_user_reads_name(c);
	for (size_t i = 0; i < c->synced_groups.n; i++) {
		char *key = map_dn_key(c->synced_groups.v[i]);

		strlist_add(&m->synced, key);
		free(key);
	}
	if (read_file(path, &text, &len) == -1) {
		/* getusershell(3)'s answer when the file is missing. */
		strlist_add(&m->shells, "/bin/sh");
		strlist_add(&m->shells, "/bin/csh");
		free(path);
		return m;
	}
	for (line = text; line; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		line += strspn(line, " \t");
		if (*line == '/')
			strlist_add(&m->shells, line);
	}
	free(text);
	free(path);
	return m;
}

void
mapper_free(struct mapper *m)
{
	if (m == NULL)
		return;
	strlist_free(&m->shells);
	strlist_free(&m->synced);
	free(m);
}

/* --- validation ------------------------------------------------------- */

bool
map_valid_name(const struct conf *c, const char *s, size_t len,
    const char **why)
{
	size_t digits = strspn(s, "0123456789");

	if (len == 0 || len != strlen(s))
		*why = "empty name or NUL in name";
	else if (len > 32)
		*why = "name longer than 32 bytes";
	else if (strpbrk(s, ":,") || strpbrk(s, " \t\n\r\v\f"))
		*why = "name holds ':', ',' or white space";
	else if (s[0] == '+' || s[0] == '-')
		*why = "name starts with '+' or '-' (NIS compat syntax)";
	else if (digits == len)
		*why = "name is all digits";
	else if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		*why = "name is '.' or '..'";
	else if (regexec(&c->validnames_re, s, 0, NULL, 0) != 0)
		*why = "name does not match validnames";
	else
		return true;
	return false;
}

/* No ':' (field separator), newline (record separator) or NUL. */
static bool
plain_field(const char *s, size_t len)
{
	return strlen(s) == len && strpbrk(s, ":\n\r") == NULL;
}

static bool
clean_gecos(char *s, size_t len)
{
	bool changed = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == ':' || ch < 0x20 || ch == 0x7f) {
			s[i] = ' ';
			changed = true;
		}
	}
	return changed;
}

static bool
valid_home(const char *s)
{
	const char *p;

	if (s[0] != '/')
		return false;
	for (p = s; (p = strstr(p, "..")) != NULL; p += 2)
		if (p[-1] == '/' && (p[2] == '/' || p[2] == '\0'))
			return false;
	return true;
}

/*
 * A home that is the root, root's, or a system directory (or beneath
 * one of those no user may own anything in): useradd -m or a chown of
 * it would hand the system to the directory.  Spelt any way: repeated
 * slashes, "." components and a trailing slash do not matter.
 */
static bool
system_home(const char *home)
{
	static const char *const exact[] = { "/root", "/bin", "/boot", "/dev",
	    "/etc", "/proc", "/run", "/sbin", "/sys", "/tmp", "/usr", "/var" };
	static const char *const under[] = { "/etc/", "/proc/", "/sys/",
	    "/dev/" };
	struct buf b = { 0 };
	bool bad;

	for (const char *p = home; *p != '\0';) {
		size_t n = strcspn(p, "/");

		if (n > 0 && !(n == 1 && p[0] == '.')) {
			buf_addc(&b, '/');
			buf_add(&b, p, n);
		}
		p += n + (p[n] == '/');
	}
	buf_cstr(&b);
	/* "/" itself, and /lib, /lib64, /libx32... at the top level. */
	bad = b.len == 0 || (strncmp(b.p, "/lib", 4) == 0 &&
	    strchr(b.p + 1, '/') == NULL);
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		bad |= strcmp(b.p, exact[i]) == 0;
	for (size_t i = 0; i < sizeof(under) / sizeof(under[0]); i++)
		bad |= strncmp(b.p, under[i], strlen(under[i])) == 0;
	buf_free(&b);
	return bad;
}

/* --- users ------------------------------------------------------------ */

struct ctx {
	struct mapper		*m;
	const struct entry	*e;
	const char		*why;
	/* The entry with CONF_NAME its final name first, when a map reads it. */
	struct entry		 named;
	struct bval		 name;
};

static char *
field(struct ctx *x, struct expr *ex, size_t *len)
{
	size_t dummy;

	if (ex == NULL)
		return NULL;
	return expr_eval(ex, x->named.attrs ? &x->named : x->e,
	    len ? len : &dummy);
}

static void
name_entry(struct ctx *x, const char *name)
{
	const struct entry *e = x->e;

	x->name = (struct bval){ name, strlen(name) };
	x->named.dn = e->dn;
	x->named.nattrs = e->nattrs + 1;
	x->named.attrs = xcalloc(e->nattrs + 1, sizeof(*e->attrs));
	x->named.attrs[0] = (struct entry_attr){ CONF_NAME, &x->name, 1 };
	memcpy(x->named.attrs + 1, e->attrs, e->nattrs * sizeof(*e->attrs));
}

static bool
refuse(struct ctx *x, const char *why)
{
	x->why = why;
	return false;
}

/*
 * The id id_mapping gives the entry's objectSid, or with rid_attr
 * (primaryGroupID) the SID of that RID in the entry's domain.
 */
static bool
sid_id(struct ctx *x, const char *rid_attr, uint32_t *out)
{
	const struct entry_attr *a = entry_get(x->e, "objectSid");
	const struct entry_attr *r = rid_attr ? entry_get(x->e, rid_attr) : NULL;
	const char *why;
	struct sid sid;

	if (a == NULL || a->nvals == 0)
		return refuse(x, "no id attribute and no objectSid to map");
	if (!sid_from_binary(a->vals[0].v, a->vals[0].len, &sid) ||
	    sid.nsub < 2)
		return refuse(x, "objectSid is malformed");
	if (rid_attr != NULL && (r == NULL || r->nvals == 0 ||
	    !parse_id(r->vals[0].v, r->vals[0].len, &sid.sub[sid.nsub - 1])))
		return refuse(x, "no gidNumber and no usable primaryGroupID");
	if (!idmap_map(&x->m->c->idmap, &sid, out, &why))
		return refuse(x, why);
	return *out != 0 || refuse(x, "id 0 is never accepted");
}

/* An id attribute wins; without one, id_mapping (beside the ranges). */
static bool
map_id(struct ctx *x, struct expr *ex, const struct idranges *r,
    uint32_t *out, const char *what, const char *rid_attr)
{
	size_t len;
	char *s = field(x, ex, &len);
	bool ok = s != NULL && parse_id(s, len, out);

	if (s == NULL && x->m->c->idmap.kind != IDMAP_NONE)
		return sid_id(x, rid_attr, out);
	free(s);
	if (!ok)
		return refuse(x, what);
	if (*out == 0)
		return refuse(x, "id 0 is never accepted");
	if (!idranges_has(r, *out))
		return refuse(x, "id outside uid_range/gid_range");
	return true;
}

/*
 * Whether the entry's first RDN is attr=value (attribute names without
 * regard to case): the one value of a multi-valued name that is sure.
 */
static bool
rdn_is(const char *dn, const char *attr, const struct bval *v)
{
	size_t n = strlen(attr), end = strcspn(dn, ",+");

	return strncasecmp(dn, attr, n) == 0 && dn[n] == '=' &&
	    end - n - 1 == v->len && memcmp(dn + n + 1, v->v, v->len) == 0;
}

/*
 * LDAP gives values no order: a name attribute with several values is
 * refused, unless one of them is the entry's RDN; *pick gets it.
 */
static bool
one_name(struct ctx *x, struct expr *ex, const struct bval **pick)
{
	const char *attr = expr_attr(ex);
	const struct entry_attr *a = attr ? entry_get(x->e, attr) : NULL;

	*pick = NULL;
	if (a == NULL || a->nvals < 2)
		return true;
	for (size_t i = 0; i < a->nvals; i++)
		if (rdn_is(x->e->dn, attr, &a->vals[i]))
			*pick = &a->vals[i];
	return *pick != NULL;
}

/* name_case and override_space: the name the databases get. */
static void
fold_name(const struct conf *c, char *s)
{
	for (; *s != '\0'; s++) {
		if (c->name_lower && *s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
		if (c->override_space != '\0' && *s == ' ')
			*s = c->override_space;
	}
}

static bool
map_name(struct ctx *x, struct expr *ex, char **out)
{
	size_t len;
	const char *why;
	const struct bval *pick;

	if (!one_name(x, ex, &pick))
		return refuse(x, "the name attribute has several values, none "
		    "of them the entry's RDN");
	if (pick != NULL) {
		*out = xstrndup(pick->v, pick->len);
		len = pick->len;
	} else
		*out = field(x, ex, &len);
	if (*out == NULL)
		return refuse(x, "no name (required field maps to nothing)");
	fold_name(x->m->c, *out);
	if (!map_valid_name(x->m->c, *out, len, &why))
		return refuse(x, why);
	return true;
}

static bool
map_home_shell(struct ctx *x, struct user *u)
{
	const struct conf *c = x->m->c;
	size_t len = 0;

	u->home = field(x, c->umap[UF_HOME], &len);
	if (u->home == NULL)
		return refuse(x, "no home directory (required field maps to nothing)");
	if (!plain_field(u->home, len) || !valid_home(u->home))
		return refuse(x, "home directory is relative, holds '..', ':' or a newline");
	if (system_home(u->home))
		return refuse(x, "home directory is / , /root or a system directory");
	u->shell = field(x, c->umap[UF_SHELL], &len);
	if (u->shell == NULL) {
		u->shell = xstrdup("");
		return true;
	}
	if (!plain_field(u->shell, len))
		return refuse(x, "login shell holds ':', a newline or NUL");
	if (!strlist_has(&x->m->shells, u->shell)) {
		if (!x->m->quiet)
			log_warn("%s: shell %s is not in etc/shells, "
			    "using %s", x->e->dn, u->shell, c->suspend_shell);
		free(u->shell);
		u->shell = xstrdup(c->suspend_shell);
	}
	return true;
}

static bool
map_gecos(struct ctx *x, struct user *u)
{
	size_t len = 0;

	u->gecos = field(x, x->m->c->umap[UF_GECOS], &len);
	if (u->gecos == NULL) {
		u->gecos = xstrdup("");
		return true;
	}
	if (clean_gecos(u->gecos, len)) {
		if (!x->m->quiet)
			log_warn("%s: gecos held ':' or control "
			    "characters, replaced by spaces", x->e->dn);
		u->gecos[len] = '\0';
	}
	return true;
}

static char *
crypt_hash(struct ctx *x)
{
	size_t len = 0;
	char *v = field(x, x->m->c->umap[UF_PASSWORD], &len), *h;

	if (v == NULL)
		return xstrdup("*");
	if (strncasecmp(v, "{CRYPT}", 7) != 0 || !plain_field(v, len) ||
	    strpbrk(v, ", \t") != NULL) {
		free(v);
		return xstrdup("*");
	}
	h = v + 7;
	switch (crypt_checksalt(h)) {
	case CRYPT_SALT_OK:
	case CRYPT_SALT_METHOD_LEGACY:
		h = xstrdup(h);
		break;
	default:
		log_verbose("%s: password hash method not supported by "
		    "libcrypt, using '*'", x->e->dn);
		h = xstrdup("*");
	}
	explicit_bzero(v, len);
	free(v);
	return h;
}

static bool
map_shadow(struct ctx *x, struct user *u)
{
	for (int i = 0; i < SP_COUNT; i++) {
		char *v = field(x, x->m->c->umap[UF_LASTCHG + i], NULL);
		bool ok = v == NULL || parse_long(v, &u->sp[i]);

		if (v == NULL)
			u->sp[i] = -1;
		free(v);
		if (!ok)
			return refuse(x, "a shadow field is not a number");
	}
	u->passwd = x->m->c->unusable_password ? xstrdup("*") : crypt_hash(x);
	return true;
}

/*
 * A passwd line, with its newline, fits the 1,024 bytes most programs'
 * getpwnam buffers hold: a longer gecos is cut (never inside a UTF-8
 * character); a line too long even without one is refused.
 */
#define PASSWD_LINE_MAX	1024

static bool
fit_line(struct ctx *x, struct user *u)
{
	char ids[24];
	/* "name:x:uid:gid:gecos:home:shell\n" without the gecos. */
	size_t fixed = strlen(u->name) + strlen(u->home) + strlen(u->shell) +
	    (size_t)snprintf(ids, sizeof(ids), "%u%u", u->uid, u->gid) + 8;
	size_t len = strlen(u->gecos), keep;
	if (fixed > PASSWD_LINE_MAX)
		return refuse(x, "its passwd line would be over 1,024 bytes");
	if (fixed + len <= PASSWD_LINE_MAX)
		return true;
	keep = PASSWD_LINE_MAX - fixed;
	while (keep > 0 && ((unsigned char)u->gecos[keep] & 0xc0) == 0x80)
		keep--;
	u->gecos[keep] = '\0';
	if (!x->m->quiet)
		log_warn("%s: gecos cut to %zu bytes, so that the passwd line "
		    "stays within 1,024", x->e->dn, keep);
	return true;
}

/*
 * The directory's own account state: a disabled account is written
 * suspended as plan.c suspends one (locked shell, "!"-locked password,
 * expired), and comes back when it is enabled again.
 */
static bool
map_state(struct ctx *x, struct user *u)
{
	const struct conf *c = x->m->c;
	struct acctstate st;
	const char *why;
	char *locked;

	if (!c->account_state)
		return true;
	if (!acctstate_of(x->e, x->m->now, &st, &why))
		return refuse(x, why);
	if (st.not_user)
		return refuse(x, "a computer or trust account");
	if (st.expire_days >= 0 && u->sp[SP_EXPIRE] == -1)
		u->sp[SP_EXPIRE] = st.expire_days;
	if (st.disabled == NULL)
		return true;
	if (!x->m->quiet)
		log_verbose("%s: %s, written suspended", x->e->dn,
		    st.disabled);
	u->disabled = true;
	free(u->shell);
	u->shell = xstrdup(c->suspend_shell);
	locked = xasprintf("!%s", u->passwd + (u->passwd[0] == '!'));
	free(u->passwd);
	u->passwd = locked;
	u->sp[SP_EXPIRE] = 1;
	return true;
}

/*
 * SSH public keys, verbatim with their options: one per line of
 * authorized_keys, so a key that would be two lines, or none, is dropped.
 */
static void
map_keys(struct ctx *x, struct user *u)
{
	struct expr *ex = x->m->c->umap[UF_SSHKEY];
	const struct entry_attr *a = ex ? entry_get(x->e, expr_attr(ex)) : NULL;

	for (size_t i = 0; a != NULL && i < a->nvals; i++) {
		const struct bval *v = &a->vals[i];

		if (v->len > 0 && strlen(v->v) == v->len &&
		    strpbrk(v->v, "\r\n") == NULL)
			strlist_add(&u->keys, v->v);
		else if (!x->m->quiet)
			log_warn("%s: an SSH key holding a line break or NUL, "
			    "or empty: dropped", x->e->dn);
	}
}

static bool
map_user_fields(struct ctx *x, struct user *u)
{
	const struct conf *c = x->m->c;

	if (!map_name(x, c->umap[UF_NAME], &u->name))
		return false;
	if (x->m->named)
		name_entry(x, u->name);
	if (!(map_id(x, c->umap[UF_UID], &c->uid_range, &u->uid,
	    "uidNumber missing or not a number", NULL) &&
	    map_id(x, c->umap[UF_GID], &c->gid_range, &u->gid,
	    "gidNumber missing or not a number", "primaryGroupID") &&
	    map_home_shell(x, u) && map_gecos(x, u) && fit_line(x, u) &&
	    map_shadow(x, u) && map_state(x, u)))
		return false;
	/* A suspended account's keys are no way in either. */
	if (!u->disabled)
		map_keys(x, u);
	return true;
}

/*
 * An entry refused or dropped: its name and uuid are still the
 * directory's (seen), and they and its id are what it leaves unresolved
 * (state.h), owned by its uuid or else its DN.
 */
static void
see(struct strlist *seen, struct strlist *unresolved, const char *name,
    const char *uuid, const char *dn, const uint32_t *id)
{
	const char *owner = uuid ? uuid : dn;
	char key[16];

	if (name != NULL) {
		strlist_add(seen, name);
		state_unresolved_add(unresolved, owner, name);
	}
	if (uuid != NULL) {
		strlist_add(seen, uuid);
		state_unresolved_add(unresolved, owner, uuid);
	}
	if (id != NULL) {
		snprintf(key, sizeof(key), "#%u", *id);
		state_unresolved_add(unresolved, owner, key);
	}
}

void
map_user(struct mapper *m, const struct entry *e, struct users *out)
{
	struct ctx x = { .m = m, .e = e };
	struct user *u = users_add(out);
	bool ok;

	u->dn = xstrdup(e->dn);
	u->uuid = entry_uuid(e);
	ok = map_user_fields(&x, u);
	free(x.named.attrs);
	if (ok)
		return;
	if (!m->quiet)
		log_warn("%s: skipped: %s", e->dn, x.why);
	see(&out->seen, &out->unresolved, u->name, u->uuid, u->dn, NULL);
	user_free(u);
	out->n--;
}

/* --- groups ----------------------------------------------------------- */

/* fold: the values are names, folded as the users' are. */
static void
add_values(const struct mapper *m, const struct entry *e, struct expr *ex,
    struct strlist *l, bool fold)
{
	const struct entry_attr *a;

	if (ex == NULL || (a = entry_get(e, expr_attr(ex))) == NULL)
		return;
	for (size_t i = 0; i < a->nvals; i++) {
		if (strlen(a->vals[i].v) != a->vals[i].len)
			continue;
		strlist_add(l, a->vals[i].v);
		if (fold)
			fold_name(m->c, l->v[l->n - 1]);
	}
}

/* synced_groups: a group not listed is not the directory's to sync. */
static bool
synced(const struct mapper *m, const char *dn)
{
	char *key;
	bool listed;

	if (m->synced.n == 0)
		return true;
	key = map_dn_key(dn);
	listed = strlist_has(&m->synced, key);
	free(key);
	return listed;
}

void
map_group(struct mapper *m, const struct entry *e, struct groups *out)
{
	struct ctx x = { .m = m, .e = e };
	struct group *g;
	const struct conf *c = m->c;

	if (!synced(m, e->dn))
		return;
	g = groups_add(out);

	g->dn = xstrdup(e->dn);
	g->uuid = entry_uuid(e);
	if (map_name(&x, c->gmap[GF_NAME], &g->name) &&
	    map_id(&x, c->gmap[GF_GID], &c->gid_range, &g->gid,
	    "gidNumber missing or not a number", NULL)) {
		if (c->memberships) {
			add_values(m, e, c->gmap[GF_MEMBERUID], &g->members,
			    true);
			add_values(m, e, c->gmap[GF_MEMBER], &g->member_dns,
			    false);
		}
		return;
	}
	log_warn("%s: skipped: %s", e->dn, x.why);
	see(&out->seen, &out->unresolved, g->name, g->uuid, g->dn, NULL);
	group_free(g);
	out->n--;
}

/* --- whole sets ------------------------------------------------------- */

/* Counts claims on each name and id; ids are offset by one past 0. */
/* Returns whether the name or id was claimed before. */
static bool
count_claims(struct htab *names, struct htab *ids, const char *name,
    uint32_t id)
{
	bool again = false;

	/* One probe for the common case: put returns the count so far. */
	if (htab_put(names, name, (void *)1) != NULL) {
		htab_put(names, name, (void *)2);
		again = true;
	}
	if (htab_put_id(ids, id, (void *)1) != NULL) {
		htab_put_id(ids, id, (void *)2);
		again = true;
	}
	return again;
}

static bool
claimed_twice(struct htab *names, struct htab *ids, const char *name,
    uint32_t id, const char *dn)
{
	if ((uintptr_t)htab_get(names, name) > 1) {
		log_warn("%s: skipped: another entry claims the name %s", dn,
		    name);
		return true;
	}
	if ((uintptr_t)htab_get_id(ids, id) > 1) {
		log_warn("%s: skipped: another entry claims the id %u", dn, id);
		return true;
	}
	return false;
}

void
map_dedupe_users(struct users *l)
{
	struct htab *names = htab_new(l->n), *ids = htab_new(l->n);
	bool *drop = xcalloc(l->n, sizeof(*drop));
	size_t keep = 0, dups = 0;

	for (size_t i = 0; i < l->n; i++) {
		/* Each name far ahead, its slots nearer: all cache misses. */
		if (i + 2 * HTAB_AHEAD < l->n)
			__builtin_prefetch(l->v[i + 2 * HTAB_AHEAD].name);
		if (i + HTAB_AHEAD < l->n) {
			htab_prefetch(names, l->v[i + HTAB_AHEAD].name);
			htab_prefetch_id(ids, l->v[i + HTAB_AHEAD].uid);
		}
		dups += count_claims(names, ids, l->v[i].name, l->v[i].uid);
	}
	/* Decide all first: the tables borrow the names freed below. */
	for (size_t i = 0; i < l->n && dups > 0; i++)
		drop[i] = claimed_twice(names, ids, l->v[i].name, l->v[i].uid,
		    l->v[i].dn);
	for (size_t i = 0; i < l->n; i++) {
		if (drop[i]) {
			see(&l->seen, &l->unresolved, l->v[i].name,
			    l->v[i].uuid, l->v[i].dn, &l->v[i].uid);
			user_free(&l->v[i]);
		} else
			l->v[keep++] = l->v[i];
	}
	l->n = keep;
	free(drop);
	htab_free(names);
	htab_free(ids);
}

void
map_dedupe_groups(struct groups *l)
{
	struct htab *names = htab_new(l->n), *ids = htab_new(l->n);
	bool *drop = xcalloc(l->n, sizeof(*drop));
	size_t keep = 0, dups = 0;

	for (size_t i = 0; i < l->n; i++)
		dups += count_claims(names, ids, l->v[i].name, l->v[i].gid);
	for (size_t i = 0; i < l->n && dups > 0; i++)
		drop[i] = claimed_twice(names, ids, l->v[i].name, l->v[i].gid,
		    l->v[i].dn);
	for (size_t i = 0; i < l->n; i++) {
		if (drop[i]) {
			see(&l->seen, &l->unresolved, l->v[i].name,
			    l->v[i].uuid, l->v[i].dn, &l->v[i].gid);
			group_free(&l->v[i]);
		} else
			l->v[keep++] = l->v[i];
	}
	l->n = keep;
	free(drop);
	htab_free(names);
	htab_free(ids);
}

char *
map_dn_key(const char *dn)
{
	char *key = dir_dn_fold(dn), *out;

	out = xasprintf("dn:%s", key ? key : dn);
	free(key);
	return out;
}

void
map_dnindex_free(struct dnindex *ix)
{
	htab_free(ix->exact);
	htab_free(ix->norm);
	strlist_free(&ix->keys);
	memset(ix, 0, sizeof(*ix));
}

const char *
map_dn_lookup(struct dnindex *ix, const char *dn)
{
	struct user *u;
	char *key;

	if (ix->exact == NULL) {
		ix->exact = htab_new(ix->users->n);
		for (size_t i = 0; i < ix->users->n; i++)
			htab_put(ix->exact, ix->users->v[i].dn, &ix->users->v[i]);
	}
	u = htab_get(ix->exact, dn);
	if (u != NULL)
		return u->name;
	if (ix->norm == NULL) {
		/* Only when a member DN is spelled unlike the entry's DN. */
		ix->norm = htab_new(ix->users->n);
		for (size_t i = 0; i < ix->users->n; i++) {
			if ((key = dir_dn_fold(ix->users->v[i].dn)) == NULL)
				continue;
			strlist_add(&ix->keys, key);
			free(key);
			htab_put(ix->norm, ix->keys.v[ix->keys.n - 1],
			    &ix->users->v[i]);
		}
	}
	if ((key = dir_dn_fold(dn)) == NULL)
		return NULL;
	u = htab_get(ix->norm, key);
	free(key);
	return u ? u->name : NULL;
}

/* A member DN no user carries: a user who comes to carry it joins. */
static void
dangling_dn(struct groups *gl, const struct group *g, const char *dn)
{
	char *key = map_dn_key(dn);

	state_unresolved_add(&gl->unresolved, g->uuid ? g->uuid : g->dn, key);
	free(key);
}

/* --- nested groups ----------------------------------------------------- */

struct kids {
	size_t	*v;
	size_t	 n;
};

/* Synced groups by DN, and for each group the synced groups it lists. */
struct nest {
	struct htab	*by_dn;		/* dn_key -> index + 1 */
	struct strlist	 keys;
	struct kids	*kids;
	bool		*onpath, *warned;
};

static void
nest_init(struct nest *nt, const struct groups *gl)
{
	char *key;

	nt->by_dn = htab_new(gl->n);
	nt->kids = xcalloc(gl->n + 1, sizeof(*nt->kids));
	nt->onpath = xcalloc(gl->n + 1, sizeof(*nt->onpath));
	nt->warned = xcalloc(gl->n + 1, sizeof(*nt->warned));
	for (size_t i = 0; i < gl->n; i++) {
		if ((key = dir_dn_fold(gl->v[i].dn)) == NULL)
			continue;
		strlist_add(&nt->keys, key);
		free(key);
		htab_put(nt->by_dn, nt->keys.v[nt->keys.n - 1], (void *)(i + 1));
	}
}

/* Whether the DN is a synced group's; then it becomes g's child. */
static bool
nest_child(struct nest *nt, size_t g, const char *dn)
{
	char *key = dir_dn_fold(dn);
	uintptr_t k = key ? (uintptr_t)htab_get(nt->by_dn, key) : 0;
	struct kids *kd = &nt->kids[g];

	free(key);
	if (k == 0)
		return false;
	kd->v = xreallocarray(kd->v, kd->n + 1, sizeof(*kd->v));
	kd->v[kd->n++] = k - 1;
	return true;
}

/* Adds the members of k's child groups to out, left levels deep. */
static void
expand(struct nest *nt, const struct groups *gl, size_t k, int left,
    struct strlist *out, struct htab *have)
{
	nt->onpath[k] = true;
	for (size_t j = 0; j < nt->kids[k].n; j++) {
		size_t c = nt->kids[k].v[j];
		const struct strlist *ms = &gl->v[c].members;

		if (nt->onpath[c]) {
			if (!nt->warned[k])
				log_warn("%s: nested groups form a cycle through "
				    "member %s, cut there", gl->v[k].dn,
				    gl->v[c].dn);
			nt->warned[k] = true;
			continue;
		}
		for (size_t i = 0; i < ms->n; i++)
			if (htab_put(have, ms->v[i], (void *)1) == NULL)
				strlist_add(out, ms->v[i]);
		if (left > 1)
			expand(nt, gl, c, left - 1, out, have);
	}
	nt->onpath[k] = false;
}

/* Every group's members with those of the groups it holds, levels deep. */
static void
nest_expand(struct nest *nt, struct groups *gl, int levels)
{
	struct strlist *all = xcalloc(gl->n + 1, sizeof(*all));

	for (size_t i = 0; i < gl->n; i++) {
		struct htab *have;

		if (nt->kids[i].n == 0)
			continue;
		have = htab_new(gl->v[i].members.n * 2 + 16);
		for (size_t j = 0; j < gl->v[i].members.n; j++) {
			htab_put(have, gl->v[i].members.v[j], (void *)1);
			strlist_add(&all[i], gl->v[i].members.v[j]);
		}
		expand(nt, gl, i, levels, &all[i], have);
		htab_free(have);
	}
	/* Only now: the expansions read the groups' direct lists. */
	for (size_t i = 0; i < gl->n; i++) {
		if (nt->kids[i].n == 0)
			continue;
		strlist_free(&gl->v[i].members);
		gl->v[i].members = all[i];
	}
	free(all);
}

static void
nest_free(struct nest *nt, size_t n)
{
	htab_free(nt->by_dn);
	strlist_free(&nt->keys);
	for (size_t i = 0; nt->kids != NULL && i < n; i++)
		free(nt->kids[i].v);
	free(nt->kids);
	free(nt->onpath);
	free(nt->warned);
}

void
map_members(struct groups *gl, const struct users *ul, int nesting)
{
	struct dnindex ix = { .users = ul };
	struct nest nt = { 0 };

	if (nesting > 0)
		nest_init(&nt, gl);
	for (size_t i = 0; i < gl->n; i++) {
		struct group *g = &gl->v[i];

		for (size_t j = 0; j < g->member_dns.n; j++) {
			const char *dn = g->member_dns.v[j];
			const char *name = map_dn_lookup(&ix, dn);

			if (name != NULL)
				strlist_add(&g->members, name);
			else if (nesting == 0 || !nest_child(&nt, i, dn)) {
				log_verbose("group %s: member %s is not a "
				    "synced user, dropped", g->name, dn);
				dangling_dn(gl, g, dn);
			}
		}
		strlist_free(&g->member_dns);
	}
	if (nesting > 0)
		nest_expand(&nt, gl, nesting);
	nest_free(&nt, gl->n);
	map_dnindex_free(&ix);
}

/* --- who may have an account --------------------------------------------- */

void
map_login_groups(const struct conf *c, struct users *ul,
    const struct groups *gl)
{
	struct htab *members = htab_new(ul->n), *gids = htab_new(16);
	size_t keep = 0;

	if (c->login_groups.n == 0) {
		htab_free(members);
		htab_free(gids);
		return;
	}
	for (size_t i = 0; i < gl->n; i++) {
		const struct group *g = &gl->v[i];

		if (!strlist_has(&c->login_groups, g->name))
			continue;
		htab_put_id(gids, g->gid, (void *)1);
		for (size_t j = 0; j < g->members.n; j++)
			htab_put(members, g->members.v[j], (void *)1);
	}
	for (size_t i = 0; i < ul->n; i++) {
		struct user *u = &ul->v[i];

		if (htab_get(members, u->name) != NULL ||
		    htab_get_id(gids, u->gid) != NULL)
			ul->v[keep++] = *u;
		else {
			log_verbose("%s: in none of login_groups: not synced",
			    u->dn);
			user_free(u);
		}
	}
	ul->n = keep;
	htab_free(members);
	htab_free(gids);
}
