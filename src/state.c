#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "state.h"

#define MAGIC	"ldapsync-state 1"
/* After the magic: the accounts' lines are kept here, not in the files. */
#define FILES_NO	"files no"

void
state_init(struct state *s)
{
	memset(s, 0, sizeof(*s));
}

void
state_add(struct state *s, const struct managed *m)
{
	if (s->n == 0 || (s->n >= 16 && (s->n & (s->n - 1)) == 0))
		s->v = xreallocarray(s->v, s->n ? s->n * 2 : 16, sizeof(*s->v));
	s->v[s->n] = *m;
	s->v[s->n].name = xstrdup(m->name);
	s->v[s->n].uuid = m->uuid ? xstrdup(m->uuid) : NULL;
	s->n++;
}

void
state_index(struct state *s)
{
	htab_free(s->users_by_name);
	htab_free(s->users_by_uuid);
	htab_free(s->groups_by_name);
	htab_free(s->groups_by_uuid);
	s->users_by_name = htab_new(s->n);
	s->users_by_uuid = htab_new(s->n);
	s->groups_by_name = htab_new(s->n / 8);
	s->groups_by_uuid = htab_new(s->n / 8);
	for (size_t i = 0; i < s->n; i++) {
		struct managed *m = &s->v[i];

		htab_put(m->is_group ? s->groups_by_name : s->users_by_name,
		    m->name, m);
		if (m->uuid != NULL)
			htab_put(m->is_group ? s->groups_by_uuid :
			    s->users_by_uuid, m->uuid, m);
	}
}

/*
 * "u NAME ID FLAG UUID", "g NAME ID UUID" or "g NAME ID 2 UUID"; "-" for
 * no uuid.  FLAG: 0 for an account refreshed from the directory, 1
 * suspended (users), 2 kept as it was.
 */
/* Users: 0, 1 or 2; groups: 2 (a group is never suspended). */
static bool
flag_ok(char kind, const char *f)
{
	if (f[0] == '\0' || f[1] != '\0')
		return false;
	return kind == 'u' ? f[0] >= '0' && f[0] <= '2' :
	    kind == 'g' && f[0] == '2';
}

/*
 * Up to max space-separated fields of the line that ends (with a NUL) at
 * end, cut in place: how many, their lengths in len[].
 */
static int
split_fields(char *line, char *end, char **f, size_t *len, int max)
{
	int n = 0;
	char *sp;

	while (n < max) {
		while (line < end && *line == ' ')
			line++;
		if (line == end)
			break;
		f[n] = line;
		if ((sp = memchr(line, ' ', (size_t)(end - line))) == NULL)
			sp = end;
		*sp = '\0';
		len[n++] = (size_t)(sp - line);
		line = sp < end ? sp + 1 : end;
	}
	return n;
}

/* The record on the line that ends at end (its newline made a NUL). */
static bool
parse_line(char *line, char *end, struct managed *m)
{
	char *f[5];
	size_t len[5];
	int n = split_fields(line, end, f, len, 5);

	memset(m, 0, sizeof(*m));
	if (n < 4 || len[0] != 1 || !parse_id(f[2], len[2], &m->id))
		return false;
	if (n == 5 && flag_ok(f[0][0], f[3])) {
		m->suspended = f[3][0] == '1';
		m->kept = f[3][0] == '2';
		f[3] = f[4];
	} else if (f[0][0] != 'g' || n != 4)
		return false;
	m->is_group = f[0][0] == 'g';
	m->name = f[1];
	m->uuid = strcmp(f[3], "-") == 0 ? NULL : f[3];
	return true;
}

/* "x OWNER KEY": what the last plan left unresolved (state.h). */
static bool
unresolved_line(const char *line, struct strlist *out)
{
	if (line[0] != 'x' || strlen(line) != 2 + 16 + 1 + 16 ||
	    line[1] != ' ' || strspn(line + 2, "0123456789abcdef") != 16 ||
	    line[18] != ' ' || strspn(line + 19, "0123456789abcdef") != 16)
		return false;
	strlist_add(out, line + 2);
	return true;
}

int
state_parse(struct state *s, const char *name, const char *text)
{
	char *copy = xstrdup(text), *line, *nl;
	struct managed m;
	int lineno = 1, rc = -1;

	if (strncmp(copy, MAGIC "\n", sizeof(MAGIC)) != 0) {
		log_error("%s:1: not an ldapsync state file", name);
		goto out;
	}
	for (line = copy + sizeof(MAGIC); *line; line = nl + 1) {
		lineno++;
		if ((nl = strchr(line, '\n')) == NULL) {
			log_error("%s:%d: truncated", name, lineno);
			goto out;
		}
		*nl = '\0';
		if (lineno == 2 && strcmp(line, FILES_NO) == 0) {
			s->files_absent = true;
			continue;
		}
		if (unresolved_line(line, &s->unresolved))
			continue;
		if (!parse_line(line, nl, &m)) {
			log_error("%s:%d: malformed record", name, lineno);
			goto out;
		}
		state_add(s, &m);
	}
	state_index(s);
	rc = 0;
out:
	free(copy);
	return rc;
}

int
state_load(struct state *s, const char *path)
{
	char *text;
	size_t len;
	int rc;

	state_init(s);
	if (read_file(path, &text, &len) == -1) {
		if (errno == ENOENT) {
			state_index(s);
			return 0;
		}
		log_error("%s: %s", path, strerror(errno));
		return -1;
	}
	rc = state_parse(s, path, text);
	free(text);
	return rc;
}

/* A group's flag only when kept: older states stay as they were. */
static const char *
flag_of(const struct managed *m)
{
	if (!m->is_group)
		return m->suspended ? " 1" : m->kept ? " 2" : " 0";
	return m->kept ? " 2" : "";
}

static void
render_record(struct buf *b, const struct managed *m)
{
	buf_addstr(b, m->is_group ? "g " : "u ");
	buf_addstr(b, m->name);
	buf_addc(b, ' ');
	buf_addu(b, m->id);
	buf_addstr(b, flag_of(m));
	buf_addc(b, ' ');
	buf_addstr(b, m->uuid ? m->uuid : "-");
	buf_addc(b, '\n');
}

/*
 * How many bytes render_record() writes for m.  A line parse_line()
 * accepts differs from that rendering only by bytes it has more (spaces,
 * zeros before an id, fields after the last), so the same length means
 * the same line.
 */
static size_t
record_size(const struct managed *m)
{
	size_t digits = 1;

	for (uint32_t id = m->id; id >= 10; id /= 10)
		digits++;
	return 2 + strlen(m->name) + 1 + digits + strlen(flag_of(m)) + 1 +
	    strlen(m->uuid ? m->uuid : "-") + 1;
}

static void
render_unresolved(struct buf *b, const struct strlist *keys)
{
	for (size_t i = 0; i < keys->n; i++) {
		buf_addstr(b, "x ");
		buf_addstr(b, keys->v[i]);
		buf_addc(b, '\n');
	}
}

void
state_render(const struct state *s, struct buf *b)
{
	buf_addstr(b, MAGIC "\n");
	if (s->files_absent)
		buf_addstr(b, FILES_NO "\n");
	for (size_t i = 0; i < s->n; i++)
		render_record(b, &s->v[i]);
	render_unresolved(b, &s->unresolved);
}

/* --- unresolved keys -------------------------------------------------- */

/* FNV-1a, 64 bits, in hex: any string fits a line, and no two lines. */
static void
key_hash(const char *key, char out[17])
{
	uint64_t h = 14695981039346656037ull;

	for (const char *p = key; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 1099511628211ull;
	}
	for (int i = 15; i >= 0; i--, h >>= 4)
		out[i] = "0123456789abcdef"[h & 15];
	out[16] = '\0';
}

void
state_unresolved_add(struct strlist *l, const char *owner, const char *key)
{
	char pair[34];

	key_hash(owner, pair);
	pair[16] = ' ';
	key_hash(key, pair + 17);
	strlist_add(l, pair);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
state_unresolved_sort(struct strlist *l)
{
	size_t keep = 0;

	if (l->n == 0)
		return;
	qsort(l->v, l->n, sizeof(*l->v), cmp_str);
	for (size_t i = 0; i < l->n; i++) {
		if (keep > 0 && strcmp(l->v[keep - 1], l->v[i]) == 0)
			free(l->v[i]);
		else
			l->v[keep++] = l->v[i];
	}
	l->n = keep;
	l->v[keep] = NULL;
}

bool
state_unresolved_owner(const char *pair, const struct htab *owners)
{
	char h[17];

	memcpy(h, pair, 16);
	h[16] = '\0';
	return htab_get(owners, h) != NULL;
}

bool
state_unresolved_key(const char *pair, const struct htab *keys)
{
	return htab_get(keys, pair + 17) != NULL;
}

void
state_unresolved_hash(const char *s, char out[17])
{
	key_hash(s, out);
}

void
state_free(struct state *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].uuid);
	}
	free(s->v);
	strlist_free(&s->unresolved);
	htab_free(s->users_by_name);
	htab_free(s->users_by_uuid);
	htab_free(s->groups_by_name);
	htab_free(s->groups_by_uuid);
	memset(s, 0, sizeof(*s));
}

size_t
state_count(const struct state *s, bool groups, bool suspended_only)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].is_group == groups &&
		    (!suspended_only || s->v[i].suspended))
			n++;
	return n;
}

/* --- a view for a change set ------------------------------------------ */

/* Where plan_make puts a record: 0 users refreshed, 1 users left, 2, 3. */
static int
block_of(const struct managed *m)
{
	return (m->is_group ? 2 : 0) + (m->suspended || m->kept);
}

/* Refreshed accounts come by name; the others stay in the order they had. */
static bool
in_order(const struct managed *a, const struct managed *b)
{
	int x = block_of(a), y = block_of(b);

	return x < y || (x == y && (x & 1 || strcmp(a->name, b->name) < 0));
}

/* A record of the view, whose line of len bytes (its newline too) is at. */
static void
view_add(struct state_view *w, const struct managed *m, size_t at, size_t len)
{
	if (w->n > 0 && !in_order(&w->v[w->n - 1], m))
		w->laid_out = false;
	w->lines[w->n] = (struct view_line){ at,
	    record_size(m) == len ? len : 0 };
	w->v[w->n++] = *m;
}

/* Room for a record on each line of the text, mapped at once. */
static void
view_size(struct state_view *w)
{
	size_t lines = memcount(w->raw, w->size, '\n') + 1;

	w->v = xcalloc(lines, sizeof(*w->v));
	w->lines = xcalloc(lines, sizeof(*w->lines));
	prefault(w->v, lines * sizeof(*w->v));
	prefault(w->lines, lines * sizeof(*w->lines));
}

static int
view_parse(struct state_view *w, const char *path)
{
	char *line = w->text + sizeof(MAGIC), *end = w->text + w->size, *nl;
	int lineno = 1;

	w->laid_out = true;
	view_size(w);
	for (; line < end; line = nl + 1) {
		struct managed m;

		lineno++;
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL) {
			log_error("%s:%d: truncated", path, lineno);
			return -1;
		}
		*nl = '\0';
		if (lineno == 2 && strcmp(line, FILES_NO) == 0)
			w->files_absent = true;
		else if (unresolved_line(line, &w->unresolved))
			continue;
		else if (parse_line(line, nl, &m))
			view_add(w, &m, (size_t)(line - w->text),
			    (size_t)(nl + 1 - line));
		else {
			log_error("%s:%d: malformed record", path, lineno);
			return -1;
		}
	}
	return 0;
}

/*
 * Takes raw, len bytes (w->mapped says how it goes), and cuts a copy of
 * it into lines.
 */
static int
view_take(struct state_view *w, const char *name, const char *raw,
    size_t len)
{
	w->raw = raw;
	w->size = len;
	w->text = xmalloc(len + 1);
	prefault(w->text, len + 1);
	memcpy(w->text, raw, len);
	w->text[len] = '\0';
	if (strncmp(w->text, MAGIC "\n", sizeof(MAGIC)) != 0) {
		log_error("%s:1: not an ldapsync state file", name);
		return -1;
	}
	/* Lines are taken by length: one with a NUL would be cut short. */
	if (memchr(w->text, '\0', len) != NULL) {
		log_error("%s: a NUL byte: not a state file", name);
		return -1;
	}
	return view_parse(w, name);
}

int
state_view_parse(struct state_view *w, const char *name, const char *text)
{
	memset(w, 0, sizeof(*w));
	return view_take(w, name, xstrdup(text), strlen(text));
}

/* The file mapped, not read: the view keeps it whole (raw) for splices. */
int
state_view_load(struct state_view *w, const char *path)
{
	const char *raw;
	size_t len = 0;

	memset(w, 0, sizeof(*w));
	if ((raw = map_file(path, &len)) == NULL && errno != 0) {
		log_error("%s: %s", path, strerror(errno));
		return -1;
	}
	w->mapped = raw != NULL;
	return view_take(w, path, raw ? raw : xstrdup(""), len);
}

void
state_view_free(struct state_view *w)
{
	free(w->text);
	if (w->mapped)
		unmap_file(w->raw, w->size);
	else
		free((char *)w->raw);
	free(w->v);
	free(w->lines);
	strlist_free(&w->unresolved);
	memset(w, 0, sizeof(*w));
}

/* The view's record of that kind and name, as an index; n if none. */
static size_t
view_index(const struct state_view *w, const struct managed *m)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].is_group == m->is_group &&
		    strcmp(w->v[i].name, m->name) == 0)
			return i;
	return w->n;
}

/* part's records, each with the place plan_make gives it. */
struct placed {
	const struct managed	*m;
	size_t			 pos;	/* the view's index, for the others */
};

static int
cmp_placed(const void *a, const void *b)
{
	const struct placed *x = a, *y = b;
	int bx = block_of(x->m), by = block_of(y->m);

	if (bx != by)
		return bx - by;
	if (bx & 1)
		return x->pos < y->pos ? -1 : x->pos > y->pos;
	return strcmp(x->m->name, y->m->name);
}

static bool
placed_first(const struct placed *p, const struct managed *m, size_t pos)
{
	int bp = block_of(p->m), bm = block_of(m);

	if (bp != bm)
		return bp < bm;
	return bp & 1 ? p->pos < pos : strcmp(p->m->name, m->name) < 0;
}

/* The view's pairs but those of the owners gone, with part's, sorted. */
static void
splice_unresolved(const struct state_view *w, const struct htab *owners,
    const struct state *part, struct buf *out)
{
	struct strlist l = { 0 };

	for (size_t i = 0; i < w->unresolved.n; i++)
		if (!state_unresolved_owner(w->unresolved.v[i], owners))
			strlist_add(&l, w->unresolved.v[i]);
	for (size_t i = 0; i < part->unresolved.n; i++)
		strlist_add(&l, part->unresolved.v[i]);
	state_unresolved_sort(&l);
	render_unresolved(out, &l);
	strlist_free(&l);
}

/* The bytes of the view's lines kept as they are, not yet copied. */
struct run {
	size_t	at, len;
};

static void
flush_run(const struct state_view *w, struct run *run, struct buf *out)
{
	buf_add(out, w->raw + run->at, run->len);
	run->len = 0;
}

/* The view's record i, kept: its line joins the run, or is rendered. */
static void
keep_line(const struct state_view *w, struct run *run, size_t i,
    struct buf *out)
{
	const struct view_line *l = &w->lines[i];

	if (l->len == 0) {
		flush_run(w, run, out);
		render_record(out, &w->v[i]);
		return;
	}
	if (run->len > 0 && run->at + run->len != l->at)
		flush_run(w, run, out);
	if (run->len == 0)
		run->at = l->at;
	run->len += l->len;
}

void
state_splice(const struct state_view *w, const struct state *gone,
    const struct htab *owners, const struct state *part, struct buf *out)
{
	struct htab *drop[2] = { htab_new(gone->n), htab_new(gone->n) };
	struct placed *pl = xcalloc(part->n + 1, sizeof(*pl));
	struct namefilter filter = { { 0 } };
	struct run run = { 0, 0 };
	size_t k = 0;

	for (size_t i = 0; i < gone->n; i++) {
		htab_put(drop[gone->v[i].is_group], gone->v[i].name,
		    &gone->v[i]);
		namefilter_add(&filter, gone->v[i].name);
	}
	for (size_t i = 0; i < part->n; i++)
		pl[i] = (struct placed){ &part->v[i],
		    block_of(&part->v[i]) & 1 ? view_index(w, &part->v[i]) : 0 };
	qsort(pl, part->n, sizeof(*pl), cmp_placed);
	buf_prefault(out, w->size);
	buf_addstr(out, MAGIC "\n");
	if (part->files_absent)
		buf_addstr(out, FILES_NO "\n");
	for (size_t i = 0; i < w->n; i++) {
		if (namefilter_may(&filter, w->v[i].name,
		    strlen(w->v[i].name)) &&
		    htab_get(drop[w->v[i].is_group], w->v[i].name) != NULL) {
			flush_run(w, &run, out);
			continue;
		}
		for (; k < part->n && placed_first(&pl[k], &w->v[i], i); k++) {
			flush_run(w, &run, out);
			render_record(out, pl[k].m);
		}
		keep_line(w, &run, i, out);
	}
	flush_run(w, &run, out);
	for (; k < part->n; k++)
		render_record(out, pl[k].m);
	splice_unresolved(w, owners, part, out);
	free(pl);
	htab_free(drop[0]);
	htab_free(drop[1]);
}

/*
 * Records in their place, by where plan_make put them (state_order()): a
 * sort key each, the name's first bytes in it, so that most comparisons
 * read no name.
 */
struct ranked {
	uint64_t	 pre;		/* str_prefix() of a name sorted by */
	uint32_t	 block;		/* block_of() */
	uint32_t	 i;		/* the record's index before */
};

static int
cmp_ranked(const void *a, const void *b, void *records)
{
	const struct ranked *x = a, *y = b;
	const struct managed *v = records;
	int c;

	if (x->block != y->block)
		return x->block < y->block ? -1 : 1;
	if (x->pre != y->pre)
		return x->pre < y->pre ? -1 : 1;
	/* Equal prefixes of names that go on (no NUL in them): the names. */
	if ((x->pre & 0xff) != 0 &&
	    (c = strcmp(v[x->i].name, v[y->i].name)) != 0)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

void
state_order(struct state *s)
{
	struct ranked *r = xcalloc(s->n + 1, sizeof(*r));
	struct managed *v = xcalloc(s->n + 1, sizeof(*v));

	for (size_t i = 0; i < s->n; i++) {
		uint32_t block = (uint32_t)block_of(&s->v[i]);

		/* Odd blocks keep the order they had: no name in the key. */
		r[i] = (struct ranked){ block & 1 ? 0 : str_prefix(s->v[i].name),
		    block, (uint32_t)i };
	}
	qsort_r(r, s->n, sizeof(*r), cmp_ranked, s->v);
	for (size_t i = 0; i < s->n; i++)
		v[i] = s->v[r[i].i];
	for (size_t i = 0; i < s->n; i++)
		s->v[i] = v[i];
	free(v);
	free(r);
}
