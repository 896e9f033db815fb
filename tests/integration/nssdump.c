/*
 * nssdump MODULE passwd|group|shadow: every entry the NSS module
 * enumerates, one line each in the files' own format, read straight
 * through dlopen (the shadow map too, which libnss_wrapper does not
 * serve).  The mirror comes from LDAPSYNC_MIRROR_DIR.
 */
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
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
		fprintf(stderr, "usage: nssdump MODULE passwd|group|shadow\n");
		return 2;
	}
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
