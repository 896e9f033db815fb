/*
 * nssdump MODULE passwd|group|shadow: every entry the NSS module
 * enumerates, one line each in the files' own format, read straight
 * through dlopen (the shadow map too, which libnss_wrapper does not
 * serve).  nssdump MODULE lookups: each user and group enumerated,
 * looked up by name and by id, with the user's groups (initgroups) and
 * shadow entry: what the mirror's indexes answer.  The mirror comes from
 * LDAPSYNC_MIRROR_DIR.
 */
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum nss_status ent_fn(void *, char *, size_t, int *);
typedef enum nss_status set_fn(int);

static char buf[1 << 20];

static void
num(long v)
{
	if (v >= 0)
		printf("%ld", v);
}

static void
print(const char *map, const void *e)
{
	const struct passwd *pw = e;
	const struct group *gr = e;
	const struct spwd *sp = e;

	if (strcmp(map, "passwd") == 0) {
		printf("%s:%s:%u:%u:%s:%s:%s\n", pw->pw_name, pw->pw_passwd,
		    pw->pw_uid, pw->pw_gid, pw->pw_gecos, pw->pw_dir,
		    pw->pw_shell);
	} else if (strcmp(map, "group") == 0) {
		printf("%s:%s:%u:", gr->gr_name, gr->gr_passwd, gr->gr_gid);
		for (char **m = gr->gr_mem; *m != NULL; m++)
			printf("%s%s", m == gr->gr_mem ? "" : ",", *m);
		putchar('\n');
	} else {
		printf("%s:%s:", sp->sp_namp, sp->sp_pwdp);
		num(sp->sp_lstchg); putchar(':'); num(sp->sp_min); putchar(':');
		num(sp->sp_max); putchar(':'); num(sp->sp_warn); putchar(':');
		num(sp->sp_inact); putchar(':'); num(sp->sp_expire);
		printf(":\n");
	}
}

typedef enum nss_status byname_fn(const char *, void *, char *, size_t, int *);
typedef enum nss_status byid_fn(unsigned, void *, char *, size_t, int *);
typedef enum nss_status initgroups_fn(const char *, gid_t, long *, long *,
    gid_t **, long, int *);

static void *
sym(void *h, const char *name)
{
	char full[64];
	void *f;

	snprintf(full, sizeof(full), "_nss_ldapsync_%s", name);
	if ((f = dlsym(h, full)) == NULL) {
		fprintf(stderr, "nssdump: no %s\n", full);
		exit(2);
	}
	return f;
}

static int
cmp_gid(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

/* One user: by name, by uid, her groups, her shadow entry. */
static void
look_up_user(void *h, const char *name, unsigned uid)
{
	static char b2[1 << 16];
	struct passwd pw;
	struct spwd sp;
	long start = 0, size = 8;
	gid_t *gids = calloc((size_t)size, sizeof(*gids));
	int err;

	printf("pwnam %s:", name);
	if (((byname_fn *)sym(h, "getpwnam_r"))(name, &pw, b2, sizeof(b2),
	    &err) == NSS_STATUS_SUCCESS)
		printf(" %u", pw.pw_uid);
	printf("\npwuid %u:", uid);
	if (((byid_fn *)sym(h, "getpwuid_r"))(uid, &pw, b2, sizeof(b2),
	    &err) == NSS_STATUS_SUCCESS)
		printf(" %s", pw.pw_name);
	printf("\ngroups %s:", name);
	((initgroups_fn *)sym(h, "initgroups_dyn"))(name, (gid_t)-1, &start,
	    &size, &gids, 1 << 16, &err);
	qsort(gids, (size_t)start, sizeof(*gids), cmp_gid);
	for (long i = 0; i < start; i++)
		printf(" %u", (unsigned)gids[i]);
	printf("\nspnam %s: %s\n", name, ((byname_fn *)sym(h, "getspnam_r"))(
	    name, &sp, b2, sizeof(b2), &err) == NSS_STATUS_SUCCESS ?
	    sp.sp_pwdp : "-");
	free(gids);
}

static void
look_up_group(void *h, const char *name, unsigned gid)
{
	static char b2[1 << 16];
	struct group gr;
	int err;

	printf("grnam %s:", name);
	if (((byname_fn *)sym(h, "getgrnam_r"))(name, &gr, b2, sizeof(b2),
	    &err) == NSS_STATUS_SUCCESS)
		printf(" %u", gr.gr_gid);
	printf("\ngrgid %u:", gid);
	if (((byid_fn *)sym(h, "getgrgid_r"))(gid, &gr, b2, sizeof(b2),
	    &err) == NSS_STATUS_SUCCESS)
		printf(" %s", gr.gr_name);
	putchar('\n');
}

static int
lookups(void *h)
{
	union { struct passwd pw; struct group gr; } e;
	int err;

	((set_fn *)sym(h, "setpwent"))(0);
	while (((ent_fn *)sym(h, "getpwent_r"))(&e, buf, sizeof(buf), &err) ==
	    NSS_STATUS_SUCCESS)
		look_up_user(h, e.pw.pw_name, e.pw.pw_uid);
	((set_fn *)sym(h, "setgrent"))(0);
	while (((ent_fn *)sym(h, "getgrent_r"))(&e, buf, sizeof(buf), &err) ==
	    NSS_STATUS_SUCCESS)
		look_up_group(h, e.gr.gr_name, e.gr.gr_gid);
	return 0;
}

int
main(int argc, char **argv)
{
	union { struct passwd pw; struct group gr; struct spwd sp; } e;
	char sym[64];
	void *h;
	set_fn *set;
	ent_fn *get;
	int err;
	enum nss_status st;

	if (argc != 3 || (h = dlopen(argv[1], RTLD_NOW)) == NULL) {
		fprintf(stderr, "usage: nssdump MODULE "
		    "passwd|group|shadow|lookups\n");
		return 2;
	}
	if (strcmp(argv[2], "lookups") == 0)
		return lookups(h);
	const char *k = strcmp(argv[2], "passwd") == 0 ? "pw" :
	    strcmp(argv[2], "group") == 0 ? "gr" : "sp";
	snprintf(sym, sizeof(sym), "_nss_ldapsync_set%sent", k);
	set = (set_fn *)dlsym(h, sym);
	snprintf(sym, sizeof(sym), "_nss_ldapsync_get%sent_r", k);
	get = (ent_fn *)dlsym(h, sym);
	if (set == NULL || get == NULL)
		return 2;
	set(0);
	while ((st = get(&e, buf, sizeof(buf), &err)) == NSS_STATUS_SUCCESS)
		print(argv[2], &e);
	/* The end of the map is NOTFOUND; UNAVAIL is no usable mirror. */
	return st == NSS_STATUS_NOTFOUND ? 0 : st == NSS_STATUS_UNAVAIL ? 3 : 1;
}
