/*
 * The commit as one unit: a journal left by a run that died part way is
 * carried out to the end by txn_recover(), a foreign one is refused, and
 * the temporary files of dead processes are swept; big files a commit
 * replaces are freed later, by another thread.
 */
#include "fixture.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "txn.h"

static char dir[] = "/tmp/ldapsync-txn.XXXXXX";

static char *
at(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static char *
get(const char *name)
{
	char *p = at(name), *text = NULL;
	size_t len;

	if (read_file(p, &text, &len) == -1)
		text = NULL;
	free(p);
	return text;
}

static bool
exists(const char *name)
{
	char *p = at(name);
	bool e = access(p, F_OK) == 0;

	free(p);
	return e;
}

static int
setup(void **st)
{
	(void)st;
	log_init(V_QUIET);
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int
teardown(void **st)
{
	(void)st;
	return fx_rmtree(dir);
}

/*
 * A child commits a, b and the removal of c, but b's rename fails (b is a
 * directory): the journal stays, half carried out, with what it names.
 */
static void
die_half_way(const char *journal)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct txn *t = txn_new();
		char *a = at("a"), *b = at("b"), *c = at("c");

		if (txn_stage(t, a, "a2\n", 3, 0644, getuid(), getgid(),
		    TXN_KEEP | TXN_BACKUP) != 0 ||
		    txn_stage(t, b, "b2\n", 3, 0600, getuid(), getgid(), 0) != 0)
			_exit(1);
		txn_stage_unlink(t, c);
		/* Failed half way: what it cleans up must leave the journal
		 * whole, as a crash would. */
		if (txn_commit(t, journal) != -1)
			_exit(1);
		txn_free(t);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
test_recover(void **st)
{
	char *journal = at("commit"), *b = at("b"), *s;

	(void)st;
	fx_put(dir, "a", "a1\n");
	assert_int_equal(mkdir(b, 0755), 0);
	fx_put(dir, "c", "c1\n");
	die_half_way(journal);
	assert_true(exists("commit"));
	s = get("a");
	assert_string_equal(s, "a2\n");	/* a was renamed before b failed */
	free(s);
	assert_true(exists("c"));
	assert_int_equal(rmdir(b), 0);
	assert_int_equal(txn_recover(journal), 1);
	assert_false(exists("commit"));
	s = get("a");
	assert_string_equal(s, "a2\n");
	free(s);
	s = get("a-");
	assert_string_equal(s, "a1\n");
	free(s);
	s = get("b");
	assert_string_equal(s, "b2\n");
	free(s);
	assert_false(exists("c"));
	/* Again: nothing left to do. */
	assert_int_equal(txn_recover(journal), 0);
	free(journal);
	free(b);
}

/* A journal half carried out: the rest is done, what is done stays. */
static void
test_recover_partial(void **st)
{
	char *journal = at("commit"), *a = at("a"), *b = at("b");
	char *ta = xasprintf("%s.ldapsync.1.AAAAAA", a);
	char *tb = xasprintf("%s.ldapsync.1.BBBBBB", b);
	struct buf j = { 0 };
	char *s;

	(void)st;
	fx_put(dir, "a", "a1\n");
	fx_put(dir, "b", "b1\n");
	fx_put(dir, "a.ldapsync.1.AAAAAA", "a3\n");
	fx_put(dir, "b", "b3\n");	/* b's rename already happened */
	buf_addstr(&j, "ldapsync-commit 1\n");
	buf_addstr(&j, "R");
	buf_add(&j, tb, strlen(tb) + 1);
	buf_add(&j, b, strlen(b) + 1);
	buf_addstr(&j, "R");
	buf_add(&j, ta, strlen(ta) + 1);
	buf_add(&j, a, strlen(a) + 1);
	buf_addstr(&j, "E");
	assert_int_equal(write_atomic(journal, j.p, j.len, 0600), 0);
	assert_int_equal(txn_recover(journal), 1);
	s = get("a");
	assert_string_equal(s, "a3\n");
	free(s);
	s = get("b");
	assert_string_equal(s, "b3\n");
	free(s);
	assert_false(exists("a.ldapsync.1.AAAAAA"));
	buf_free(&j);
	free(journal);
	free(a);
	free(b);
	free(ta);
	free(tb);
}

/* Not ours, cut short, or naming files that are not temporaries. */
static void
test_foreign_journal(void **st)
{
#define J(s) { s, sizeof(s) - 1 }
	static const struct { const char *p; size_t n; } bad[] = {
		J(""), J("ldapsync-commit 2\nE"), J("ldapsync-commit 1\n"),
		J("ldapsync-commit 1\nR/tmp/x\0/etc/passwd\0E"),
		J("ldapsync-commit 1\nUrelative\0E"),
		J("ldapsync-commit 1\nX/a\0E"),
		J("ldapsync-commit 1\nU/a\0E trailing"),
	};
	char *journal = at("commit");

	(void)st;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(write_atomic(journal, bad[i].p, bad[i].n,
		    0600), 0);
		if (txn_recover(journal) != -1)
			fail_msg("journal %zu accepted", i);
		assert_true(exists("commit"));	/* left for a person */
	}
	unlink(journal);
	free(journal);
}

static void
test_sweep(void **st)
{
	pid_t dead = fork();
	char *mine, *theirs;

	(void)st;
	assert_true(dead >= 0);
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	mine = xasprintf("passwd.ldapsync.%ld.ZZZZZZ", (long)getpid());
	theirs = xasprintf("passwd.ldapsync.%ld.ZZZZZZ", (long)dead);
	fx_put(dir, mine, "x");
	fx_put(dir, theirs, "x");
	fx_put(dir, "passwd.ldapsync.notapid", "x");
	assert_true(txn_left(dir));
	txn_sweep(dir);
	assert_false(txn_left(dir));	/* its own and foreign names stay */
	assert_true(exists(mine));
	assert_false(exists(theirs));
	assert_true(exists("passwd.ldapsync.notapid"));
	free(mine);
	free(theirs);
}

/* How many PREFIX.ldapsync-gone.* files dir holds. */
static int
gone_count(const char *prefix)
{
	char *pattern = xasprintf("%s/%s.ldapsync-gone.", dir, prefix);
	char *cmd = xasprintf("ls -d %s* 2>/dev/null | wc -l", pattern);
	FILE *f = popen(cmd, "r");
	int n = -1;

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &n), 1);
	pclose(f);
	free(cmd);
	free(pattern);
	return n;
}

/* Replaces name with len bytes of c, with or without a backup. */
static void
replace(const char *name, size_t len, char c, int flags)
{
	struct txn *t = txn_new();
	char *path = at(name), *data = xmalloc(len);

	memset(data, c, len);
	assert_int_equal(txn_stage(t, path, data, len, 0644, getuid(),
	    getgid(), TXN_KEEP | flags), 0);
	assert_int_equal(txn_commit(t, NULL), 0);
	txn_free(t);
	free(data);
	free(path);
}

/*
 * A rename that would free a file of megabytes leaves it linked under a
 * gone name, whole; a small one, or one a backup still links, is not
 * kept; txn_release_start() removes what was kept, and only that.
 */
static void
test_release(void **st)
{
	const char *dirs[1] = { dir };
	char big = 'a';

	(void)st;
	replace("big", 2 << 20, big, 0);
	replace("big", 2 << 20, ++big, 0);
	assert_int_equal(gone_count("big"), 1);
	replace("small", 100, 's', 0);
	replace("small", 100, 't', 0);
	assert_int_equal(gone_count("small"), 0);
	/* With a backup the old file stays linked as big-: nothing kept, but
	 * the old backup, last linked, is. */
	replace("big", 2 << 20, ++big, TXN_BACKUP);
	assert_int_equal(gone_count("big"), 1);
	assert_int_equal(gone_count("big-"), 0);
	replace("big", 2 << 20, ++big, TXN_BACKUP);
	assert_int_equal(gone_count("big-"), 1);
	txn_release_wait(txn_release_start(dirs, 1));
	assert_int_equal(gone_count("big"), 0);
	assert_int_equal(gone_count("big-"), 0);
	assert_true(exists("big") && exists("big-") && exists("small"));
}

/* Through a journal, what a rename replaces is kept beside the journal. */
static void
test_release_by_journal(void **st)
{
	const char *dirs[1] = { dir };
	char *sub = at("etc"), *path = at("etc/big"), *journal = at("commit");
	char *data = xmalloc(2 << 20);
	struct txn *t;

	(void)st;
	assert_int_equal(mkdir(sub, 0755), 0);
	memset(data, 'a', 2 << 20);
	fx_put(sub, "big", "old\n");
	for (int i = 0; i < 2; i++) {
		t = txn_new();
		assert_int_equal(txn_stage(t, path, data, 2 << 20, 0644,
		    getuid(), getgid(), TXN_KEEP), 0);
		assert_int_equal(txn_commit(t, journal), 0);
		txn_free(t);
	}
	assert_int_equal(gone_count("big"), 1);
	assert_int_equal(gone_count("etc/big"), 0);
	assert_false(exists("commit"));
	txn_release_wait(txn_release_start(dirs, 1));
	assert_int_equal(gone_count("big"), 0);
	assert_true(exists("etc/big"));
	free(data);
	free(journal);
	free(path);
	free(sub);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recover),
		cmocka_unit_test(test_recover_partial),
		cmocka_unit_test(test_foreign_journal),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_release_by_journal),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
