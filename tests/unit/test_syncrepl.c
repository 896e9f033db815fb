/* Joining the users' and groups' searches, and sorting what one sends. */
#include "fixture.h"
#include "ldap.h"
#include "ocfilter.h"
#include "syncrepl.h"

static const char bases[] =
    "user_base ou=people,dc=example,dc=com\n"
    "group_base ou=groups,dc=example,dc=com\n";

static void
test_simple(void **state)
{
	(void)state;
	assert_true(ocfilter_simple("(objectClass=posixAccount)"));
	assert_true(ocfilter_simple("(OBJECTCLASS=*)"));
	assert_true(ocfilter_simple("(&(objectClass=user)(!(objectClass=computer)))"));
	assert_true(ocfilter_simple("(|(objectclass=a)(objectClass=b\\2dc))"));
	assert_false(ocfilter_simple("(uid=alice)"));
	assert_false(ocfilter_simple("(&(objectClass=posixAccount)(uid=*))"));
	assert_false(ocfilter_simple("(objectClass=pos*)"));
	assert_false(ocfilter_simple("(objectClass>=a)"));
	assert_false(ocfilter_simple("(objectClass=)"));
	assert_false(ocfilter_simple("(objectClass=a\\zz)"));
	assert_false(ocfilter_simple("(objectClass=a)(objectClass=b)"));
	assert_false(ocfilter_simple("(&)"));
	assert_false(ocfilter_simple("(objectClass=a"));
	assert_false(ocfilter_simple(""));
	assert_false(ocfilter_simple("(!(!(!(!(!(!(!(!(!(!(!(!(!(!(!(!(!(!(!(!"
	    "(!(!(!(!(!(!(!(!(!(!(!(!(!(objectClass=a)))))))))))))))))))))))))"
	    ")))))))))"));
}

static void
test_match(void **state)
{
	struct entry *e = fx_entry("uid=a,dc=x", "objectClass", "top",
	    "objectClass", "PosixAccount", "objectClass", "b-c", NULL);

	(void)state;
	assert_true(ocfilter_match("(objectClass=posixAccount)", e));
	assert_true(ocfilter_match("(objectClass=*)", e));
	assert_true(ocfilter_match("(objectClass=b\\2dc)", e));
	assert_false(ocfilter_match("(objectClass=posixGroup)", e));
	assert_false(ocfilter_match("(objectClass=posix)", e));
	assert_true(ocfilter_match("(&(objectClass=top)(!(objectClass=computer)))", e));
	assert_false(ocfilter_match("(&(objectClass=top)(!(objectClass=b-c)))", e));
	assert_true(ocfilter_match("(|(objectClass=x)(objectClass=top))", e));
	assert_false(ocfilter_match("(uid=a)", e));
	fx_entry_free(e);
}

/* How many requests a configuration makes, and the joined one's base. */
static size_t
requests(const char *extra, char **base)
{
	struct conf c;
	struct syncrepl_request r;
	size_t n;

	fx_conf(&c, extra);
	n = syncrepl_requests(&c);
	syncrepl_request(&c, 0, &r);
	*base = xstrdup(r.base);
	syncrepl_request_free(&r);
	conf_free(&c);
	return n;
}

static void
test_joined(void **state)
{
	char *base;

	(void)state;
	assert_int_equal(requests(bases, &base), 1);
	assert_string_equal(base, "dc=example,dc=com");
	free(base);
	/* Nested, equal or unrelated bases, a filter it cannot judge, a
	 * second base or one-level scope: two searches. */
	assert_int_equal(requests("user_base dc=example,dc=com\n"
	    "group_base ou=groups,dc=example,dc=com\n", &base), 2);
	free(base);
	assert_int_equal(requests("", &base), 2);
	free(base);
	assert_int_equal(requests("user_base ou=people,dc=a\n"
	    "group_base ou=groups,dc=b\n", &base), 2);
	free(base);
	assert_int_equal(requests("user_base ou=people,dc=a\n"
	    "group_base ou=groups,dc=a\nuser_filter (&(objectClass=posixAccount)(uid=*))\n",
	    &base), 2);
	free(base);
	assert_int_equal(requests("user_base ou=people,dc=a\n"
	    "user_base ou=staff,dc=a\ngroup_base ou=groups,dc=a\n", &base), 3);
	free(base);
	assert_int_equal(requests("user_base ou=people,dc=a\n"
	    "group_base ou=groups,dc=a\nuser_scope one\n", &base), 2);
	free(base);
	/* Spelt differently, the common ancestor is still found. */
	assert_int_equal(requests("user_base OU=People,DC=Example,DC=com\n"
	    "group_base ou=Groups,dc=sub,dc=example,dc=com\n", &base), 1);
	assert_string_equal(base, "dc=example,dc=com");
	free(base);
}

static uint32_t
sort(const struct conf *c, const struct syncrepl_request *r, const char *dn,
    const char *class)
{
	struct entry *e = fx_entry(dn, "objectClass", "top", "objectClass",
	    class, NULL);
	uint32_t s = syncrepl_search_of(c, r, e);

	fx_entry_free(e);
	return s;
}

static void
test_sorted(void **state)
{
	struct conf c;
	struct syncrepl_request r;

	(void)state;
	fx_conf(&c, bases);
	syncrepl_request(&c, 0, &r);
	assert_int_equal(r.search, SYNCREPL_BOTH);
	assert_string_equal(r.filter,
	    "(|(objectClass=posixAccount)(objectClass=posixGroup))");
	assert_int_equal(sort(&c, &r, "uid=a,ou=people,dc=example,dc=com",
	    "posixAccount"), 0);
	assert_int_equal(sort(&c, &r, "uid=a,ou=sub,OU=People,dc=example,dc=com",
	    "posixAccount"), 0);
	assert_int_equal(sort(&c, &r, "uid=a, ou=people, dc=example, dc=com",
	    "posixAccount"), 0);
	assert_int_equal(sort(&c, &r, "cn=g,ou=groups,dc=example,dc=com",
	    "posixGroup"), 1);
	/* A user private group under the users' base is no user. */
	assert_int_equal(sort(&c, &r, "cn=a,ou=people,dc=example,dc=com",
	    "posixGroup"), SYNCREPL_NONE);
	assert_int_equal(sort(&c, &r, "uid=a,ou=groups,dc=example,dc=com",
	    "posixAccount"), SYNCREPL_NONE);
	/* Outside both bases, or only seemingly inside. */
	assert_int_equal(sort(&c, &r, "uid=m,ou=machines,dc=example,dc=com",
	    "posixAccount"), SYNCREPL_NONE);
	assert_int_equal(sort(&c, &r, "uid=m\\,ou=people,dc=example,dc=com",
	    "posixAccount"), SYNCREPL_NONE);
	assert_int_equal(sort(&c, &r, "uid=m,xou=people,dc=example,dc=com",
	    "posixAccount"), SYNCREPL_NONE);
	syncrepl_request_free(&r);
	conf_free(&c);
}

/* Two searches: each entry goes where its search is. */
static void
test_apart(void **state)
{
	struct conf c;
	struct syncrepl_request r;

	(void)state;
	fx_conf(&c, "user_base ou=people,dc=example,dc=com\n"
	    "user_base ou=staff,dc=example,dc=com\n"
	    "group_base ou=groups,dc=example,dc=com\n");
	assert_int_equal(syncrepl_requests(&c), 3);
	syncrepl_request(&c, 2, &r);
	assert_int_equal(r.search, 2);
	assert_string_equal(r.base, "ou=groups,dc=example,dc=com");
	assert_int_equal(sort(&c, &r, "cn=x,dc=elsewhere", "posixAccount"), 2);
	syncrepl_request_free(&r);
	conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_joined),
		cmocka_unit_test(test_sorted),
		cmocka_unit_test(test_apart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
