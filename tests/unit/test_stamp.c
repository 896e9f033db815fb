/*
 * The stamp: it matches the files it was written for, and no longer once
 * a file, the mirror or the configuration changes, or once removed.
 */
#include "fixture.h"
#include <sys/stat.h>
#include <unistd.h>

#include "stamp.h"
#include "statedir.h"

static char root[] = "/tmp/ldapsync-stamp.XXXXXX";
static struct conf c;
static char *conf_path;

static int
setup(void **st)
{
	static const char *const files[] = { "etc/passwd", "etc/shadow",
	    "etc/group", "etc/gshadow", "etc/shells", "state/state",
	    "state/mirror", "state/mirror.shadow" };
	char *d;

	(void)st;
	assert_non_null(mkdtemp(root));
	d = xasprintf("%s/etc", root);
	mkdir(d, 0755);
	free(d);
	d = xasprintf("%s/state", root);
	mkdir(d, 0755);
	free(d);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		fx_put(root, files[i], "x\n");
	conf_path = xasprintf("%s/c.conf", root);
	fx_put(root, "c.conf", "uri ldap://127.0.0.1:1/\nbase dc=x\nstate_dir /state\n");
	log_init(V_QUIET);
	assert_int_equal(conf_load(conf_path, &c), 0);
	return 0;
}

static int
teardown(void **st)
{
	(void)st;
	conf_free(&c);
	free(conf_path);
	return fx_rmtree(root);
}

static void
test_matches(void **st)
{
	(void)st;
	assert_false(stamp_matches(&c, root));
	stamp_write(&c, root);
	assert_true(stamp_matches(&c, root));
	assert_true(stamp_matches_files(&c, root));
	/* The mirror changes: the files' part still holds. */
	fx_put(root, "state/mirror", "y\n");
	assert_false(stamp_matches(&c, root));
	assert_true(stamp_matches_files(&c, root));
	stamp_write(&c, root);
	assert_true(stamp_matches(&c, root));
	/* A local file changes (useradd, vipw): nothing holds. */
	fx_put(root, "etc/passwd", "x\nlocal:x:1000:1000::/home/local:/bin/sh\n");
	assert_false(stamp_matches(&c, root));
	assert_false(stamp_matches_files(&c, root));
	stamp_write(&c, root);
	/* The configuration changes. */
	fx_put(root, "c.conf", "uri ldap://127.0.0.1:2/\nbase dc=x\nstate_dir /state\n");
	assert_false(stamp_matches(&c, root));
	stamp_write(&c, root);
	assert_true(stamp_matches(&c, root));
	stamp_remove(&c, root);
	assert_false(stamp_matches(&c, root));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
