#include "fixture.h"
#include "directory.h"

static void
check(const char *in, const char *want)
{
	char *got = dir_filter_escape(in);

	assert_string_equal(got, want);
	free(got);
}

/* RFC 4515 section 3: '*', '(', ')', '\' and NUL are escaped as \XX. */
static void
test_escape(void **state)
{
	(void)state;
	check("uid=alice,ou=people,dc=x", "uid=alice,ou=people,dc=x");
	check("cn=John (Jr) *,dc=x", "cn=John \\28Jr\\29 \\2a,dc=x");
	check("cn=a\\,b,dc=x", "cn=a\\5c,b,dc=x");
	check("", "");
	check("cn=Ünï,dc=x", "cn=Ünï,dc=x");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
