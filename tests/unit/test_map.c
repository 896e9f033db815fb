#include "fixture-map.h"
#include <unistd.h>

#define USER(dn, ...) fx_entry(dn, "uidNumber", "10001", "gidNumber", \
	"10001", "homeDirectory", "/home/x", "loginShell", "/bin/sh", \
	__VA_ARGS__, NULL)

static void
free_users(struct users *l)
{
	users_free(l);
	free(l);
}

static void
test_good_user(void **state)
{
	struct users *l = fx_map_user(NULL, USER("uid=alice,dc=x", "uid", "alice",
	    "cn", "Alice", "entryUUID", "1234-5678", "shadowMax", "90",
	    "userPassword", "{CRYPT}$6$salt$hash"));
	struct user *u = &l->v[0];

	(void)state;
	assert_int_equal(l->n, 1);
	assert_string_equal(u->name, "alice");
	assert_int_equal(u->uid, 10001);
	assert_int_equal(u->gid, 10001);
	assert_string_equal(u->gecos, "Alice");
	assert_string_equal(u->home, "/home/x");
	assert_string_equal(u->shell, "/bin/sh");
	assert_string_equal(u->uuid, "1234-5678");
	assert_string_equal(u->passwd, "*");	/* unusable_password yes */
	assert_int_equal(u->sp[SP_MAX], 90);
	assert_int_equal(u->sp[SP_MIN], -1);
	assert_string_equal(u->dn, "uid=alice,dc=x");
	free_users(l);
}

/* Attribute names as a server may spell them: case does not matter. */
static void
test_attribute_case(void **state)
{
	struct users *l = fx_map_user(NULL, fx_entry("uid=bob,dc=x",
	    "UIDNUMBER", "10002", "GidNumber", "10003", "HOMEdirectory",
	    "/home/bob", "loginshell", "/bin/sh", "Uid", "bob", "LoginShellX",
	    "/bin/false", "@", "x", NULL));

	(void)state;
	assert_int_equal(l->n, 1);
	assert_string_equal(l->v[0].name, "bob");
	assert_int_equal(l->v[0].uid, 10002);
	assert_int_equal(l->v[0].gid, 10003);
	assert_string_equal(l->v[0].home, "/home/bob");
	assert_string_equal(l->v[0].shell, "/bin/sh");
	free_users(l);
}

static void
test_passwords(void **state)
{
	struct users *l;

	(void)state;
	l = fx_map_user("unusable_password no\n", USER("uid=a,dc=x", "uid", "a",
	    "userPassword", "{CRYPT}$6$salt$hash"));
	assert_string_equal(l->v[0].passwd, "$6$salt$hash");
	free_users(l);
	l = fx_map_user("unusable_password no\n", USER("uid=a,dc=x", "uid", "a",
	    "userPassword", "{crypt}$y$j9T$salt$hash"));
	assert_string_equal(l->v[0].passwd, "$y$j9T$salt$hash");
	free_users(l);
	l = fx_map_user("unusable_password no\n", USER("uid=a,dc=x", "uid", "a",
	    "userPassword", "{SSHA}abcdef"));
	assert_string_equal(l->v[0].passwd, "*");
	free_users(l);
	l = fx_map_user("unusable_password no\n", USER("uid=a,dc=x", "uid", "a",
	    "userPassword", "{CRYPT}$99$unknown$method"));
	assert_string_equal(l->v[0].passwd, "*");
	free_users(l);
	l = fx_map_user("unusable_password no\n", USER("uid=a,dc=x", "uid", "a",
	    "userPassword", "{CRYPT}$6$salt$ha:sh"));
	assert_string_equal(l->v[0].passwd, "*");
	free_users(l);
	l = fx_map_user("unusable_password no\n", USER("uid=a,dc=x", "uid", "a"));
	assert_string_equal(l->v[0].passwd, "*");
	free_users(l);
}

static void
test_repairs(void **state)
{
	struct users *l;

	(void)state;
	l = fx_map_user(NULL, fx_entry("uid=a,dc=x", "uid", "a", "uidNumber", "10001",
	    "gidNumber", "10001", "homeDirectory", "/home/a", "loginShell",
	    "/bin/zsh", "gecos", "A:B\tC\x7f", NULL));
	assert_int_equal(l->n, 1);
	assert_string_equal(l->v[0].shell, "/usr/sbin/nologin");
	assert_string_equal(l->v[0].gecos, "A B C ");
	free_users(l);
	l = fx_map_user(NULL, fx_entry("uid=a,dc=x", "uid", "a", "uidNumber", "10001",
	    "gidNumber", "10001", "homeDirectory", "/home/a", NULL));
	assert_string_equal(l->v[0].shell, "");
	assert_string_equal(l->v[0].gecos, "");
	free_users(l);
}

#define HOMED(home) fx_entry("uid=a,dc=x", "uid", "a", "uidNumber", "10001", \
	"gidNumber", "10001", "homeDirectory", home, NULL)

static void refused(const char *, struct entry *);

/* The contract's limits on what the directory may write. */
static void
test_limits(void **state)
{
	static const char *const bad[] = { "/", "/root", "/etc", "/etc/",
	    "//etc", "/./etc", "/etc/ssh", "/bin", "/boot", "/dev", "/dev/shm",
	    "/lib", "/lib64", "/libx32", "/proc", "/proc/1", "/run", "/sbin",
	    "/sys", "/sys/kernel", "/tmp", "/usr", "/usr/", "/var", "/root/" };
	static const char *const good[] = { "/home/a", "/var/lib/a",
	    "/usr/local/a", "/srv/a", "/lib/a", "/tmpx" };
	struct users *l;
	char *gecos = xmalloc(1 << 20), *home = xmalloc(1100);

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(NULL, HOMED(bad[i]));
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		l = fx_map_user(NULL, HOMED(good[i]));
		if (l->n != 1)
			fail_msg("home %s refused", good[i]);
		free_users(l);
	}
	/* A 1 MiB gecos is cut so that the line holds 1,024 bytes. */
	memset(gecos, 'g', (1 << 20) - 1);
	gecos[(1 << 20) - 1] = '\0';
	memcpy(gecos + 990, "\xc3\xbc\xc3\xbc\xc3\xbc", 6);	/* UTF-8 at the cut */
	l = fx_map_user(NULL, fx_entry("uid=a,dc=x", "uid", "a", "uidNumber", "10001",
	    "gidNumber", "10001", "homeDirectory", "/home/a", "loginShell",
	    "/bin/sh", "gecos", gecos, NULL));
	assert_int_equal(l->n, 1);
	assert_true(strlen("a:x:10001:10001:") + strlen(l->v[0].gecos) +
	    strlen(":/home/a:/bin/sh\n") <= 1024);
	assert_int_equal(strlen(l->v[0].gecos), 990);	/* not inside the ü */
	assert_true(((unsigned char)l->v[0].gecos[strlen(l->v[0].gecos) - 1] &
	    0xc0) != 0xc0);	/* no lead byte left alone */
	free_users(l);
	/* A line too long without any gecos is refused. */
	memset(home, 'h', 1099);
	home[0] = '/';
	home[1099] = '\0';
	refused(NULL, HOMED(home));
	/* Several names: only with one of them the RDN. */
	refused(NULL, fx_entry("uid=a,dc=x", "uid", "b", "uid", "c",
	    "uidNumber", "10001", "gidNumber", "10001", "homeDirectory",
	    "/home/a", NULL));
	l = fx_map_user(NULL, fx_entry("uid=a,dc=x", "uid", "b", "uid", "a",
	    "uidNumber", "10001", "gidNumber", "10001", "homeDirectory",
	    "/home/a", NULL));
	assert_int_equal(l->n, 1);
	assert_string_equal(l->v[0].name, "a");
	free_users(l);
	l = fx_map_user(NULL, fx_entry("UID=a+cn=x,dc=x", "uid", "b", "uid", "a",
	    "uidNumber", "10001", "gidNumber", "10001", "homeDirectory",
	    "/home/a", NULL));
	assert_int_equal(l->n, 1);
	assert_string_equal(l->v[0].name, "a");
	free_users(l);
	free(gecos);
	free(home);
}

/* Each refused entry leaves nothing mapped but its name seen. */
static int refusals;

static void
refused(const char *extra, struct entry *e)
{
	struct users *l = fx_map_user(extra, e);

	refusals++;
	if (l->n != 0)
		fail_msg("case %d was accepted as %s", refusals, l->v[0].name);
	free_users(l);
}

static void
test_refused(void **state)
{
	char longname[40];

	(void)state;
	memset(longname, 'a', 33);
	longname[33] = '\0';
	refused(NULL, USER("dn", "uid", longname));
	refused(NULL, USER("dn", "uid", "a:b"));
	refused(NULL, USER("dn", "uid", "a,b"));
	refused(NULL, USER("dn", "uid", "a b"));
	refused(NULL, USER("dn", "uid", "a\nb"));
	refused(NULL, USER("dn", "uid", "+a"));
	refused(NULL, USER("dn", "uid", "-a"));
	refused(NULL, USER("dn", "uid", "1234"));
	refused(NULL, USER("dn", "uid", ".."));
	refused(NULL, USER("dn", "uid", "Ünï"));
	refused("validnames \"^[a-z]+$\"\n", USER("dn", "uid", "Abc"));
	refused(NULL, fx_entry("dn", "uidNumber", "10001", "gidNumber", "10001",
	    "homeDirectory", "/home/x", NULL));
	refused(NULL, fx_entry("dn", "uid", "a", "uidNumber", "0", "gidNumber",
	    "10001", "homeDirectory", "/home/x", NULL));
	refused(NULL, fx_entry("dn", "uid", "a", "uidNumber", "10001",
	    "gidNumber", "0", "homeDirectory", "/home/x", NULL));
	refused("uid_range 0-100000\ngid_range 0-100000\n", fx_entry("dn",
	    "uid", "a", "uidNumber", "0", "gidNumber", "10001",
	    "homeDirectory", "/home/x", NULL));
	refused(NULL, fx_entry("dn", "uid", "a", "uidNumber", "-1", "gidNumber",
	    "10001", "homeDirectory", "/home/x", NULL));
	refused(NULL, fx_entry("dn", "uid", "a", "uidNumber", "4294967295",
	    "gidNumber", "10001", "homeDirectory", "/home/x", NULL));
	refused(NULL, fx_entry("dn", "uid", "a", "uidNumber", " 10001",
	    "gidNumber", "10001", "homeDirectory", "/home/x", NULL));
	refused(NULL, fx_entry("dn", "uid", "a", "uidNumber", "999",
	    "gidNumber", "10001", "homeDirectory", "/home/x", NULL));
	refused(NULL, fx_entry("dn", "uid", "a", "uidNumber", "10001",
	    "gidNumber", "60001", "homeDirectory", "/home/x", NULL));
	refused(NULL, fx_entry("dn", "uid", "a", "uidNumber", "10001",
	    "gidNumber", "10001", NULL));
	refused(NULL, fx_entry("dn", "uid", "a", "uidNumber", "10001",
	    "gidNumber", "10001", "homeDirectory", "home/a", NULL));
	refused(NULL, fx_entry("dn", "uid", "a", "uidNumber", "10001",
	    "gidNumber", "10001", "homeDirectory", "/home/../etc", NULL));
	refused(NULL, fx_entry("dn", "uid", "a", "uidNumber", "10001",
	    "gidNumber", "10001", "homeDirectory", "/home/..", NULL));
	refused(NULL, fx_entry("dn", "uid", "a", "uidNumber", "10001",
	    "gidNumber", "10001", "homeDirectory", "/home/a:b", NULL));
	refused(NULL, fx_entry("dn", "uid", "a", "uidNumber", "10001",
	    "gidNumber", "10001", "homeDirectory", "/home/a\n", NULL));
	refused(NULL, fx_entry("dn", "uid", "a", "uidNumber", "10001",
	    "gidNumber", "10001", "homeDirectory", "/home/a", "loginShell",
	    "/bin/sh\nroot::0:0::/:/bin/sh", NULL));
	refused(NULL, fx_entry("dn", "uid", "a", "uidNumber", "10001",
	    "gidNumber", "10001", "homeDirectory", "/home/a", "shadowMax",
	    "ninety", NULL));
}

static void
test_home_dots_allowed(void **state)
{
	struct users *l = fx_map_user(NULL, fx_entry("dn", "uid", "a", "uidNumber",
	    "10001", "gidNumber", "10001", "homeDirectory", "/home/a..b/.x",
	    NULL));

	(void)state;
	assert_int_equal(l->n, 1);
	free_users(l);
}

static void
test_nul_in_value(void **state)
{
	struct entry *e = USER("dn", "uid", "ab");
	struct users *l;

	(void)state;
	/* "a\0b" as a counted value: the name must be refused. */
	e->attrs[4].vals[0] = (struct bval){ "a\0b", 3 };
	l = fx_map_user(NULL, e);
	assert_int_equal(l->n, 0);
	free_users(l);
}

static void
test_uuids(void **state)
{
	struct entry *e = USER("dn", "uid", "a", "objectGUID", "");
	struct users *l;

	(void)state;
	/* AD's objectGUID is 16 raw bytes. */
	e->attrs[5].vals[0] = (struct bval){ "\x01\x23\x45\x67\x89\xab\xcd\xef"
	    "\x00\xff\x10\x20\x30\x40\x50\x60", 16 };
	l = fx_map_user(NULL, e);
	assert_string_equal(l->v[0].uuid, "0123456789abcdef00ff102030405060");
	free_users(l);
	l = fx_map_user(NULL, USER("dn", "uid", "a", "entryUUID", "bad uuid\nx"));
	assert_int_equal(l->n, 1);
	assert_null(l->v[0].uuid);
	free_users(l);
	l = fx_map_user(NULL, USER("dn", "uid", "a"));
	assert_null(l->v[0].uuid);
	free_users(l);
}

static void
test_dedupe_and_members(void **state)
{
	struct conf c;
	struct mapper *m;
	struct users ul = { 0 };
	struct groups gl = { 0 };
	struct entry *e[5];

	(void)state;
	fx_conf(&c, NULL);
	m = mapper_new(&c, root);
	e[0] = USER("uid=a,ou=p,dc=x", "uid", "a", "uidNumber", "20001");
	e[1] = USER("uid=b,ou=p,dc=x", "uid", "b", "uidNumber", "20002");
	e[2] = USER("uid=b2,ou=p,dc=x", "uid", "b", "uidNumber", "20003");
	e[3] = USER("uid=c,ou=p,dc=x", "uid", "c", "uidNumber", "20001");
	e[4] = USER("uid=d,ou=p,dc=x", "uid", "d", "uidNumber", "20004");
	/* USER() gave uidNumber a first value: the one added here replaces it. */
	for (int i = 0; i < 5; i++) {
		e[i]->attrs[0].vals[0] = e[i]->attrs[0].vals[1];
		map_user(m, e[i], &ul);
		fx_entry_free(e[i]);
	}
	assert_int_equal(ul.n, 5);
	map_dedupe_users(&ul);
	assert_int_equal(ul.n, 1);
	assert_string_equal(ul.v[0].name, "d");
	assert_true(strlist_has(&ul.seen, "b"));
	assert_true(strlist_has(&ul.seen, "a"));
	assert_true(strlist_has(&ul.seen, "c"));

	e[0] = fx_entry("cn=g,dc=x", "cn", "g", "gidNumber", "5000",
	    "memberUid", "x", "member", "UID=d, OU=p,dc=x", "member",
	    "uid=nobody,dc=x", NULL);
	map_group(m, e[0], &gl);
	fx_entry_free(e[0]);
	assert_int_equal(gl.n, 1);
	map_members(&gl, &ul, 0);
	assert_int_equal(gl.v[0].members.n, 2);
	assert_string_equal(gl.v[0].members.v[0], "x");
	assert_string_equal(gl.v[0].members.v[1], "d");

	users_free(&ul);
	groups_free(&gl);
	mapper_free(m);
	conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_user),
		cmocka_unit_test(test_attribute_case),
		cmocka_unit_test(test_passwords),
		cmocka_unit_test(test_repairs),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_home_dots_allowed),
		cmocka_unit_test(test_nul_in_value),
		cmocka_unit_test(test_uuids),
		cmocka_unit_test(test_dedupe_and_members),
	};

	return cmocka_run_group_tests(tests, fx_root_setup, fx_root_teardown);
}
