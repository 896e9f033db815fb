#include "fixture.h"
#include "expr.h"

static char *
eval(const char *text, bool quoted, const struct entry *e)
{
	const char *why;
	struct expr *x = expr_parse(text, quoted, &why);
	size_t len = 0;
	char *v;

	assert_non_null(x);
	v = expr_eval(x, e, &len);
	if (v != NULL)
		assert_int_equal(len, strlen(v));
	expr_free(x);
	return v;
}

static void
check(const char *text, bool quoted, const struct entry *e, const char *want)
{
	char *got = eval(text, quoted, e);

	if (want == NULL)
		assert_null(got);
	else
		assert_string_equal(got, want);
	free(got);
}

static void
test_templates(void **state)
{
	struct entry *e = fx_entry("uid=a,dc=x", "uid", "alice", "cn", "Alice A",
	    "mail", "a@x", "mail", "second@x", "empty", "", NULL);

	(void)state;
	check("uid", false, e, "alice");
	check("UID", false, e, "alice");
	check("/home/$uid", true, e, "/home/alice");
	check("/home/${uid}/x", true, e, "/home/alice/x");
	check("${gecos:-$cn}", true, e, "Alice A");
	check("${gecos:-${nope:-fallback}}", true, e, "fallback");
	check("${loginShell:-/bin/bash}", true, e, "/bin/bash");
	check("${uid:-x}", true, e, "alice");
	check("$mail", true, e, "a@x");
	check("cost: $$5 for $uid", true, e, "cost: $5 for alice");
	check("$uid-$cn", true, e, "alice-Alice A");
	check("/home/$nope", true, e, NULL);
	check("nope", false, e, NULL);
	check("empty", false, e, NULL);
	check("${empty:-d}", true, e, "d");
	check("${nope:-}", true, e, NULL);
	fx_entry_free(e);
}

static void
test_parse_errors(void **state)
{
	static const char *const bad[] = { "${uid", "${}", "${uid:x}", "$",
	    "a$", "$-x", "${uid:-${cn}", NULL };
	const char *why;

	(void)state;
	for (int i = 0; bad[i]; i++) {
		why = NULL;
		assert_null(expr_parse(bad[i], true, &why));
		assert_non_null(why);
	}
	assert_null(expr_parse("/home/$uid", false, &why));
	assert_null(expr_parse("", false, &why));
	assert_null(expr_parse("a b", false, &why));
}

static void
test_attrs(void **state)
{
	struct strlist l = { 0 };
	const char *why;
	struct expr *x = expr_parse("${gecos:-$cn} $uid $CN", true, &why);

	(void)state;
	expr_attrs(x, &l);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0], "cn");
	assert_string_equal(l.v[1], "gecos");
	assert_string_equal(l.v[2], "uid");
	assert_null(expr_attr(x));
	expr_free(x);
	x = expr_parse("memberUid", false, &why);
	assert_string_equal(expr_attr(x), "memberUid");
	expr_free(x);
	strlist_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_attrs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
