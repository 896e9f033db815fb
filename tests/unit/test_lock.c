/*
 * shadow-utils' locks as ldapsync takes them: a held lock is respected,
 * a dead holder's broken, pid files never opened through a link, and
 * dead processes' pid files swept.
 */
#include "fixture.h"
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lock.h"

static char dir[] = "/tmp/ldapsync-lock.XXXXXX";

static char *
at(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static int
setup(void **st)
{
	char *etc;

	(void)st;
	log_init(V_QUIET);
	assert_non_null(mkdtemp(dir));
	etc = at("etc");
	assert_int_equal(mkdir(etc, 0755), 0);
	free(etc);
	return 0;
}

static int
teardown(void **st)
{
	(void)st;
	return fx_rmtree(dir);
}

/* What lock_file() answers in another process (which then exits). */
static int
lock_in_child(const char *path)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(lock_file(path) == 1 ? 0 : 1);
	waitpid(pid, &status, 0);
	return WEXITSTATUS(status) == 0;
}

static pid_t
dead_pid(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

static void
test_held_and_stale(void **st)
{
	char *file = at("etc/passwd"), *lock = at("etc/passwd.lock"), buf[32];

	(void)st;
	fx_put(dir, "etc/passwd", "");
	assert_int_equal(lock_file(file), 1);
	assert_false(lock_in_child(file));	/* we hold it */
	unlock_file(file);
	assert_true(access(lock, F_OK) != 0);
	/* A lock whose process is gone is broken, as shadow-utils does. */
	snprintf(buf, sizeof(buf), "%ld", (long)dead_pid());
	fx_put(dir, "etc/passwd.lock", buf);
	assert_int_equal(lock_file(file), 1);
	unlock_file(file);
	free(file);
	free(lock);
}

static void
test_no_link_followed(void **st)
{
	char *file = at("etc/group"), *victim = at("victim");
	char *pidfile = xasprintf("%s.%ld", file, (long)getpid()), *text;
	size_t len;

	(void)st;
	fx_put(dir, "etc/group", "");
	fx_put(dir, "victim", "precious");
	assert_int_equal(symlink(victim, pidfile), 0);
	assert_int_equal(lock_file(file), 1);
	unlock_file(file);
	assert_int_equal(read_file(victim, &text, &len), 0);
	assert_string_equal(text, "precious");
	free(text);
	free(file);
	free(victim);
	free(pidfile);
}

static void
test_sweep(void **st)
{
	char *dead = xasprintf("etc/shadow.%ld", (long)dead_pid());
	char *live = xasprintf("etc/shadow.%ld", (long)getpid());
	char *p;

	(void)st;
	fx_put(dir, dead, "");
	fx_put(dir, live, "");
	fx_put(dir, "etc/shadow.backup", "");
	locks_sweep(dir);
	p = at(dead);
	assert_true(access(p, F_OK) != 0);
	free(p);
	p = at(live);
	assert_int_equal(access(p, F_OK), 0);
	free(p);
	p = at("etc/shadow.backup");
	assert_int_equal(access(p, F_OK), 0);
	free(p);
	free(dead);
	free(live);
}

/* The whole set, on a tree: a second taker waits, then gives up. */
static void
test_locks_take(void **st)
{
	struct locks *l;

	(void)st;
	fx_put(dir, "etc/passwd", "");
	fx_put(dir, "etc/gshadow", "");
	l = locks_take(dir);
	assert_non_null(l);
	locks_release(l);
	l = locks_take(dir);
	assert_non_null(l);
	locks_release(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_held_and_stale),
		cmocka_unit_test(test_no_link_followed),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_locks_take),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
