/*
 * The NSS module by dlopen: every entry point against mirrors written by
 * src/mirror.c, and missing, truncated, corrupt and replaced mirrors.
 */
#include "fixture.h"
#include <dlfcn.h>
#include <grp.h>
#include <nss.h>
#include <pthread.h>
#include <pwd.h>
#include <shadow.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <errno.h>

#include "../../nss/mirror-format.h"
#include "mirror.h"
#include "txn.h"

static char dir[] = "/tmp/ldapsync-nss.XXXXXX";
static void *mod;

#define F(name, ret, ...) static ret (*name)(__VA_ARGS__)
F(m_getpwnam, enum nss_status, const char *, struct passwd *, char *, size_t, int *);
F(m_getpwuid, enum nss_status, uid_t, struct passwd *, char *, size_t, int *);
F(m_getgrnam, enum nss_status, const char *, struct group *, char *, size_t, int *);
F(m_getgrgid, enum nss_status, gid_t, struct group *, char *, size_t, int *);
F(m_getspnam, enum nss_status, const char *, struct spwd *, char *, size_t, int *);
F(m_setpwent, enum nss_status, int);
F(m_getpwent, enum nss_status, struct passwd *, char *, size_t, int *);
F(m_endpwent, enum nss_status, void);
F(m_setgrent, enum nss_status, int);
F(m_getgrent, enum nss_status, struct group *, char *, size_t, int *);
F(m_endgrent, enum nss_status, void);
F(m_setspent, enum nss_status, int);
F(m_getspent, enum nss_status, struct spwd *, char *, size_t, int *);
F(m_endspent, enum nss_status, void);
F(m_initgroups, enum nss_status, const char *, gid_t, long *, long *, gid_t **,
    long, int *);

static const char passwd[] =
    "root:x:0:0:root:/root:/bin/bash\n"
    "local:x:1000:1000::/home/local:/bin/sh\n"
    "alice:x:10001:10001:Alice:/home/alice:/bin/bash\n"
    "bob:x:10002:10001:Bob:/home/bob:/usr/sbin/nologin\n"
    "carol:x:10003:10001::/home/carol:/bin/sh\n";
static const char group[] =
    "root:x:0:\n"
    "staff:x:10001:alice,bob,local\n"
    "ops:x:10002:carol,alice\n"
    "empty:x:10003:\n";
static const char shadow[] =
    "root:*:1::::::\n"
    "alice:$6$salt$hash:19000:0:99999:7:::\n"
    "bob:!*::::::1:\n"
    "carol:*:::::::\n";
static const char state[] =
    "ldapsync-state 1\n"
    "u alice 10001 0 a\n" "u bob 10002 1 b\n" "u carol 10003 0 c\n"
    "g staff 10001 s\n" "g ops 10002 o\n" "g empty 10003 e\n";

static char *
path_of(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

/* As a run does: write the new file, then mark the old one RECYCLED. */
static void
install(const char *name, const void *data, size_t len)
{
	char *path = path_of(name);
	int held = mirror_hold(path);

	assert_int_equal(write_atomic(path, data, len, 0644), 0);
	mirror_retire(held);
	free(path);
}

static void
build(const char *pw, const char *gr, const char *sh, const char *st,
    struct buf *main, struct buf *shadow_out)
{
	struct buf p = { (char *)pw, strlen(pw), 0 };
	struct buf g = { (char *)gr, strlen(gr), 0 };
	struct buf s = { (char *)sh, strlen(sh), 0 };
	struct state ss;

	state_init(&ss);
	assert_int_equal(state_parse(&ss, "state", st), 0);
	mirror_build(ss.v, ss.n, &p, &g, &s, main, shadow_out);
	state_free(&ss);
}

/* Bases as a run that builds them installs them: with empty deltas. */
static void
install_bases(const struct buf *m, const struct buf *s)
{
	struct buf d = { 0 };

	install("mirror", m->p, m->len);
	mirror_empty_delta(m, &d);
	install("mirror.delta", d.p, d.len);
	buf_free(&d);
	install("mirror.shadow", s->p, s->len);
	mirror_empty_delta(s, &d);
	install("mirror.shadow.delta", d.p, d.len);
	buf_free(&d);
}

static void
install_sample(void)
{
	struct buf m = { 0 }, s = { 0 };

	build(passwd, group, shadow, state, &m, &s);
	install_bases(&m, &s);
	buf_free(&m);
	buf_free(&s);
}

static void *
sym(const char *name)
{
	char *full = xasprintf("_nss_ldapsync_%s", name);
	void *p = dlsym(mod, full);

	if (p == NULL)
		fail_msg("missing %s", full);
	free(full);
	return p;
}

static int
setup(void **st)
{
	const char *so = getenv("NSS_MODULE");

	(void)st;
	assert_non_null(mkdtemp(dir));
	setenv("LDAPSYNC_MIRROR_DIR", dir, 1);
	assert_non_null(so);
	mod = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	if (mod == NULL)
		fail_msg("dlopen %s: %s", so, dlerror());
	m_getpwnam = sym("getpwnam_r");
	m_getpwuid = sym("getpwuid_r");
	m_getgrnam = sym("getgrnam_r");
	m_getgrgid = sym("getgrgid_r");
	m_getspnam = sym("getspnam_r");
	m_setpwent = sym("setpwent");
	m_getpwent = sym("getpwent_r");
	m_endpwent = sym("endpwent");
	m_setgrent = sym("setgrent");
	m_getgrent = sym("getgrent_r");
	m_endgrent = sym("endgrent");
	m_setspent = sym("setspent");
	m_getspent = sym("getspent_r");
	m_endspent = sym("endspent");
	m_initgroups = sym("initgroups_dyn");
	log_init(V_QUIET);
	return 0;
}

static int
teardown(void **st)
{
	char *cmd = xasprintf("rm -rf %s", dir);

	(void)st;
	dlclose(mod);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

static void
test_missing(void **st)
{
	struct passwd pw;
	struct group gr;
	struct spwd sp;
	char buf[1024];
	int err = 0;
	long start = 0, size = 0;
	gid_t *gids = NULL;

	(void)st;
	assert_int_equal(m_getpwnam("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	assert_int_equal(m_getpwuid(10001, &pw, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	assert_int_equal(m_getgrnam("staff", &gr, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	assert_int_equal(m_getgrgid(10001, &gr, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	assert_int_equal(m_getspnam("alice", &sp, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
	assert_int_equal(m_initgroups("alice", 0, &start, &size, &gids, 0, &err), NSS_STATUS_UNAVAIL);
	m_setpwent(0);
	assert_int_equal(m_getpwent(&pw, buf, sizeof(buf), &err), NSS_STATUS_UNAVAIL);
}

static void
test_passwd(void **st)
{
	struct passwd pw;
	char buf[1024];
	int err = 0;

	(void)st;
	install_sample();
	assert_int_equal(m_getpwnam("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(pw.pw_name, "alice");
	assert_string_equal(pw.pw_passwd, "x");
	assert_int_equal(pw.pw_uid, 10001);
	assert_int_equal(pw.pw_gid, 10001);
	assert_string_equal(pw.pw_gecos, "Alice");
	assert_string_equal(pw.pw_dir, "/home/alice");
	assert_string_equal(pw.pw_shell, "/bin/bash");
	assert_int_equal(m_getpwuid(10002, &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(pw.pw_name, "bob");
	assert_string_equal(pw.pw_shell, "/usr/sbin/nologin");	/* suspended */
	assert_int_equal(m_getpwnam("carol", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(pw.pw_gecos, "");
	/* Local accounts are not in the mirror. */
	assert_int_equal(m_getpwnam("root", &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(m_getpwnam("local", &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(m_getpwuid(0, &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(m_getpwuid(10004, &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(m_getpwnam("", &pw, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
}

static void
test_erange(void **st)
{
	struct passwd pw;
	struct group gr;
	struct spwd sp;
	char buf[256];
	int err;
	size_t need;

	(void)st;
	/* "alice\0x\0Alice\0/home/alice\0/bin/bash\0" */
	need = 6 + 2 + 6 + 12 + 10;
	for (size_t len = 0; len < need; len++) {
		err = 0;
		assert_int_equal(m_getpwnam("alice", &pw, buf, len, &err), NSS_STATUS_TRYAGAIN);
		assert_int_equal(err, ERANGE);
	}
	assert_int_equal(m_getpwnam("alice", &pw, buf, need, &err), NSS_STATUS_SUCCESS);
	/* Members' pointers, aligned, then the strings: at most 7 + 32 + 24. */
	for (size_t len = 0;; len++) {
		err = 0;
		if (m_getgrnam("staff", &gr, buf + 1, len, &err) == NSS_STATUS_SUCCESS)
			break;
		assert_int_equal(err, ERANGE);
		assert_true(len < 63);
	}
	assert_string_equal(gr.gr_mem[2], "local");
	err = 0;
	assert_int_equal(m_getspnam("alice", &sp, buf, 10, &err), NSS_STATUS_TRYAGAIN);
	assert_int_equal(err, ERANGE);
}

static void
test_group(void **st)
{
	struct group gr;
	char buf[1024];
	int err = 0;

	(void)st;
	assert_int_equal(m_getgrnam("staff", &gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(gr.gr_name, "staff");
	assert_string_equal(gr.gr_passwd, "x");
	assert_int_equal(gr.gr_gid, 10001);
	assert_string_equal(gr.gr_mem[0], "alice");
	assert_string_equal(gr.gr_mem[1], "bob");
	assert_string_equal(gr.gr_mem[2], "local");
	assert_null(gr.gr_mem[3]);
	assert_int_equal(m_getgrgid(10003, &gr, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(gr.gr_name, "empty");
	assert_null(gr.gr_mem[0]);
	assert_int_equal(m_getgrnam("root", &gr, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(m_getgrgid(0, &gr, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
}

static void
test_shadow(void **st)
{
	struct spwd sp;
	char buf[1024];
	int err = 0;

	(void)st;
	assert_int_equal(m_getspnam("alice", &sp, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(sp.sp_pwdp, "$6$salt$hash");
	assert_int_equal(sp.sp_lstchg, 19000);
	assert_int_equal(sp.sp_min, 0);
	assert_int_equal(sp.sp_max, 99999);
	assert_int_equal(sp.sp_warn, 7);
	assert_int_equal(sp.sp_inact, -1);
	assert_int_equal(sp.sp_expire, -1);
	assert_int_equal(m_getspnam("bob", &sp, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(sp.sp_pwdp, "!*");
	assert_int_equal(sp.sp_expire, 1);
	assert_int_equal(m_getspnam("root", &sp, buf, sizeof(buf), &err), NSS_STATUS_NOTFOUND);
}

/* What the module answers for every name and id the tests use. */
static void
answers(struct buf *out)
{
	static const char *const names[] = { "root", "local", "alice", "bob",
	    "carol", "dave", "erin", "fay", "staff", "ops", "empty", "devs",
	    NULL };
	static const unsigned ids[] = { 0, 1000, 10001, 10002, 10003, 10004,
	    10005, 10006, 0 };
	char buf[1024];
	struct passwd p;
	struct group g;
	struct spwd sp;
	int err = 0;

	for (int i = 0; names[i]; i++) {
		long start = 0, size = 4;
		gid_t *gids = xcalloc(4, sizeof(*gids));

		if (m_getpwnam(names[i], &p, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS)
			buf_printf(out, "pw %s %u %u %s %s %s\n", p.pw_name, p.pw_uid,
			    p.pw_gid, p.pw_gecos, p.pw_dir, p.pw_shell);
		if (m_getgrnam(names[i], &g, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS)
			for (char **m = g.gr_mem; *m; m++)
				buf_printf(out, "gr %s %u %s\n", g.gr_name, g.gr_gid, *m);
		if (m_getspnam(names[i], &sp, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS)
			buf_printf(out, "sp %s %s %ld\n", sp.sp_namp, sp.sp_pwdp,
			    sp.sp_expire);
		m_initgroups(names[i], 0, &start, &size, &gids, 0, &err);
		for (long k = 0; k < start; k++)
			buf_printf(out, "in %s %u\n", names[i], (unsigned)gids[k]);
		free(gids);
	}
	for (int i = 0; ids[i] || i == 0; i++) {
		if (m_getpwuid(ids[i], &p, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS)
			buf_printf(out, "uid %u %s\n", ids[i], p.pw_name);
		if (m_getgrgid(ids[i], &g, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS)
			buf_printf(out, "gid %u %s\n", ids[i], g.gr_name);
	}
	/* Enumeration, in its order. */
	m_setpwent(1);
	while (m_getpwent(&p, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS)
		buf_printf(out, "ent pw %s %s\n", p.pw_name, p.pw_gecos);
	m_endpwent();
	m_setgrent(1);
	while (m_getgrent(&g, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS)
		buf_printf(out, "ent gr %s %s\n", g.gr_name,
		    g.gr_mem[0] ? g.gr_mem[0] : "-");
	m_endgrent();
	m_setspent(1);
	while (m_getspent(&sp, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS)
		buf_printf(out, "ent sp %s %s\n", sp.sp_namp, sp.sp_pwdp);
	m_endspent();
}

/* The edits of a change set: alice changed, carol deleted, dave added. */
static void
edits(struct pwedit e[3], struct state *next)
{
	for (int i = 0; i < 3; i++)
		pwedit_init(&e[i]);
	e[2].strip_fields[0] = 3;
	pwedit_replace(&e[0], "alice", "alice:x:10001:10002:Alice L.:/home/al:/bin/sh");
	pwedit_replace(&e[0], "carol", NULL);
	pwedit_append(&e[0], "dave:x:10004:10001:Dave:/home/dave:/bin/sh");
	pwedit_replace(&e[1], "alice", "alice:$6$new$hash:19500:1:90:14:30:20000:");
	pwedit_replace(&e[1], "carol", NULL);
	pwedit_append(&e[1], "dave:!:19000::::::");
	pwedit_strip(&e[2], "carol");
	pwedit_replace(&e[2], "empty", "empty:x:10003:dave");
	pwedit_append(&e[2], "devs:x:10005:dave,alice");
	state_init(next);
	assert_int_equal(state_parse(next, "next", "ldapsync-state 1\n"
	    "u alice 10001 0 a\n" "u bob 10002 1 b\n" "u dave 10004 0 d\n"
	    "g staff 10001 s\n" "g ops 10002 o\n" "g empty 10003 e\n"
	    "g devs 10005 v\n"), 0);
}

static void
render(const char *text, const struct pwedit *e, struct buf *out)
{
	struct pwfile f;

	pwfile_parse(&f, "t", text, strlen(text));
	pwfile_render(&f, e, out);
	buf_cstr(out);
	pwfile_free(&f);
}

/* A second change set, on the first's result: renames, drops, strips. */
static void
edits_again(struct pwedit e[3], struct state *next)
{
	for (int i = 0; i < 3; i++)
		pwedit_init(&e[i]);
	e[2].strip_fields[0] = 3;
	pwedit_replace(&e[0], "dave", "erin:x:10004:10001:Erin:/home/erin:/bin/sh");
	pwedit_replace(&e[0], "bob", "bob:x:10002:10001:Bob B.:/home/bob:/bin/sh");
	pwedit_replace(&e[0], "alice", NULL);
	pwedit_append(&e[0], "fay:x:10006:10001:Fay:/home/fay:/bin/sh");
	pwedit_replace(&e[1], "dave", "erin:!:19000::::::");
	pwedit_replace(&e[1], "alice", NULL);
	pwedit_append(&e[1], "fay:*:::::::");
	pwedit_strip(&e[2], "alice");
	pwedit_replace(&e[2], "empty", "empty:x:10003:erin,fay");
	state_init(next);
	assert_int_equal(state_parse(next, "next", "ldapsync-state 1\n"
	    "u bob 10002 1 b\n" "u erin 10004 0 d\n" "u fay 10006 0 f\n"
	    "g staff 10001 s\n" "g ops 10002 o\n" "g empty 10003 e\n"
	    "g devs 10005 v\n"), 0);
}

static void
free_edits(struct pwedit e[3], struct state *next)
{
	for (int i = 0; i < 3; i++)
		pwedit_free(&e[i]);
	state_free(next);
}

/*
 * Deltas made of the edits, installed over the current mirror, answer
 * as the mirror built from the edited files (text[3]: passwd, shadow,
 * group, rendered in place) does, enumeration order included.
 */
static void
edit_and_compare(char *const paths[4], struct pwedit e[3],
    struct state *next, struct buf text[3])
{
	struct mirror_edit me = { &e[0], &e[1], &e[2], next, false };
	struct buf m = { 0 }, s = { 0 }, edited = { 0 }, built = { 0 };

	assert_int_equal(mirror_edit((const char *const *)paths, &me, &m, &s),
	    0);
	assert_true(m.len > 0 && s.len > 0);
	install("mirror.delta", m.p, m.len);
	install("mirror.shadow.delta", s.p, s.len);
	answers(&edited);
	for (int i = 0; i < 3; i++) {
		struct buf t = { 0 };

		render(buf_cstr(&text[i]), &e[i], &t);
		buf_free(&text[i]);
		text[i] = t;
	}
	buf_free(&m);
	buf_free(&s);
	mirror_build(next->v, next->n, &text[0], &text[2], &text[1], &m, &s);
	install_bases(&m, &s);
	answers(&built);
	assert_string_equal(buf_cstr(&edited), buf_cstr(&built));
	/* Back to the deltas, for the next change set to edit. */
	buf_free(&edited);
	buf_free(&built);
	buf_free(&m);
	buf_free(&s);
}

/*
 * Change sets written as deltas answer as a mirror built from the edited
 * files does, a second one edited on the first's deltas too; a delta
 * that would outgrow its limit asks for the mirror to be built anew.
 */
static void
test_edited(void **st)
{
	char *paths[4] = { path_of("mirror"), path_of("mirror.shadow"),
	    path_of("mirror.delta"), path_of("mirror.shadow.delta") };
	struct buf text[3] = { { 0 }, { 0 }, { 0 } }, m = { 0 }, s = { 0 };
	struct buf first[2] = { { 0 }, { 0 } }, got = { 0 }, base[2];
	struct pwedit e[3];
	struct state next;
	struct mirror_edit me = { &e[0], &e[1], &e[2], &next, false };
	struct passwd pwd;
	char nb[4096], gecos[2001], *line;
	int rounds = 0, err = 0;

	(void)st;
	buf_addstr(&text[0], passwd);
	buf_addstr(&text[1], shadow);
	buf_addstr(&text[2], group);
	memset(base, 0, sizeof(base));
	build(passwd, group, shadow, state, &base[0], &base[1]);
	install_bases(&base[0], &base[1]);
	edits(e, &next);
	assert_int_equal(mirror_edit((const char *const *)paths, &me,
	    &first[0], &first[1]), 0);
	edit_and_compare(paths, e, &next, text);
	answers(&got);
	assert_non_null(strstr(got.p, "pw alice 10001 10002 Alice L."));
	assert_non_null(strstr(got.p, "in dave 10005"));
	assert_null(strstr(got.p, "carol"));
	buf_free(&got);
	free_edits(e, &next);
	/* The second change set edits the first one's deltas. */
	install_bases(&base[0], &base[1]);
	install("mirror.delta", first[0].p, first[0].len);
	install("mirror.shadow.delta", first[1].p, first[1].len);
	edits_again(e, &next);
	edit_and_compare(paths, e, &next, text);
	answers(&got);
	assert_non_null(strstr(got.p, "ent pw erin Erin"));
	assert_non_null(strstr(got.p, "in fay 10003"));
	assert_null(strstr(got.p, "alice"));
	assert_null(strstr(got.p, "pw dave"));
	buf_free(&got);
	free_edits(e, &next);
	/* Lines added run after run: the delta outgrows its limit. */
	install_sample();
	state_init(&next);
	state_index(&next);
	memset(gecos, 'g', sizeof(gecos) - 1);
	gecos[sizeof(gecos) - 1] = '\0';
	for (;;) {
		pwedit_init(&e[0]);
		pwedit_init(&e[1]);
		pwedit_init(&e[2]);
		line = xasprintf("n%d:x:%d:1:%s:/home/n:/bin/sh", rounds,
		    20000 + rounds, gecos);
		pwedit_append(&e[0], line);
		free(line);
		err = mirror_edit((const char *const *)paths, &me, &m, &s);
		for (int i = 0; i < 3; i++)
			pwedit_free(&e[i]);
		if (err != 0)
			break;
		assert_int_equal(s.len, 0);
		install("mirror.delta", m.p, m.len);
		buf_free(&m);
		assert_true(++rounds < 100);
	}
	assert_true(rounds > 10);
	assert_int_equal(m_getpwnam("n3", &pwd, nb, sizeof(nb), &err),
	    NSS_STATUS_SUCCESS);
	state_free(&next);
	/* Both files written, edited or not (watch's runs from the base). */
	install_sample();
	edits(e, &next);
	for (int i = 0; i < 3; i++) {
		pwedit_free(&e[i]);
		pwedit_init(&e[i]);
	}
	me.both = true;
	assert_int_equal(mirror_edit((const char *const *)paths, &me, &m, &s),
	    0);
	assert_true(m.len > 0 && s.len > 0);
	install("mirror.delta", m.p, m.len);
	install("mirror.shadow.delta", s.p, s.len);
	assert_int_equal(m_getpwnam("carol", &pwd, nb, sizeof(nb), &err),
	    NSS_STATUS_SUCCESS);
	free_edits(e, &next);
	for (int i = 0; i < 4; i++)
		free(paths[i]);
	for (int i = 0; i < 3; i++)
		buf_free(&text[i]);
	buf_free(&m);
	buf_free(&s);
	for (int i = 0; i < 2; i++) {
		buf_free(&first[i]);
		buf_free(&base[i]);
	}
	install_sample();
}

static void
test_enumeration(void **st)
{
	static const char *const users[] = { "alice", "bob", "carol" };
	static const char *const groups[] = { "staff", "ops", "empty" };
	struct passwd pw;
	struct group gr;
	struct spwd sp;
	char buf[1024];
	int err = 0, n;

	(void)st;
	for (int round = 0; round < 2; round++) {
		m_setpwent(0);
		for (n = 0; m_getpwent(&pw, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS; n++)
			assert_string_equal(pw.pw_name, users[n]);
		assert_int_equal(n, 3);
		m_endpwent();
	}
	/* A short buffer does not skip the entry. */
	m_setpwent(0);
	assert_int_equal(m_getpwent(&pw, buf, 4, &err), NSS_STATUS_TRYAGAIN);
	assert_int_equal(m_getpwent(&pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(pw.pw_name, "alice");
	m_endpwent();
	m_setgrent(0);
	for (n = 0; m_getgrent(&gr, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS; n++)
		assert_string_equal(gr.gr_name, groups[n]);
	assert_int_equal(n, 3);
	m_endgrent();
	m_setspent(0);
	for (n = 0; m_getspent(&sp, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS; n++)
		assert_string_equal(sp.sp_namp, users[n]);
	assert_int_equal(n, 3);
	m_endspent();
}

static void
test_initgroups(void **st)
{
	long start = 1, size = 1;
	gid_t *gids = xmalloc(sizeof(gid_t));
	int err = 0;

	(void)st;
	gids[0] = 10001;	/* the primary group, already there */
	assert_int_equal(m_initgroups("alice", 10001, &start, &size, &gids, 0, &err), NSS_STATUS_SUCCESS);
	assert_int_equal(start, 2);
	assert_int_equal(gids[1], 10002);
	assert_int_equal(m_initgroups("local", 1000, &start, &size, &gids, 0, &err), NSS_STATUS_SUCCESS);
	assert_int_equal(start, 2);	/* 10001 was there already */
	start = 0;
	assert_int_equal(m_initgroups("nobody", 1, &start, &size, &gids, 0, &err), NSS_STATUS_NOTFOUND);
	assert_int_equal(start, 0);
	/* limit: no more than the caller allows */
	start = 0;
	assert_int_equal(m_initgroups("alice", 0, &start, &size, &gids, 1, &err), NSS_STATUS_SUCCESS);
	assert_int_equal(start, 1);
	free(gids);
}

/*
 * Memberships of names that share their first 8 bytes or more, end within
 * them, or hold bytes above 0x7f, over gids from below to above 65536:
 * the table is in (name, gid) order, and each user's groups are found.
 */
static void
test_memberships_sorted(void **st)
{
	static const char *const names[] = { "longname_b", "longname_a",
	    "longname", "longnam", "\xc3\xa9t\xc3\xa9", "a", "longname_ab",
	    "zz" };
	static const unsigned gids[] = { 70000, 10001, 65535, 65536, 131073,
	    10002 };
	const size_t nn = sizeof(names) / sizeof(names[0]);
	struct buf pw = { 0 }, gr = { 0 }, sh = { 0 }, stt = { 0 }, m = { 0 },
	    s = { 0 };
	const struct mirror_header *h;
	const struct mirror_membership *ms;

	(void)st;
	buf_addstr(&stt, "ldapsync-state 1\n");
	for (size_t i = 0; i < nn; i++) {
		buf_printf(&pw, "%s:x:%zu:10001::/:/bin/sh\n", names[i], 20000 + i);
		buf_printf(&sh, "%s:*:::::::\n", names[i]);
		buf_printf(&stt, "u %s %zu 0 u%zu\n", names[i], 20000 + i, i);
	}
	/* Group g (in reverse) lists the names whose index and g are not both odd. */
	for (size_t g = sizeof(gids) / sizeof(gids[0]); g-- > 0;) {
		buf_printf(&gr, "g%u:x:%u:", gids[g], gids[g]);
		for (size_t i = nn, first = 1; i-- > 0;)
			if (!(i % 2 && g % 2)) {
				buf_printf(&gr, "%s%s", first ? "" : ",", names[i]);
				first = 0;
			}
		buf_addc(&gr, '\n');
		buf_printf(&stt, "g g%u %u g%u\n", gids[g], gids[g], gids[g]);
	}
	build(buf_cstr(&pw), buf_cstr(&gr), buf_cstr(&sh), buf_cstr(&stt), &m, &s);
	h = (const void *)m.p;
	ms = (const void *)(m.p + h->memberships.off);
	assert_true(h->memberships.count > nn);
	for (uint32_t i = 1; i < h->memberships.count; i++) {
		const char *a = m.p + h->strings.off + ms[i - 1].name;
		const char *b = m.p + h->strings.off + ms[i].name;
		int c = strcmp(a, b);

		if (c > 0 || (c == 0 && ms[i - 1].gid >= ms[i].gid))
			fail_msg("memberships %u and %u out of order: %s %u, %s %u",
			    i - 1, i, a, ms[i - 1].gid, b, ms[i].gid);
	}
	install_bases(&m, &s);
	for (size_t i = 0; i < nn; i++) {
		long start = 0, size = 0;
		gid_t *got = NULL;
		int err = 0;
		size_t want = 0;

		for (size_t g = 0; g < sizeof(gids) / sizeof(gids[0]); g++)
			want += !(i % 2 && g % 2);
		assert_int_equal(m_initgroups(names[i], 1, &start, &size, &got,
		    0, &err), NSS_STATUS_SUCCESS);
		assert_int_equal((size_t)start, want);
		free(got);
	}
	install_sample();
	buf_free(&pw);
	buf_free(&gr);
	buf_free(&sh);
	buf_free(&stt);
	buf_free(&m);
	buf_free(&s);
}

/* Every corruption is UNAVAIL, never a crash, and a good mirror heals. */
static void
expect_unavail(const void *data, size_t len, const char *what)
{
	struct passwd pw;
	struct group gr;
	char buf[1024];
	int err = 0;
	long start = 0, size = 0;
	gid_t *gids = NULL;

	install("mirror", data, len);
	if (m_getpwnam("alice", &pw, buf, sizeof(buf), &err) != NSS_STATUS_UNAVAIL ||
	    m_getgrgid(10001, &gr, buf, sizeof(buf), &err) != NSS_STATUS_UNAVAIL ||
	    m_initgroups("alice", 0, &start, &size, &gids, 0, &err) != NSS_STATUS_UNAVAIL)
		fail_msg("not UNAVAIL: %s", what);
	free(gids);
}

static void
test_corrupt(void **st)
{
	struct buf m = { 0 }, s = { 0 };
	struct passwd pw;
	char buf[1024], what[64];
	int err = 0;
	unsigned seed = 1;

	(void)st;
	build(passwd, group, shadow, state, &m, &s);
	for (size_t cut = 0; cut < m.len; cut++) {
		snprintf(what, sizeof(what), "truncated at %zu", cut);
		expect_unavail(m.p, cut, what);
	}
	for (int i = 0; i < 200; i++) {
		char *junk = xmalloc(m.len);

		for (size_t j = 0; j < m.len; j++)
			junk[j] = (char)rand_r(&seed);
		if (i % 2)	/* keep the header right, garble the rest */
			memcpy(junk, m.p, sizeof(struct mirror_header));
		expect_unavail(junk, m.len, "random bytes");
		free(junk);
	}
	m.p[8]++;	/* version */
	expect_unavail(m.p, m.len, "wrong version");
	m.p[8]--;
	m.p[0] ^= 1;	/* magic */
	expect_unavail(m.p, m.len, "wrong magic");
	m.p[0] ^= 1;
	install("mirror.shadow", m.p, m.len);	/* the wrong kind */
	assert_int_equal(m_getspnam("alice", (struct spwd *)buf, buf + 100, 900, &err), NSS_STATUS_UNAVAIL);
	install("mirror", m.p, m.len);
	assert_int_equal(m_getpwnam("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	install("mirror.shadow", s.p, s.len);
	buf_free(&m);
	buf_free(&s);
}

/*
 * Every bit of the id indexes flipped in turn: a lookup answers the id it
 * was asked for, or nothing, never another account.
 */
static void
test_index_verified(void **st)
{
	struct buf m = { 0 }, s = { 0 };
	struct passwd pw;
	struct group gr;
	char buf[1024];
	int err = 0;

	(void)st;
	build(passwd, group, shadow, state, &m, &s);
	for (int t = 0; t < 2; t++) {
		const struct mirror_header *h = (const void *)m.p;
		const struct mirror_table *ids = t ? &h->group_ids : &h->user_ids;
		size_t off = ids->off, len = ids->count * sizeof(struct mirror_id);

		for (size_t bit = 0; bit < len * 8; bit++) {
			m.p[off + bit / 8] ^= (char)(1 << (bit % 8));
			install("mirror", m.p, m.len);
			for (uint32_t id = 10000; id <= 10004; id++) {
				if (m_getpwuid(id, &pw, buf, sizeof(buf), &err) ==
				    NSS_STATUS_SUCCESS && pw.pw_uid != id)
					fail_msg("getpwuid(%u) gave uid %u", id,
					    (unsigned)pw.pw_uid);
				if (m_getgrgid(id, &gr, buf, sizeof(buf), &err) ==
				    NSS_STATUS_SUCCESS && gr.gr_gid != id)
					fail_msg("getgrgid(%u) gave gid %u", id,
					    (unsigned)gr.gr_gid);
			}
			m.p[off + bit / 8] ^= (char)(1 << (bit % 8));
		}
	}
	install("mirror", m.p, m.len);
	assert_int_equal(m_getpwuid(10002, &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_string_equal(pw.pw_name, "bob");
	buf_free(&m);
	buf_free(&s);
}

/* --- replacement under load ------------------------------------------- */

static atomic_int stop, errors;
static atomic_long lookups;

static void *
reader(void *arg)
{
	struct passwd pw;
	struct group gr;
	char buf[1024];
	int err;

	(void)arg;
	while (!atomic_load(&stop)) {
		enum nss_status s1 = m_getpwnam("alice", &pw, buf, sizeof(buf), &err);
		/* Two generations: alice has uid 10001 or 20001, never else. */
		if (s1 != NSS_STATUS_SUCCESS ||
		    (pw.pw_uid != 10001 && pw.pw_uid != 20001))
			atomic_fetch_add(&errors, 1);
		if (m_getgrgid(10001, &gr, buf, sizeof(buf), &err) != NSS_STATUS_SUCCESS)
			atomic_fetch_add(&errors, 1);
		atomic_fetch_add(&lookups, 1);
	}
	return NULL;
}

static void
test_replaced_under_load(void **st)
{
	struct buf a = { 0 }, b = { 0 }, s = { 0 };
	pthread_t t[8];
	char *pw2 = xstrdup(passwd);
	struct passwd pw;
	char buf[1024];
	int err;

	(void)st;
	memcpy(strstr(pw2, "alice:x:10001") + 8, "2", 1);	/* uid 20001 */
	build(passwd, group, shadow, state, &a, &s);
	buf_free(&s);
	build(pw2, group, shadow, state, &b, &s);
	install("mirror", a.p, a.len);
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, reader, NULL);
	for (int i = 0; i < 400; i++)
		install("mirror", i % 2 ? a.p : b.p, i % 2 ? a.len : b.len);
	atomic_store(&stop, 1);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&errors), 0);
	assert_true(atomic_load(&lookups) > 1000);
	/* The last one installed (i = 399: a) is what is served now. */
	assert_int_equal(m_getpwnam("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_int_equal(pw.pw_uid, 10001);
	install("mirror", b.p, b.len);
	assert_int_equal(m_getpwnam("alice", &pw, buf, sizeof(buf), &err), NSS_STATUS_SUCCESS);
	assert_int_equal(pw.pw_uid, 20001);
	buf_free(&a);
	buf_free(&b);
	buf_free(&s);
	free(pw2);
}

/* --- a delta folded into its base under load --------------------------- */

/* Odd while the writer goes back, which no run does: answers then count not. */
static atomic_int going_back;

/* carol renamed xena, by a delta or in a base: never both, never neither. */
static void *
folding_reader(void *arg)
{
	struct passwd pw;
	char buf[1024];
	int err;

	(void)arg;
	while (!atomic_load(&stop)) {
		int before = atomic_load(&going_back);
		bool bad = m_getpwnam("xena", &pw, buf, sizeof(buf), &err) !=
		    NSS_STATUS_SUCCESS || pw.pw_uid != 10003 ||
		    m_getpwnam("carol", &pw, buf, sizeof(buf), &err) !=
		    NSS_STATUS_NOTFOUND ||
		    m_getpwuid(10003, &pw, buf, sizeof(buf), &err) !=
		    NSS_STATUS_SUCCESS || strcmp(pw.pw_name, "xena") != 0;

		if (before % 2 != 0 || atomic_load(&going_back) != before)
			continue;
		if (bad)
			atomic_fetch_add(&errors, 1);
		atomic_fetch_add(&lookups, 1);
	}
	return NULL;
}

/*
 * A base with a delta replaced, as a run that builds the mirror anew
 * does, by a base holding the delta's change and an empty delta: readers
 * see the one or the other, never the new base with the old delta or
 * the old base without it.  Going back (a base without the change under
 * its delta) is no run's doing: readers wait it out.
 */
static void
test_compacted_under_load(void **st)
{
	char *paths[4] = { path_of("mirror"), path_of("mirror.shadow"),
	    path_of("mirror.delta"), path_of("mirror.shadow.delta") };
	struct buf old[2] = { { 0 }, { 0 } }, delta = { 0 }, none = { 0 };
	struct buf folded[2] = { { 0 }, { 0 } }, empty = { 0 };
	char *pw2 = xstrdup(passwd), *sh2 = xstrdup(shadow);
	const char *xena = "xena:x:10003:10001::/home/carol:/bin/sh";
	struct pwedit e[3];
	struct state next;
	struct mirror_edit me = { &e[0], &e[1], &e[2], &next, false };
	pthread_t t[4];

	(void)st;
	memcpy(strstr(pw2, "carol:"), "xena:", 5);	/* "xena::x..." */
	memmove(strstr(pw2, "xena:") + 4, strstr(pw2, "xena:") + 5,
	    strlen(strstr(pw2, "xena:") + 5) + 1);
	build(passwd, group, shadow, state, &old[0], &old[1]);
	install_bases(&old[0], &old[1]);
	for (int i = 0; i < 3; i++)
		pwedit_init(&e[i]);
	pwedit_replace(&e[0], "carol", xena);
	state_init(&next);
	state_index(&next);
	assert_int_equal(mirror_edit((const char *const *)paths, &me, &delta,
	    &none), 0);
	assert_non_null(strstr(pw2, xena));
	build(pw2, group, sh2, "ldapsync-state 1\n"
	    "u alice 10001 0 a\n" "u bob 10002 1 b\n" "u xena 10003 0 c\n"
	    "g staff 10001 s\n" "g ops 10002 o\n" "g empty 10003 e\n",
	    &folded[0], &folded[1]);
	mirror_empty_delta(&folded[0], &empty);
	install("mirror.delta", delta.p, delta.len);
	atomic_store(&stop, 0);
	atomic_store(&errors, 0);
	atomic_store(&lookups, 0);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, folding_reader, NULL);
	for (int i = 0; i < 200; i++) {
		install("mirror", folded[0].p, folded[0].len);
		install("mirror.delta", empty.p, empty.len);
		atomic_fetch_add(&going_back, 1);
		install("mirror", old[0].p, old[0].len);
		install("mirror.delta", delta.p, delta.len);
		atomic_fetch_add(&going_back, 1);
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&errors), 0);
	assert_true(atomic_load(&lookups) > 100);
	for (int i = 0; i < 3; i++)
		pwedit_free(&e[i]);
	state_free(&next);
	for (int i = 0; i < 4; i++)
		free(paths[i]);
	for (int i = 0; i < 2; i++) {
		buf_free(&old[i]);
		buf_free(&folded[i]);
	}
	buf_free(&delta);
	buf_free(&none);
	buf_free(&empty);
	free(pw2);
	free(sh2);
	install_sample();
}

/* --- a delta's first check, by threads at once ------------------------ */

#define MANY	8000	/* users in the base */
#define EDITED	800	/* of them replaced by the delta: within an eighth */

static pthread_barrier_t round_start, round_end;

/* Each round: one lookup, at once with the other thread, in a new delta. */
static void *
first_reader(void *arg)
{
	struct passwd pw;
	char buf[1024];
	int err;

	(void)arg;
	for (;;) {
		pthread_barrier_wait(&round_start);
		if (atomic_load(&stop))
			return NULL;
		if (m_getpwnam("u17", &pw, buf, sizeof(buf), &err) !=
		    NSS_STATUS_SUCCESS || strcmp(pw.pw_shell, "/bin/zsh") != 0)
			atomic_fetch_add(&errors, 1);
		pthread_barrier_wait(&round_end);
	}
}

/* MANY users, and their state. */
static void
many_users(struct buf *pw, struct buf *st)
{
	buf_printf(st, "ldapsync-state 1\n");
	for (int i = 0; i < MANY; i++) {
		buf_printf(pw, "u%d:x:%d:100::/home/u%d:/bin/sh\n", i,
		    20000 + i, i);
		buf_printf(st, "u u%d %d 0 id%d\n", i, 20000 + i, i);
	}
}

/*
 * Two threads that map a new delta at once both check its users, and
 * each counts the records that replace: one must not reset the other's
 * count midway (which failed the check, and every lookup in that delta).
 */
static void
test_delta_checked_at_once(void **st)
{
	char *paths[4] = { path_of("mirror"), path_of("mirror.shadow"),
	    path_of("mirror.delta"), path_of("mirror.shadow.delta") };
	struct buf pw = { 0 }, sts = { 0 }, base[2] = { { 0 }, { 0 } };
	struct buf delta = { 0 }, none = { 0 };
	struct pwedit e[3];
	struct state next;
	struct mirror_edit me = { &e[0], &e[1], &e[2], &next, false };
	pthread_t t[2];

	(void)st;
	many_users(&pw, &sts);
	build(pw.p, "", "", sts.p, &base[0], &base[1]);
	install_bases(&base[0], &base[1]);
	for (int i = 0; i < 3; i++)
		pwedit_init(&e[i]);
	for (int i = 0; i < EDITED; i++) {
		char *name = xasprintf("u%d", i);
		char *line = xasprintf("u%d:x:%d:100::/home/u%d:/bin/zsh", i,
		    20000 + i, i);

		pwedit_replace(&e[0], name, line);
		free(name);
		free(line);
	}
	state_init(&next);
	state_index(&next);
	assert_int_equal(mirror_edit((const char *const *)paths, &me, &delta,
	    &none), 0);
	atomic_store(&stop, 0);
	atomic_store(&errors, 0);
	pthread_barrier_init(&round_start, NULL, 3);
	pthread_barrier_init(&round_end, NULL, 3);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, first_reader, NULL);
	for (int i = 0; i < 300; i++) {
		struct group gr;
		char buf[256];
		int err;

		install("mirror.delta", delta.p, delta.len);
		/* Mapped, its groups checked: its users are left to both. */
		assert_int_equal(m_getgrgid(100, &gr, buf, sizeof(buf), &err),
		    NSS_STATUS_NOTFOUND);
		pthread_barrier_wait(&round_start);
		pthread_barrier_wait(&round_end);
	}
	atomic_store(&stop, 1);
	pthread_barrier_wait(&round_start);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&round_start);
	pthread_barrier_destroy(&round_end);
	assert_int_equal(atomic_load(&errors), 0);
	for (int i = 0; i < 3; i++)
		pwedit_free(&e[i]);
	state_free(&next);
	for (int i = 0; i < 4; i++)
		free(paths[i]);
	buf_free(&pw);
	buf_free(&sts);
	buf_free(&base[0]);
	buf_free(&base[1]);
	buf_free(&delta);
	buf_free(&none);
	install_sample();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_passwd),
		cmocka_unit_test(test_erange),
		cmocka_unit_test(test_group),
		cmocka_unit_test(test_shadow),
		cmocka_unit_test(test_edited),
		cmocka_unit_test(test_enumeration),
		cmocka_unit_test(test_initgroups),
		cmocka_unit_test(test_memberships_sorted),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_index_verified),
		cmocka_unit_test(test_replaced_under_load),
		cmocka_unit_test(test_compacted_under_load),
		cmocka_unit_test(test_delta_checked_at_once),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
