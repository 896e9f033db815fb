#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "state.h"

#define MAGIC	"ldapsync-state 1"

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
 * "u NAME ID FLAG UUID" or "g NAME ID UUID"; "-" for no uuid.  FLAG: 0
 * for a user refreshed from the directory, 1 suspended, 2 kept as it was.
 */
static bool
parse_line(char *line, struct managed *m)
{
	char *f[5], *save = NULL;
	int n = 0;

	for (char *t = strtok_r(line, " ", &save); t && n < 5;
	    t = strtok_r(NULL, " ", &save))
		f[n++] = t;
	memset(m, 0, sizeof(*m));
	if (n < 4 || strlen(f[0]) != 1 || !parse_id(f[2], strlen(f[2]), &m->id))
		return false;
	if (f[0][0] == 'u' && n == 5 && f[3][0] >= '0' && f[3][0] <= '2' &&
	    f[3][1] == '\0') {
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
	for (line = copy + sizeof(MAGIC); *line; line = nl) {
		lineno++;
		if ((nl = strchr(line, '\n')) == NULL) {
			log_error("%s:%d: truncated", name, lineno);
			goto out;
		}
		*nl++ = '\0';
		if (!parse_line(line, &m)) {
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

/*
 * Which lines may end with one of the wanted uuids: a bit per value of
 * the uuid's 7th and 8th characters, the fast-moving end of a time-based
 * uuid's first field, so that most lines are passed over at a glance.
 */
static unsigned
uuid_bucket(const char *u)
{
	return ((unsigned char)u[6] * 31u + (unsigned char)u[7]) & 255;
}

/*
 * A few records out of many, without parsing the rest: a user line ends
 * with its uuid.
 */
int
state_load_users(struct state *s, const char *path,
    const struct strlist *uuids)
{
	struct htab *want = htab_new(uuids->n);
	uint64_t bits[4] = { 0 };
	char *text, *line, *nl, *u;
	struct managed m;
	size_t len;
	int lineno = 1, rc = -1;

	state_init(s);
	for (size_t i = 0; i < uuids->n; i++) {
		htab_put(want, uuids->v[i], uuids->v[i]);
		if (strlen(uuids->v[i]) > 7)
			bits[uuid_bucket(uuids->v[i]) / 64] |=
			    1ull << (uuid_bucket(uuids->v[i]) % 64);
	}
	if (read_file(path, &text, &len) == -1) {
		log_error("%s: %s", path, strerror(errno));
		htab_free(want);
		return -1;
	}
	if (strncmp(text, MAGIC "\n", sizeof(MAGIC)) != 0) {
		log_error("%s:1: not an ldapsync state file", path);
		goto out;
	}
	for (line = text + sizeof(MAGIC); line < text + len; line = nl + 1) {
		lineno++;
		if ((nl = memchr(line, '\n', (size_t)(text + len - line))) == NULL)
			break;
		*nl = '\0';
		if (line[0] != 'u' || (u = strrchr(line, ' ')) == NULL ||
		    strlen(++u) <= 7 ||
		    !(bits[uuid_bucket(u) / 64] & 1ull << (uuid_bucket(u) % 64)) ||
		    htab_get(want, u) == NULL)
			continue;
		if (!parse_line(line, &m)) {
			log_error("%s:%d: malformed record", path, lineno);
			goto out;
		}
		state_add(s, &m);
	}
	state_index(s);
	rc = 0;
out:
	free(text);
	htab_free(want);
	return rc;
}

void
state_render(const struct state *s, struct buf *b)
{
	buf_addstr(b, MAGIC "\n");
	for (size_t i = 0; i < s->n; i++) {
		const struct managed *m = &s->v[i];

		buf_addstr(b, m->is_group ? "g " : "u ");
		buf_addstr(b, m->name);
		buf_addc(b, ' ');
		buf_addu(b, m->id);
		if (!m->is_group)
			buf_addstr(b, m->suspended ? " 1" : m->kept ? " 2" : " 0");
		buf_addc(b, ' ');
		buf_addstr(b, m->uuid ? m->uuid : "-");
		buf_addc(b, '\n');
	}
}

void
state_free(struct state *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].uuid);
	}
	free(s->v);
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

void
state_union(const struct state *old, const struct state *next,
    struct state *out)
{
	struct htab *users = htab_new(next->n), *groups = htab_new(next->n / 8);

	state_init(out);
	for (size_t i = 0; i < next->n; i++) {
		state_add(out, &next->v[i]);
		htab_put(next->v[i].is_group ? groups : users, next->v[i].name,
		    &next->v[i]);
	}
	for (size_t i = 0; i < old->n; i++)
		if (htab_get(old->v[i].is_group ? groups : users,
		    old->v[i].name) == NULL)
			state_add(out, &old->v[i]);
	htab_free(users);
	htab_free(groups);
}
