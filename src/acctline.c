#include "config.h"

#include <string.h>

#include "acctline.h"

size_t
acctline_split(const char *p, size_t len, struct acct_field *f, size_t n)
{
	const char *end = p + len, *c;
	size_t have = 1;

	for (const char *q = p; (c = memchr(q, ':', (size_t)(end - q))) != NULL;
	    q = c + 1)
		have++;
	for (size_t i = 0; i < n; i++) {
		c = p < end ? memchr(p, ':', (size_t)(end - p)) : NULL;
		if (c == NULL || i == n - 1)
			c = end;
		f[i] = (struct acct_field){ p, (size_t)(c - p) };
		p = c < end ? c + 1 : end;
	}
	return have;
}

/* Fields joined by ':', numbers in decimal, nothing through printf. */
static void
add_field(struct buf *b, const char *s)
{
	buf_addc(b, ':');
	buf_addstr(b, s);
}

static void
add_num(struct buf *b, long v)
{
	buf_addc(b, ':');
	if (v >= 0)
		buf_addu(b, (unsigned long)v);
}

char *
acctline_passwd(const struct user *u)
{
	struct buf b = { 0 };

	buf_addstr(&b, u->name);
	add_field(&b, "x");
	add_num(&b, u->uid);
	add_num(&b, u->gid);
	add_field(&b, u->gecos);
	add_field(&b, u->home);
	add_field(&b, u->shell);
	return buf_cstr(&b);
}

char *
acctline_shadow(const struct user *u)
{
	struct buf b = { 0 };

	buf_addstr(&b, u->name);
	add_field(&b, u->passwd);
	for (int i = 0; i < SP_COUNT; i++)
		add_num(&b, u->sp[i]);
	buf_addc(&b, ':');
	return buf_cstr(&b);
}

static void
add_members(struct buf *b, const struct strlist *m)
{
	for (size_t i = 0; i < m->n; i++) {
		if (i > 0)
			buf_addc(b, ',');
		buf_addstr(b, m->v[i]);
	}
}

char *
acctline_group(const char *name, uint32_t gid, const struct strlist *m)
{
	struct buf b = { 0 };

	buf_addstr(&b, name);
	add_field(&b, "x");
	add_num(&b, gid);
	buf_addc(&b, ':');
	add_members(&b, m);
	return buf_cstr(&b);
}

char *
acctline_gshadow(const char *name, const struct strlist *m)
{
	struct buf b = { 0 };

	buf_addstr(&b, name);
	buf_addstr(&b, ":!::");
	add_members(&b, m);
	return buf_cstr(&b);
}
