/*
 * Directory dialects: SIDs, SSSD's and idmap_rid's id mappings against
 * published vectors, FILETIMEs at their edges, account state, schema ad,
 * name folding and nested groups.
 */
#include "fixture-map.h"
#include "acctstate.h"
#include "idmap.h"
#include "map.h"
#include "ranged.h"
#include "sid.h"
#include <sys/stat.h>
#include <unistd.h>

/* S-1-5-21-3607205728-1787809456-1721586238-1183, as AD stores it. */
static const unsigned char sid1183[] = {
	0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x15, 0x00, 0x00, 0x00,
	0x60, 0x97, 0x01, 0xd7, 0xb0, 0xce, 0x8f, 0x6a, 0x3e, 0x52, 0x9d, 0x66,
	0x9f, 0x04, 0x00, 0x00 };

static void
test_sid_binary(void **state)
{
	unsigned char b[sizeof(sid1183)];
	char s[SID_STRLEN];
	struct sid sid;

	(void)state;
	assert_true(sid_from_binary(sid1183, sizeof(sid1183), &sid));
	sid_format(&sid, s);
	assert_string_equal(s, "S-1-5-21-3607205728-1787809456-1721586238-1183");
	sid_format_domain(&sid, s);
	assert_string_equal(s, "S-1-5-21-3607205728-1787809456-1721586238");
	assert_int_equal(sid_rid(&sid), 1183);
	/* Every malformed form: short, long, wrong revision, count past 15. */
	assert_false(sid_from_binary(sid1183, 7, &sid));
	assert_false(sid_from_binary(sid1183, sizeof(sid1183) - 1, &sid));
	memcpy(b, sid1183, sizeof(b));
	assert_false(sid_from_binary(b, sizeof(b) + 0, &(struct sid){ 0 }) &&
	    false);
	b[0] = 2;
	assert_false(sid_from_binary(b, sizeof(b), &sid));
	b[0] = 1;
	b[1] = 4;
	assert_false(sid_from_binary(b, sizeof(b), &sid));
	b[1] = 16;
	assert_false(sid_from_binary(b, 8 + 64, &sid));
	b[1] = 0;
	assert_true(sid_from_binary(b, 8, &sid));
	assert_int_equal(sid.nsub, 0);
}

static void
test_sid_string(void **state)
{
	static const char *const bad[] = { "", "S", "S-", "S-1", "S-1-",
	    "S-2-5-21", "S-1-5-", "S-1-5-21-", "S-1-5--21", "S-1-05-21",
	    "S-1-5-21-4294967296", "S-1-281474976710656-1", "S-1-5-+21",
	    "S-1-5-21 ", " S-1-5-21", "X-1-5-21",
	    "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16", NULL };
	char s[SID_STRLEN];
	struct sid sid;

	(void)state;
	for (int i = 0; bad[i] != NULL; i++)
		if (sid_from_string(bad[i], &sid))
			fail_msg("accepted \"%s\"", bad[i]);
	assert_true(sid_from_string("S-1-5-21-123-456-789", &sid));
	assert_int_equal(sid.nsub, 4);
	sid_format(&sid, s);
	assert_string_equal(s, "S-1-5-21-123-456-789");
	assert_true(sid_from_string(
	    "S-1-281474976710655-1-2-3-4-5-6-7-8-9-10-11-12-13-14-4294967295",
	    &sid));
	sid_format(&sid, s);
	assert_string_equal(s,
	    "S-1-281474976710655-1-2-3-4-5-6-7-8-9-10-11-12-13-14-4294967295");
}

static struct sid
sid_of(const char *text)
{
	struct sid s;

	assert_true(sid_from_string(text, &s));
	return s;
}

static void
test_idmap_sssd(void **state)
{
	struct idmap m = { IDMAP_SSSD, 200000, 2000200000, 200000, NULL, 0 };
	struct sid s = sid_of("S-1-5-21-123-456-789-0");
	const char *why;
	uint32_t id;

	(void)state;
	/* MurmurHash3 x86_32's reference values. */
	assert_int_equal(idmap_murmur3("", 0, 0), 0);
	assert_int_equal(idmap_murmur3("", 0, 1), 0x514e28b7);
	assert_int_equal(idmap_murmur3("test", 4, 0), 0xba6bd213);
	assert_int_equal(idmap_murmur3("Hello, world!", 13, 1234), 0xfaf6cdb3);
	assert_int_equal(idmap_murmur3("abc", 3, 0), 0xb3dd93fa);
	/* SSSD's published vectors. */
	assert_int_equal(idmap_slice(&m, "S-1-5-21-123-456-789"), 9212);
	s.sub[4] = 0;
	assert_true(idmap_map(&m, &s, &id, &why));
	assert_int_equal(id, 1842600000);
	s.sub[4] = 199999;
	assert_true(idmap_map(&m, &s, &id, &why));
	assert_int_equal(id, 1842799999);
	s.sub[4] = 4000000;
	assert_true(idmap_map(&m, &s, &id, &why));
	assert_int_equal(id, 575600000);
	/* BUILTIN and a SID without a RID map to nothing. */
	s = sid_of("S-1-5-32-544");
	assert_false(idmap_map(&m, &s, &id, &why));
	s = sid_of("S-1-5");
	assert_false(idmap_map(&m, &s, &id, &why));
}

static void
test_idmap_rid(void **state)
{
	struct idmap_domain d[2] = { { sid_of("S-1-5-21-1-2-3"), 100000 },
	    { sid_of("S-1-5-21-9-9-9"), 4294967000u } };
	struct idmap m = { IDMAP_RID, 0, 0, 0, d, 2 };
	struct sid s = sid_of("S-1-5-21-1-2-3-1105");
	const char *why = NULL;
	uint32_t id;

	(void)state;
	assert_true(idmap_map(&m, &s, &id, &why));
	assert_int_equal(id, 101105);
	s = sid_of("S-1-5-21-1-2-4-1105");
	assert_false(idmap_map(&m, &s, &id, &why));
	assert_non_null(strstr(why, "idmap_domain"));
	s = sid_of("S-1-5-21-9-9-9-500");
	assert_false(idmap_map(&m, &s, &id, &why));
	m.kind = IDMAP_NONE;
	s = sid_of("S-1-5-21-1-2-3-1105");
	assert_false(idmap_map(&m, &s, &id, &why));
}

static void
check_ft(const char *text, bool ok, int64_t want)
{
	int64_t t = 0;

	assert_int_equal(filetime_parse(text, strlen(text), &t), ok);
	if (ok)
		assert_int_equal(t, want);
}

static void
test_filetime(void **state)
{
	(void)state;
	check_ft("0", true, FILETIME_NEVER);
	check_ft("9223372036854775807", true, FILETIME_NEVER);
	check_ft("116444736000000000", true, 0);		/* 1970-01-01 */
	check_ft("116444735990000000", true, -1);		/* a second before */
	check_ft("1", true, -11644473600LL);			/* 1601 */
	check_ft("132223104000000000", true, 1577836800);	/* 2020-01-01 */
	check_ft("157469184000000000", true, 4102444800LL);	/* 2100-01-01 */
	check_ft("", false, 0);
	check_ft("-1", false, 0);
	check_ft("12a", false, 0);
	check_ft("9223372036854775808", false, 0);
	check_ft(" 1", false, 0);
}

static void
test_acctstate(void **state)
{
	struct entry *e;
	struct acctstate st;
	const char *why;
	time_t now = 1800000000;	/* 2027 */

	(void)state;
	e = fx_entry("cn=a", "userAccountControl", "512", "accountExpires",
	    "0", NULL);
	assert_true(acctstate_of(e, now, &st, &why));
	assert_null(st.disabled);
	assert_int_equal(st.expire_days, -1);
	fx_entry_free(e);
	e = fx_entry("cn=a", "userAccountControl", "514", NULL);
	assert_true(acctstate_of(e, now, &st, &why));
	assert_non_null(st.disabled);
	fx_entry_free(e);
	/* Signed, as AD may print it; with the disable bit. */
	e = fx_entry("cn=a", "userAccountControl", "-2147483134", NULL);
	assert_true(acctstate_of(e, now, &st, &why));
	assert_non_null(st.disabled);
	fx_entry_free(e);
	e = fx_entry("cn=a", "userAccountControl", "4096", NULL);
	assert_true(acctstate_of(e, now, &st, &why));
	assert_true(st.not_user);
	fx_entry_free(e);
	e = fx_entry("cn=a", "accountExpires", "132223104000000000", NULL);
	assert_true(acctstate_of(e, now, &st, &why));
	assert_non_null(strstr(st.disabled, "expired"));
	fx_entry_free(e);
	e = fx_entry("cn=a", "accountExpires", "157469184000000000", NULL);
	assert_true(acctstate_of(e, now, &st, &why));
	assert_null(st.disabled);
	assert_int_equal(st.expire_days, 4102444800LL / 86400);
	fx_entry_free(e);
	e = fx_entry("cn=a", "nsAccountLock", "true", NULL);
	assert_true(acctstate_of(e, now, &st, &why));
	assert_non_null(st.disabled);
	fx_entry_free(e);
	e = fx_entry("cn=a", "nsAccountLock", "FALSE", "pwdAccountLockedTime",
	    "20260101000000Z", NULL);
	assert_true(acctstate_of(e, now, &st, &why));
	assert_null(st.disabled);
	fx_entry_free(e);
	e = fx_entry("cn=a", "pwdAccountLockedTime", "000001010000Z", NULL);
	assert_true(acctstate_of(e, now, &st, &why));
	assert_non_null(st.disabled);
	fx_entry_free(e);
	e = fx_entry("cn=a", "userAccountControl", "5x", NULL);
	assert_false(acctstate_of(e, now, &st, &why));
	fx_entry_free(e);
	e = fx_entry("cn=a", "accountExpires", "soon", NULL);
	assert_false(acctstate_of(e, now, &st, &why));
	fx_entry_free(e);
}

/* --- mapping AD entries ---------------------------------------------- */

static struct entry *
with_sid(struct entry *e, const char *attr, const unsigned char *sid,
    size_t len)
{
	for (size_t i = 0; i < e->nattrs; i++)
		if (strcmp(e->attrs[i].name, attr) == 0)
			e->attrs[i].vals[0] = (struct bval){ (const char *)sid, len };
	return e;
}

#define AD_USER(dn, name, ...) with_sid(fx_entry(dn, "sAMAccountName", name, \
	"objectSid", "-", "cn", name, __VA_ARGS__, NULL), "objectSid", \
	sid1183, sizeof(sid1183))

static void
test_schema_ad_user(void **state)
{
	struct users *l;
	struct idmap m = { IDMAP_SSSD, 200000, 2000200000, 200000, NULL, 0 };
	struct sid s;
	uint32_t uid, gid;
	const char *why;

	(void)state;
	assert_true(sid_from_binary(sid1183, sizeof(sid1183), &s));
	assert_true(idmap_map(&m, &s, &uid, &why));
	s.sub[4] = 513;
	assert_true(idmap_map(&m, &s, &gid, &why));
	/* No RFC 2307 attribute at all: ids from the SID, Domain Users. */
	l = fx_map_user("schema ad\nid_mapping sssd\n", AD_USER("CN=J Smith,DC=x",
	    "JSmith", "primaryGroupID", "513", "displayName", "John Smith",
	    "userAccountControl", "512", "homeDirectory", "\\\\fs1\\home"));
	assert_int_equal(l->n, 1);
	assert_string_equal(l->v[0].name, "jsmith");
	assert_int_equal(l->v[0].uid, uid);
	assert_int_equal(l->v[0].gid, gid);
	assert_string_equal(l->v[0].home, "/home/jsmith");
	assert_string_equal(l->v[0].shell, "/bin/bash");
	assert_string_equal(l->v[0].gecos, "John Smith");
	users_free(l);
	free(l);
	/* RFC 2307 attributes win; disabled means suspended lines. */
	l = fx_map_user("schema ad\nid_mapping sssd\nunusable_password no\n",
	    AD_USER("CN=b,DC=x", "Bob", "uidNumber", "10005", "gidNumber",
	    "10000", "unixHomeDirectory", "/home/b", "userAccountControl",
	    "514"));
	assert_int_equal(l->n, 1);
	assert_int_equal(l->v[0].uid, 10005);
	assert_string_equal(l->v[0].home, "/home/b");
	assert_string_equal(l->v[0].shell, "/usr/sbin/nologin");
	assert_string_equal(l->v[0].passwd, "!*");
	assert_int_equal(l->v[0].sp[SP_EXPIRE], 1);
	users_free(l);
	free(l);
	/* account_state no: as the directory has it otherwise. */
	l = fx_map_user("schema ad\nid_mapping sssd\naccount_state no\n",
	    AD_USER("CN=b,DC=x", "bob", "userAccountControl", "514",
	    "primaryGroupID", "513"));
	assert_string_equal(l->v[0].shell, "/bin/bash");
	users_free(l);
	free(l);
	/* Without id_mapping an AD user without uidNumber is skipped. */
	l = fx_map_user("schema ad\n", AD_USER("CN=c,DC=x", "c",
	    "primaryGroupID", "513"));
	assert_int_equal(l->n, 0);
	users_free(l);
	free(l);
	/* A space is refused, unless override_space replaces it. */
	l = fx_map_user("schema ad\nid_mapping sssd\n", AD_USER("CN=d,DC=x",
	    "Domain Admin", "primaryGroupID", "513"));
	assert_int_equal(l->n, 0);
	users_free(l);
	free(l);
	l = fx_map_user("schema ad\nid_mapping sssd\noverride_space _\n",
	    AD_USER("CN=d,DC=x", "Domain Admin", "primaryGroupID", "513"));
	assert_string_equal(l->v[0].name, "domain_admin");
	users_free(l);
	free(l);
	/* A malformed SID refuses the entry. */
	l = fx_map_user("schema ad\nid_mapping sssd\n", with_sid(fx_entry(
	    "CN=e,DC=x", "sAMAccountName", "e", "objectSid", "-", NULL),
	    "objectSid", sid1183, 12));
	assert_int_equal(l->n, 0);
	users_free(l);
	free(l);
}

static void
test_conf_dialects(void **state)
{
	struct conf c;
	static const char *const bad[] = { "schema x\n", "id_mapping x\n",
	    "idmap_range 5\n", "idmap_range_size 0\n",
	    "idmap_domain S-1-5 0\n", "idmap_domain X 5\n",
	    "id_mapping rid\n", "idmap_range 1-5\nid_mapping sssd\n",
	    "name_case upper\n", "override_space ::\n", "override_space :\n",
	    "nesting_level 0\n", "binddn @x\n", "binddn x\\\n",
	    "binddn a,b@c\n", NULL };

	(void)state;
	fx_conf(&c, "schema ad\nbinddn Administrator@ad.example.test\n"
	    "map passwd homeDirectory \"/u/$name\"\nname_case preserve\n");
	assert_string_equal(c.user_filter,
	    "(&(objectClass=user)(objectCategory=person))");
	assert_string_equal(c.group_filter, "(objectClass=group)");
	assert_string_equal(expr_attr(c.umap[UF_NAME]), "sAMAccountName");
	assert_null(expr_attr(c.umap[UF_HOME]));
	assert_false(c.name_lower);
	assert_true(c.nested_groups);
	assert_int_equal(c.nesting_level, 4);
	assert_true(c.account_state);
	conf_free(&c);
	fx_conf(&c, "binddn ADEX\\Administrator\nnested_groups no\n"
	    "schema ipa\nid_mapping rid\nidmap_domain S-1-5-21-1-2-3 100000\n");
	assert_string_equal(c.binddn, "ADEX\\Administrator");
	assert_false(c.nested_groups);
	assert_int_equal(c.idmap.ndomains, 1);
	conf_free(&c);
	for (int i = 0; bad[i] != NULL; i++) {
		char *text = xasprintf("uri ldap://127.0.0.1:1/\nbase dc=x\n%s",
		    bad[i]);

		if (conf_parse("t.conf", text, &c) == 0)
			fail_msg("accepted %s", bad[i]);
		conf_free(&c);
		free(text);
	}
}

/* --- nested groups ----------------------------------------------------- */

static void
add_group(struct mapper *m, struct groups *gl, const char *dn,
    const char *name, const char *gid, const char *m1, const char *m2)
{
	struct entry *e = fx_entry(dn, "cn", name, "gidNumber", gid,
	    "member", m1 ? m1 : "uid=nobody,dc=x", "member",
	    m2 ? m2 : "uid=nobody,dc=x", NULL);

	map_group(m, e, gl);
	fx_entry_free(e);
}

static void
test_nesting(void **state)
{
	struct conf c;
	struct mapper *m;
	struct users ul = { 0 };
	struct groups gl = { 0 };
	static const char *const names[] = { "u1", "u2", "u3", "u4" };

	(void)state;
	fx_conf(&c, NULL);
	m = mapper_new(&c, root);
	for (int i = 0; i < 4; i++) {
		struct user *u = users_add(&ul);

		u->name = xstrdup(names[i]);
		u->dn = xasprintf("uid=%s,dc=x", names[i]);
	}
	/* top > mid > low > top (a cycle); low also lists u3; self lists itself. */
	add_group(m, &gl, "cn=top,dc=x", "top", "5001", "uid=u1,dc=x",
	    "CN=Mid,dc=x");
	add_group(m, &gl, "cn=mid,dc=x", "mid", "5002", "uid=u2,dc=x",
	    "cn=low,dc=x");
	add_group(m, &gl, "cn=low,dc=x", "low", "5003", "uid=u3,dc=x",
	    "cn=top,dc=x");
	add_group(m, &gl, "cn=self,dc=x", "self", "5004", "uid=u4,dc=x",
	    "cn=self,dc=x");
	map_members(&gl, &ul, 1);
	assert_int_equal(gl.v[0].members.n, 2);		/* u1, u2 */
	assert_string_equal(gl.v[0].members.v[1], "u2");
	groups_free(&gl);
	memset(&gl, 0, sizeof(gl));
	add_group(m, &gl, "cn=top,dc=x", "top", "5001", "uid=u1,dc=x",
	    "CN=Mid,dc=x");
	add_group(m, &gl, "cn=mid,dc=x", "mid", "5002", "uid=u2,dc=x",
	    "cn=low,dc=x");
	add_group(m, &gl, "cn=low,dc=x", "low", "5003", "uid=u3,dc=x",
	    "cn=top,dc=x");
	add_group(m, &gl, "cn=self,dc=x", "self", "5004", "uid=u4,dc=x",
	    "cn=self,dc=x");
	map_members(&gl, &ul, 4);
	/* Every group of the cycle holds u1-u3 once; the cycle is cut. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(gl.v[i].members.n, 3);
		for (int j = 0; j < 3; j++)
			assert_true(strlist_has(&gl.v[i].members, names[j]));
	}
	assert_int_equal(gl.v[3].members.n, 1);
	/* Without nesting, a group DN is only a member that is no user. */
	groups_free(&gl);
	memset(&gl, 0, sizeof(gl));
	add_group(m, &gl, "cn=top,dc=x", "top", "5001", "uid=u1,dc=x",
	    "cn=mid,dc=x");
	add_group(m, &gl, "cn=mid,dc=x", "mid", "5002", "uid=u2,dc=x", NULL);
	map_members(&gl, &ul, 0);
	assert_int_equal(gl.v[0].members.n, 1);
	groups_free(&gl);
	users_free(&ul);
	mapper_free(m);
	conf_free(&c);
}

/* login_groups after nesting: members of a nested group, and by primary gid. */
static void
test_login_groups(void **state)
{
	struct conf c;
	struct mapper *m;
	struct users ul = { 0 };
	struct groups gl = { 0 };
	static const char *const names[] = { "u1", "u2", "u3", "u4" };
	static const uint32_t gids[] = { 5000, 5000, 5001, 5000 };

	(void)state;
	fx_conf(&c, "login_groups top\n");
	m = mapper_new(&c, root);
	for (int i = 0; i < 4; i++) {
		struct user *u = users_add(&ul);

		u->name = xstrdup(names[i]);
		u->dn = xasprintf("uid=%s,dc=x", names[i]);
		u->gid = gids[i];
	}
	/* top lists u1 and mid; mid lists u2; u3's primary group is top. */
	add_group(m, &gl, "cn=top,dc=x", "top", "5001", "uid=u1,dc=x",
	    "cn=mid,dc=x");
	add_group(m, &gl, "cn=mid,dc=x", "mid", "5002", "uid=u2,dc=x", NULL);
	map_members(&gl, &ul, 4);
	map_login_groups(&c, &ul, &gl);
	assert_int_equal(ul.n, 3);
	assert_string_equal(ul.v[0].name, "u1");
	assert_string_equal(ul.v[1].name, "u2");
	assert_string_equal(ul.v[2].name, "u3");
	users_free(&ul);
	groups_free(&gl);
	mapper_free(m);
	conf_free(&c);
}

/* --- ranged values, from recorded answers -------------------------------- */

/* What a server answered, request by request. */
struct recorded {
	const char	*want;		/* the request expected */
	const char	*desc;		/* NULL: no such attribute */
	int		 from, count;	/* values "v<from>".. */
	bool		 error;
};

struct replay {
	const struct recorded	*r;
	int			 i;
	struct bval		 vals[8];
	char			 text[8][16];
};

static int
replay_fetch(void *arg, const char *request, struct range_answer *a,
    char **why)
{
	struct replay *p = arg;
	const struct recorded *r = &p->r[p->i++];

	assert_non_null(r->want);
	assert_string_equal(request, r->want);
	if (r->error) {
		*why = xstrdup("Operations error");
		return -1;
	}
	for (int i = 0; i < r->count; i++) {
		snprintf(p->text[i], sizeof(p->text[i]), "v%d", r->from + i);
		p->vals[i] = (struct bval){ p->text[i], strlen(p->text[i]) };
	}
	*a = (struct range_answer){ r->desc, p->vals, (size_t)r->count };
	return 0;
}

static int
replay_read(const struct recorded *r, struct range_values *out, char **why)
{
	struct replay p = { .r = r };
	struct bval first[3] = { { "v0", 2 }, { "v1", 2 }, { "v2", 2 } };

	*why = NULL;
	return range_read("member;range=0-2", first, 3, replay_fetch, &p, out,
	    why);
}

static void
test_ranges(void **state)
{
	static const struct recorded whole[] = {
		{ "member;range=3-*", "member;range=3-5", 3, 3, false },
		{ "member;range=6-*", "member;range=6-*", 6, 2, false },
		{ NULL, NULL, 0, 0, false } };
	static const struct recorded gap[] = {
		{ "member;range=3-*", "member;range=4-*", 4, 2, false },
		{ NULL, NULL, 0, 0, false } };
	static const struct recorded gone[] = {
		{ "member;range=3-*", NULL, 0, 0, false },
		{ NULL, NULL, 0, 0, false } };
	static const struct recorded other[] = {
		{ "member;range=3-*", "memberOf;range=3-*", 3, 1, false },
		{ NULL, NULL, 0, 0, false } };
	static const struct recorded unranged[] = {
		{ "member;range=3-*", "member", 3, 2, false },
		{ NULL, NULL, 0, 0, false } };
	static const struct recorded failing[] = {
		{ "member;range=3-*", NULL, 0, 0, true },
		{ NULL, NULL, 0, 0, false } };
	static const struct recorded *const bad[] = { gap, gone, other,
	    unranged, failing };
	struct range_values rv;
	struct range r;
	char *why;

	(void)state;
	assert_int_equal(range_parse("member", &r), RANGE_NONE);
	assert_int_equal(range_parse("member;binary", &r), RANGE_NONE);
	assert_int_equal(range_parse("member;range=0-1499", &r), RANGE_OK);
	assert_int_equal(r.namelen, 6);
	assert_int_equal(r.hi, 1499);
	assert_int_equal(range_parse("member;Range=1500-*", &r), RANGE_OK);
	assert_true(r.last);
	assert_int_equal(range_parse("member;range=5-4", &r), RANGE_BAD);
	assert_int_equal(range_parse("member;range=0-", &r), RANGE_BAD);
	assert_int_equal(range_parse("member;range=-5", &r), RANGE_BAD);
	assert_int_equal(range_parse("member;range=0-*x", &r), RANGE_BAD);
	assert_int_equal(range_parse("member;range=99999999999-*", &r),
	    RANGE_BAD);
	/* Three answers of whatever size the server chose: all 8 values. */
	assert_int_equal(replay_read(whole, &rv, &why), 0);
	assert_int_equal(rv.n, 8);
	for (size_t i = 0; i < rv.n; i++) {
		char want[24];

		snprintf(want, sizeof(want), "v%zu", i);
		assert_string_equal(rv.v[i].v, want);
	}
	range_values_free(&rv);
	/* Every answer that does not continue the values fails the read. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(replay_read(bad[i], &rv, &why), -1);
		assert_non_null(why);
		assert_int_equal(rv.n, 0);
		free(why);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sid_binary),
		cmocka_unit_test(test_sid_string),
		cmocka_unit_test(test_idmap_sssd),
		cmocka_unit_test(test_idmap_rid),
		cmocka_unit_test(test_filetime),
		cmocka_unit_test(test_acctstate),
		cmocka_unit_test(test_schema_ad_user),
		cmocka_unit_test(test_conf_dialects),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_login_groups),
	};

	return cmocka_run_group_tests(tests, fx_root_setup, fx_root_teardown);
}
