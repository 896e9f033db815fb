#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sid.h"

bool
sid_from_binary(const void *p, size_t len, struct sid *s)
{
	const unsigned char *b = p;

	if (len < 8 || b[0] != 1 || b[1] > SID_MAX_SUBAUTH ||
	    len != 8 + 4 * (size_t)b[1])
		return false;
	s->revision = b[0];
	s->nsub = b[1];
	s->authority = 0;
	for (int i = 2; i < 8; i++)
		s->authority = s->authority << 8 | b[i];
	for (int i = 0; i < s->nsub; i++) {
		const unsigned char *w = b + 8 + 4 * i;

		s->sub[i] = (uint32_t)w[0] | (uint32_t)w[1] << 8 |
		    (uint32_t)w[2] << 16 | (uint32_t)w[3] << 24;
	}
	return true;
}

/* A decimal number up to max, as SIDs spell them; *pp moves past it. */
static bool
number(const char **pp, uint64_t max, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > max)
			return false;
	}
	*pp = p;
	*out = v;
	return true;
}

bool
sid_from_string(const char *p, struct sid *s)
{
	uint64_t v;

	if ((p[0] != 'S' && p[0] != 's') || p[1] != '-')
		return false;
	p += 2;
	if (!number(&p, 255, &v) || v != 1 || *p++ != '-')
		return false;
	s->revision = 1;
	if (!number(&p, 0xffffffffffffULL, &s->authority))
		return false;
	for (s->nsub = 0; *p == '-'; s->nsub++) {
		p++;
		if (s->nsub == SID_MAX_SUBAUTH || !number(&p, UINT32_MAX, &v))
			return false;
		s->sub[s->nsub] = (uint32_t)v;
	}
	return *p == '\0';
}

static void
format(const struct sid *s, int nsub, char *buf)
{
	int n = snprintf(buf, SID_STRLEN, "S-%u-%llu", s->revision,
	    (unsigned long long)s->authority);

	for (int i = 0; i < nsub; i++)
		n += snprintf(buf + n, (size_t)(SID_STRLEN - n), "-%u", s->sub[i]);
}

void
sid_format(const struct sid *s, char buf[SID_STRLEN])
{
	format(s, s->nsub, buf);
}

void
sid_format_domain(const struct sid *s, char buf[SID_STRLEN])
{
	format(s, s->nsub > 0 ? s->nsub - 1 : 0, buf);
}

uint32_t
sid_rid(const struct sid *s)
{
	return s->nsub > 0 ? s->sub[s->nsub - 1] : 0;
}
