/*
 * The directory cache and its file format: a full refill written as an
 * image, changes since written as a log, both read back (entries,
 * cookies, deletions), and damaged files refused rather than misread.
 */
#include "fixture.h"
#include <unistd.h>

#include "dircache.h"
#include "txn.h"

static char dir[] = "/tmp/ldapsync-cache.XXXXXX";
static char *path, *lpath;

static int
setup(void **st)
{
	(void)st;
	log_init(V_QUIET);
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/directory", dir);
	lpath = xasprintf("%s/directory.log", dir);
	return 0;
}

static int
teardown(void **st)
{
	(void)st;
	free(path);
	free(lpath);
	return fx_rmtree(dir);
}

static void
save(struct dircache *c)
{
	struct buf image = { 0 }, log = { 0 };

	assert_true(dircache_render(c, &image, &log));
	if (image.len > 0)
		assert_int_equal(write_atomic(path, image.p, image.len, 0600), 0);
	assert_int_equal(write_atomic(lpath, log.p, log.len, 0600), 0);
	buf_free(&image);
	buf_free(&log);
}

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The uid of every live entry, sorted, as one string. */
static char *
uids(struct dircache *c)
{
	struct strlist l = { 0 };
	struct buf b = { 0 };

	assert_true(dircache_index(c));
	for (size_t i = 0; i < c->n; i++) {
		const struct entry *e = dircache_entry(c, i);
		const struct entry_attr *a = e ? entry_get(e, "uid") : NULL;

		if (a != NULL)
			strlist_add(&l, a->vals[0].v);
	}
	assert_false(c->damaged);
	qsort(l.v, l.n, sizeof(*l.v), by_string);
	for (size_t i = 0; i < l.n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", l.v[i]);
	strlist_free(&l);
	return buf_cstr(&b);
}

static void
test_round_trip(void **st)
{
	struct strlist cookies = { 0 };
	struct dircache c;
	struct entry *e;
	char *s;

	(void)st;
	strlist_add(&cookies, "cookie-users");
	strlist_add(&cookies, "cookie-groups");
	dircache_init(&c);
	dircache_refill(&c, "fp1", &cookies);
	for (int i = 0; i < 50; i++) {
		char dn[64], uid[16], uuid[40];

		snprintf(dn, sizeof(dn), "uid=u%d,dc=x", i);
		snprintf(uid, sizeof(uid), "u%d", i);
		snprintf(uuid, sizeof(uuid), "uuid-%04d-0000-0000", i);
		e = fx_entry(xstrdup(dn), "uid", uid, "cn", "x", NULL);
		dircache_append(&c, uuid, 0, e);
		free((char *)e->dn);
		fx_entry_free(e);
	}
	save(&c);
	dircache_free(&c);

	dircache_init(&c);
	assert_int_equal(dircache_load(&c, path), 0);
	assert_string_equal(c.fingerprint, "fp1");
	assert_int_equal(c.cookies.n, 2);
	assert_string_equal(c.cookies.v[1], "cookie-groups");
	/* A change, an addition and a deletion, written as a log. */
	e = fx_entry("uid=u7,dc=x", "uid", "u7b", NULL);
	dircache_put(&c, "uuid-0007-0000-0000", 0, e);
	fx_entry_free(e);
	e = fx_entry("uid=new,dc=x", "uid", "new", NULL);
	dircache_put(&c, "uuid-new", 0, e);
	fx_entry_free(e);
	dircache_del(&c, "uuid-0003-0000-0000", 0);
	dircache_set_cookie(&c, 0, "cookie-users-2");
	save(&c);
	dircache_free(&c);

	dircache_init(&c);
	assert_int_equal(dircache_load(&c, path), 0);
	assert_string_equal(c.cookies.v[0], "cookie-users-2");
	s = uids(&c);
	assert_non_null(strstr(s, "u7b"));
	assert_non_null(strstr(s, "new"));
	assert_null(strstr(s, "u3 "));
	assert_null(strstr(s, " u7 "));
	{	/* one gone, one new: 50 live entries */
		size_t names = 1;

		for (const char *p = s; *p; p++)
			names += *p == ' ';
		assert_int_equal(names, 50);
	}
	free(s);
	dircache_free(&c);
	strlist_free(&cookies);
}

/* Two entries, of search 0 and of search 1, saved as an image. */
static void
two_searches(void)
{
	struct strlist cookies = { 0 };
	struct dircache c;
	struct entry *e;

	strlist_add(&cookies, "one-joined-search");
	dircache_init(&c);
	dircache_refill(&c, "fp2", &cookies);
	e = fx_entry("uid=a,dc=x", "uid", "a", NULL);
	dircache_append(&c, "uuid-a", 0, e);
	fx_entry_free(e);
	e = fx_entry("cn=g,dc=x", "uid", "g", NULL);
	dircache_append(&c, "uuid-g", 1, e);
	fx_entry_free(e);
	save(&c);
	dircache_free(&c);
	strlist_free(&cookies);
}

/*
 * A joined search's deletion takes an entry of any search, waiting for
 * the index or through it; a search's own deletion takes only its own.
 */
static void
test_any_search(void **st)
{
	struct dircache_change *ch;
	struct dircache c;
	char *s;

	(void)st;
	for (int indexed = 0; indexed < 2; indexed++) {
		two_searches();
		dircache_init(&c);
		assert_int_equal(dircache_load(&c, path), 0);
		if (indexed)
			assert_true(dircache_index(&c));
		dircache_del(&c, "uuid-a", 1);
		dircache_del(&c, "uuid-g", DIRCACHE_ANY);
		assert_int_equal(dircache_changes(&c, &ch), 1);
		assert_string_equal(ch[0].uuid, "uuid-g");
		assert_int_equal(ch[0].search, 1);
		assert_null(ch[0].e);
		free(ch);
		save(&c);
		dircache_free(&c);
		dircache_init(&c);
		assert_int_equal(dircache_load(&c, path), 0);
		s = uids(&c);
		assert_string_equal(s, "a");
		free(s);
		dircache_free(&c);
	}
}

/* A cut image or log never reads as a smaller directory. */
static void
test_damaged(void **st)
{
	char *image, *cmd;
	size_t len;
	struct dircache c;

	(void)st;
	assert_int_equal(read_file(path, &image, &len), 0);
	for (size_t cut = 0; cut < len; cut += 7) {
		assert_int_equal(write_atomic(path, image, cut, 0600), 0);
		dircache_init(&c);
		if (dircache_load(&c, path) == 0 && dircache_index(&c)) {
			for (size_t i = 0; i < c.n; i++)
				dircache_entry(&c, i);
			if (!c.damaged)
				fail_msg("an image cut at %zu of %zu read whole",
				    cut, len);
		}
		dircache_free(&c);
	}
	assert_int_equal(write_atomic(path, image, len, 0600), 0);
	free(image);
	/* A log of another image is ignored, not applied. */
	cmd = xasprintf("printf 'LDSCLOG1 junk' > %s", lpath);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	dircache_init(&c);
	assert_int_equal(dircache_load(&c, path), 0);
	assert_true(dircache_index(&c));
	dircache_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_any_search),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
