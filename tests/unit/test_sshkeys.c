/* The SSH keys map: editing keeps it sorted, lookups match names exactly. */
#include "fixture.h"
#include "sshkeys.h"
#include <unistd.h>

static char *
print_of(const char *path, const char *name)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_int_equal(sshkeys_print(path, name, f), 0);
	fclose(f);
	return out;
}

static void
test_edit_and_print(void **state)
{
	struct strlist drop = { 0 }, add = { 0 };
	struct buf b = { 0 };
	char path[] = "/tmp/ldapsync-keys.XXXXXX";
	const char *old = "al:k-al\nalice:k1\nalice:k2\nbob:kb\ncarol:kc\n";
	int fd = mkstemp(path);
	char *s;

	(void)state;
	strlist_add(&drop, "bob");
	strlist_add(&drop, "carol");
	strlist_add(&add, "carol:kc2");
	strlist_add(&add, "zed:kz");
	strlist_add(&add, "a:ka");
	strlist_add(&add, "carol:kc3");
	sshkeys_edit(old, strlen(old), &drop, &add, &b);
	assert_string_equal(b.p, "a:ka\nal:k-al\nalice:k1\nalice:k2\n"
	    "carol:kc2\ncarol:kc3\nzed:kz\n");
	assert_int_equal(write(fd, b.p, b.len), (ssize_t)b.len);
	close(fd);
	/* Every name, its neighbours' prefixes and extensions. */
	s = print_of(path, "alice");
	assert_string_equal(s, "k1\nk2\n");
	free(s);
	s = print_of(path, "al");
	assert_string_equal(s, "k-al\n");
	free(s);
	s = print_of(path, "a");
	assert_string_equal(s, "ka\n");
	free(s);
	s = print_of(path, "zed");
	assert_string_equal(s, "kz\n");
	free(s);
	s = print_of(path, "carol");
	assert_string_equal(s, "kc2\nkc3\n");
	free(s);
	for (const char *const *n = (const char *const[]){ "ali", "alicex",
	    "b", "bob", "z", "zedd", "", "0", "~", NULL }; *n; n++) {
		s = print_of(path, *n);
		if (s[0] != '\0')
			fail_msg("keys for \"%s\": %s", *n, s);
		free(s);
	}
	unlink(path);
	s = print_of(path, "alice");	/* no map: nothing, no error */
	assert_string_equal(s, "");
	free(s);
	/* A map from nothing. */
	sshkeys_edit(NULL, 0, &drop, &add, &b);
	assert_string_equal(b.p, "a:ka\ncarol:kc2\ncarol:kc3\nzed:kz\n");
	buf_free(&b);
	strlist_free(&drop);
	strlist_free(&add);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edit_and_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
