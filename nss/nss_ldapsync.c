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
answer_pw(struct view *v, const struct mapping *m, const struct mirror_user *u,
    struct passwd *pw, char *buf, size_t len, int *errnop)
{
	enum nss_status st = u ? fill_pw(m, u, pw, buf, len, errnop) :
	    NSS_STATUS_NOTFOUND;

	reader_release_view(v);
	return st;
}

EXPORT enum nss_status
_nss_ldapsync_getpwnam_r(const char *name, struct passwd *pw, char *buf,
    size_t len, int *errnop)
{
	const struct mapping *m;
	const struct mirror_user *u;
	struct view v;

	if (!reader_acquire(SEC_USERS, &v))
		return NSS_STATUS_UNAVAIL;
	u = reader_user_by_name(&v, name, &m);
	return answer_pw(&v, m, u, pw, buf, len, errnop);
}

EXPORT enum nss_status
_nss_ldapsync_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
    int *errnop)
{
	const struct mapping *m;
	const struct mirror_user *u;
	struct view v;

	if (!reader_acquire(SEC_USERS, &v))
		return NSS_STATUS_UNAVAIL;
	u = reader_user_by_id(&v, uid, &m);
	return answer_pw(&v, m, u, pw, buf, len, errnop);
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
answer_gr(struct view *v, const struct mapping *m,
    const struct mirror_group *g, struct group *gr, char *buf, size_t len,
    int *errnop)
{
	enum nss_status st = g ? fill_gr(m, g, gr, buf, len, errnop) :
	    NSS_STATUS_NOTFOUND;

	reader_release_view(v);
	return st;
}

EXPORT enum nss_status
_nss_ldapsync_getgrnam_r(const char *name, struct group *gr, char *buf,
    size_t len, int *errnop)
{
	const struct mapping *m;
	const struct mirror_group *g;
	struct view v;

	if (!reader_acquire(SEC_GROUPS, &v))
		return NSS_STATUS_UNAVAIL;
	g = reader_group_by_name(&v, name, &m);
	return answer_gr(&v, m, g, gr, buf, len, errnop);
}

EXPORT enum nss_status
_nss_ldapsync_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t len,
    int *errnop)
{
	const struct mapping *m;
	const struct mirror_group *g;
	struct view v;

	if (!reader_acquire(SEC_GROUPS, &v))
		return NSS_STATUS_UNAVAIL;
	g = reader_group_by_id(&v, gid, &m);
	return answer_gr(&v, m, g, gr, buf, len, errnop);
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
	const struct mapping *m;
	const struct mirror_shadow *s;
	enum nss_status st;
	struct view v;

	if (!reader_acquire(SEC_SHADOW, &v))
		return NSS_STATUS_UNAVAIL;
	s = reader_shadow_by_name(&v, name, &m);
	st = s ? fill_sp(m, s, sp, buf, len, errnop) : NSS_STATUS_NOTFOUND;
	reader_release_view(&v);
	return st;
}

/* --- initgroups ------------------------------------------------------- */

/* The caller's group list, as initgroups_dyn hands it over. */
struct gids {
	long	 *start, *size;
	gid_t	**groups;
	long	  limit;
};

/* 0: added or present; 1: the caller's limit is reached; -1: no memory. */
static int
add_gid(gid_t gid, struct gids *g)
{
	for (long i = 0; i < *g->start; i++)
		if ((*g->groups)[i] == gid)
			return 0;
	if (g->limit > 0 && *g->start >= g->limit)
		return 1;
	if (*g->start == *g->size) {
		long nsize = *g->size ? *g->size * 2 : 16;
		gid_t *ng;

		if (g->limit > 0 && nsize > g->limit)
			nsize = g->limit;
		if (nsize <= *g->size)
			return 1;
		if ((ng = realloc(*g->groups, (size_t)nsize * sizeof(gid_t))) ==
		    NULL)
			return -1;
		*g->groups = ng;
		*g->size = nsize;
	}
	(*g->groups)[(*g->start)++] = gid;
	return 0;
}

/* The gids of one file's memberships of user but group, as add_gid(). */
static int
add_gids(const struct view *v, const struct mapping *m, bool base,
    const char *user, gid_t group, struct gids *out, bool *found)
{
	const struct mirror_membership *ms;
	uint32_t n;
	int rc = 0;

	ms = reader_memberships(m, user, &n);
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		/* A base group the delta replaces lists its members there. */
		if (base && reader_group_hidden(v, ms[i].gid))
			continue;
		*found = true;
		if (ms[i].gid != group)
			rc = add_gid(ms[i].gid, out);
	}
	return rc;
}

EXPORT enum nss_status
_nss_ldapsync_initgroups_dyn(const char *user, gid_t group, long *start,
    long *size, gid_t **groups, long limit, int *errnop)
{
	struct gids out = { start, size, groups, limit };
	enum nss_status st;
	bool found = false;
	struct view v;
	int rc;

	if (!reader_acquire(SEC_MEMBERSHIPS, &v))
		return NSS_STATUS_UNAVAIL;
	rc = add_gids(&v, v.base, true, user, group, &out, &found);
	if (rc == 0 && v.delta != NULL)
		rc = add_gids(&v, v.delta, false, user, group, &out, &found);
	st = found ? NSS_STATUS_SUCCESS : NSS_STATUS_NOTFOUND;
	if (rc == -1) {
		*errnop = ENOMEM;
		st = NSS_STATUS_TRYAGAIN;
	}
	reader_release_view(&v);
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
typedef enum nss_status fill_fn(const struct mapping *, const void *rec,
    void *result, char *buf, size_t len, int *errnop);

static enum nss_status
next_entry(struct cursor *c, enum section sec, fill_fn *fill, void *result,
    char *buf, size_t len, int *errnop)
{
	enum nss_status st = NSS_STATUS_NOTFOUND;
	const struct mapping *m;
	const void *rec = NULL;
	struct view v;
	uint32_t n;

	if (!reader_acquire(sec, &v))
		return NSS_STATUS_UNAVAIL;
	pthread_mutex_lock(&c->lock);
	n = reader_count(&v, sec);
	/* Positions of base records a delta removed hold nothing. */
	while (c->pos < n && (rec = reader_at(&v, sec, c->pos, &m)) == NULL)
		c->pos++;
	if (c->pos < n) {
		st = fill(m, rec, result, buf, len, errnop);
		if (st == NSS_STATUS_SUCCESS)
			c->pos++;
	}
	pthread_mutex_unlock(&c->lock);
	reader_release_view(&v);
	return st;
}

static enum nss_status
fill_pw_at(const struct mapping *m, const void *rec, void *r, char *buf,
    size_t len, int *errnop)
{
	return fill_pw(m, rec, r, buf, len, errnop);
}

static enum nss_status
fill_gr_at(const struct mapping *m, const void *rec, void *r, char *buf,
    size_t len, int *errnop)
{
	return fill_gr(m, rec, r, buf, len, errnop);
}

static enum nss_status
fill_sp_at(const struct mapping *m, const void *rec, void *r, char *buf,
    size_t len, int *errnop)
{
	return fill_sp(m, rec, r, buf, len, errnop);
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
	return next_entry(&pw_cursor, SEC_USERS, fill_pw_at, pw, buf, len,
	    errnop);
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
	return next_entry(&gr_cursor, SEC_GROUPS, fill_gr_at, gr, buf, len,
	    errnop);
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
	return next_entry(&sp_cursor, SEC_SHADOW, fill_sp_at, sp, buf, len,
	    errnop);
}
