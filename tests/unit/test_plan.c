#include "fixture.h"
#include "plan.h"

struct world {
	struct conf	 c;
	struct users	 users;
	struct groups	 groups;
	struct state	 old;
	struct pwfile	 passwd, shadow, group, gshadow;
	struct plan	 plan;
};

static const char passwd[] =
    "root:x:0:0:root:/root:/bin/bash\n"
    "local:x:1000:1000::/home/local:/bin/sh\n"
    "alice:x:10001:10001:Alice:/home/alice:/bin/sh\n"
    "bob:x:10002:10001:Bob:/home/bob:/bin/sh\n";
static const char shadow[] =
    "root:*:1::::::\n"
    "local:$6$x:1::::::\n"
    "alice:*:::::::\n"
    "bob:*:::::::\n";
static const char group[] =
    "root:x:0:\n"
    "docker:x:999:local,bob\n"
    "staff:x:10001:alice,bob\n";
static const char gshadow[] =
    "root:*::\n"
    "docker:!:bob:local,bob\n"
    "staff:!::alice,bob\n";
static const char state[] =
    "ldapsync-state 1\n"
    "u alice 10001 0 uuid-a\n"
    "u bob 10002 0 uuid-b\n"
    "g staff 10001 uuid-s\n";

static void
add_user(struct world *w, const char *name, uint32_t uid, const char *uuid)
{
	struct user *u = users_add(&w->users);

	u->name = xstrdup(name);
	u->uid = uid;
	u->gid = 10001;
	u->gecos = xstrdup(name[0] == 'a' ? "Alice" : name[0] == 'b' ? "Bob" : "");
	u->home = xasprintf("/home/%s", name);
	u->shell = xstrdup("/bin/sh");
	u->passwd = xstrdup("*");
	for (int i = 0; i < SP_COUNT; i++)
		u->sp[i] = -1;
	u->uuid = uuid ? xstrdup(uuid) : NULL;
	u->dn = xasprintf("uid=%s,dc=x", name);
}

static struct group *
add_group(struct world *w, const char *name, uint32_t gid, const char *uuid)
{
	struct group *g = groups_add(&w->groups);

	g->name = xstrdup(name);
	g->gid = gid;
	g->uuid = uuid ? xstrdup(uuid) : NULL;
	g->dn = xasprintf("cn=%s,dc=x", name);
	return g;
}

static struct world *
world(const char *conf)
{
	struct world *w = xcalloc(1, sizeof(*w));

	fx_conf(&w->c, conf);
	state_init(&w->old);
	assert_int_equal(state_parse(&w->old, "state", state), 0);
	pwfile_parse(&w->passwd, "passwd", passwd, strlen(passwd));
	pwfile_parse(&w->shadow, "shadow", shadow, strlen(shadow));
	pwfile_parse(&w->group, "group", group, strlen(group));
	pwfile_parse(&w->gshadow, "gshadow", gshadow, strlen(gshadow));
	return w;
}

/* The directory as it was at the last run: alice, bob and staff. */
static void
as_before(struct world *w)
{
	struct group *g;

	add_user(w, "alice", 10001, "uuid-a");
	add_user(w, "bob", 10002, "uuid-b");
	g = add_group(w, "staff", 10001, "uuid-s");
	strlist_add(&g->members, "alice");
	strlist_add(&g->members, "bob");
}

static void
make_listed(struct world *w, bool listed)
{
	struct plan_input in = { &w->c, &w->users, &w->groups, &w->old,
	    &w->passwd, &w->shadow, &w->group, &w->gshadow, NULL, !listed };

	plan_make(&in, &w->plan);
	state_index(&w->plan.next);
}

static void
make(struct world *w)
{
	make_listed(w, true);
}

static char *
result(struct world *w, struct pwfile *f, struct pwedit *e)
{
	struct buf b = { 0 };

	(void)w;
	pwfile_render(f, e, &b);
	return buf_cstr(&b);
}

static bool
has_change(struct world *w, const char *line)
{
	return strlist_has(&w->plan.changes, line);
}

static void
done(struct world *w)
{
	plan_free(&w->plan);
	users_free(&w->users);
	groups_free(&w->groups);
	state_free(&w->old);
	pwfile_free(&w->passwd);
	pwfile_free(&w->shadow);
	pwfile_free(&w->group);
	pwfile_free(&w->gshadow);
	conf_free(&w->c);
	free(w);
}

static void
test_no_change(void **state)
{
	struct world *w = world(NULL);
	char *s;

	(void)state;
	as_before(w);
	make(w);
	assert_int_equal(w->plan.changes.n, 0);
	s = plan_summary(&w->plan);
	assert_string_equal(s, "users: 0 added, 0 updated, 0 suspended, "
	    "0 deleted; groups: 0 added, 0 updated, 0 deleted");
	free(s);
	s = result(w, &w->passwd, &w->plan.passwd);
	assert_string_equal(s, passwd);
	free(s);
	s = result(w, &w->gshadow, &w->plan.gshadow);
	assert_string_equal(s, gshadow);
	free(s);
	assert_false(w->plan.guard_users || w->plan.guard_groups);
	done(w);
}

static void
test_add_update(void **state)
{
	struct world *w = world(NULL);
	char *s;

	(void)state;
	as_before(w);
	free(w->users.v[1].shell);
	w->users.v[1].shell = xstrdup("/bin/bash");
	add_user(w, "carol", 10003, "uuid-c");
	strlist_add(&w->groups.v[0].members, "carol");
	strlist_add(&w->groups.v[0].members, "nobody");
	strlist_add(&w->groups.v[0].members, "local");
	make(w);
	assert_true(has_change(w, "+ user carol uid=10003"));
	assert_true(has_change(w, "~ user bob shell /bin/sh -> /bin/bash"));
	assert_true(has_change(w, "~ group staff members +carol +local"));
	assert_int_equal(w->plan.users[N_ADDED], 1);
	assert_int_equal(w->plan.users[N_UPDATED], 1);
	assert_int_equal(w->plan.groups[N_UPDATED], 1);
	s = result(w, &w->passwd, &w->plan.passwd);
	assert_non_null(strstr(s, "bob:x:10002:10001:Bob:/home/bob:/bin/bash\n"
	    "carol:x:10003:10001::/home/carol:/bin/sh\n"));
	free(s);
	s = result(w, &w->group, &w->plan.group);
	assert_non_null(strstr(s, "staff:x:10001:alice,bob,carol,local\n"));
	free(s);
	assert_non_null(htab_get(w->plan.next.users_by_uuid, "uuid-c"));
	done(w);
}

/* Unlisted: no change lines, and the same plan as listed. */
static void
test_unlisted(void **state)
{
	struct world *w = world(NULL);
	char *s;

	(void)state;
	as_before(w);
	add_user(w, "carol", 10003, "uuid-c");
	strlist_add(&w->groups.v[0].members, "carol");
	make_listed(w, false);
	assert_int_equal(w->plan.changes.n, 0);
	assert_int_equal(w->plan.users[N_ADDED], 1);
	assert_int_equal(w->plan.groups[N_UPDATED], 1);
	s = result(w, &w->group, &w->plan.group);
	assert_non_null(strstr(s, "staff:x:10001:alice,bob,carol\n"));
	free(s);
	done(w);
}

static void
test_policies(void **state)
{
	struct world *w;
	char *s;

	(void)state;
	/* nothing (the default): bob stays, still managed. */
	w = world("max_removals 100%\n");
	add_user(w, "alice", 10001, "uuid-a");
	make(w);
	assert_int_equal(w->plan.users[N_SUSPENDED] + w->plan.users[N_DELETED], 0);
	assert_non_null(htab_get(w->plan.next.users_by_name, "bob"));
	s = result(w, &w->passwd, &w->plan.passwd);
	assert_string_equal(s, passwd);
	free(s);
	done(w);

	/* suspend */
	w = world("user_removal_action suspend\nmax_removals 100%\n");
	add_user(w, "alice", 10001, "uuid-a");
	make(w);
	assert_true(has_change(w, "! user bob suspended"));
	s = result(w, &w->passwd, &w->plan.passwd);
	assert_non_null(strstr(s, "bob:x:10002:10001:Bob:/home/bob:/usr/sbin/nologin\n"));
	free(s);
	s = result(w, &w->shadow, &w->plan.shadow);
	assert_non_null(strstr(s, "bob:!*::::::1:\n"));
	free(s);
	assert_true(((struct managed *)htab_get(w->plan.next.users_by_name,
	    "bob"))->suspended);
	done(w);

	/* delete: bob leaves passwd, shadow and every member list. */
	w = world("user_removal_action delete\nmax_removals 100%\n");
	add_user(w, "alice", 10001, "uuid-a");
	add_group(w, "staff", 10001, "uuid-s");
	strlist_add(&w->groups.v[0].members, "alice");
	strlist_add(&w->groups.v[0].members, "bob");
	make(w);
	assert_true(has_change(w, "- user bob deleted"));
	s = result(w, &w->passwd, &w->plan.passwd);
	assert_null(strstr(s, "bob:"));
	free(s);
	s = result(w, &w->group, &w->plan.group);
	assert_string_equal(s, "root:x:0:\ndocker:x:999:local\nstaff:x:10001:alice\n");
	free(s);
	s = result(w, &w->gshadow, &w->plan.gshadow);
	assert_string_equal(s, "root:*::\ndocker:!::local\nstaff:!::alice\n");
	free(s);
	assert_null(htab_get(w->plan.next.users_by_name, "bob"));
	done(w);

	/* group delete */
	w = world("group_removal_action delete\nmax_removals 100%\n");
	add_user(w, "alice", 10001, "uuid-a");
	add_user(w, "bob", 10002, "uuid-b");
	make(w);
	assert_true(has_change(w, "- group staff deleted"));
	s = result(w, &w->group, &w->plan.group);
	assert_string_equal(s, "root:x:0:\ndocker:x:999:local,bob\n");
	free(s);
	done(w);
}

static void
test_exclusions_and_refused(void **state)
{
	struct world *w;

	(void)state;
	w = world("user_removal_action delete\nuser_exclude bob carol\n"
	    "max_removals 100%\n");
	add_user(w, "alice", 10001, "uuid-a");
	add_user(w, "carol", 10003, "uuid-c");
	make(w);
	assert_int_equal(w->plan.changes.n, 0);	/* bob kept, carol not added */
	assert_non_null(htab_get(w->plan.next.users_by_name, "bob"));
	assert_null(htab_get(w->plan.next.users_by_name, "carol"));
	done(w);

	/* bob still in the directory but refused this time: kept. */
	w = world("user_removal_action delete\nmax_removals 100%\n");
	add_user(w, "alice", 10001, "uuid-a");
	strlist_add(&w->users.seen, "uuid-b");
	make(w);
	assert_int_equal(w->plan.users[N_DELETED], 0);
	assert_non_null(htab_get(w->plan.next.users_by_name, "bob"));
	done(w);
}

static void
test_collisions(void **state)
{
	struct world *w = world(NULL);

	(void)state;
	as_before(w);
	add_user(w, "local", 10005, "uuid-l");	/* name of a local account */
	add_user(w, "dave", 1000, "uuid-d");	/* uid of a local account */
	w->users.v[3].uid = 1000;
	add_group(w, "docker", 10050, "uuid-g");
	make(w);
	assert_int_equal(w->plan.users[N_ADDED], 0);
	assert_int_equal(w->plan.groups[N_ADDED], 0);
	assert_null(htab_get(w->plan.next.users_by_name, "local"));
	assert_null(htab_get(w->plan.next.users_by_name, "dave"));
	assert_null(htab_get(w->plan.next.groups_by_name, "docker"));
	done(w);
}

static void
test_rename_and_restore(void **state)
{
	struct world *w;
	char *s;

	(void)state;
	/* alice renamed in the directory: same uuid, same uid. */
	w = world(NULL);
	add_user(w, "alice2", 10001, "uuid-a");
	add_user(w, "bob", 10002, "uuid-b");
	make(w);
	assert_true(has_change(w, "~ user alice2 renamed from alice"));
	s = result(w, &w->passwd, &w->plan.passwd);
	assert_non_null(strstr(s, "local:x:1000:1000::/home/local:/bin/sh\n"
	    "alice2:x:10001:10001:Alice:/home/alice2:/bin/sh\n"));
	free(s);
	done(w);

	/* bob comes back under a new entryUUID: matched by name. */
	w = world(NULL);
	add_user(w, "alice", 10001, "uuid-a");
	add_user(w, "bob", 10002, "uuid-new");
	make(w);
	assert_int_equal(w->plan.users[N_ADDED], 0);
	assert_string_equal(((struct managed *)htab_get(
	    w->plan.next.users_by_name, "bob"))->uuid, "uuid-new");
	done(w);
}

static void
test_guard(void **state)
{
	struct world *w;

	(void)state;
	/* 2 managed, 1 removal: 10% of 2 rounds to 0, one is always allowed. */
	w = world("user_removal_action delete\n");
	add_user(w, "alice", 10001, "uuid-a");
	make(w);
	assert_false(w->plan.guard_users);
	done(w);
	/* 2 removals of 2 at 10%: trips. */
	w = world("user_removal_action suspend\n");
	make(w);
	assert_true(w->plan.guard_users);
	done(w);
	/* Absolute: 2 allowed. */
	w = world("user_removal_action delete\nmax_removals 2\n");
	make(w);
	assert_false(w->plan.guard_users);
	done(w);
	w = world("user_removal_action delete\nmax_removals 0\n");
	add_user(w, "alice", 10001, "uuid-a");
	make(w);
	assert_true(w->plan.guard_users);
	done(w);
	/* Groups are counted on their own. */
	w = world("group_removal_action delete\nmax_removals 0\n");
	add_user(w, "alice", 10001, "uuid-a");
	add_user(w, "bob", 10002, "uuid-b");
	make(w);
	assert_false(w->plan.guard_users);
	assert_true(w->plan.guard_groups);
	done(w);
}

static void
test_disabled_kinds(void **state)
{
	struct world *w = world("users no\ngroups no\nuser_removal_action delete\n"
	    "group_removal_action delete\n");

	(void)state;
	make(w);
	assert_int_equal(w->plan.changes.n, 0);
	assert_int_equal(w->plan.next.n, 3);
	done(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_change),
		cmocka_unit_test(test_add_update),
		cmocka_unit_test(test_unlisted),
		cmocka_unit_test(test_policies),
		cmocka_unit_test(test_exclusions_and_refused),
		cmocka_unit_test(test_collisions),
		cmocka_unit_test(test_rename_and_restore),
		cmocka_unit_test(test_guard),
		cmocka_unit_test(test_disabled_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
