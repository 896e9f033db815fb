#include "config.h"

#include <string.h>
#include <strings.h>

#include "acctstate.h"

const char *const acctstate_attrs[] = { "userAccountControl",
    "accountExpires", "nsAccountLock", "pwdAccountLockedTime", NULL };

/* Seconds from 1601-01-01 to 1970-01-01. */
#define EPOCH_DELTA	11644473600LL

/* A decimal integer, optionally negative, that fits in int64_t. */
static bool
parse_int64(const char *s, size_t len, int64_t *out)
{
	bool neg = len > 0 && s[0] == '-';
	uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX;
	size_t i = neg;

	if (i == len)
		return false;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' ||
		    v > (lim - (uint64_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

bool
filetime_parse(const char *s, size_t len, int64_t *unix_time)
{
	int64_t ft, secs;

	if (!parse_int64(s, len, &ft) || ft < 0)
		return false;
	if (ft == 0 || ft == INT64_MAX) {
		*unix_time = FILETIME_NEVER;
		return true;
	}
	secs = ft / 10000000;
	*unix_time = secs - EPOCH_DELTA;
	return true;
}

static const struct bval *
value(const struct entry *e, const char *name)
{
	const struct entry_attr *a = entry_get(e, name);

	return a != NULL && a->nvals > 0 ? &a->vals[0] : NULL;
}

/* userAccountControl: a 32-bit integer, which AD may print signed. */
static bool
uac(const struct entry *e, struct acctstate *st, const char **why)
{
	const struct bval *v = value(e, "userAccountControl");
	int64_t n;
	uint32_t flags;

	if (v == NULL)
		return true;
	if (!parse_int64(v->v, v->len, &n) || n < INT32_MIN || n > UINT32_MAX) {
		*why = "userAccountControl is not a 32-bit number";
		return false;
	}
	flags = (uint32_t)n;
	st->not_user = (flags & (0x800 | 0x1000 | 0x2000)) != 0;
	if (flags & 0x2)
		st->disabled = "disabled in the directory (userAccountControl)";
	return true;
}

static bool
expires(const struct entry *e, time_t now, struct acctstate *st,
    const char **why)
{
	const struct bval *v = value(e, "accountExpires");
	int64_t t;

	if (v == NULL)
		return true;
	if (!filetime_parse(v->v, v->len, &t)) {
		*why = "accountExpires is not a FILETIME";
		return false;
	}
	if (t == FILETIME_NEVER)
		return true;
	if (t <= now)
		st->disabled = "expired in the directory (accountExpires)";
	else
		st->expire_days = (long)(t / 86400);
	return true;
}

/* ppolicy's "000001010000Z": locked until an administrator unlocks it. */
static void
locks(const struct entry *e, struct acctstate *st)
{
	const struct bval *v = value(e, "nsAccountLock");

	if (v != NULL && v->len == 4 && strncasecmp(v->v, "TRUE", 4) == 0)
		st->disabled = "locked in the directory (nsAccountLock)";
	v = value(e, "pwdAccountLockedTime");
	if (v != NULL && v->len == 13 && memcmp(v->v, "000001010000Z", 13) == 0)
		st->disabled = "locked in the directory (pwdAccountLockedTime)";
}

bool
acctstate_of(const struct entry *e, time_t now, struct acctstate *st,
    const char **why)
{
	*st = (struct acctstate){ .expire_days = -1 };
	if (!uac(e, st, why) || !expires(e, now, st, why))
		return false;
	if (st->disabled == NULL)
		locks(e, st);
	return true;
}
