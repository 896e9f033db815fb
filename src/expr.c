#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr.h"

/* A template is a list of parts: literal text or an attribute reference. */
struct part {
	char		*text;		/* literal, or attribute name */
	bool		 is_attr;
	struct expr	*dflt;		/* ${attr:-dflt}, may be NULL */
	bool		 has_dflt;
};

struct expr {
	struct part	*parts;
	size_t		 n;
	bool		 bare;
};

static bool
attr_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == ';';
}

static void
add_part(struct expr *e, char *text, bool is_attr)
{
	e->parts = xreallocarray(e->parts, e->n + 1, sizeof(*e->parts));
	e->parts[e->n++] = (struct part){ .text = text, .is_attr = is_attr };
}

/*
 * An attribute name: letters, digits, '-' and ';' (options).  After a bare
 * '$' only letters and digits count, as in a shell, so "$uid-$cn" works;
 * "${x-attr}" reaches the others.
 */
static size_t
name_len(const char *s, bool braced)
{
	size_t n = 0;

	if (!isalpha((unsigned char)s[0]))
		return 0;
	while (braced ? attr_char(s[n]) : isalnum((unsigned char)s[n]))
		n++;
	return n;
}

static size_t
attr_len(const char *s)
{
	return name_len(s, true);
}

/* Finds the '}' closing a "${", skipping nested "${...}" in the default. */
static const char *
closing_brace(const char *s)
{
	int depth = 1;

	for (; *s; s++) {
		if (s[0] == '$' && s[1] == '{') {
			depth++;
			s++;
		} else if (*s == '}' && --depth == 0)
			return s;
	}
	return NULL;
}

static struct expr *parse_template(const char *, size_t, const char **);

static const char *
parse_braced(struct expr *e, const char *s, const char **why)
{
	const char *end = closing_brace(s), *p = s;
	size_t n = attr_len(s);

	if (end == NULL) {
		*why = "unterminated \"${\"";
		return NULL;
	}
	if (n == 0) {
		*why = "\"${\" must be followed by an attribute name";
		return NULL;
	}
	add_part(e, xstrndup(s, n), true);
	p = s + n;
	if (p == end)
		return end + 1;
	if (p[0] != ':' || p[1] != '-') {
		*why = "expected \"}\" or \":-\" after the attribute name";
		return NULL;
	}
	p += 2;
	e->parts[e->n - 1].has_dflt = true;
	e->parts[e->n - 1].dflt = parse_template(p, (size_t)(end - p), why);
	if (e->parts[e->n - 1].dflt == NULL)
		return NULL;
	return end + 1;
}

static struct expr *
parse_template(const char *s, size_t len, const char **why)
{
	struct expr *e = xcalloc(1, sizeof(*e));
	const char *end = s + len, *p = s;
	struct buf lit = { 0 };
	size_t n;

	while (p < end) {
		if (*p != '$') {
			buf_addc(&lit, *p++);
			continue;
		}
		if (p + 1 < end && p[1] == '$') {
			buf_addc(&lit, '$');
			p += 2;
			continue;
		}
		if (lit.len) {
			add_part(e, xstrndup(lit.p, lit.len), false);
			lit.len = 0;
		}
		if (p + 1 < end && p[1] == '{') {
			p = parse_braced(e, p + 2, why);
			if (p == NULL || p > end)
				goto fail;
			continue;
		}
		n = name_len(p + 1, false);
		if (n == 0 || n > (size_t)(end - p - 1)) {
			*why = "\"$\" must be followed by an attribute name, "
			    "\"{\" or \"$\"";
			goto fail;
		}
		add_part(e, xstrndup(p + 1, n), true);
		p += 1 + n;
	}
	if (lit.len)
		add_part(e, xstrndup(lit.p, lit.len), false);
	buf_free(&lit);
	return e;
fail:
	if (*why == NULL)
		*why = "bad \"${...}\"";
	buf_free(&lit);
	expr_free(e);
	return NULL;
}

struct expr *
expr_parse(const char *text, bool quoted, const char **why)
{
	struct expr *e;

	*why = NULL;
	if (quoted)
		return parse_template(text, strlen(text), why);
	if (attr_len(text) == 0 || text[attr_len(text)] != '\0') {
		*why = "not an attribute name (quote a template)";
		return NULL;
	}
	e = xcalloc(1, sizeof(*e));
	add_part(e, xstrdup(text), true);
	e->bare = true;
	return e;
}

void
expr_free(struct expr *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->n; i++) {
		free(e->parts[i].text);
		expr_free(e->parts[i].dflt);
	}
	free(e->parts);
	free(e);
}

static bool
eval_into(const struct expr *e, const struct entry *ent, struct buf *out)
{
	for (size_t i = 0; i < e->n; i++) {
		const struct part *pt = &e->parts[i];
		const struct entry_attr *a;

		if (!pt->is_attr) {
			buf_addstr(out, pt->text);
			continue;
		}
		a = entry_get(ent, pt->text);
		if (a != NULL && a->nvals > 0 && a->vals[0].len > 0) {
			buf_add(out, a->vals[0].v, a->vals[0].len);
			continue;
		}
		if (!pt->has_dflt)
			return false;
		if (!eval_into(pt->dflt, ent, out))
			return false;
	}
	return true;
}

/*
 * Results live as long as the accounts they fill, so they are sized
 * exactly: a buffer's spare capacity, times every field of 100,000 users,
 * is most of a run's memory.
 */
char *
expr_eval(const struct expr *e, const struct entry *ent, size_t *len)
{
	struct buf out = { 0 };
	const struct entry_attr *a;
	char *s;

	if (e->bare) {
		a = entry_get(ent, e->parts[0].text);
		if (a == NULL || a->nvals == 0 || a->vals[0].len == 0)
			return NULL;
		*len = a->vals[0].len;
		return xstrndup(a->vals[0].v, a->vals[0].len);
	}
	if (!eval_into(e, ent, &out) || out.len == 0) {
		buf_free(&out);
		return NULL;
	}
	*len = out.len;
	s = xstrndup(out.p, out.len);
	buf_free(&out);
	return s;
}

void
expr_attrs(const struct expr *e, struct strlist *l)
{
	for (size_t i = 0; i < e->n; i++) {
		const struct part *pt = &e->parts[i];
		bool seen = false;

		if (pt->dflt != NULL)
			expr_attrs(pt->dflt, l);
		if (!pt->is_attr)
			continue;
		for (size_t j = 0; j < l->n; j++)
			if (strcasecmp(l->v[j], pt->text) == 0)
				seen = true;
		if (!seen)
			strlist_add(l, pt->text);
	}
}

const char *
expr_attr(const struct expr *e)
{
	return e->bare ? e->parts[0].text : NULL;
}
