/* Escaping of messages: nothing a directory sends starts a line. */
#include "fixture.h"

static void
expect(const char *in, const char *want)
{
	struct buf b = { 0 };

	log_escape(&b, in);
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
}

static void
test_escape(void **state)
{
	(void)state;
	expect("plain: text, 42", "plain: text, 42");
	expect("J\xc3\xbcrgen \xe2\x82\xac \xf0\x9f\x94\x91", "J\xc3\xbcrgen \xe2\x82\xac \xf0\x9f\x94\x91");
	expect("alice\nsudo:x:27:alice", "alice\\x0asudo:x:27:alice");
	expect("a\rb\tc\x1b[2Jd\x7f", "a\\x0db\\x09c\\x1b[2Jd\\x7f");
	expect("back\\slash", "back\\x5cslash");
	expect("bad \xff byte", "bad \\xff byte");
	expect("overlong \xc0\xaf", "overlong \\xc0\\xaf");
	expect("cut \xe2\x82", "cut \\xe2\\x82");
	expect("surrogate \xed\xa0\x80", "surrogate \\xed\\xa0\\x80");
	expect("C1 \xc2\x85 next line", "C1 \\xc2\\x85 next line");
	expect("past \xf4\x90\x80\x80", "past \\xf4\\x90\\x80\\x80");
	expect("", "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
