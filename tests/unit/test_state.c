#include "fixture.h"
#include <unistd.h>

#include "state.h"

static const char text[] =
    "ldapsync-state 1\n"
    "u alice 10001 0 uuid-a\n"
    "u bob 10002 1 -\n"
    "g staff 10001 uuid-s\n"
    "g old 10002 2 uuid-o\n";

static void
test_round_trip(void **state)
{
	struct state s;
	struct buf b = { 0 };
	struct managed *m;

	(void)state;
	state_init(&s);
	assert_int_equal(state_parse(&s, "t", text), 0);
	m = htab_get(s.users_by_name, "bob");
	assert_non_null(m);
	assert_true(m->suspended);
	assert_null(m->uuid);
	assert_int_equal(m->id, 10002);
	assert_non_null(htab_get(s.groups_by_uuid, "uuid-s"));
	assert_null(htab_get(s.users_by_name, "staff"));
	assert_int_equal(state_count(&s, false, false), 2);
	assert_int_equal(state_count(&s, false, true), 1);
	assert_int_equal(state_count(&s, true, false), 2);
	/* A group kept as it was says so; others keep the short form. */
	m = htab_get(s.groups_by_name, "old");
	assert_non_null(m);
	assert_true(m->kept);
	assert_false(((struct managed *)htab_get(s.groups_by_name, "staff"))->kept);
	state_render(&s, &b);
	assert_string_equal(buf_cstr(&b), text);
	buf_free(&b);
	state_free(&s);
}

static void
test_corrupt(void **state)
{
	static const char *const bad[] = {
		"", "ldapsync-state 2\n", "ldapsync-state 1\nu alice\n",
		"ldapsync-state 1\nu alice x 0 -\n",
		"ldapsync-state 1\nu alice 1 3 -\n",
		"ldapsync-state 1\nu alice 1 22 -\n",
		"ldapsync-state 1\ng staff 1 0 -\n",
		"ldapsync-state 1\ng staff 1 1 -\n",
		"ldapsync-state 1\nx a 1 -\n",
		"ldapsync-state 1\nu alice 1 0 -",	/* truncated */
		NULL
	};

	static const char nul[] = "ldapsync-state 1\nu alice 1 0 -\n"
	    "u b\0b 2 0 -\nu carol 3 0 -\n";
	char dir[] = "/tmp/ldapsync-state.XXXXXX", *path;
	struct state_view w;
	FILE *f;

	(void)state;
	log_init(V_QUIET);
	for (int i = 0; bad[i]; i++) {
		struct state s;

		state_init(&s);
		if (state_parse(&s, "t", bad[i]) != -1)
			fail_msg("accepted: %s", bad[i]);
		state_free(&s);
		/* A change set's view refuses the same. */
		if (state_view_parse(&w, "t", bad[i]) != -1)
			fail_msg("view accepted: %s", bad[i]);
		state_view_free(&w);
	}
	/* A NUL in a file the view reads by length. */
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/state", dir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(nul, 1, sizeof(nul) - 1, f), sizeof(nul) - 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(state_view_load(&w, path), -1);
	state_view_free(&w);
	unlink(path);
	rmdir(dir);
	free(path);
}

/*
 * Names that share their first 8 bytes, end within them or at the 8th,
 * or hold bytes above 0x7f sort as strcmp() sorts them, in their block;
 * suspended and kept records stay in the order they had.
 */
static void
test_order_prefixes(void **state)
{
	static const char *const users[] = { "longname_b", "longnam",
	    "longname_a", "\xc3\xa9t\xc3\xa9", "longname", "a", "longname_a" };
	static const char *const want[] = { "a", "longnam", "longname",
	    "longname_a", "longname_a", "longname_b", "\xc3\xa9t\xc3\xa9",
	    "zz-left", "aa-left", "g", "grp" };
	struct state s;

	(void)state;
	state_init(&s);
	state_add(&s, &(struct managed){ .name = "zz-left", .id = 90,
	    .suspended = true });
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++)
		state_add(&s, &(struct managed){ .name = (char *)users[i],
		    .id = (uint32_t)i + 1 });
	state_add(&s, &(struct managed){ .name = "grp", .id = 7,
	    .is_group = true });
	state_add(&s, &(struct managed){ .name = "aa-left", .id = 91,
	    .kept = true });
	state_add(&s, &(struct managed){ .name = "g", .id = 8,
	    .is_group = true });
	state_order(&s);
	assert_int_equal(s.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < s.n; i++)
		assert_string_equal(s.v[i].name, want[i]);
	/* The two of one name keep the order they were added in. */
	assert_int_equal(s.v[3].id, 3);
	assert_int_equal(s.v[4].id, 7);
	state_free(&s);
}

/*
 * The order plan_make writes (refreshed accounts by name, the others as
 * they came), the unresolved pairs, and a splice that puts records where
 * a whole plan would.
 */
static void
test_order_and_splice(void **state)
{
	struct state s, gone, part;
	struct state_view w;
	struct htab *owners = htab_new(4);
	struct buf b = { 0 };
	char hz[17], ha[17];

	(void)state;
	state_init(&s);
	state_add(&s, &(struct managed){ .name = "zed", .id = 3, .uuid = "z" });
	state_add(&s, &(struct managed){ .name = "old", .id = 9, .uuid = "o",
	    .suspended = true });
	state_add(&s, &(struct managed){ .name = "amy", .id = 1, .uuid = "a" });
	state_add(&s, &(struct managed){ .name = "gone", .id = 8, .uuid = "g",
	    .kept = true });
	state_unresolved_add(&s.unresolved, "z", "ghost");
	state_unresolved_add(&s.unresolved, "a", "#1");
	state_unresolved_add(&s.unresolved, "z", "ghost");
	state_unresolved_sort(&s.unresolved);
	assert_int_equal(s.unresolved.n, 2);
	state_order(&s);
	state_render(&s, &b);
	assert_int_equal(state_view_parse(&w, "t", buf_cstr(&b)), 0);
	assert_true(w.laid_out);
	assert_string_equal(w.v[0].name, "amy");
	assert_string_equal(w.v[1].name, "zed");
	assert_string_equal(w.v[2].name, "old");
	assert_string_equal(w.v[3].name, "gone");
	assert_int_equal(w.unresolved.n, 2);
	/* zed suspended now, bob new, amy's pair resolved. */
	state_init(&gone);
	state_add(&gone, &(struct managed){ .name = "zed", .id = 3, .uuid = "z" });
	state_add(&gone, &(struct managed){ .name = "amy", .id = 1, .uuid = "a" });
	state_init(&part);
	state_add(&part, &(struct managed){ .name = "zed", .id = 3, .uuid = "z",
	    .suspended = true });
	state_add(&part, &(struct managed){ .name = "bob", .id = 2, .uuid = "b" });
	state_add(&part, &(struct managed){ .name = "amy", .id = 1, .uuid = "a" });
	state_unresolved_add(&part.unresolved, "z", "ghost");
	state_unresolved_sort(&part.unresolved);
	state_unresolved_hash("z", hz);
	htab_put(owners, hz, hz);
	state_unresolved_hash("a", ha);
	htab_put(owners, ha, ha);
	b.len = 0;
	state_splice(&w, &gone, owners, &part, &b);
	assert_non_null(strstr(buf_cstr(&b), "ldapsync-state 1\n"
	    "u amy 1 0 a\nu bob 2 0 b\nu zed 3 1 z\nu old 9 1 o\n"
	    "u gone 8 2 g\nx "));
	assert_null(strstr(strstr(b.p, "\nx ") + 1, "\nx "));	/* one pair */
	state_view_free(&w);
	state_free(&s);
	state_free(&gone);
	state_free(&part);
	buf_free(&b);
	htab_free(owners);
}

/*
 * A splice copies the lines it keeps as they are, but one not exactly
 * as a record renders (spaces, zeros, fields after the last) is written
 * anew, as a whole plan would write it.
 */
static void
test_splice_verbatim(void **state)
{
	struct state gone, part;
	struct state_view w;
	struct htab *owners = htab_new(4);
	struct buf b = { 0 };

	(void)state;
	assert_int_equal(state_view_parse(&w, "t", "ldapsync-state 1\n"
	    "u amy 1 0 a\nu  bob 2 0 b\nu cat 03 0 c\nu dan 4 0 d\n"
	    "u eve 5 0 e more\nu fay 6 1 -\ng grp 10 G\ng hat 11 2 H\n"), 0);
	assert_int_equal(w.n, 8);
	state_init(&gone);
	state_add(&gone, &(struct managed){ .name = "dan", .id = 4, .uuid = "d" });
	state_init(&part);
	state_splice(&w, &gone, owners, &part, &b);
	assert_string_equal(buf_cstr(&b), "ldapsync-state 1\n"
	    "u amy 1 0 a\nu bob 2 0 b\nu cat 3 0 c\nu eve 5 0 e\n"
	    "u fay 6 1 -\ng grp 10 G\ng hat 11 2 H\n");
	state_view_free(&w);
	state_free(&gone);
	state_free(&part);
	buf_free(&b);
	htab_free(owners);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_order_prefixes),
		cmocka_unit_test(test_order_and_splice),
		cmocka_unit_test(test_splice_verbatim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
