#include "fixture.h"
#include <sys/mman.h>
#include <sys/resource.h>

#include "htab.h"
#include "util.h"

/*
 * Names and ids in one table each, through growth, a reserve and
 * removals: every key keeps its value, and a removed one is gone.
 */
static void
test_keys_survive_growth(void **state)
{
	struct htab *names = htab_new(1), *ids = htab_new(1);
	char key[32][8];

	(void)state;
	for (int i = 0; i < 32; i++) {
		snprintf(key[i], sizeof(key[i]), "u%d", i);
		assert_null(htab_put(names, key[i], key[i]));
		assert_null(htab_put_id(ids, (uint32_t)i * 1000, key[i]));
		if (i == 8) {
			htab_reserve(names, 5000);
			htab_reserve(ids, 3);	/* smaller than it is: no change */
		}
	}
	assert_ptr_equal(htab_put(names, "u3", key[4]), key[3]);
	assert_ptr_equal(htab_del(names, "u5"), key[5]);
	htab_reserve(names, 10000);	/* a rehash drops the tombstone */
	assert_int_equal(htab_count(names), 31);
	assert_null(htab_get(names, "u5"));
	assert_ptr_equal(htab_get(names, "u3"), key[4]);
	for (int i = 0; i < 32; i++) {
		if (i != 3 && i != 5)
			assert_ptr_equal(htab_get(names, key[i]), key[i]);
		assert_ptr_equal(htab_get_id(ids, (uint32_t)i * 1000), key[i]);
	}
	assert_null(htab_get_id(ids, 1));
	assert_int_equal(htab_count(ids), 32);
	htab_free(names);
	htab_free(ids);
}

/*
 * The glance before a lookup: every name added may be there, whatever
 * its length; of 10,000 others (long, short, alike), few seem to be.
 */
static void
test_namefilter(void **state)
{
	struct namefilter f = { { 0 } };
	char name[64];
	int passed = 0;

	(void)state;
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), i % 2 ? "u%d" :
		    "3f2a8c1e-0b7d-4e5f-9a6b-%012d", i * 7919);
		namefilter_add(&f, name);
	}
	namefilter_add(&f, "");
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), i % 2 ? "u%d" :
		    "3f2a8c1e-0b7d-4e5f-9a6b-%012d", i * 7919);
		assert_true(namefilter_may(&f, name, strlen(name)));
	}
	assert_true(namefilter_may(&f, "", 0));
	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), i % 2 ? "u%d" :
		    "3f2a8c1e-0b7d-4e5f-9a6b-%012d", 1000000 + i);
		passed += namefilter_may(&f, name, strlen(name));
	}
	assert_true(passed < 100);
}

/* memcount() counts every occurrence, at either end too. */
static void
test_memcount(void **state)
{
	(void)state;
	assert_int_equal(memcount("", 0, '\n'), 0);
	assert_int_equal(memcount("a\nb\n", 4, '\n'), 2);
	assert_int_equal(memcount("\nab", 3, '\n'), 1);
	assert_int_equal(memcount("a\nb\n", 3, '\n'), 1);	/* len bounds it */
}

/* Page faults taken writing len bytes at p. */
static long
faults_writing(char *p, size_t len)
{
	struct rusage before, after;

	assert_int_equal(getrusage(RUSAGE_SELF, &before), 0);
	memset(p, 'x', len);
	assert_int_equal(getrusage(RUSAGE_SELF, &after), 0);
	return after.ru_minflt - before.ru_minflt;
}

/*
 * A prefaulted buffer of megabytes is written with a fraction of the
 * faults a plain one takes, a fault a page (the kernel maps its pages in
 * the call; under AddressSanitizer its shadow still faults); a kernel
 * without MADV_POPULATE_WRITE cannot, and the test says it skips.
 */
static void
test_prefault(void **state)
{
	const size_t len = 8u << 20;
	struct buf plain = { 0 }, pre = { 0 };
	char probe[8192];
	long f_plain, f_pre;

	(void)state;
	if (madvise((void *)(((uintptr_t)probe + 4095) & ~(uintptr_t)4095),
	    4096, MADV_POPULATE_WRITE) != 0)
		skip();
	buf_reserve(&plain, len);
	buf_prefault(&pre, len);
	f_plain = faults_writing(plain.p, len);
	f_pre = faults_writing(pre.p, len);
	buf_free(&plain);
	buf_free(&pre);
	if (f_pre * 4 >= f_plain)
		fail_msg("%ld faults prefaulted, %ld plain", f_pre, f_plain);
}

static void
add_one(void *arg)
{
	(*(int *)arg)++;
}

/* A task has run, once, when task_wait() returns. */
static void
test_task(void **state)
{
	int n = 0;

	(void)state;
	task_wait(task_start(add_one, &n));
	assert_int_equal(n, 1);
	task_wait(NULL);
}

/*
 * Keys of every length around the bytes a slot holds, sharing their first
 * bytes, one a prefix of the next: each finds its own value, and a key
 * differing past those bytes finds none.
 */
static void
test_inline_lengths(void **state)
{
	static const char base[] = "abcdefghijklmnopqrstuvwxyz";
	struct htab *t = htab_new(1);
	char key[26][27], other[27];

	(void)state;
	for (int len = 1; len <= 25; len++) {
		memcpy(key[len], base, (size_t)len);
		key[len][len] = '\0';
		assert_null(htab_put(t, key[len], key[len]));
	}
	for (int len = 1; len <= 25; len++) {
		assert_ptr_equal(htab_get(t, key[len]), key[len]);
		memcpy(other, key[len], (size_t)len + 1);
		other[len - 1] = '#';
		assert_null(htab_get(t, other));
	}
	assert_ptr_equal(htab_del(t, key[11]), key[11]);
	assert_null(htab_get(t, key[11]));
	assert_ptr_equal(htab_get(t, key[12]), key[12]);
	assert_ptr_equal(htab_get(t, key[10]), key[10]);
	htab_free(t);
}

/*
 * Prefetching ahead of lists of every length up to past the look-ahead
 * reads no key beyond the list (each list is allocated to its length, for
 * AddressSanitizer) and changes nothing a lookup finds.
 */
static void
test_prefetch_ahead(void **state)
{
	struct htab *t = htab_new(4);
	char name[3 * HTAB_AHEAD + 2][8];

	(void)state;
	for (size_t i = 0; i < sizeof(name) / sizeof(name[0]); i++) {
		snprintf(name[i], sizeof(name[i]), "m%zu", i);
		if (i % 2)
			htab_put(t, name[i], name[i]);
	}
	for (size_t n = 0; n <= sizeof(name) / sizeof(name[0]); n++) {
		const char **keys = xreallocarray(NULL, n + 1, sizeof(*keys));

		for (size_t i = 0; i < n; i++)
			keys[i] = name[i];
		keys = xreallocarray(keys, n ? n : 1, sizeof(*keys));
		for (size_t i = 0; i < n; i++) {
			htab_prefetch_ahead(t, keys, n, i);
			htab_prefetch(t, keys[i]);
			htab_prefetch_id(t, (uint32_t)i);
			assert_ptr_equal(htab_get(t, keys[i]),
			    i % 2 ? name[i] : NULL);
		}
		free(keys);
	}
	htab_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_survive_growth),
		cmocka_unit_test(test_namefilter),
		cmocka_unit_test(test_memcount),
		cmocka_unit_test(test_prefault),
		cmocka_unit_test(test_task),
		cmocka_unit_test(test_inline_lengths),
		cmocka_unit_test(test_prefetch_ahead),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
