/*
 * libnss_ldapsync.so.2: passwd, group, shadow and initgroups lookups
 * answered from the mirror ldapsync writes (see reader.h), following
 * glibc's conventions: TRYAGAIN with ERANGE when the caller's buffer is
 * too small, NOTFOUND when absent, UNAVAIL when the mirror is missing or
 * corrupt.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pthread.h>
#include <pwd.h>
#include <shadow.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

#define EXPORT	__attribute__((visibility("default")))

/* Copies strings into the caller's buffer. */
struct space {
	char	*p;
	size_t	 left;
};

static char *
put(struct space *sp, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = sp->p;

	if (n > sp->left)
		return NULL;
	memcpy(d, s, n);
	sp->p += n;
	sp->left -= n;
	return d;
}

static enum nss_status
erange(int *errnop)
{
	*errnop = ERANGE;
	return NSS_STATUS_TRYAGAIN;
}

/* --- passwd ----------------------------------------------------------- */

static enum nss_status
fill_pw(const struct mapping *m, const struct mirror_user *u,
    struct passwd *pw, char *buf, size_t len, int *errnop)
{
	struct space sp = { buf, len };

	pw->pw_uid = u->uid;
	pw->pw_gid = u->gid;
	if ((pw->pw_name = put(&sp, reader_str(m, u->name))) == NULL ||
	    (pw->pw_passwd = put(&sp, reader_str(m, u->passwd))) == NULL ||
	    (pw->pw_gecos = put(&sp, reader_str(m, u->gecos))) == NULL ||
	    (pw->pw_dir = put(&sp, reader_str(m, u->dir))) == NULL ||
	    (pw->pw_shell = put(&sp, reader_str(m, u->shell))) == NULL)
		return erange(errnop);
	return NSS_STATUS_SUCCESS;
}

/* Finishes a lookup: fills the result or says why not, and lets go. */
static enum nss_status
answer_pw(struct mapping *m, const struct mirror_user *u, struct passwd *pw,
    char *buf, size_t len, int *errnop)
{
	enum nss_status st = u ? fill_pw(m, u, pw, buf, len, errnop) :
	    NSS_STATUS_NOTFOUND;

	reader_release(m);
	return st;
}

EXPORT enum nss_status
_nss_ldapsync_getpwnam_r(const char *name, struct passwd *pw, char *buf,
    size_t len, int *errnop)
{
	struct mapping *m = reader_acquire(SEC_USERS);

	if (m == NULL)
		return NSS_STATUS_UNAVAIL;
	return answer_pw(m, reader_user_by_name(m, name), pw, buf, len, errnop);
}

EXPORT enum nss_status
_nss_ldapsync_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
    int *errnop)
{
	struct mapping *m = reader_acquire(SEC_USERS);

	if (m == NULL)
		return NSS_STATUS_UNAVAIL;
	return answer_pw(m, reader_user_by_id(m, uid), pw, buf, len, errnop);
}

/* --- group ------------------------------------------------------------ */

static enum nss_status
fill_gr(const struct mapping *m, const struct mirror_group *g,
    struct group *gr, char *buf, size_t len, int *errnop)
{
	uintptr_t align = (uintptr_t)buf % sizeof(char *);
	size_t skip = align ? sizeof(char *) - align : 0;
	size_t vec = ((size_t)g->nmembers + 1) * sizeof(char *);
	const uint32_t *members = reader_members(m) + g->first_member;
	struct space sp;

	if (len < skip + vec)
		return erange(errnop);
	gr->gr_mem = (char **)(void *)(buf + skip);
	sp = (struct space){ buf + skip + vec, len - skip - vec };
	gr->gr_gid = g->gid;
	if ((gr->gr_name = put(&sp, reader_str(m, g->name))) == NULL ||
	    (gr->gr_passwd = put(&sp, reader_str(m, g->passwd))) == NULL)
		return erange(errnop);
	for (uint32_t i = 0; i < g->nmembers; i++)
		if ((gr->gr_mem[i] = put(&sp, reader_str(m, members[i]))) == NULL)
			return erange(errnop);
	gr->gr_mem[g->nmembers] = NULL;
	return NSS_STATUS_SUCCESS;
}

static enum nss_status
answer_gr(struct mapping *m, const struct mirror_group *g, struct group *gr,
    char *buf, size_t len, int *errnop)
{
	enum nss_status st = g ? fill_gr(m, g, gr, buf, len, errnop) :
	    NSS_STATUS_NOTFOUND;

	reader_release(m);
	return st;
}

EXPORT enum nss_status
_nss_ldapsync_getgrnam_r(const char *name, struct group *gr, char *buf,
    size_t len, int *errnop)
{
	struct mapping *m = reader_acquire(SEC_GROUPS);

	if (m == NULL)
		return NSS_STATUS_UNAVAIL;
	return answer_gr(m, reader_group_by_name(m, name), gr, buf, len,
	    errnop);
}

EXPORT enum nss_status
_nss_ldapsync_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t len,
    int *errnop)
{
	struct mapping *m = reader_acquire(SEC_GROUPS);

	if (m == NULL)
		return NSS_STATUS_UNAVAIL;
	return answer_gr(m, reader_group_by_id(m, gid), gr, buf, len, errnop);
}

/* --- shadow ----------------------------------------------------------- */

static enum nss_status
fill_sp(const struct mapping *m, const struct mirror_shadow *s,
    struct spwd *sp, char *buf, size_t len, int *errnop)
{
	struct space spc = { buf, len };

	sp->sp_lstchg = (long)s->lastchg;
	sp->sp_min = (long)s->min;
	sp->sp_max = (long)s->max;
	sp->sp_warn = (long)s->warn;
	sp->sp_inact = (long)s->inact;
	sp->sp_expire = (long)s->expire;
	sp->sp_flag = ~0ul;
	if ((sp->sp_namp = put(&spc, reader_str(m, s->name))) == NULL ||
	    (sp->sp_pwdp = put(&spc, reader_str(m, s->passwd))) == NULL)
		return erange(errnop);
	return NSS_STATUS_SUCCESS;
}

EXPORT enum nss_status
_nss_ldapsync_getspnam_r(const char *name, struct spwd *sp, char *buf,
    size_t len, int *errnop)
{
	struct mapping *m = reader_acquire(SEC_SHADOW);
	const struct mirror_shadow *s;
	enum nss_status st;

	if (m == NULL)
		return NSS_STATUS_UNAVAIL;
	s = reader_shadow_by_name(m, name);
	st = s ? fill_sp(m, s, sp, buf, len, errnop) : NSS_STATUS_NOTFOUND;
	reader_release(m);
	return st;
}

/* --- initgroups ------------------------------------------------------- */

/* 0: added or present; 1: the caller's limit is reached; -1: no memory. */
static int
add_gid(gid_t gid, long *start, long *size, gid_t **groups, long limit)
{
	for (long i = 0; i < *start; i++)
		if ((*groups)[i] == gid)
			return 0;
	if (limit > 0 && *start >= limit)
		return 1;
	if (*start == *size) {
		long nsize = *size ? *size * 2 : 16;
		gid_t *ng;

		if (limit > 0 && nsize > limit)
			nsize = limit;
		if (nsize <= *size)
			return 1;
		if ((ng = realloc(*groups, (size_t)nsize * sizeof(gid_t))) == NULL)
			return -1;
		*groups = ng;
		*size = nsize;
	}
	(*groups)[(*start)++] = gid;
	return 0;
}

EXPORT enum nss_status
_nss_ldapsync_initgroups_dyn(const char *user, gid_t group, long *start,
    long *size, gid_t **groups, long limit, int *errnop)
{
	struct mapping *m = reader_acquire(SEC_MEMBERSHIPS);
	const struct mirror_membership *ms;
	enum nss_status st;
	uint32_t n;
	int rc = 0;

	if (m == NULL)
		return NSS_STATUS_UNAVAIL;
	ms = reader_memberships(m, user, &n);
	st = n > 0 ? NSS_STATUS_SUCCESS : NSS_STATUS_NOTFOUND;
	for (uint32_t i = 0; i < n && rc == 0; i++)
		if (ms[i].gid != group)
			rc = add_gid(ms[i].gid, start, size, groups, limit);
	if (rc == -1) {
		*errnop = ENOMEM;
		st = NSS_STATUS_TRYAGAIN;
	}
	reader_release(m);
	return st;
}

/* --- enumeration ------------------------------------------------------ */

/*
 * One position per database, as glibc's own modules keep: glibc already
 * serializes the get*ent calls; the mutex only guards the index, never
 * across calls.
 */
struct cursor {
	pthread_mutex_t	 lock;
	uint32_t	 pos;
};

static struct cursor pw_cursor = { PTHREAD_MUTEX_INITIALIZER, 0 };
static struct cursor gr_cursor = { PTHREAD_MUTEX_INITIALIZER, 0 };
static struct cursor sp_cursor = { PTHREAD_MUTEX_INITIALIZER, 0 };

static enum nss_status
rewind_cursor(struct cursor *c)
{
	pthread_mutex_lock(&c->lock);
	c->pos = 0;
	pthread_mutex_unlock(&c->lock);
	return NSS_STATUS_SUCCESS;
}

/* The record at the cursor, via fill; the cursor moves only on success. */
typedef enum nss_status fill_fn(const struct mapping *, uint32_t index,
    void *result, char *buf, size_t len, int *errnop);

static enum nss_status
next_entry(struct cursor *c, enum section sec, uint32_t (*count)(
    const struct mapping *), fill_fn *fill, void *result, char *buf,
    size_t len, int *errnop)
{
	struct mapping *m = reader_acquire(sec);
	enum nss_status st = NSS_STATUS_NOTFOUND;

	if (m == NULL)
		return NSS_STATUS_UNAVAIL;
	pthread_mutex_lock(&c->lock);
	if (c->pos < count(m)) {
		st = fill(m, c->pos, result, buf, len, errnop);
		if (st == NSS_STATUS_SUCCESS)
			c->pos++;
	}
	pthread_mutex_unlock(&c->lock);
	reader_release(m);
	return st;
}

static uint32_t
count_users(const struct mapping *m)
{
	return reader_header(m)->users.count;
}

static uint32_t
count_groups(const struct mapping *m)
{
	return reader_header(m)->groups.count;
}

static uint32_t
count_shadows(const struct mapping *m)
{
	return reader_header(m)->shadows.count;
}

static enum nss_status
fill_pw_at(const struct mapping *m, uint32_t i, void *r, char *buf,
    size_t len, int *errnop)
{
	uint32_t n;

	return fill_pw(m, &reader_users(m, &n)[i], r, buf, len, errnop);
}

static enum nss_status
fill_gr_at(const struct mapping *m, uint32_t i, void *r, char *buf,
    size_t len, int *errnop)
{
	uint32_t n;

	return fill_gr(m, &reader_groups(m, &n)[i], r, buf, len, errnop);
}

static enum nss_status
fill_sp_at(const struct mapping *m, uint32_t i, void *r, char *buf,
    size_t len, int *errnop)
{
	uint32_t n;

	return fill_sp(m, &reader_shadows(m, &n)[i], r, buf, len, errnop);
}

EXPORT enum nss_status
_nss_ldapsync_setpwent(int stayopen)
{
	(void)stayopen;
	return rewind_cursor(&pw_cursor);
}

EXPORT enum nss_status
_nss_ldapsync_endpwent(void)
{
	return rewind_cursor(&pw_cursor);
}

EXPORT enum nss_status
_nss_ldapsync_getpwent_r(struct passwd *pw, char *buf, size_t len,
    int *errnop)
{
	return next_entry(&pw_cursor, SEC_USERS, count_users, fill_pw_at, pw,
	    buf, len, errnop);
}

EXPORT enum nss_status
_nss_ldapsync_setgrent(int stayopen)
{
	(void)stayopen;
	return rewind_cursor(&gr_cursor);
}

EXPORT enum nss_status
_nss_ldapsync_endgrent(void)
{
	return rewind_cursor(&gr_cursor);
}

EXPORT enum nss_status
_nss_ldapsync_getgrent_r(struct group *gr, char *buf, size_t len,
    int *errnop)
{
	return next_entry(&gr_cursor, SEC_GROUPS, count_groups, fill_gr_at, gr,
	    buf, len, errnop);
}

EXPORT enum nss_status
_nss_ldapsync_setspent(int stayopen)
{
	(void)stayopen;
	return rewind_cursor(&sp_cursor);
}

EXPORT enum nss_status
_nss_ldapsync_endspent(void)
{
	return rewind_cursor(&sp_cursor);
}

EXPORT enum nss_status
_nss_ldapsync_getspent_r(struct spwd *sp, char *buf, size_t len,
    int *errnop)
{
	return next_entry(&sp_cursor, SEC_SHADOW, count_shadows, fill_sp_at, sp,
	    buf, len, errnop);
}
