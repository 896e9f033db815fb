#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "log.h"
#include "sshkeys.h"

struct line {
	const char	*p;
	size_t		 len, namelen, order;
};

static int
by_name(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	size_t n = x->namelen < y->namelen ? x->namelen : y->namelen;
	int c = memcmp(x->p, y->p, n);

	if (c == 0 && x->namelen != y->namelen)
		c = x->namelen < y->namelen ? -1 : 1;
	if (c == 0)
		c = x->order < y->order ? -1 : x->order > y->order;
	return c;
}

static void
add_line(struct line **v, size_t *n, const char *p, size_t len)
{
	const char *colon = memchr(p, ':', len);

	if (colon == NULL || colon == p)
		return;		/* not ours: a damaged map loses the line */
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n] = (struct line){ p, len, (size_t)(colon - p), *n };
	(*n)++;
}

/* Whether the line's name is one of drop's. */
static bool
dropped(const struct htab *drop, const char *p, size_t namelen)
{
	char name[256];

	if (namelen >= sizeof(name))
		return true;
	memcpy(name, p, namelen);
	name[namelen] = '\0';
	return htab_get(drop, name) != NULL;
}

void
sshkeys_edit(const char *old, size_t len, const struct strlist *drop,
    const struct strlist *add, struct buf *out)
{
	struct htab *gone = htab_new(len > 0 ? drop->n : 0);
	struct line *v = NULL;
	const char *colon;
	size_t n = 0;

	/* At a first sync every name is dropped from an empty map. */
	for (size_t i = 0; i < drop->n && len > 0; i++)
		htab_put(gone, drop->v[i], (void *)1);
	for (const char *p = old, *end = old + len, *nl; p && p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		colon = memchr(p, ':', (size_t)(nl - p));
		if (colon != NULL && !dropped(gone, p, (size_t)(colon - p)))
			add_line(&v, &n, p, (size_t)(nl - p));
	}
	for (size_t i = 0; i < add->n; i++)
		add_line(&v, &n, add->v[i], strlen(add->v[i]));
	if (n > 0)
		qsort(v, n, sizeof(*v), by_name);
	out->len = 0;
	for (size_t i = 0; i < n; i++) {
		buf_add(out, v[i].p, v[i].len);
		buf_addc(out, '\n');
	}
	buf_cstr(out);
	free(v);
	htab_free(gone);
}

/* Where the line holding offset off starts. */
static size_t
line_start(const char *map, size_t off)
{
	while (off > 0 && map[off - 1] != '\n')
		off--;
	return off;
}

/* Where the line after the one holding off starts. */
static size_t
next_line(const char *map, size_t len, size_t off)
{
	const char *nl = memchr(map + off, '\n', len - off);

	return nl ? (size_t)(nl - map) + 1 : len;
}

/* The line at off against name: <0, 0 or >0, as strcmp. */
static int
compare(const char *map, size_t len, size_t off, const char *name, size_t n)
{
	size_t end = next_line(map, len, off);
	const char *colon = memchr(map + off, ':', end - off);
	size_t have = colon ? (size_t)(colon - (map + off)) : end - off;
	int c = memcmp(map + off, name, have < n ? have : n);

	if (c == 0 && have != n)
		c = have < n ? -1 : 1;
	return c;
}

/* The first line that does not sort before name (lo, hi: line starts). */
static size_t
first_of(const char *map, size_t len, const char *name, size_t n)
{
	size_t lo = 0, hi = len;

	while (lo < hi) {
		size_t mid = line_start(map, lo + (hi - lo) / 2);

		if (mid < lo)
			mid = lo;
		if (compare(map, len, mid, name, n) < 0)
			lo = next_line(map, len, mid);
		else
			hi = mid;
	}
	return lo;
}

int
sshkeys_print(const char *path, const char *name, FILE *out)
{
	size_t len, n = strlen(name), off;
	const char *map = map_file(path, &len);

	if (map == NULL) {
		if (errno == 0 || errno == ENOENT)
			return 0;
		log_error("%s: %s", path, strerror(errno));
		return -1;
	}
	for (off = first_of(map, len, name, n); off < len &&
	    compare(map, len, off, name, n) == 0;
	    off = next_line(map, len, off)) {
		const char *nl = memchr(map + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - map) : len;

		fwrite(map + off + n + 1, 1, end - off - n - 1, out);
		fputc('\n', out);
	}
	unmap_file(map, len);
	return fflush(out) == 0 ? 0 : -1;
}
