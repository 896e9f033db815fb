/*
 * nss-lookup USERS GROUPS COUNT: times COUNT calls each of getpwnam_r,
 * getpwuid_r, getgrnam_r, getgrgid_r (half existing keys, half missing,
 * at random) and getgrouplist through libc, in one warm process, and
 * prints the median of each in nanoseconds.  Which module answers is up
 * to nsswitch.conf: nss-bench.sh runs it once per module.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long nusers, ngroups;
static char buf[4 << 20];	/* libnss-cache wants 1 MiB for getgrgid */

static long
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static int
cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* Key i: existing for even draws, missing (beyond the range) for odd. */
static long
key(long n, unsigned *seed)
{
	long k = rand_r(seed) % n + 1;

	return rand_r(seed) % 2 ? k : n + k;
}

static long
one(int kind, long k)
{
	struct passwd pw, *pwr;
	struct group gr, *grr;
	gid_t groups[256];
	int ngr = 256;
	char name[32];
	long t0 = now();

	switch (kind) {
	case 0:
		snprintf(name, sizeof(name), "u%ld", k);
		getpwnam_r(name, &pw, buf, sizeof(buf), &pwr);
		break;
	case 1:
		getpwuid_r((uid_t)(100000 + k), &pw, buf, sizeof(buf), &pwr);
		break;
	case 2:
		snprintf(name, sizeof(name), "g%ld", k);
		getgrnam_r(name, &gr, buf, sizeof(buf), &grr);
		break;
	case 3:
		getgrgid_r((gid_t)(100000 + k), &gr, buf, sizeof(buf), &grr);
		break;
	case 4:
		snprintf(name, sizeof(name), "u%ld", k);
		getgrouplist(name, 100001, groups, &ngr);
		break;
	}
	return now() - t0;
}

int
main(int argc, char **argv)
{
	static const char *const names[] = { "getpwnam", "getpwuid",
	    "getgrnam", "getgrgid", "initgroups" };
	long count, *t;
	unsigned seed = 7;

	if (argc != 4)
		return 2;
	nusers = atol(argv[1]);
	ngroups = atol(argv[2]);
	count = atol(argv[3]);
	t = calloc((size_t)count, sizeof(*t));
	{
		gid_t g[64];
		int ng = 64;

		/* Check that the module answers at all before timing it. */
		if (getgrouplist("u1", 100001, g, &ng) < 0 || ng != 20) {
			fprintf(stderr, "getgrouplist(u1) gave %d groups, not 20\n", ng);
			return 1;
		}
	}
	for (int kind = 0; kind < 5; kind++) {
		long n = kind == 2 || kind == 3 ? ngroups : nusers;

		for (int i = 0; i < 3; i++)	/* warm up */
			one(kind, key(n, &seed));
		for (long i = 0; i < count; i++)
			/* initgroups of u1, who is in 20 groups (gen-files.sh) */
			t[i] = one(kind, kind == 4 ? 1 : key(n, &seed));
		qsort(t, (size_t)count, sizeof(*t), cmp);
		printf("%s %ld\n", names[kind], t[count / 2]);
	}
	free(t);
	return 0;
}
