#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ocfilter.h"

/* Filters nest no deeper than this: a guard for the recursion. */
#define MAX_DEPTH	32

struct judge {
	const char		*p;
	const struct entry	*e;	/* NULL: only checking the form */
	int			 depth;
};

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* An assertion value up to ')', escapes (\XX) decoded; -1: malformed. */
static int
value(struct judge *j, char *out, size_t cap)
{
	size_t n = 0;

	for (; *j->p != ')'; j->p++) {
		int hi, lo;

		if (*j->p == '\0' || *j->p == '(' || *j->p == '*' || n + 1 == cap)
			return -1;
		if (*j->p != '\\') {
			out[n++] = *j->p;
			continue;
		}
		if ((hi = hexval(j->p[1])) < 0 || (lo = hexval(j->p[2])) < 0)
			return -1;
		out[n++] = (char)(hi << 4 | lo);
		j->p += 2;
	}
	out[n] = '\0';
	return 0;
}

static bool
has_class(const struct entry *e, const char *name)
{
	const struct entry_attr *a = entry_get(e, "objectClass");

	for (size_t i = 0; a != NULL && i < a->nvals; i++)
		if (strlen(name) == a->vals[i].len &&
		    strncasecmp(a->vals[i].v, name, a->vals[i].len) == 0)
			return true;
	return false;
}

/* "objectClass=V" or "objectClass=*", up to its ')': 1, 0, or -1. */
static int
item(struct judge *j)
{
	static const char attr[] = "objectClass=";
	char v[256];

	if (strncasecmp(j->p, attr, sizeof(attr) - 1) != 0)
		return -1;
	j->p += sizeof(attr) - 1;
	if (j->p[0] == '*' && j->p[1] == ')') {
		j->p++;
		return 1;
	}
	if (value(j, v, sizeof(v)) != 0 || v[0] == '\0')
		return -1;
	return j->e == NULL || has_class(j->e, v);
}

static int filter(struct judge *);

/* The filters of & or |, up to the closing ')'. */
static int
set(struct judge *j, bool and)
{
	int all = and, r;

	if (*j->p != '(')
		return -1;
	while (*j->p == '(') {
		if ((r = filter(j)) < 0)
			return -1;
		all = and ? all && r : all || r;
	}
	return all;
}

/* One parenthesised filter: 1 matches, 0 does not, -1 not simple. */
static int
filter(struct judge *j)
{
	int r;

	if (*j->p++ != '(' || ++j->depth > MAX_DEPTH)
		return -1;
	switch (*j->p) {
	case '&':
	case '|':
		j->p++;
		r = set(j, j->p[-1] == '&');
		break;
	case '!':
		j->p++;
		r = filter(j);
		r = r < 0 ? -1 : !r;
		break;
	default:
		r = item(j);
	}
	j->depth--;
	if (r < 0 || *j->p++ != ')')
		return -1;
	return r;
}

static int
judge(const char *f, const struct entry *e)
{
	struct judge j = { f, e, 0 };
	int r = filter(&j);

	return r >= 0 && *j.p == '\0' ? r : -1;
}

bool
ocfilter_simple(const char *f)
{
	return judge(f, NULL) >= 0;
}

bool
ocfilter_match(const char *f, const struct entry *e)
{
	return judge(f, e) == 1;
}
