/*
 * The change-set planner: a cache image of the last run's directory, a
 * state and files as that run left them, then this run's changes.  What
 * it plans and the state it splices equal what planning the whole
 * directory gives; what it cannot plan alone it refuses.
 */
#include "fixture.h"
#include <unistd.h>

#include "changeset.h"
#include "map.h"
#include "txn.h"

static char dir[] = "/tmp/ldapsync-changeset.XXXXXX";
static struct conf conf;

#define PEOPLE	",ou=people,dc=example,dc=com"
#define GROUPS	",ou=groups,dc=example,dc=com"

static int
setup(void **st)
{
	(void)st;
	assert_non_null(mkdtemp(dir));
	fx_conf(&conf, "user_base ou=people,dc=example,dc=com\n"
	    "group_base ou=groups,dc=example,dc=com\n"
	    "user_removal_action delete\ngroup_removal_action delete\n"
	    "max_removals 100%\nstate_dir /var/lib/ldapsync\n");
	return 0;
}

static int
teardown(void **st)
{
	(void)st;
	conf_free(&conf);
	return fx_rmtree(dir);
}

static struct entry *
user(const char *name, const char *uid, const char *uuid)
{
	return fx_entry(xasprintf("uid=%s" PEOPLE, name), "uid", name,
	    "uidNumber", uid, "gidNumber", "10001", "homeDirectory", "/home/x",
	    "loginShell", "/bin/sh", "entryUUID", uuid, NULL);
}

static struct entry *
group(const char *name, const char *gid, const char *m1, const char *m2)
{
	struct entry *e = fx_entry(xasprintf("cn=%s" GROUPS, name), "cn", name,
	    "gidNumber", gid, "entryUUID", "us", "memberUid", m1, NULL);

	if (m2 != NULL)
		e->attrs[e->nattrs - 1].vals[e->attrs[e->nattrs - 1].nvals++] =
		    (struct bval){ m2, strlen(m2) };
	return e;
}

static void
drop(struct entry *e)
{
	free((char *)e->dn);
	fx_entry_free(e);
}

static char *
path_of(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

/*
 * The last run: alice and bob in staff, carol alone, written as that
 * run's plan would; a local account "local" beside them.
 */
static void
last_run(struct dircache *c)
{
	struct strlist cookies = { 0 };
	struct buf image = { 0 }, log = { 0 };
	char *p = path_of("etc");
	struct entry *e[4] = { user("alice", "10001", "ua"), user("bob", "10002", "ub"),
	    user("carol", "10003", "uc"), group("staff", "10001", "alice", "bob") };
	static const char *const uuids[] = { "ua", "ub", "uc", "us" };

	assert_int_equal(mkdir_p(p), 0);
	free(p);
	p = path_of("directory");
	fx_put(dir, "etc/shells", "/bin/sh\n");
	fx_put(dir, "passwd", "root:x:0:0::/root:/bin/sh\n"
	    "local:x:1000:1000::/home/local:/bin/sh\n"
	    "alice:x:10001:10001::/home/x:/bin/sh\n"
	    "bob:x:10002:10001::/home/x:/bin/sh\n"
	    "carol:x:10003:10001::/home/x:/bin/sh\n");
	fx_put(dir, "shadow", "root:*:1::::::\nlocal:*:1::::::\n"
	    "alice:*:::::::\nbob:*:::::::\ncarol:*:::::::\n");
	fx_put(dir, "group", "root:x:0:\nstaff:x:10001:alice,bob\n");
	fx_put(dir, "gshadow", "root:*::\nstaff:!::alice,bob\n");
	fx_put(dir, "state", "ldapsync-state 1\nu alice 10001 0 ua\n"
	    "u bob 10002 0 ub\nu carol 10003 0 uc\ng staff 10001 us\n");
	strlist_add(&cookies, "c1");
	strlist_add(&cookies, "c2");
	dircache_init(c);
	dircache_refill(c, "fp", &cookies);
	for (int i = 0; i < 4; i++) {
		dircache_append(c, uuids[i], i == 3, e[i]);
		drop(e[i]);
	}
	assert_true(dircache_render(c, &image, &log));
	assert_int_equal(write_atomic(p, image.p, image.len, 0600), 0);
	dircache_free(c);
	dircache_init(c);
	assert_int_equal(dircache_load(c, p), 0);
	buf_free(&image);
	buf_free(&log);
	strlist_free(&cookies);
	free(p);
}

/* Plans the change set; its change lines, then the state it splices. */
static bool
plan(struct dircache *c, struct buf *out)
{
	char *paths[CS_FILES] = { path_of("passwd"), path_of("shadow"),
	    path_of("group"), path_of("gshadow") };
	char *state = path_of("state");
	struct changeset_in in = { &conf, dir, c, state,
	    { paths[0], paths[1], paths[2], paths[3] } };
	struct pwfile f[CS_FILES];
	struct changeset cs;
	struct plan p;
	bool ok;

	memset(f, 0, sizeof(f));
	if ((ok = changeset_load(&cs, &in, f))) {
		changeset_plan(&cs, &conf, f, &p);
		for (size_t i = 0; i < p.changes.n; i++)
			buf_printf(out, "%s\n", p.changes.v[i]);
		changeset_state(&cs, &p, out);
		plan_free(&p);
		changeset_free(&cs);
		for (int i = 0; i < CS_FILES; i++)
			pwfile_free(&f[i]);
	}
	for (int i = 0; i < CS_FILES; i++)
		free(paths[i]);
	free(state);
	return ok;
}

static void
test_add_and_join(void **st)
{
	struct dircache c;
	struct buf out = { 0 };
	struct entry *e;

	(void)st;
	last_run(&c);
	e = user("dave", "10004", "ud");
	dircache_put(&c, "ud", 0, e);
	drop(e);
	e = group("staff", "10001", "alice", "dave");
	dircache_put(&c, "us", 1, e);
	drop(e);
	assert_true(plan(&c, &out));
	assert_string_equal(buf_cstr(&out),
	    "+ user dave uid=10004\n"
	    "~ group staff members +dave -bob\n"
	    "ldapsync-state 1\n"
	    "u alice 10001 0 ua\nu bob 10002 0 ub\nu carol 10003 0 uc\n"
	    "u dave 10004 0 ud\ng staff 10001 us\n");
	buf_free(&out);
	dircache_free(&c);
}

/*
 * The totals the guard weighs count member names as a whole plan does
 * (members_managed()): empty names between commas count, a comma that
 * ends the list does not.
 */
static void
test_totals(void **st)
{
	static const struct { const char *list; size_t members; } c[] = {
		{ "alice,bob", 2 }, { ",alice,,bob,", 4 }, { "alice,", 1 },
		{ "", 0 }, { "bob:extra", 1 },
	};
	char *paths[CS_FILES] = { path_of("passwd"), path_of("shadow"),
	    path_of("group"), path_of("gshadow") }, *state = path_of("state");
	struct changeset_in in = { &conf, dir, NULL, state,
	    { paths[0], paths[1], paths[2], paths[3] } };

	(void)st;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct pwfile f[CS_FILES];
		struct changeset cs;
		struct dircache dc;
		struct entry *e = user("carol", "10003", "uc");
		char *group = xasprintf("root:x:0:\nstaff:x:10001:%s\n", c[i].list);

		last_run(&dc);
		fx_put(dir, "group", group);
		dircache_put(&dc, "uc", 0, e);
		drop(e);
		in.cache = &dc;
		memset(f, 0, sizeof(f));
		assert_true(changeset_load(&cs, &in, f));
		assert_int_equal(cs.totals.users, 3);
		assert_int_equal(cs.totals.groups, 1);
		assert_int_equal(cs.totals.members, c[i].members);
		changeset_free(&cs);
		for (int j = 0; j < CS_FILES; j++)
			pwfile_free(&f[j]);
		dircache_free(&dc);
		free(group);
	}
	for (int i = 0; i < CS_FILES; i++)
		free(paths[i]);
	free(state);
}

/* A deleted user leaves the groups that list her, which are planned too. */
static void
test_delete(void **st)
{
	struct dircache c;
	struct buf out = { 0 };

	(void)st;
	last_run(&c);
	dircache_del(&c, "ub", 0);
	assert_true(plan(&c, &out));
	/* staff still lists bob in the directory: left unresolved. */
	assert_non_null(strstr(out.p, "- user bob deleted\n"));
	assert_non_null(strstr(out.p, "~ group staff members -bob\n"));
	assert_non_null(strstr(out.p, "u alice 10001 0 ua\nu carol 10003 0 uc\n"
	    "g staff 10001 us\nx "));
	buf_free(&out);
	dircache_free(&c);
}

/* A rename keeps the account and its line's place; the state's order is by name. */
static void
test_rename(void **st)
{
	struct dircache c;
	struct buf out = { 0 };
	struct entry *e;

	(void)st;
	last_run(&c);
	e = user("zoe", "10001", "ua");
	dircache_put(&c, "ua", 0, e);
	drop(e);
	assert_true(plan(&c, &out));
	assert_non_null(strstr(out.p, "~ user zoe renamed from alice\n"));
	assert_non_null(strstr(out.p, "~ group staff members -alice\n"));
	assert_non_null(strstr(out.p, "u bob 10002 0 ub\nu carol 10003 0 uc\n"
	    "u zoe 10001 0 ua\ng staff 10001 us\n"));
	buf_free(&out);
	dircache_free(&c);
}

/* What the change set cannot plan alone: the whole directory is planned. */
static void
test_refused(void **st)
{
	struct dircache c;
	struct buf out = { 0 };
	struct entry *e;

	(void)st;
	last_run(&c);
	e = user("local", "10004", "ud");	/* a local account's name */
	dircache_put(&c, "ud", 0, e);
	drop(e);
	assert_false(plan(&c, &out));
	dircache_free(&c);

	last_run(&c);
	e = user("dave", "1000", "ud");	/* a local account's id */
	dircache_put(&c, "ud", 0, e);
	drop(e);
	assert_false(plan(&c, &out));
	dircache_free(&c);

	last_run(&c);
	e = user("dave", "10002", "ud");	/* bob's id, bob unchanged */
	dircache_put(&c, "ud", 0, e);
	drop(e);
	assert_false(plan(&c, &out));
	dircache_free(&c);

	last_run(&c);
	e = fx_entry(xstrdup("uid=bad" PEOPLE), "uid", "bad:name", NULL);
	dircache_put(&c, "ux", 0, e);	/* refused: planned whole */
	drop(e);
	assert_false(plan(&c, &out));
	dircache_free(&c);
	assert_int_equal(out.len, 0);
}

/* A key another entry left unresolved, as a name a group waits for. */
static void
test_unresolved(void **st)
{
	struct dircache c;
	struct buf out = { 0 };
	struct state s;
	struct entry *e;
	char *p = path_of("state");

	(void)st;
	last_run(&c);
	state_init(&s);
	assert_int_equal(state_load(&s, p), 0);
	state_unresolved_add(&s.unresolved, "uz", "dave");	/* not a group */
	state_unresolved_sort(&s.unresolved);
	state_render(&s, &out);
	fx_put(dir, "state", buf_cstr(&out));
	out.len = 0;
	e = user("dave", "10004", "ud");
	dircache_put(&c, "ud", 0, e);
	drop(e);
	assert_false(plan(&c, &out));
	state_free(&s);
	dircache_free(&c);
	buf_free(&out);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_join),
		cmocka_unit_test(test_totals),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_rename),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_unresolved),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
