#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dircache.h"
#include "log.h"
#include "state.h"
#include "status.h"
#include "statedir.h"
#include "txn.h"

static const char *const result_names[] = { "success", "failure",
    "failure", "guard" };

/* RFC 3339, UTC. */
static void
rfc3339(time_t t, char out[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One line per value: newlines in a message become spaces. */
static void
put_value(struct buf *b, const char *key, const char *v)
{
	buf_printf(b, "%s=", key);
	for (; v != NULL && *v; v++)
		buf_addc(b, *v == '\n' ? ' ' : *v);
	buf_addc(b, '\n');
}

/* Managed users, groups and suspended users, from the state file. */
static void
managed_counts(const struct conf *c, const char *root, size_t n[3])
{
	char *path = state_file(c, root, SD_STATE);
	struct state st;

	n[0] = n[1] = n[2] = 0;
	if (state_load(&st, path) == 0) {
		n[0] = state_count(&st, false, false);
		n[1] = state_count(&st, true, false);
		n[2] = state_count(&st, false, true);
	}
	state_free(&st);
	free(path);
}

static void
write_metrics(const struct conf *c, const char *root,
    const struct run_record *r, double duration)
{
	size_t n[3];
	static const char *const actions[] = { "added", "updated", "suspended",
	    "deleted" };
	char *path = root_path(root, c->metrics_file);
	struct buf b = { 0 };

	buf_printf(&b, "# HELP ldapsync_last_run_timestamp_seconds When the "
	    "last ldapsync run ended.\n# TYPE "
	    "ldapsync_last_run_timestamp_seconds gauge\n"
	    "ldapsync_last_run_timestamp_seconds %lld\n",
	    (long long)r->end.tv_sec);
	buf_printf(&b, "# HELP ldapsync_last_run_duration_seconds How long "
	    "it took.\n# TYPE ldapsync_last_run_duration_seconds gauge\n"
	    "ldapsync_last_run_duration_seconds %.3f\n", duration);
	buf_printf(&b, "# HELP ldapsync_last_run_success Whether it "
	    "succeeded.\n# TYPE ldapsync_last_run_success gauge\n"
	    "ldapsync_last_run_success %d\n", r->exit_code == 0);
	buf_printf(&b, "# HELP ldapsync_last_run_changes Changes made, by "
	    "kind and action.\n# TYPE ldapsync_last_run_changes gauge\n");
	for (int i = 0; i < 4; i++)
		buf_printf(&b, "ldapsync_last_run_changes{kind=\"user\","
		    "action=\"%s\"} %u\n", actions[i], r->users[i]);
	for (int i = 0; i < 4; i++)
		if (i != 2)
			buf_printf(&b, "ldapsync_last_run_changes{kind=\"group\","
			    "action=\"%s\"} %u\n", actions[i], r->groups[i]);
	managed_counts(c, root, n);
	buf_printf(&b, "# HELP ldapsync_managed Accounts ldapsync manages.\n"
	    "# TYPE ldapsync_managed gauge\n"
	    "ldapsync_managed{kind=\"user\"} %zu\n"
	    "ldapsync_managed{kind=\"group\"} %zu\n"
	    "ldapsync_managed{kind=\"suspended_user\"} %zu\n", n[0], n[1],
	    n[2]);
	if (write_atomic(path, b.p, b.len, 0644) != 0)
		log_warn("%s: metrics not written", path);
	buf_free(&b);
	free(path);
}

/* Whether the directory cache holds a cookie, and since when (mtime). */
static bool
cookie_held(const struct conf *c, const char *root, long *age)
{
	char *path = state_file(c, root, SD_CACHE);
	struct dircache cache;
	struct stat st;
	bool held = false;

	dircache_init(&cache);
	if (stat(path, &st) == 0 && dircache_load(&cache, path) == 0)
		for (size_t i = 0; i < cache.cookies.n; i++)
			held |= cache.cookies.v[i][0] != '\0';
	if (held)
		*age = (long)(time(NULL) - st.st_mtime);
	dircache_free(&cache);
	free(path);
	return held;
}

void
status_record(const struct conf *c, const char *root,
    const struct run_record *r)
{
	char *path = state_file(c, root, SD_LAST_RUN), t[32];
	long age;
	double duration = (double)(r->end.tv_sec - r->start.tv_sec) +
	    (double)(r->end.tv_nsec - r->start.tv_nsec) / 1e9;
	struct buf b = { 0 };

	rfc3339(r->start.tv_sec, t);
	put_value(&b, "last_run_start", t);
	rfc3339(r->end.tv_sec, t);
	put_value(&b, "last_run_end", t);
	put_value(&b, "result", result_names[r->exit_code & 3]);
	buf_printf(&b, "exit_code=%d\nduration=%.3f\n", r->exit_code, duration);
	put_value(&b, "server", r->server);
	put_value(&b, "last_error", r->exit_code == 0 ? NULL : r->error);
	/* The cache is root's: status as anyone reads the cookie here. */
	if (cookie_held(c, root, &age))
		buf_printf(&b, "cookie_since=%lld\n", (long long)(time(NULL) - age));
	/* The run made the state directory (statedir_prepare). */
	if (write_atomic(path, b.p, b.len, 0644) != 0)
		log_warn("%s: the record of this run was not written", path);
	if (c->metrics_file != NULL)
		write_metrics(c, root, r, duration);
	buf_free(&b);
	free(path);
}

/* --- ldapsync status -------------------------------------------------- */

/* The value of key in the record, or NULL. */
static const char *
field(const struct strlist *lines, const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; i < lines->n; i++)
		if (strncmp(lines->v[i], key, n) == 0 && lines->v[i][n] == '=')
			return lines->v[i][n + 1] ? lines->v[i] + n + 1 : NULL;
	return NULL;
}

static void
json_str(struct buf *b, const char *s)
{
	if (s == NULL) {
		buf_addstr(b, "null");
		return;
	}
	buf_addc(b, '"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			buf_printf(b, "\\%c", ch);
		else if (ch < 0x20)
			buf_printf(b, "\\u%04x", ch);
		else
			buf_addc(b, (char)ch);
	}
	buf_addc(b, '"');
}

/* The cookie as the last run recorded it. */
static bool
record_cookie(const struct strlist *lines, long *age)
{
	const char *since = field(lines, "cookie_since");

	if (since == NULL)
		return false;
	*age = (long)(time(NULL) - strtoll(since, NULL, 10));
	return true;
}

int
status_show(const struct conf *c, const char *root, bool json)
{
	char *path = state_file(c, root, SD_LAST_RUN), *text;
	struct strlist lines = { 0 };
	struct buf b = { 0 };
	size_t len, n[3];
	long age = 0;
	bool held;

	if (read_file(path, &text, &len) == 0) {
		for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n"))
			strlist_add(&lines, l);
		free(text);
	}
	free(path);
	managed_counts(c, root, n);
	held = record_cookie(&lines, &age);
	if (json) {
		static const char *const keys[] = { "last_run_start",
		    "last_run_end", "result" };

		buf_addc(&b, '{');
		for (int i = 0; i < 3; i++) {
			buf_printf(&b, "\"%s\":", keys[i]);
			json_str(&b, field(&lines, keys[i]));
			buf_addc(&b, ',');
		}
		buf_printf(&b, "\"exit_code\":%s,\"server\":",
		    field(&lines, "exit_code") ? field(&lines, "exit_code") :
		    "null");
		json_str(&b, field(&lines, "server"));
		buf_printf(&b, ",\"users_managed\":%zu,\"groups_managed\":%zu,"
		    "\"users_suspended\":%zu,\"cookie\":%s,"
		    "\"cookie_age_seconds\":", n[0], n[1], n[2],
		    held ? "true" : "false");
		if (held)
			buf_printf(&b, "%ld", age);
		else
			buf_addstr(&b, "null");
		buf_addstr(&b, ",\"last_error\":");
		json_str(&b, field(&lines, "last_error"));
		buf_addstr(&b, "}\n");
	} else {
		buf_printf(&b, "last run:    %s to %s\n", field(&lines,
		    "last_run_start") ?: "never", field(&lines, "last_run_end") ?:
		    "-");
		buf_printf(&b, "result:      %s (exit %s)\n", field(&lines,
		    "result") ?: "-", field(&lines, "exit_code") ?: "-");
		buf_printf(&b, "server:      %s\n", field(&lines, "server") ?: "-");
		buf_printf(&b, "managed:     %zu users (%zu suspended), %zu "
		    "groups\n", n[0], n[2], n[1]);
		if (held)
			buf_printf(&b, "sync cookie: held, %ld s old\n", age);
		else
			buf_addstr(&b, "sync cookie: none\n");
		buf_printf(&b, "last error:  %s\n", field(&lines, "last_error") ?:
		    "none");
	}
	fwrite(b.p, 1, b.len, stdout);
	buf_free(&b);
	strlist_free(&lines);
	return 0;
}
