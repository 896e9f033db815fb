#include "fixture.h"
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

	(void)state;
	log_init(V_QUIET);
	for (int i = 0; bad[i]; i++) {
		struct state s;

		state_init(&s);
		if (state_parse(&s, "t", bad[i]) != -1)
			fail_msg("accepted: %s", bad[i]);
		state_free(&s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_corrupt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
