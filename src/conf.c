#include "config.h"

#include <errno.h>
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "acctstate.h"
#include "conf.h"
#include "log.h"

#define DEFAULT_VALIDNAMES	"^[A-Za-z_][A-Za-z0-9_.-]*[$]?$"

struct words {
	char	*w[64];
	bool	 quoted[64];
	int	 n;
};

struct kw {
	const char	*name;
	int		 min, max;	/* value words */
	const char	*(*fn)(struct conf *, struct words *);
};

/* Per-file parse state, for keywords that repeat and replace defaults. */
struct pstate {
	bool		 uid_range_set, gid_range_set;
	bool		 has_bindpw;
	/* What a schema preset may still set: not given in the file. */
	bool		 umap_set[UF_COUNT], gmap_set[GF_COUNT];
	bool		 name_case_set, nested_set;
};

static struct pstate ps;

/* --- words ------------------------------------------------------------ */

static const char *
split(char *line, struct words *ws)
{
	char *p = line, *out;

	ws->n = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			return NULL;
		if (ws->n == 64)
			return "too many words";
		ws->quoted[ws->n] = *p == '"';
		if (*p != '"') {
			ws->w[ws->n++] = p;
			while (*p && *p != ' ' && *p != '\t')
				p++;
			if (*p)
				*p++ = '\0';
			continue;
		}
		out = ws->w[ws->n++] = ++p;
		while (*p != '"') {
			if (*p == '\0')
				return "unterminated quoted value";
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
			*out++ = *p++;
		}
		p++;
		if (*p != '\0' && *p != ' ' && *p != '\t')
			return "text right after a closing quote";
		*out = '\0';
	}
}

/* --- value parsers ---------------------------------------------------- */

static const char *
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
	return NULL;
}

static const char *
set_bool(bool *dst, const char *v)
{
	if (strcmp(v, "yes") == 0)
		*dst = true;
	else if (strcmp(v, "no") == 0)
		*dst = false;
	else
		return "expected yes or no";
	return NULL;
}

static const char *
set_int(int *dst, const char *v, int min, int max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || end == v || n < min || n > max)
		return "expected a whole number in range";
	*dst = (int)n;
	return NULL;
}

static int
lookup(const char *v, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	return -1;
}

static const char *
check_dn(const char *v)
{
	LDAPDN dn = NULL;

	if (*v == '\0' || ldap_str2dn(v, &dn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		return "not a valid DN";
	ldap_dnfree(dn);
	return NULL;
}

/* A filter must be one parenthesised, balanced expression. */
static const char *
check_filter(const char *v)
{
	int depth = 0;
	size_t n = strlen(v);

	if (n < 3 || v[0] != '(' || v[n - 1] != ')')
		return "a filter must be enclosed in parentheses";
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '\\' && i + 1 < n) {
			i++;
			continue;
		}
		if (v[i] == '(')
			depth++;
		else if (v[i] == ')' && --depth < 0)
			break;
		if (depth == 0 && i != n - 1)
			return "a filter must be one parenthesised expression";
	}
	return depth == 0 ? NULL : "unbalanced parentheses in filter";
}

static const char *
scope_of(int *dst, const char *v)
{
	static const char *const names[] = { "base", "one", "sub", NULL };
	static const int scopes[] = { LDAP_SCOPE_BASE, LDAP_SCOPE_ONELEVEL,
	    LDAP_SCOPE_SUBTREE };
	int i = lookup(v, names);

	if (i < 0)
		return "expected sub, one or base";
	*dst = scopes[i];
	return NULL;
}

static const char *
add_range(struct idranges *r, const char *v)
{
	const char *dash = strchr(v, '-');
	struct idrange x;

	if (dash == NULL) {
		if (!parse_id(v, strlen(v), &x.lo))
			return "expected an id or MIN-MAX";
		x.hi = x.lo;
	} else if (!parse_id(v, (size_t)(dash - v), &x.lo) ||
	    !parse_id(dash + 1, strlen(dash + 1), &x.hi) || x.lo > x.hi)
		return "expected an id or MIN-MAX with MIN <= MAX";
	r->v = xreallocarray(r->v, r->n + 1, sizeof(*r->v));
	r->v[r->n++] = x;
	return NULL;
}

static const char *
set_ranges(struct idranges *r, bool *set, struct words *ws)
{
	const char *why;

	if (!*set) {
		free(r->v);
		r->v = NULL;
		r->n = 0;
		*set = true;
	}
	for (int i = 1; i < ws->n; i++)
		if ((why = add_range(r, ws->w[i])) != NULL)
			return why;
	return NULL;
}

/* --- keywords --------------------------------------------------------- */

#define W(i)	(ws->w[i])

static const char *
k_uri(struct conf *c, struct words *ws)
{
	for (int i = 1; i < ws->n; i++) {
		if (!ldap_is_ldap_url(W(i)) && !ldap_is_ldaps_url(W(i)) &&
		    !ldap_is_ldapi_url(W(i)))
			return "expected an ldap://, ldaps:// or ldapi:// URI";
		strlist_add(&c->uris, W(i));
	}
	return NULL;
}

static const char *
k_pool(struct conf *c, struct words *ws)
{
	static const char *const n[] = { "first", "round_robin", "random", NULL };
	int i = lookup(W(1), n);

	if (i < 0)
		return "expected first, round_robin or random";
	c->pool_strategy = (enum pool_strategy)i;
	return NULL;
}

static const char *
k_base(struct conf *c, struct words *ws)
{
	return check_dn(W(1)) ? check_dn(W(1)) : set_str(&c->base, W(1));
}

/* A DN, or AD's other names for a simple bind: user@REALM, DOMAIN\\user. */
static const char *
k_binddn(struct conf *c, struct words *ws)
{
	const char *v = W(1), *at = strchr(v, '@'), *bs = strchr(v, '\\');
	bool upn = at != NULL && at != v && at[1] != '\0' && !strchr(at + 1, '@');
	bool down = bs != NULL && bs != v && bs[1] != '\0' && !strchr(bs + 1, '\\');

	if (check_dn(v) != NULL && !((upn || down) && !strpbrk(v, ",=")))
		return "not a valid DN, user@REALM or DOMAIN\\user";
	return set_str(&c->binddn, v);
}

static const char *
k_bindpw(struct conf *c, struct words *ws)
{
	ps.has_bindpw = true;
	if (c->bindpw != NULL)
		explicit_bzero(c->bindpw, strlen(c->bindpw));
	return set_str(&c->bindpw, W(1));
}

static const char *
k_bindpw_file(struct conf *c, struct words *ws)
{
	struct stat st;

	if (W(1)[0] != '/')
		return "bindpw_file must be an absolute path";
	if (stat(W(1), &st) == -1)
		return "cannot stat bindpw_file";
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		return "bindpw_file is readable by group or others";
	return set_str(&c->bindpw_file, W(1));
}

static const char *
k_sasl_mech(struct conf *c, struct words *ws)
{
	if (strcmp(W(1), "EXTERNAL") != 0 && strcmp(W(1), "GSSAPI") != 0)
		return "expected EXTERNAL or GSSAPI";
	return set_str(&c->sasl_mech, W(1));
}

static const char *
k_ssl(struct conf *c, struct words *ws)
{
	static const char *const n[] = { "off", "on", "start_tls", NULL };
	int i = lookup(W(1), n);

	if (i < 0)
		return "expected off, on or start_tls";
	c->ssl = (enum ssl_mode)i;
	c->ssl_set = true;
	return NULL;
}

static const char *
k_tls_reqcert(struct conf *c, struct words *ws)
{
	static const char *const n[] = { "never", "allow", "try", "demand",
	    "hard", NULL };
	static const int v[] = { LDAP_OPT_X_TLS_NEVER, LDAP_OPT_X_TLS_ALLOW,
	    LDAP_OPT_X_TLS_TRY, LDAP_OPT_X_TLS_DEMAND, LDAP_OPT_X_TLS_HARD };
	int i = lookup(W(1), n);

	if (i < 0)
		return "expected never, allow, try, demand or hard";
	c->tls_reqcert = v[i];
	return NULL;
}

static const char *
k_path(char **dst, struct words *ws)
{
	if (W(1)[0] != '/')
		return "expected an absolute path";
	return set_str(dst, W(1));
}

static const char *k_cacertfile(struct conf *c, struct words *ws)
{ return k_path(&c->tls_cacertfile, ws); }
static const char *k_cacertdir(struct conf *c, struct words *ws)
{ return k_path(&c->tls_cacertdir, ws); }
static const char *k_cert(struct conf *c, struct words *ws)
{ return k_path(&c->tls_cert, ws); }
static const char *k_key(struct conf *c, struct words *ws)
{ return k_path(&c->tls_key, ws); }
static const char *k_krb5_keytab(struct conf *c, struct words *ws)
{ return k_path(&c->krb5_keytab, ws); }
static const char *k_krb5_principal(struct conf *c, struct words *ws)
{ return set_str(&c->krb5_principal, W(1)); }
static const char *k_sasl_canon(struct conf *c, struct words *ws)
{ return set_bool(&c->sasl_canonicalize, W(1)); }
static const char *k_skel_dir(struct conf *c, struct words *ws)
{ return k_path(&c->skel_dir, ws); }
static const char *k_create_home(struct conf *c, struct words *ws)
{ return set_bool(&c->create_home, W(1)); }
static const char *k_metrics(struct conf *c, struct words *ws)
{ return k_path(&c->metrics_file, ws); }
static const char *k_state_dir(struct conf *c, struct words *ws)
{ return k_path(&c->state_dir, ws); }

static const char *k_timeout(struct conf *c, struct words *ws)
{ return set_int(&c->timeout, W(1), 1, 3600); }
static const char *k_op_timeout(struct conf *c, struct words *ws)
{ return set_int(&c->op_timeout, W(1), 1, 86400); }
static const char *k_page_size(struct conf *c, struct words *ws)
{ return set_int(&c->page_size, W(1), 0, 1000000); }
static const char *k_files_interval(struct conf *c, struct words *ws)
{ return set_int(&c->files_interval, W(1), 0, 86400); }

static const char *k_users(struct conf *c, struct words *ws)
{ return set_bool(&c->users, W(1)); }
static const char *k_groups(struct conf *c, struct words *ws)
{ return set_bool(&c->groups, W(1)); }
static const char *k_memberships(struct conf *c, struct words *ws)
{ return set_bool(&c->memberships, W(1)); }
static const char *k_files(struct conf *c, struct words *ws)
{ return set_bool(&c->files, W(1)); }
static const char *k_unusable(struct conf *c, struct words *ws)
{ return set_bool(&c->unusable_password, W(1)); }

static const char *
k_user_base(struct conf *c, struct words *ws)
{
	if (check_dn(W(1)))
		return check_dn(W(1));
	strlist_add(&c->user_bases, W(1));
	return NULL;
}

static const char *
k_group_base(struct conf *c, struct words *ws)
{
	if (check_dn(W(1)))
		return check_dn(W(1));
	strlist_add(&c->group_bases, W(1));
	return NULL;
}

static const char *k_user_scope(struct conf *c, struct words *ws)
{ return scope_of(&c->user_scope, W(1)); }
static const char *k_group_scope(struct conf *c, struct words *ws)
{ return scope_of(&c->group_scope, W(1)); }

static const char *
k_user_filter(struct conf *c, struct words *ws)
{
	return check_filter(W(1)) ? check_filter(W(1)) :
	    set_str(&c->user_filter, W(1));
}

static const char *
k_group_filter(struct conf *c, struct words *ws)
{
	return check_filter(W(1)) ? check_filter(W(1)) :
	    set_str(&c->group_filter, W(1));
}

static const char *
k_membership_filter(struct conf *c, struct words *ws)
{
	if (check_filter(W(1)))
		return check_filter(W(1));
	if (strstr(W(1), "{user_dn}") == NULL)
		return "membership_filter must contain {user_dn}";
	return set_str(&c->membership_filter, W(1));
}

static const char *
add_names(struct strlist *l, struct words *ws)
{
	for (int i = 1; i < ws->n; i++)
		strlist_add(l, W(i));
	return NULL;
}

static const char *k_login_groups(struct conf *c, struct words *ws)
{ return add_names(&c->login_groups, ws); }

static const char *
k_synced_groups(struct conf *c, struct words *ws)
{
	for (int i = 1; i < ws->n; i++)
		if (check_dn(W(i)) != NULL)
			return check_dn(W(i));
	return add_names(&c->synced_groups, ws);
}

/* Two group names as a group line holds them: no ':', ',' or space. */
static const char *
k_local_group_map(struct conf *c, struct words *ws)
{
	for (int i = 1; i <= 2; i++)
		if (strpbrk(W(i), ":, \t") != NULL)
			return "a group name cannot hold ':', ',' or a space";
	return add_names(&c->local_group_map, ws);
}

static const char *k_user_exclude(struct conf *c, struct words *ws)
{ return add_names(&c->user_exclude, ws); }
static const char *k_group_exclude(struct conf *c, struct words *ws)
{ return add_names(&c->group_exclude, ws); }

static const char *
k_user_removal(struct conf *c, struct words *ws)
{
	static const char *const n[] = { "nothing", "suspend", "delete", NULL };
	int i = lookup(W(1), n);

	if (i < 0)
		return "expected nothing, suspend or delete";
	c->user_removal = (enum removal)i;
	return NULL;
}

static const char *
k_group_removal(struct conf *c, struct words *ws)
{
	if (strcmp(W(1), "nothing") == 0)
		c->group_removal = RM_NOTHING;
	else if (strcmp(W(1), "delete") == 0)
		c->group_removal = RM_DELETE;
	else
		return "expected nothing or delete";
	return NULL;
}

static const char *
k_suspend_shell(struct conf *c, struct words *ws)
{
	if (W(1)[0] != '/' || strpbrk(W(1), ":\n") != NULL)
		return "expected an absolute path without ':'";
	return set_str(&c->suspend_shell, W(1));
}

static const char *
k_validnames(struct conf *c, struct words *ws)
{
	regex_t re;

	if (regcomp(&re, W(1), REG_EXTENDED | REG_NOSUB) != 0)
		return "not a valid POSIX extended regular expression";
	regfree(&re);
	return set_str(&c->validnames, W(1));
}

static const char *k_uid_range(struct conf *c, struct words *ws)
{ return set_ranges(&c->uid_range, &ps.uid_range_set, ws); }
static const char *k_gid_range(struct conf *c, struct words *ws)
{ return set_ranges(&c->gid_range, &ps.gid_range_set, ws); }

static const char *
k_max_removals(struct conf *c, struct words *ws)
{
	size_t n = strlen(W(1));
	bool pct = n > 0 && W(1)[n - 1] == '%';
	uint32_t v;

	if (!parse_id(W(1), pct ? n - 1 : n, &v) || (pct && v > 100))
		return "expected N or N%";
	c->max_removals = v;
	c->max_removals_pct = pct;
	return NULL;
}

static const char *
map_field(const char *table, const char *field, struct conf *c,
    struct expr ***slot)
{
	static const char *const pw[] = { "uid", "uidNumber", "gidNumber",
	    "gecos", "homeDirectory", "loginShell", "userPassword", NULL };
	static const char *const sp[] = { "shadowLastChange", "shadowMin",
	    "shadowMax", "shadowWarning", "shadowInactive", "shadowExpire",
	    "userPassword", NULL };
	static const char *const gr[] = { "cn", "gidNumber", "memberUid",
	    "member", NULL };
	int i;

	if (strcmp(table, "passwd") == 0 && (i = lookup(field, pw)) >= 0)
		*slot = &c->umap[i];
	else if (strcmp(table, "shadow") == 0 && (i = lookup(field, sp)) >= 0)
		*slot = &c->umap[i == 6 ? UF_PASSWORD : UF_LASTCHG + i];
	else if (strcmp(table, "group") == 0 && (i = lookup(field, gr)) >= 0)
		*slot = &c->gmap[i];
	else if (lookup(table, (const char *const[]){ "passwd", "shadow",
	    "group", NULL }) < 0)
		return "expected map passwd, map shadow, map group or map sshkey";
	else
		return "unknown field for this map";
	return NULL;
}

/* "map sshkey VALUE" names no field: the keys are one list. */
static const char *
k_map(struct conf *c, struct words *ws)
{
	struct expr **slot, *e;
	const char *why;
	bool key = strcmp(W(1), "sshkey") == 0;
	int v = key ? 2 : 3;

	if (ws->n != v + 1)
		return key ? "expected map sshkey ATTRIBUTE" :
		    "expected map TABLE FIELD VALUE";
	if (key)
		slot = &c->umap[UF_SSHKEY];
	else if ((why = map_field(W(1), W(2), c, &slot)) != NULL)
		return why;
	if ((e = expr_parse(W(v), ws->quoted[v], &why)) == NULL)
		return why;
	if (slot >= c->umap && slot < c->umap + UF_COUNT)
		ps.umap_set[slot - c->umap] = true;
	else
		ps.gmap_set[slot - c->gmap] = true;
	if ((slot == &c->gmap[GF_MEMBERUID] || slot == &c->gmap[GF_MEMBER] ||
	    slot == &c->umap[UF_SSHKEY]) && expr_attr(e) == NULL) {
		expr_free(e);
		return "memberUid, member and sshkey map to an attribute name";
	}
	expr_free(*slot);
	*slot = e;
	return NULL;
}

static const char *
k_schema(struct conf *c, struct words *ws)
{
	static const char *const n[] = { "rfc2307", "rfc2307bis", "ad", "ipa",
	    NULL };
	int i = lookup(W(1), n);

	if (i < 0)
		return "expected rfc2307, rfc2307bis, ad or ipa";
	c->schema = (enum schema)i;
	return NULL;
}

static const char *
k_id_mapping(struct conf *c, struct words *ws)
{
	static const char *const n[] = { "none", "sssd", "rid", NULL };
	int i = lookup(W(1), n);

	if (i < 0)
		return "expected none, sssd or rid";
	c->idmap.kind = (enum idmap_kind)i;
	return NULL;
}

static const char *
k_idmap_range(struct conf *c, struct words *ws)
{
	struct idranges r = { 0 };
	const char *why = add_range(&r, W(1));

	if (why == NULL && r.v[0].lo == r.v[0].hi)
		why = "expected MIN-MAX";
	if (why == NULL) {
		c->idmap.min = r.v[0].lo;
		c->idmap.max = r.v[0].hi;
	}
	free(r.v);
	return why;
}

static const char *
k_idmap_range_size(struct conf *c, struct words *ws)
{
	if (!parse_id(W(1), strlen(W(1)), &c->idmap.size) || c->idmap.size == 0)
		return "expected a positive number";
	return NULL;
}

static const char *
k_idmap_domain(struct conf *c, struct words *ws)
{
	struct idmap_domain d;

	if (!sid_from_string(W(1), &d.sid) || d.sid.nsub == 0)
		return "expected a domain SID such as S-1-5-21-1-2-3";
	if (!parse_id(W(2), strlen(W(2)), &d.base) || d.base == 0)
		return "expected a base id above 0";
	c->idmap.domains = xreallocarray(c->idmap.domains,
	    c->idmap.ndomains + 1, sizeof(d));
	c->idmap.domains[c->idmap.ndomains++] = d;
	return NULL;
}

static const char *k_account_state(struct conf *c, struct words *ws)
{ return set_bool(&c->account_state, W(1)); }

static const char *
k_name_case(struct conf *c, struct words *ws)
{
	if (strcmp(W(1), "preserve") != 0 && strcmp(W(1), "lower") != 0)
		return "expected preserve or lower";
	c->name_lower = strcmp(W(1), "lower") == 0;
	ps.name_case_set = true;
	return NULL;
}

static const char *
k_override_space(struct conf *c, struct words *ws)
{
	char ch = W(1)[0];

	if (strlen(W(1)) != 1 || strchr(":,+#\\\"", ch) || ch <= ' ' || ch > '~')
		return "expected one printable character, not ':', ',', '+', "
		    "'#', '\\' or '\"'";
	c->override_space = ch;
	return NULL;
}

static const char *
k_nested_groups(struct conf *c, struct words *ws)
{
	ps.nested_set = true;
	return set_bool(&c->nested_groups, W(1));
}

static const char *k_nesting_level(struct conf *c, struct words *ws)
{ return set_int(&c->nesting_level, W(1), 1, 64); }

static const struct kw keywords[] = {
	{ "uri", 1, 63, k_uri },
	{ "pool_strategy", 1, 1, k_pool },
	{ "base", 1, 1, k_base },
	{ "binddn", 1, 1, k_binddn },
	{ "bindpw", 1, 1, k_bindpw },
	{ "bindpw_file", 1, 1, k_bindpw_file },
	{ "sasl_mech", 1, 1, k_sasl_mech },
	{ "krb5_keytab", 1, 1, k_krb5_keytab },
	{ "krb5_principal", 1, 1, k_krb5_principal },
	{ "sasl_canonicalize", 1, 1, k_sasl_canon },
	{ "ssl", 1, 1, k_ssl },
	{ "tls_reqcert", 1, 1, k_tls_reqcert },
	{ "tls_cacertfile", 1, 1, k_cacertfile },
	{ "tls_cacertdir", 1, 1, k_cacertdir },
	{ "tls_cert", 1, 1, k_cert },
	{ "tls_key", 1, 1, k_key },
	{ "timeout", 1, 1, k_timeout },
	{ "op_timeout", 1, 1, k_op_timeout },
	{ "page_size", 1, 1, k_page_size },
	{ "users", 1, 1, k_users },
	{ "user_base", 1, 1, k_user_base },
	{ "user_scope", 1, 1, k_user_scope },
	{ "user_filter", 1, 1, k_user_filter },
	{ "map", 2, 3, k_map },
	{ "user_exclude", 1, 63, k_user_exclude },
	{ "user_removal_action", 1, 1, k_user_removal },
	{ "unusable_password", 1, 1, k_unusable },
	{ "suspend_shell", 1, 1, k_suspend_shell },
	{ "validnames", 1, 1, k_validnames },
	{ "uid_range", 1, 63, k_uid_range },
	{ "gid_range", 1, 63, k_gid_range },
	{ "max_removals", 1, 1, k_max_removals },
	{ "groups", 1, 1, k_groups },
	{ "group_base", 1, 1, k_group_base },
	{ "group_scope", 1, 1, k_group_scope },
	{ "group_filter", 1, 1, k_group_filter },
	{ "group_exclude", 1, 63, k_group_exclude },
	{ "group_removal_action", 1, 1, k_group_removal },
	{ "memberships", 1, 1, k_memberships },
	{ "membership_filter", 1, 1, k_membership_filter },
	{ "login_groups", 1, 63, k_login_groups },
	{ "local_group_map", 2, 2, k_local_group_map },
	{ "create_home", 1, 1, k_create_home },
	{ "skel_dir", 1, 1, k_skel_dir },
	{ "synced_groups", 1, 63, k_synced_groups },
	{ "schema", 1, 1, k_schema },
	{ "id_mapping", 1, 1, k_id_mapping },
	{ "idmap_range", 1, 1, k_idmap_range },
	{ "idmap_range_size", 1, 1, k_idmap_range_size },
	{ "idmap_domain", 2, 2, k_idmap_domain },
	{ "account_state", 1, 1, k_account_state },
	{ "name_case", 1, 1, k_name_case },
	{ "override_space", 1, 1, k_override_space },
	{ "nested_groups", 1, 1, k_nested_groups },
	{ "nesting_level", 1, 1, k_nesting_level },
	{ "files", 1, 1, k_files },
	{ "state_dir", 1, 1, k_state_dir },
	{ "files_interval", 1, 1, k_files_interval },
	{ "metrics_file", 1, 1, k_metrics },
	{ NULL, 0, 0, NULL }
};

/* --- the file --------------------------------------------------------- */

static void
defaults(struct conf *c)
{
	static const char *const umap[UF_COUNT] = { "uid", "uidNumber",
	    "gidNumber", NULL, "homeDirectory", "loginShell", "userPassword",
	    "shadowLastChange", "shadowMin", "shadowMax", "shadowWarning",
	    "shadowInactive", "shadowExpire", "sshPublicKey" };
	static const char *const gmap[GF_COUNT] = { "cn", "gidNumber",
	    "memberUid", "member" };
	const char *why;

	memset(c, 0, sizeof(*c));
	memset(&ps, 0, sizeof(ps));
	c->pool_strategy = POOL_ROUND_ROBIN;
	c->tls_reqcert = LDAP_OPT_X_TLS_DEMAND;
	c->timeout = 30;
	c->op_timeout = 60;
	c->page_size = 500;
	c->users = c->groups = c->memberships = c->files = true;
	c->user_scope = c->group_scope = LDAP_SCOPE_SUBTREE;
	c->user_removal = c->group_removal = RM_NOTHING;
	c->unusable_password = true;
	c->max_removals = 10;
	c->max_removals_pct = true;
	c->files_interval = 60;
	c->account_state = true;
	c->nesting_level = 4;
	c->idmap = (struct idmap){ .min = 200000, .max = 2000200000,
	    .size = 200000 };
	for (int i = 0; i < UF_COUNT; i++)
		if (umap[i] != NULL)
			c->umap[i] = expr_parse(umap[i], false, &why);
	c->umap[UF_GECOS] = expr_parse("${gecos:-$cn}", true, &why);
	for (int i = 0; i < GF_COUNT; i++)
		c->gmap[i] = expr_parse(gmap[i], false, &why);
	add_range(&c->uid_range, "1000-60000");
	add_range(&c->gid_range, "1000-60000");
}

static void
preset_map(struct expr **slot, bool set, const char *text, bool quoted)
{
	const char *why;

	if (set)
		return;
	expr_free(*slot);
	*slot = expr_parse(text, quoted, &why);
}

/* What schema ad and schema ipa set, where the file did not. */
static void
preset(struct conf *c)
{
	bool ad = c->schema == SCHEMA_AD;

	if (!ps.nested_set)
		c->nested_groups = c->schema != SCHEMA_RFC2307;
	if (!ad)
		return;
	if (!ps.name_case_set)
		c->name_lower = true;
	if (c->user_filter == NULL)
		c->user_filter = xstrdup("(&(objectClass=user)"
		    "(objectCategory=person))");
	if (c->group_filter == NULL)
		c->group_filter = xstrdup("(objectClass=group)");
	preset_map(&c->umap[UF_NAME], ps.umap_set[UF_NAME], "sAMAccountName",
	    false);
	preset_map(&c->umap[UF_HOME], ps.umap_set[UF_HOME],
	    "${unixHomeDirectory:-/home/$name}", true);
	preset_map(&c->umap[UF_SHELL], ps.umap_set[UF_SHELL],
	    "${loginShell:-/bin/bash}", true);
	preset_map(&c->umap[UF_GECOS], ps.umap_set[UF_GECOS],
	    "${displayName:-$cn}", true);
	preset_map(&c->gmap[GF_NAME], ps.gmap_set[GF_NAME], "sAMAccountName",
	    false);
}

static const char *
check_idmap(const struct conf *c)
{
	const struct idmap *m = &c->idmap;

	if (m->kind == IDMAP_SSSD && (m->max - m->min) / m->size == 0)
		return "idmap_range holds not even one idmap_range_size slice";
	if (m->kind == IDMAP_RID && m->ndomains == 0)
		return "id_mapping rid needs at least one idmap_domain";
	return NULL;
}

static void
finish(struct conf *c)
{
	preset(c);
	if (c->user_bases.n == 0)
		strlist_add(&c->user_bases, c->base);
	if (c->group_bases.n == 0)
		strlist_add(&c->group_bases, c->base);
	if (c->user_filter == NULL)
		c->user_filter = xstrdup("(objectClass=posixAccount)");
	if (c->group_filter == NULL)
		c->group_filter = xstrdup("(objectClass=posixGroup)");
	if (c->suspend_shell == NULL)
		c->suspend_shell = xstrdup("/usr/sbin/nologin");
	if (c->krb5_keytab == NULL)
		c->krb5_keytab = xstrdup("/etc/krb5.keytab");
	if (c->skel_dir == NULL)
		c->skel_dir = xstrdup("/etc/skel");
	if (c->validnames == NULL)
		c->validnames = xstrdup(DEFAULT_VALIDNAMES);
	if (c->state_dir == NULL)
		c->state_dir = xstrdup(LOCALSTATEDIR "/lib/ldapsync");
	if (!c->ssl_set && c->uris.n > 0 && ldap_is_ldaps_url(c->uris.v[0]))
		c->ssl = SSL_ON;
	/* Checked when the keyword was read, so this cannot fail. */
	c->validnames_compiled = regcomp(&c->validnames_re, c->validnames,
	    REG_EXTENDED | REG_NOSUB) == 0;
}

static const char *
one_line(struct conf *c, char *line)
{
	struct words ws;
	const char *why;
	int i;

	if ((why = split(line, &ws)) != NULL || ws.n == 0)
		return why;
	if (ws.quoted[0])
		return "a keyword cannot be quoted";
	for (i = 0; keywords[i].name; i++)
		if (strcmp(keywords[i].name, ws.w[0]) == 0)
			break;
	if (keywords[i].name == NULL)
		return "unknown keyword";
	if (ws.n - 1 < keywords[i].min)
		return "missing value";
	if (ws.n - 1 > keywords[i].max)
		return "too many values";
	return keywords[i].fn(c, &ws);
}

int
conf_parse(const char *name, const char *text, struct conf *c)
{
	char *copy = xstrdup(text), *line = copy, *nl;
	char *end = copy + strlen(copy);
	const char *why = NULL;
	int lineno = 0, rc = -1;

	defaults(c);
	c->path = xstrdup(name);
	for (; line != NULL && line != end; line = nl) {
		lineno++;
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		if ((why = one_line(c, line)) != NULL)
			break;
	}
	if (why != NULL) {
		char kw[40] = "";

		sscanf(line, " %39s", kw);
		log_error("%s:%d: %s: %s", name, lineno, kw, why);
		goto out;
	}
	if (c->uris.n == 0 || c->base == NULL) {
		log_error("%s:%d: missing required keyword \"%s\"", name,
		    lineno, c->uris.n == 0 ? "uri" : "base");
		goto out;
	}
	if ((why = check_idmap(c)) != NULL) {
		log_error("%s: %s", name, why);
		goto out;
	}
	finish(c);
	rc = 0;
out:
	explicit_bzero(copy, strlen(text));
	free(copy);
	return rc;
}

int
conf_load(const char *path, struct conf *c)
{
	struct stat st;
	char *text;
	size_t len;
	int rc;

	if (read_file(path, &text, &len) == -1 || stat(path, &st) == -1) {
		log_error("%s: %s", path, strerror(errno));
		defaults(c);
		return -1;
	}
	rc = conf_parse(path, text, c);
	if (rc == 0 && ps.has_bindpw && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		log_error("%s: holds bindpw but is readable by group or others "
		    "(chmod 600 it)", path);
		rc = -1;
	}
	explicit_bzero(text, len);
	free(text);
	return rc;
}

int
conf_load_for_reading(const char *path, struct conf *c)
{
	if (access(path, R_OK) == 0 || errno != EACCES)
		return conf_load(path, c);
	defaults(c);
	c->path = xstrdup(path);
	c->state_dir = xstrdup(LOCALSTATEDIR "/lib/ldapsync");
	return 0;
}

int
conf_read_bindpw(struct conf *c)
{
	char *text, *nl;
	size_t len;

	if (c->bindpw_file == NULL)
		return 0;
	if (read_file(c->bindpw_file, &text, &len) == -1) {
		log_error("%s: %s", c->bindpw_file, strerror(errno));
		return -1;
	}
	if ((nl = strchr(text, '\n')) != NULL)
		*nl = '\0';
	if (c->bindpw != NULL) {
		explicit_bzero(c->bindpw, strlen(c->bindpw));
		free(c->bindpw);
	}
	c->bindpw = xstrdup(text);
	explicit_bzero(text, len);
	free(text);
	return 0;
}

void
conf_free(struct conf *c)
{
	if (c->bindpw != NULL)
		explicit_bzero(c->bindpw, strlen(c->bindpw));
	free(c->path);
	strlist_free(&c->uris);
	free(c->base);
	free(c->binddn);
	free(c->bindpw);
	free(c->bindpw_file);
	free(c->sasl_mech);
	free(c->krb5_keytab);
	free(c->krb5_principal);
	free(c->tls_cacertfile);
	free(c->tls_cacertdir);
	free(c->tls_cert);
	free(c->tls_key);
	strlist_free(&c->user_bases);
	free(c->user_filter);
	for (int i = 0; i < UF_COUNT; i++)
		expr_free(c->umap[i]);
	strlist_free(&c->user_exclude);
	free(c->suspend_shell);
	if (c->validnames_compiled)
		regfree(&c->validnames_re);
	free(c->validnames);
	free(c->uid_range.v);
	free(c->gid_range.v);
	strlist_free(&c->group_bases);
	free(c->group_filter);
	for (int i = 0; i < GF_COUNT; i++)
		expr_free(c->gmap[i]);
	strlist_free(&c->group_exclude);
	free(c->membership_filter);
	strlist_free(&c->login_groups);
	strlist_free(&c->synced_groups);
	strlist_free(&c->local_group_map);
	free(c->skel_dir);
	free(c->idmap.domains);
	free(c->state_dir);
	free(c->metrics_file);
	memset(c, 0, sizeof(*c));
}

bool
idranges_has(const struct idranges *r, uint32_t id)
{
	for (size_t i = 0; i < r->n; i++)
		if (id >= r->v[i].lo && id <= r->v[i].hi)
			return id != 0;
	return false;
}

static void
attrs_of(struct expr *const *m, int n, struct strlist *l)
{
	for (int i = 0; i < n; i++)
		if (m[i] != NULL)
			expr_attrs(m[i], l);
}

bool
conf_user_reads_name(const struct conf *c)
{
	struct strlist all = { 0 };
	bool reads = false;

	attrs_of(c->umap, UF_COUNT, &all);
	for (size_t i = 0; i < all.n; i++)
		reads |= strcasecmp(all.v[i], CONF_NAME) == 0;
	strlist_free(&all);
	return reads;
}

void
conf_user_attrs(const struct conf *c, struct strlist *l)
{
	struct strlist all = { 0 };

	attrs_of(c->umap, UF_COUNT, &all);
	for (size_t i = 0; i < all.n; i++)
		if (strcasecmp(all.v[i], CONF_NAME) != 0)
			strlist_add(l, all.v[i]);
	strlist_free(&all);
	strlist_add(l, "entryUUID");
	strlist_add(l, "objectGUID");
	strlist_add(l, "nsUniqueId");
	if (c->account_state)
		for (int i = 0; acctstate_attrs[i] != NULL; i++)
			strlist_add(l, acctstate_attrs[i]);
	if (c->idmap.kind != IDMAP_NONE) {
		strlist_add(l, "objectSid");
		strlist_add(l, "primaryGroupID");
	}
}

void
conf_group_attrs(const struct conf *c, struct strlist *l)
{
	attrs_of(c->gmap, c->memberships ? GF_COUNT : GF_GID + 1, l);
	strlist_add(l, "entryUUID");
	strlist_add(l, "objectGUID");
	strlist_add(l, "nsUniqueId");
	if (c->idmap.kind != IDMAP_NONE)
		strlist_add(l, "objectSid");
}
