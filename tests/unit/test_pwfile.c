#include "fixture.h"
#include "acctline.h"
#include "pwfile.h"

#include <unistd.h>

static char *
render(const char *text, struct pwedit *e)
{
	struct pwfile f;
	struct buf b = { 0 };

	pwfile_parse(&f, "t", text, strlen(text));
	pwfile_render(&f, e, &b);
	pwfile_free(&f);
	return buf_cstr(&b);
}

static const char local[] =
    "root:x:0:0:root:/root:/bin/bash\n"
    "# comment: with colons\n"
    "\n"
    "  spaced :x:5:5::/:\n"
    "+@netgroup::::::\n"
    "-baduser::::::\n"
    "+\n"
    "odd:x:7:7:a\tb::/bin/sh:extra:fields\n"
    "managed:x:10001:10001::/home/m:/bin/sh\n";

static void
test_untouched(void **state)
{
	struct pwedit e;
	char *out;

	(void)state;
	pwedit_init(&e);
	out = render(local, &e);
	assert_string_equal(out, local);
	free(out);
	/* No final newline: kept so. */
	out = render("a:x:1:1::/:\nb:x:2:2::/:", &e);
	assert_string_equal(out, "a:x:1:1::/:\nb:x:2:2::/:");
	free(out);
	out = render("", &e);
	assert_string_equal(out, "");
	free(out);
	pwedit_free(&e);
}

static void
test_names(void **state)
{
	struct pwfile f;
	char *field;

	(void)state;
	pwfile_parse(&f, "t", local, strlen(local));
	assert_non_null(pwfile_find(&f, "root"));
	assert_non_null(pwfile_find(&f, "managed"));
	assert_non_null(pwfile_find(&f, "  spaced "));
	assert_null(pwfile_find(&f, "+@netgroup"));
	assert_null(pwfile_find(&f, "baduser"));
	assert_null(pwfile_find(&f, "# comment"));
	field = pwline_field(pwfile_find(&f, "odd"), 4);
	assert_string_equal(field, "a\tb");
	free(field);
	assert_null(pwline_field(pwfile_find(&f, "root"), 7));
	pwfile_free(&f);
}

static void
test_edits(void **state)
{
	struct pwedit e;
	char *out;

	(void)state;
	pwedit_init(&e);
	pwedit_replace(&e, "managed", "renamed:x:10001:10001::/home/m:/bin/bash");
	pwedit_replace(&e, "odd", NULL);
	pwedit_append(&e, "new:x:10002:10002::/home/n:/bin/sh");
	out = render(local, &e);
	assert_string_equal(out,
	    "root:x:0:0:root:/root:/bin/bash\n"
	    "# comment: with colons\n"
	    "\n"
	    "  spaced :x:5:5::/:\n"
	    "+@netgroup::::::\n"
	    "-baduser::::::\n"
	    "+\n"
	    "renamed:x:10001:10001::/home/m:/bin/bash\n"
	    "new:x:10002:10002::/home/n:/bin/sh\n");
	free(out);
	/* Appending after a last line without a newline adds one. */
	out = render("a:x:1:1::/:", &e);
	assert_string_equal(out, "a:x:1:1::/:\nnew:x:10002:10002::/home/n:/bin/sh\n");
	free(out);
	pwedit_free(&e);
}

/* A file loaded for a few names renders as one loaded whole. */
static void
test_sparse(void **state)
{
	static const char *const texts[] = { local, "a:x:1:1::/:\nmanaged:x:2:2::/:",
	    "managed:x:1:1::/:\nmanaged:x:9:9::/:\nodd:x:3:3::/:\n", "" };
	char path[] = "/tmp/test_pwfile.XXXXXX";
	struct strlist only = { 0 };
	struct pwedit e;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd != -1);
	close(fd);
	strlist_add(&only, "managed");
	strlist_add(&only, "odd");
	pwedit_init(&e);
	pwedit_replace(&e, "managed", "managed:x:10001:10001::/home/m:/bin/bash");
	pwedit_replace(&e, "odd", NULL);
	pwedit_append(&e, "new:x:10002:10002::/home/n:/bin/sh");
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct pwfile f;
		struct buf b = { 0 };
		char *whole = render(texts[i], &e);
		FILE *fp = fopen(path, "w");

		assert_non_null(fp);
		fputs(texts[i], fp);
		fclose(fp);
		assert_int_equal(pwfile_load_some(&f, path, &only), 0);
		assert_true(f.sparse);
		pwfile_render(&f, &e, &b);
		assert_string_equal(buf_cstr(&b), whole);
		pwfile_free(&f);
		buf_free(&b);
		free(whole);
	}
	unlink(path);
	pwedit_free(&e);
	strlist_free(&only);
}

static void
test_strip(void **state)
{
	struct pwedit e;
	char *out;

	(void)state;
	pwedit_init(&e);
	e.strip_fields[0] = 3;
	pwedit_strip(&e, "gone");
	out = render("a:x:1:gone\nb:x:2:x,gone,y\nc:x:3:gone,x\nd:x:4:gonex,gone\n"
	    "#gone:x:5:gone\ne:x:6:\n", &e);
	assert_string_equal(out, "a:x:1:\nb:x:2:x,y\nc:x:3:x\nd:x:4:gonex\n"
	    "#gone:x:5:gone\ne:x:6:\n");
	free(out);
	pwedit_free(&e);

	pwedit_init(&e);
	e.strip_fields[0] = 2;
	e.strip_fields[1] = 3;
	pwedit_strip(&e, "gone");
	out = render("g:!:gone,adm:gone,m\n", &e);
	assert_string_equal(out, "g:!:adm:m\n");
	free(out);
	pwedit_free(&e);
}

/*
 * Unchanged lines are copied in runs: every mix of runs, replaced,
 * dropped and stripped lines, first, last and without a final newline,
 * with appends after, reads as line by line.
 */
static void
test_runs(void **state)
{
	static const struct { const char *in, *want; } c[] = {
		{ "a:x:1:m\nb:x:2:gone\nc:x:3:\n",
		  "a:x:1:m\nb:x:2:\nc:x:3:\nn:x:9:\n" },
		{ "b:x:2:gone\na:x:1:m\nr:x:7:", "b:x:2:\na:x:1:m\nr:x:7:new\nn:x:9:\n" },
		{ "d:x:4:\na:x:1:m", "a:x:1:m\nn:x:9:\n" },
		{ "a:x:1:m\nd:x:4:", "a:x:1:m\nn:x:9:\n" },
		{ "a:x:1:m\nc:x:3:gone", "a:x:1:m\nc:x:3:\nn:x:9:\n" },
		{ "a:x:1:m\n# gone\n\nd:x:4:\nc:x:3:", "a:x:1:m\n# gone\n\nc:x:3:\nn:x:9:\n" },
		{ "gone:x:8:a\nz:x:2:m,gone,gone", "gone:x:8:a\nz:x:2:m\nn:x:9:\n" },
	};
	struct pwedit e;

	(void)state;
	pwedit_init(&e);
	e.strip_fields[0] = 3;
	pwedit_strip(&e, "gone");
	pwedit_replace(&e, "d", NULL);
	pwedit_replace(&e, "r", "r:x:7:new");
	pwedit_append(&e, "n:x:9:");
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *out = render(c[i].in, &e);

		assert_string_equal(out, c[i].want);
		free(out);
	}
	pwedit_free(&e);
}

/* One splitter for every reader of the format. */
static void
test_acctline(void **state)
{
	struct acct_field f[4];
	struct pwline l = { "a:x:1", 5, "a" };
	char *v;

	(void)state;
	assert_int_equal(acctline_split("a:b::d:e", 8, f, 4), 5);
	assert_int_equal(f[0].len, 1);
	assert_int_equal(f[2].len, 0);
	assert_int_equal(f[3].len, 3);	/* the last takes the rest */
	assert_memory_equal(f[3].p, "d:e", 3);
	assert_int_equal(acctline_split("a", 1, f, 4), 1);
	assert_int_equal(f[1].len, 0);
	assert_int_equal(f[3].len, 0);
	assert_int_equal(acctline_split("", 0, f, 2), 1);
	v = pwline_field(&l, 2);
	assert_string_equal(v, "1");
	free(v);
	assert_null(pwline_field(&l, 3));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acctline),
		cmocka_unit_test(test_untouched),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_edits),
		cmocka_unit_test(test_sparse),
		cmocka_unit_test(test_strip),
		cmocka_unit_test(test_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
