#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "acctline.h"
#include "pwfile.h"

char pwfile_drop_mark;

/*
 * The name of a line, in f->names: a copy of the data in which each named
 * line's first ':' is a NUL, so names cost no allocation of their own.
 */
static char *
line_name(struct pwfile *f, const char *raw, size_t len)
{
	const char *colon = memchr(raw, ':', len);
	char *name = f->names + (raw - f->data);

	/* NIS compat lines and comments name no local entry. */
	if (len == 0 || raw[0] == '#' || raw[0] == '+' || raw[0] == '-' ||
	    colon == NULL || colon == raw)
		return NULL;
	name[colon - raw] = '\0';
	return name;
}

static void
split_lines(struct pwfile *f)
{
	const char *p = f->data, *end = f->data + f->size, *nl;
	size_t cap = memcount(p, f->size, '\n') + 1;	/* one not ended */

	f->names = xmalloc(f->size + 1);
	prefault(f->names, f->size + 1);
	memcpy(f->names, f->data, f->size + 1);
	f->lines = xreallocarray(NULL, cap, sizeof(*f->lines));
	prefault(f->lines, cap * sizeof(*f->lines));
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		f->lines[f->n++] = (struct pwline){ p, (size_t)(nl - p),
		    line_name(f, p, (size_t)(nl - p)) };
		p = nl + 1;
	}
}

static void
index_lines(struct pwfile *f)
{
	split_lines(f);
	f->byname = htab_new(f->n);
	/* Backwards, so the first line with a name wins. */
	for (size_t i = f->n; i-- > 0;)
		if (f->lines[i].name != NULL)
			htab_put(f->byname, f->lines[i].name, &f->lines[i]);
}

/* Only the lines of the names wanted, in file order. */
static void
find_lines(struct pwfile *f, const struct strlist *names)
{
	const char *p = f->data, *end = f->data + f->size, *nl, *colon;
	struct htab *want = htab_new(names->n);
	struct namefilter filter = { { 0 } };
	char name[256];
	size_t cap = 0;

	for (size_t i = 0; i < names->n; i++) {
		htab_put(want, names->v[i], names->v[i]);
		namefilter_add(&filter, names->v[i]);
	}
	f->byname = htab_new(names->n);
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		colon = memchr(p, ':', (size_t)(nl - p));
		if (colon == NULL || colon == p || colon - p >= (long)sizeof(name) ||
		    !namefilter_may(&filter, p, (size_t)(colon - p)))
			continue;
		memcpy(name, p, (size_t)(colon - p));
		name[colon - p] = '\0';
		if (htab_get(want, name) == NULL)
			continue;
		if (f->n == cap) {
			cap = cap ? cap * 2 : 16;
			f->lines = xreallocarray(f->lines, cap, sizeof(*f->lines));
		}
		strlist_add(&f->found, name);
		f->lines[f->n++] = (struct pwline){ p, (size_t)(nl - p),
		    f->found.v[f->found.n - 1] };
	}
	/* Backwards, so the first line with a name wins. */
	for (size_t i = f->n; i-- > 0;)
		htab_put(f->byname, f->lines[i].name, &f->lines[i]);
	htab_free(want);
	f->sparse = true;
}

void
pwfile_parse(struct pwfile *f, const char *name, const char *data, size_t len)
{
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(name);
	f->data = xstrndup(data, len);
	f->size = len;
	f->exists = true;
	index_lines(f);
}

int
pwfile_load(struct pwfile *f, const char *path)
{
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	if (read_file(path, &f->data, &f->size) == -1) {
		if (errno != ENOENT) {
			log_error("%s: %s", path, strerror(errno));
			return -1;
		}
		f->data = xstrdup("");
		f->size = 0;
	} else
		f->exists = true;
	index_lines(f);
	return 0;
}

/* Mapped, not read: the lines between the wanted ones are only copied. */
int
pwfile_load_some(struct pwfile *f, const char *path,
    const struct strlist *names)
{
	const char *map;

	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	if ((map = map_file(path, &f->size)) != NULL) {
		f->data = (char *)map;
		f->mapped = true;
		f->exists = true;
	} else if (errno == 0 || errno == ENOENT) {
		f->exists = errno == 0;
		f->data = xstrdup("");
		f->size = 0;
	} else {
		log_error("%s: %s", path, strerror(errno));
		return -1;
	}
	find_lines(f, names);
	return 0;
}

void
pwfile_free(struct pwfile *f)
{
	free(f->names);
	free(f->lines);
	strlist_free(&f->found);
	if (f->mapped)
		unmap_file(f->data, f->size);
	else
		free(f->data);
	free(f->path);
	htab_free(f->byname);
	memset(f, 0, sizeof(*f));
}

const struct pwline *
pwfile_find(const struct pwfile *f, const char *name)
{
	return htab_get(f->byname, name);
}

bool
pwline_is(const struct pwline *l, const char *text)
{
	return l != NULL && strncmp(l->raw, text, l->len) == 0 &&
	    text[l->len] == '\0';
}

char *
pwline_field(const struct pwline *l, int i)
{
	struct acct_field f[16];

	/* Field i whole: never the last one split, which takes the rest. */
	if (i < 0 || i > 14 || acctline_split(l->raw, l->len, f,
	    (size_t)i + 2) <= (size_t)i)
		return NULL;
	return xstrndup(f[i].p, f[i].len);
}

void
pwedit_init(struct pwedit *e)
{
	memset(e, 0, sizeof(*e));
	e->replace = htab_new(64);
	e->strip = htab_new(16);
	e->strip_fields[0] = e->strip_fields[1] = -1;
}

void
pwedit_free(struct pwedit *e)
{
	htab_free(e->replace);
	htab_free(e->strip);
	strlist_free(&e->append);
	strlist_free(&e->owned);
	strlist_free(&e->strip_names);
	memset(e, 0, sizeof(*e));
}

static char *
own(struct pwedit *e, const char *s)
{
	strlist_add(&e->owned, s);
	return e->owned.v[e->owned.n - 1];
}

void
pwedit_replace(struct pwedit *e, const char *name, const char *text)
{
	htab_put(e->replace, own(e, name), text ? own(e, text) : PWFILE_DROP);
}

void
pwedit_append(struct pwedit *e, const char *text)
{
	strlist_add(&e->append, text);
}

void
pwedit_strip(struct pwedit *e, const char *name)
{
	char *key = own(e, name);

	if (htab_put(e->strip, key, key) == NULL)
		strlist_add(&e->strip_names, name);
}

/* Copies a member list, leaving out the names being stripped. */
static void
strip_list(const char *p, size_t len, const struct htab *strip,
    struct buf *out)
{
	const char *end = p + len, *comma;
	bool first = true;
	char *name;

	while (p < end) {
		if ((comma = memchr(p, ',', (size_t)(end - p))) == NULL)
			comma = end;
		name = xstrndup(p, (size_t)(comma - p));
		if (htab_get(strip, name) == NULL) {
			if (!first)
				buf_addc(out, ',');
			buf_add(out, p, (size_t)(comma - p));
			first = false;
		}
		free(name);
		p = comma + 1;
	}
}

static bool
is_strip_field(const struct pwedit *e, int i)
{
	return i == e->strip_fields[0] || i == e->strip_fields[1];
}

/*
 * A local line keeps every byte, but for stripped member names: one of a
 * named line that a stripped name occurs in (render_full() copies the
 * others as they are).
 */
static void
render_local(const struct pwline *l, const struct pwedit *e, struct buf *out)
{
	const char *p = l->raw, *end = l->raw + l->len, *c;

	for (int i = 0;; i++) {
		if ((c = memchr(p, ':', (size_t)(end - p))) == NULL)
			c = end;
		if (is_strip_field(e, i))
			strip_list(p, (size_t)(c - p), e->strip, out);
		else
			buf_add(out, p, (size_t)(c - p));
		if (c == end)
			break;
		buf_addc(out, ':');
		p = c + 1;
	}
}

/*
 * A file of which only some lines are known: what lies between them is
 * copied as it is.  Replacements and appends only, no stripping.
 */
static void
render_sparse(const struct pwfile *f, const struct pwedit *e, struct buf *out)
{
	const char *p = f->data, *end = f->data + f->size;

	for (size_t i = 0; i < f->n; i++) {
		const struct pwline *l = &f->lines[i];
		const char *rep = htab_get(e->replace, l->name);

		if (rep == NULL)
			continue;
		buf_add(out, p, (size_t)(l->raw - p));
		p = l->raw + l->len;
		if (rep != PWFILE_DROP)
			buf_addstr(out, rep);
		else if (p < end)
			p++;			/* its newline goes too */
	}
	buf_add(out, p, (size_t)(end - p));
	if (e->append.n > 0 && f->size > 0 && f->data[f->size - 1] != '\n')
		buf_addc(out, '\n');
	for (size_t i = 0; i < e->append.n; i++) {
		buf_addstr(out, e->append.v[i]);
		buf_addc(out, '\n');
	}
}

static int
cmp_offset(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Where in f's data a stripped name occurs, sorted: only the lines these
 * fall in may lose a member (render_local()), found in one pass over the
 * data per name rather than one search per line.
 */
static size_t *
stripped_at(const struct pwfile *f, const struct pwedit *e, size_t *n)
{
	const char *end = f->data + f->size;
	size_t *at = NULL, cap = 0;

	*n = 0;
	if (f->size == 0 || htab_count(e->strip) == 0 || e->strip_fields[0] < 0)
		return NULL;
	for (size_t i = 0; i < e->strip_names.n; i++) {
		const char *name = e->strip_names.v[i], *q;
		size_t len = strlen(name);

		for (const char *p = f->data; len > 0 && p < end &&
		    (q = memmem(p, (size_t)(end - p), name, len)) != NULL;
		    p = q + 1) {
			if (*n == cap)
				at = xreallocarray(at, cap = cap ? cap * 2 : 16,
				    sizeof(*at));
			at[(*n)++] = (size_t)(q - f->data);
		}
	}
	if (*n > 1)
		qsort(at, *n, sizeof(*at), cmp_offset);
	return at;
}

/*
 * Line by line, but the lines no edit touches are copied in runs, their
 * newlines with them: most of a file, at one memcpy() per run.
 */
static void
render_full(const struct pwfile *f, const struct pwedit *e, struct buf *out)
{
	bool final_nl = f->size == 0 || f->data[f->size - 1] == '\n';
	bool appended = false, replacing = htab_count(e->replace) > 0;
	size_t nat, k = 0, *at = stripped_at(f, e, &nat);
	const char *run = f->data;	/* copied as it is, up to the line */

	for (size_t i = 0; i < f->n; i++) {
		const struct pwline *l = &f->lines[i];
		size_t off = (size_t)(l->raw - f->data);
		const char *rep = l->name && replacing ?
		    htab_get(e->replace, l->name) : NULL;

		while (k < nat && at[k] < off)
			k++;
		if (rep == NULL && (l->name == NULL || k == nat ||
		    at[k] >= off + l->len))
			continue;
		buf_add(out, run, (size_t)(l->raw - run));
		run = l->raw + l->len + (i + 1 < f->n || final_nl);
		if (rep == PWFILE_DROP)
			continue;
		if (rep != NULL)
			buf_addstr(out, rep);
		else
			render_local(l, e, out);
		if (i + 1 < f->n || final_nl)
			buf_addc(out, '\n');
		else
			appended = true;	/* last line had no newline */
	}
	if (f->size > 0 && run < f->data + f->size) {
		buf_add(out, run, (size_t)(f->data + f->size - run));
		appended = !final_nl;
	}
	free(at);
	for (size_t i = 0; i < e->append.n; i++) {
		if (appended) {
			buf_addc(out, '\n');
			appended = false;
		}
		buf_addstr(out, e->append.v[i]);
		buf_addc(out, '\n');
	}
}

void
pwfile_render(const struct pwfile *f, const struct pwedit *e, struct buf *out)
{
	buf_prefault(out, f->size);
	if (f->sparse)
		render_sparse(f, e, out);
	else
		render_full(f, e, out);
}

/* Field 2 of the line at p (its id), if it is a number. */
static bool
line_id(const char *p, const char *nl, uint32_t *id)
{
	const char *a = memchr(p, ':', (size_t)(nl - p)), *b, *c;

	if (a == NULL || (b = memchr(a + 1, ':', (size_t)(nl - a - 1))) == NULL)
		return false;
	if ((c = memchr(b + 1, ':', (size_t)(nl - b - 1))) == NULL)
		c = nl;
	return parse_id(b + 1, (size_t)(c - b - 1), id);
}

char *
pwfile_id_holder(const struct pwfile *f, const struct htab *ids,
    const struct htab *except)
{
	const char *p = f->data, *end = f->data + f->size, *nl;
	uint32_t id;

	for (; p < end; p = nl + 1) {
		char *name;

		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (!line_id(p, nl, &id) || htab_get_id(ids, id) == NULL)
			continue;
		name = xstrndup(p, (size_t)((const char *)memchr(p, ':',
		    (size_t)(nl - p)) - p));
		if (htab_get(except, name) == NULL)
			return name;
		free(name);
	}
	return NULL;
}
