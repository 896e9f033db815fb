#include "config.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "acctline.h"
#include "lock.h"
#include "changeset.h"
#include "log.h"
#include "dircache.h"
#include "fetch.h"
#include "home.h"
#include "mirror.h"
#include "plan.h"
#include "pool.h"
#include "pwfile.h"
#include "stamp.h"
#include "state.h"
#include "sshkeys.h"
#include "statedir.h"
#include "status.h"
#include "sync.h"
#include "txn.h"

extern char **environ;

enum { F_PASSWD, F_SHADOW, F_GROUP, F_GSHADOW, F_COUNT };

static const struct {
	const char	*path;
	mode_t		 mode;		/* for a file that does not exist yet */
} files[F_COUNT] = {
	{ "/etc/passwd", 0644 }, { "/etc/shadow", 0640 },
	{ "/etc/group", 0644 }, { "/etc/gshadow", 0640 },
};

struct run {
	struct conf		*c;
	const struct sync_opts	*o;
	struct users		 users;
	struct groups		 groups;
	/*
	 * What the plan reads: the files, and with "files no" the lines the
	 * state directory keeps appended; real[] then holds the files alone.
	 */
	struct pwfile		 f[F_COUNT];
	struct pwfile		 real[F_COUNT];
	struct state		 old;
	char			*state_path;
	char			*old_state_text;
	struct locks		*locks;
	struct plan		 plan;
	bool			 planned;
	struct buf		 out[F_COUNT];	/* the files' new content */
	char			*server;	/* the URI the data came from */
	struct dircache		 cache;		/* for incremental sync */
	char			*cache_path;
	/* Where a full refresh writes the cache's image as it comes. */
	int			 cache_fd;
	char			*cache_tmp;
	/* The cache's files as the run leaves them (render_cache()). */
	struct cache_out {
		bool		 rendered;
		bool		 synced;	/* RFC 4533: else it goes */
		bool		 changed;
		int		 spilled;
		struct buf	 image, log;
	}			 cache_out;
	/* A full refresh's, rendered while the plan is made. */
	struct task		*cache_task;
	/* Planned as a change set (changeset.h), not as everything. */
	bool			 changeset;
	struct changeset	 cs;
	/* What earlier commits replaced, freed meanwhile (txn.h). */
	struct txn_release	*release;
};

/* --- local databases -------------------------------------------------- */

/* The state directory's copy of the lines file i would hold. */
static char *
lines_path(const struct run *r, int i)
{
	char *name = xasprintf(SD_LINES "%s", strrchr(files[i].path, '/') + 1);
	char *path = state_file(r->c, r->o->root, name);

	free(name);
	return path;
}

/*
 * The accounts' lines kept in the state directory ("files no") are
 * planned as if they were in the files, after the local lines.
 */
static int
add_kept_lines(struct run *r)
{
	for (int i = 0; i < F_COUNT; i++) {
		char *path = lines_path(r, i), *text = NULL;
		struct buf b = { 0 };
		size_t len = 0;

		if (read_file(path, &text, &len) == -1 && errno != ENOENT) {
			log_error("%s: %s", path, strerror(errno));
			free(path);
			return -1;
		}
		free(path);
		buf_add(&b, r->f[i].data, r->f[i].size);
		if (b.len > 0 && b.p[b.len - 1] != '\n')
			buf_addc(&b, '\n');
		buf_add(&b, text ? text : "", len);
		r->real[i] = r->f[i];
		pwfile_parse(&r->f[i], r->real[i].path, buf_cstr(&b), b.len);
		r->f[i].exists = r->real[i].exists;
		buf_free(&b);
		free(text);
	}
	return 0;
}

static int
load_local(struct run *r)
{
	size_t len;

	for (int i = 0; i < F_COUNT; i++) {
		char *p = root_path(r->o->root, files[i].path);
		int rc = pwfile_load(&r->f[i], p);

		free(p);
		if (rc != 0)
			return -1;
	}
	if (state_load(&r->old, r->state_path) != 0)
		return -1;
	if (read_file(r->state_path, &r->old_state_text, &len) == -1)
		r->old_state_text = xstrdup("");
	return r->old.files_absent ? add_kept_lines(r) : 0;
}

static void
show_changes(const struct run *r)
{
	for (size_t i = 0; i < r->plan.changes.n; i++)
		log_change(r->plan.changes.v[i], r->o->dry_run);
	/* The switch to "files no" changes the files, not the accounts. */
	if (!r->c->files && !r->old.files_absent && r->old.n > 0)
		for (int i = 0; i < F_COUNT; i++) {
			char *line = xasprintf("files no: the accounts' lines "
			    "leave %s", r->f[i].path);

			log_change(line, r->o->dry_run);
			free(line);
		}
}

static int
check_guard(const struct run *r)
{
	const struct plan *p = &r->plan;

	if (!p->guard_users && !p->guard_groups && !p->guard_members)
		return 0;
	if (r->o->force) {
		log_warn("max_removals exceeded; going on because of --force");
		return 0;
	}
	log_error("max_removals exceeded: this run would suspend, delete or "
	    "skip %u of %zu users, delete or skip %u of %zu groups and drop "
	    "%u of %zu memberships; nothing changed (use --force to apply)",
	    p->users[N_SUSPENDED] + p->users[N_DELETED] + p->users_skipped,
	    p->before.users, p->groups[N_DELETED] + p->groups_skipped,
	    p->before.groups, p->members_dropped, p->before.members);
	return -1;
}

static const struct pwedit *
edit_of(const struct plan *p, int i)
{
	const struct pwedit *e[F_COUNT] = { &p->passwd, &p->shadow, &p->group,
	    &p->gshadow };

	return e[i];
}

static void
render_files(struct run *r)
{
	for (int i = 0; i < F_COUNT; i++) {
		pwfile_render(&r->f[i], edit_of(&r->plan, i), &r->out[i]);
		buf_cstr(&r->out[i]);
	}
}

/* Debian's group for shadow and gshadow created anew: the tree's own. */
static gid_t
shadow_gid(const struct run *r)
{
	const struct pwline *l = r->f[F_GROUP].path == NULL ? NULL :
	    pwfile_find(&r->f[F_GROUP], "shadow");
	char *f = l != NULL ? pwline_field(l, 2) : NULL;
	uint32_t gid = 0;

	if (f == NULL || !parse_id(f, strlen(f), &gid))
		gid = 0;
	free(f);
	return (gid_t)gid;
}

/* Stages each file whose content changes; *changed gets a bit for each. */
static int
stage_files(struct run *r, struct txn *t, unsigned *changed)
{
	for (int i = 0; i < F_COUNT; i++) {
		const struct buf *b = &r->out[i];
		const struct pwfile *f = r->real[i].path ? &r->real[i] : &r->f[i];

		if (b->len == f->size && memcmp(b->p, f->data, b->len) == 0)
			continue;
		if (txn_stage(t, f->path, b->p, b->len, files[i].mode, 0,
		    files[i].mode == 0640 ? shadow_gid(r) : 0,
		    TXN_KEEP | TXN_BACKUP) != 0)
			return -1;
		*changed |= 1u << i;
	}
	return 0;
}

/* The state's own index of the accounts that file i holds lines of. */
static const struct htab *
names_for(const struct state *st, int i)
{
	return i == F_GROUP || i == F_GSHADOW ? st->groups_by_name :
	    st->users_by_name;
}

/* Stages path with text unless it already reads so. */
static int
stage_if_new(struct txn *t, const char *path, const struct buf *text,
    mode_t mode)
{
	char *old = NULL;
	size_t len = 0;
	bool same = read_file(path, &old, &len) == 0 && len == text->len &&
	    memcmp(old, text->p, len) == 0;

	free(old);
	return same ? 0 : txn_stage(t, path, text->p, text->len, mode, 0, 0, 0);
}

/* The lines of file i that belong to managed accounts, in file order. */
static void
managed_lines(const struct run *r, int i, struct buf *out)
{
	const struct htab *names = names_for(&r->plan.next, i);
	struct pwfile f;

	pwfile_parse(&f, "", r->out[i].p, r->out[i].len);
	for (size_t k = 0; k < f.n; k++)
		if (f.lines[k].name != NULL &&
		    htab_get(names, f.lines[k].name) != NULL) {
			buf_add(out, f.lines[k].raw, f.lines[k].len);
			buf_addc(out, '\n');
		}
	buf_cstr(out);
	pwfile_free(&f);
}

/* File i without the lines of the accounts a "files yes" run wrote. */
static int
stage_lines_leaving(struct run *r, struct txn *t, int i, unsigned *changed)
{
	const struct htab *gone = names_for(&r->old, i);
	struct buf b = { 0 };
	struct pwedit drop;
	int rc = 0;

	pwedit_init(&drop);
	for (size_t k = 0; k < r->f[i].n; k++)
		if (r->f[i].lines[k].name != NULL &&
		    htab_get(gone, r->f[i].lines[k].name) != NULL)
			pwedit_replace(&drop, r->f[i].lines[k].name, NULL);
	pwfile_render(&r->f[i], &drop, &b);
	if (b.len != r->f[i].size) {
		rc = txn_stage(t, r->f[i].path, b.p, b.len, files[i].mode, 0, 0,
		    TXN_KEEP | TXN_BACKUP);
		*changed |= 1u << i;
	}
	buf_free(&b);
	pwedit_free(&drop);
	return rc;
}

/*
 * "files no": the files lose the lines a run with "files yes" wrote
 * (local lines untouched), and the state directory keeps the accounts'
 * lines instead, for the next run to plan against.
 */
static int
stage_files_no(struct run *r, struct txn *t, unsigned *changed)
{
	int rc = 0;

	state_index(&r->plan.next);	/* for managed_lines() */
	for (int i = 0; i < F_COUNT && rc == 0; i++) {
		struct buf b = { 0 };
		char *path = lines_path(r, i);

		if (!r->old.files_absent)
			rc = stage_lines_leaving(r, t, i, changed);
		managed_lines(r, i, &b);
		if (rc == 0)
			rc = stage_if_new(t, path, &b, 0600);
		buf_free(&b);
		free(path);
	}
	return rc;
}

/* "files yes" again: the files take the lines back, the copies go. */
static void
unstage_kept_lines(struct run *r, struct txn *t)
{
	for (int i = 0; i < F_COUNT && r->old.files_absent; i++) {
		char *path = lines_path(r, i);

		txn_stage_unlink(t, path);
		free(path);
	}
}

/* The mirror's bases, then their deltas (nss/mirror-format.h). */
static const char *const mirror_names[4] = { SD_MIRROR, SD_MIRROR_SHADOW,
    SD_MIRROR_DELTA, SD_MIRROR_SHADOW_DELTA };
static const char *const base_names[4] = { SD_MIRROR_BASE,
    SD_MIRROR_SHADOW_BASE, SD_MIRROR_DELTA_BASE, SD_MIRROR_SHADOW_DELTA_BASE };

/*
 * The mirror follows from the files and the state alone: when neither
 * changes, both mirror files are there and the last run's stamp vouches
 * for them, it cannot have either.  With "files no" the files on disk say
 * nothing, so it is always rebuilt.
 */
static bool
mirror_wanted(struct run *r, bool inputs_changed)
{
	bool wanted = inputs_changed || !r->c->files ||
	    !stamp_matches(r->c, r->o->root);
	char *path;

	for (int i = 0; i < 4 && !wanted; i++) {
		path = state_file(r->c, r->o->root, mirror_names[i]);
		wanted = !mirror_present(path);
		free(path);
	}
	return wanted;
}

/* Whether two paths are one file. */
static bool
same_file(const char *a, const char *b)
{
	struct stat x, y;

	return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev &&
	    x.st_ino == y.st_ino;
}

/*
 * The mirror a change set's edits apply to: the one the stamp vouches
 * for, as the files; watch's mirror runs keep the mirror ahead of the
 * files, so theirs is the link kept of it (mirror_keep()), whose bases
 * must still be the mirror's for their deltas to apply.  false when there
 * is none: then the mirror is built.
 */
static bool
edit_source(struct run *r, char *src[4])
{
	const char *const *names = r->o->mirror_only ? base_names :
	    mirror_names;
	bool ok = r->o->mirror_only || stamp_matches(r->c, r->o->root);
	char *live;

	for (int i = 0; i < 4; i++) {
		src[i] = state_file(r->c, r->o->root, names[i]);
		ok = ok && (!r->o->mirror_only ||
		    stamp_recorded(r->c, r->o->root, mirror_names[i], src[i]));
		if (ok && r->o->mirror_only && i < 2) {
			live = state_file(r->c, r->o->root, mirror_names[i]);
			ok = same_file(live, src[i]);
			free(live);
		}
	}
	return ok;
}

/* A change set's edits, applied to the mirror as to the files: deltas. */
static int
edit_mirror(struct run *r, struct buf b[2])
{
	struct mirror_edit e = { &r->plan.passwd, &r->plan.shadow,
	    &r->plan.group, &r->plan.next, r->o->mirror_only };
	char *src[4];
	int rc = -1;

	state_index(&r->plan.next);
	if (edit_source(r, src))
		rc = mirror_edit((const char *const *)src, &e, &b[0], &b[1]);
	for (int i = 0; i < 4; i++)
		free(src[i]);
	return rc;
}

/* After a run that wrote the files: the mirror they go with, kept. */
static void
keep_mirror(const struct run *r)
{
	for (int i = 0; i < 4; i++) {
		char *path = state_file(r->c, r->o->root, mirror_names[i]);
		char *keep = state_file(r->c, r->o->root, base_names[i]);

		mirror_keep(path, keep);
		free(path);
		free(keep);
	}
}

/*
 * The accounts the mirror holds: a whole plan's next state as it is; a
 * change set's (whose plan holds only what it planned) read back from
 * the state text, or its view when that text is empty (unchanged).
 */
static int
build_mirror(struct run *r, struct buf *state_text, struct buf b[2])
{
	struct state_view next = { 0 };
	const struct managed *v = r->plan.next.v;
	size_t n = r->plan.next.n;
	int rc = 0;

	if (r->changeset && state_text->len == 0) {
		v = r->cs.view.v;
		n = r->cs.view.n;
	} else if (r->changeset) {
		rc = state_view_parse(&next, r->state_path,
		    buf_cstr(state_text));
		v = next.v;
		n = next.n;
	}
	if (rc == 0)
		mirror_build(v, n, &r->out[F_PASSWD], &r->out[F_GROUP],
		    &r->out[F_SHADOW], &b[0], &b[1]);
	state_view_free(&next);
	return rc;
}

/*
 * Stages one file of the mirror (0, 1: the bases; 2, 3: their deltas)
 * unless it already holds that content, which then takes the file's
 * generation.  held[i] receives the file replaced, to be marked RECYCLED
 * once the new one is in place.
 */
static int
stage_mirror_file(struct run *r, struct txn *t, int i, struct buf *b,
    int held[4], bool *changed)
{
	char *path = state_file(r->c, r->o->root, mirror_names[i]);
	int rc = 0;

	/*
	 * No fsync: a mirror lost in a power failure fails its checks, and
	 * the next run (its stamp gone) builds it again.
	 */
	if (!mirror_same(path, b)) {
		rc = txn_stage(t, path, b->p, b->len, i % 2 ? 0600 : 0644, 0, 0,
		    TXN_NOSYNC);
		held[i] = mirror_hold(path);
		*changed = true;
	}
	free(path);
	return rc;
}

/* A base built anew, and the empty delta that goes with it. */
static int
stage_base(struct run *r, struct txn *t, int i, struct buf *b, int held[4],
    bool *changed)
{
	struct buf delta = { 0 };
	int rc = stage_mirror_file(r, t, i, b, held, changed);

	mirror_empty_delta(b, &delta);
	if (rc == 0)
		rc = stage_mirror_file(r, t, i + 2, &delta, held, changed);
	buf_free(&delta);
	return rc;
}

/*
 * The mirror for the NSS module, from the lines the files now get (or
 * would get, with "files no") and the accounts of the new state (its
 * text: a change set's plan holds only the accounts it planned): a
 * change set's as deltas, others built anew.  Bases are staged before
 * their deltas and marked RECYCLED before them (mirror_release()), as
 * readers expect (nss/reader.c).
 */
static int
stage_mirror(struct run *r, struct txn *t, struct buf *state_text,
    int held[4], bool *changed)
{
	struct buf b[2] = { { 0 }, { 0 } };
	/* An edited mirror leaves out the delta it does not change. */
	bool edited = r->changeset && edit_mirror(r, b) == 0;
	int rc = edited ? 0 : build_mirror(r, state_text, b);

	for (int i = 0; i < 2 && rc == 0; i++) {
		if (!edited)
			rc = stage_base(r, t, i, &b[i], held, changed);
		else if (b[i].len > 0)
			rc = stage_mirror_file(r, t, i + 2, &b[i], held,
			    changed);
	}
	buf_free(&b[0]);
	buf_free(&b[1]);
	return rc;
}

/*
 * The next state: all planned, or the old one with a change set's;
 * false when it reads as the old one (a change set's then stays empty).
 */
static bool
render_state(const struct run *r, struct buf *out)
{
	if (r->changeset)
		return changeset_state(&r->cs, &r->plan, out);
	state_render(&r->plan.next, out);
	return strcmp(buf_cstr(out), r->old_state_text) != 0;
}

struct state_rendering {
	const struct run	*r;
	struct buf		*out;
	bool			 changed;
};

static void
render_state_aside(void *arg)
{
	struct state_rendering *s = arg;

	s->changed = render_state(s->r, s->out);
}

/* The state and the files, each on a core: whether the state changes. */
static bool
render_all(struct run *r, struct buf *state_text)
{
	struct state_rendering s = { r, state_text, false };
	struct task *t = task_start(render_state_aside, &s);

	render_files(r);
	task_wait(t);
	return s.changed;
}

/* The SSH keys map a change set edits must be there to edit. */
static bool
keys_present(const struct run *r)
{
	char *path = state_file(r->c, r->o->root, SD_KEYS);
	bool there = access(path, F_OK) == 0;

	free(path);
	return there;
}

/*
 * The SSH keys map (sshkeys.h), readable by all: the plan's accounts'
 * keys replace what they had; the deleted and suspended have none.
 */
static int
stage_keys(struct run *r, struct txn *t)
{
	char *path = state_file(r->c, r->o->root, SD_KEYS);
	size_t len = 0;
	const char *old = map_file(path, &len);
	bool exists = old != NULL || errno == 0;	/* empty: no mapping */
	struct buf text = { 0 };
	int rc = 0;

	if (!exists && errno != ENOENT) {
		log_error("%s: %s", path, strerror(errno));
		rc = -1;
	} else if (!exists || r->plan.keys_drop.n > 0) {
		sshkeys_edit(old, old ? len : 0, &r->plan.keys_drop,
		    &r->plan.keys, &text);
		if (!exists || text.len != len || (len > 0 &&
		    memcmp(old, text.p, len) != 0))
			rc = txn_stage(t, path, text.p, text.len, 0644, 0, 0, 0);
	}
	if (old != NULL)
		unmap_file(old, len);
	buf_free(&text);
	free(path);
	return rc;
}

/* Stages a state already rendered. */
static int
stage_state(struct run *r, struct txn *t, const struct buf *text)
{
	return txn_stage(t, r->state_path, text->p, text->len, 0644, 0, 0,
	    TXN_KEEP);
}

/*
 * The directory cache's files as this run leaves them.  Its image is
 * rendered at most once: a full refresh's, on another core while the
 * plan is made (the plan does not read it), others when staged.
 */
static void
render_cache(struct run *r)
{
	struct cache_out *co = &r->cache_out;

	co->rendered = true;
	co->synced = r->cache.cookies.n > 0;
	if (co->synced)
		co->changed = dircache_render(&r->cache, &co->image, &co->log);
	co->spilled = dircache_spilled(&r->cache);
}

/* Rendered, a full refresh's image is not needed any more: it goes. */
static void
render_cache_aside(void *arg)
{
	struct run *r = arg;

	render_cache(r);
	dircache_free(&r->cache);
	dircache_init(&r->cache);
}

/*
 * The directory cache and its cookies, written with the files so that a
 * cookie never stands for data the files do not hold: the log of this
 * run's changes, and the image when it is rewritten.  It keeps raw
 * attribute values, passwords among them: root only.
 */
static int
stage_cache(struct run *r, struct txn *t, bool *changed)
{
	struct cache_out *co = &r->cache_out;
	char *log_path = xasprintf("%s.log", r->cache_path);
	int rc = 0;

	task_wait(r->cache_task);
	r->cache_task = NULL;
	if (!co->rendered)
		render_cache(r);
	/*
	 * No RFC 4533 this run: a cache left from another server would
	 * mislead the next one; it goes with this run's commit.
	 */
	if (!co->synced) {
		if (access(r->cache_path, F_OK) == 0) {
			txn_stage_unlink(t, r->cache_path);
			txn_stage_unlink(t, log_path);
		}
		goto out;
	}
	/* Lost in a crash, either only means a full refresh: no fsync. */
	if (co->changed) {
		if (co->spilled < 0)
			rc = -1;
		else if (co->spilled > 0) {
			txn_stage_temp(t, r->cache_path, r->cache_tmp);
			r->cache_tmp = NULL;
		} else if (co->image.len > 0)
			rc = txn_stage(t, r->cache_path, co->image.p,
			    co->image.len, 0600, 0, 0, TXN_NOSYNC);
		if (rc == 0)
			rc = txn_stage(t, log_path, co->log.p, co->log.len,
			    0600, 0, 0, TXN_NOSYNC);
		*changed = true;
	}
out:
	buf_free(&co->image);
	buf_free(&co->log);
	free(log_path);
	return rc;
}

static void
drop_cache(struct run *r)
{
	char *log_path = xasprintf("%s.log", r->cache_path);

	if (unlink(r->cache_path) == -1 && errno != ENOENT)
		log_warn("%s: %s", r->cache_path, strerror(errno));
	if (unlink(log_path) == -1 && errno != ENOENT)
		log_warn("%s: %s", log_path, strerror(errno));
	free(log_path);
}

/* As shadow-utils does after a change, once the locks are released. */
static void
invalidate_caches(unsigned changed)
{
	static const char *const nscd[] = { "/usr/sbin/nscd", "-i", NULL, NULL };
	static const char *const sss[] = { "/usr/sbin/sss_cache", "-UG", NULL };
	const char *argv[4];
	pid_t pid;
	int st;

	for (int map = 0; map < 2; map++) {
		if (!(changed & (map ? 0xc : 0x3)) || access(nscd[0], X_OK) != 0 ||
		    access("/var/run/nscd/socket", F_OK) != 0)
			continue;
		memcpy(argv, nscd, sizeof(argv));
		argv[2] = map ? "group" : "passwd";
		if (posix_spawn(&pid, argv[0], NULL, NULL, (char **)argv,
		    environ) == 0)
			waitpid(pid, &st, 0);
	}
	if (changed && access(sss[0], X_OK) == 0 &&
	    access("/var/lib/sss/mc/passwd", F_OK) == 0 &&
	    posix_spawn(&pid, sss[0], NULL, NULL, (char **)sss, environ) == 0)
		waitpid(pid, &st, 0);
}

/*
 * Once the files are staged, what the plan read goes as the mirror is
 * built (on another core: nothing here is the mirror's): at 100,000 users
 * it is most of the run's memory.  A change set's edits stay: the mirror
 * follows them.
 */
static void
release_inputs(struct run *r)
{
	users_free(&r->users);
	groups_free(&r->groups);
	for (int i = 0; i < F_COUNT; i++) {
		pwfile_free(&r->f[i]);
		pwfile_free(&r->real[i]);
	}
	state_free(&r->old);
	if (!r->changeset)
		plan_drop_edits(&r->plan);
}

static void
release_inputs_aside(void *r)
{
	release_inputs(r);
}

/*
 * Once everything is staged, what only staging read goes while the
 * commit waits for the disk, rather than after it: at 100,000 accounts,
 * tens of megabytes and a quarter of a million allocations.
 */
struct staged {
	struct run	*r;
	struct buf	*state_text;
};

static void
drop_staged_aside(void *arg)
{
	struct staged *s = arg;

	buf_free(s->state_text);
	for (int i = 0; i < F_COUNT; i++)
		buf_free(&s->r->out[i]);
	state_free(&s->r->plan.next);
	if (s->r->changeset)
		changeset_free(&s->r->cs);
}

/*
 * Everything the run changes, as one unit (txn.h): the files, the mirror,
 * the directory cache and the state, so that a crash leaves them all old
 * or, once the next command completes the journal, all new.
 */
static int
apply(struct run *r)
{
	struct txn *t = txn_new();
	unsigned changed = 0;
	struct buf state_text = { 0 };
	bool new_state, new_mirror = false, new_cache = false;
	char *journal = state_file(r->c, r->o->root, SD_COMMIT);
	int held[4] = { -1, -1, -1, -1 }, rc = -1;
	struct task *freeing = NULL, *dropping = NULL;
	struct staged staged = { r, &state_text };

	r->plan.next.files_absent = !r->c->files;
	new_state = render_all(r, &state_text);
	if (r->c->files) {
		if (stage_files(r, t, &changed) != 0)
			goto out;
		unstage_kept_lines(r, t);
	} else if (stage_files_no(r, t, &changed) != 0)
		goto out;
	/* Its million allocations are freed on another core meanwhile. */
	freeing = task_start(release_inputs_aside, r);
	if (stage_cache(r, t, &new_cache) != 0)
		goto out;
	/*
	 * Staged, an incremental run's cache need not wait for the mirror
	 * (a full refresh's went as the plan was made).
	 */
	dircache_free(&r->cache);
	dircache_init(&r->cache);
	if (new_state && stage_state(r, t, &state_text) != 0)
		goto out;
	/* Written: only a change set's mirror reads it back (build_mirror()). */
	if (!r->changeset)
		buf_free(&state_text);
	if (mirror_wanted(r, new_state || changed) &&
	    stage_mirror(r, t, &state_text, held, &new_mirror) != 0)
		goto out;
	if (stage_keys(r, t) != 0)
		goto out;
	/* What the stamp describes is about to change. */
	if (!txn_empty(t))
		stamp_remove(r->c, r->o->root);
	dropping = task_start(drop_staged_aside, &staged);
	if (txn_commit(t, journal) != 0)
		goto out;
	rc = 0;
out:
	task_wait(dropping);
	task_wait(freeing);
	mirror_release(held, rc == 0);
	buf_free(&state_text);
	txn_free(t);
	free(journal);
	locks_release(r->locks);
	r->locks = NULL;
	if (rc == 0 && (changed || new_mirror) && strcmp(r->o->root, "/") == 0)
		invalidate_caches(changed | (new_mirror ? 0xf : 0));
	return rc;
}

static int
apply_mirror(struct run *r)
{
	struct txn *t = txn_new();
	struct buf state_text = { 0 };
	int held[4] = { -1, -1, -1, -1 }, rc = -1;
	bool changed = false;

	render_all(r, &state_text);
	/*
	 * No journal: watch's runs hold no lock, and a mirror ahead of the
	 * files is rebuilt by the next full run once the stamp disagrees.
	 */
	if (stage_mirror(r, t, &state_text, held, &changed) == 0 &&
	    stage_keys(r, t) == 0 && txn_commit(t, NULL) == 0)
		rc = 0;
	mirror_release(held, rc == 0);
	buf_free(&state_text);
	txn_free(t);
	return rc;
}

static void
run_free(struct run *r)
{
	task_wait(r->cache_task);
	buf_free(&r->cache_out.image);
	buf_free(&r->cache_out.log);
	txn_release_wait(r->release);
	locks_release(r->locks);
	release_inputs(r);
	for (int i = 0; i < F_COUNT; i++)
		buf_free(&r->out[i]);
	if (r->planned)
		plan_free(&r->plan);
	free(r->state_path);
	free(r->old_state_text);
	free(r->server);
	free(r->cache_path);
	dircache_free(&r->cache);
	if (r->changeset)
		changeset_free(&r->cs);
	if (r->cache_fd != -1)
		close(r->cache_fd);
	if (r->cache_tmp != NULL)
		unlink(r->cache_tmp);
	free(r->cache_tmp);
}

/*
 * The directory sent nothing new and no local file changed since the
 * last run: that run's result stands.
 */
static int
nothing_changed(struct run *r)
{
	struct plan none;
	char *summary;

	memset(&none, 0, sizeof(none));
	log_verbose("nothing changed since the last run");
	summary = plan_summary(&none);
	log_info("%s", summary);
	free(summary);
	if (!r->o->dry_run && pool_remember(r->c, r->o->root, r->server) != 0)
		return EXIT_RUNTIME;
	return EXIT_OK;
}

/*
 * create_home, once the accounts are committed: a run that fails leaves
 * no home behind, and one whose home cannot be made still stands (the
 * next run tries again).
 */
static void
make_homes(struct run *r)
{
	mode_t mode;

	if (r->plan.nhomes == 0)
		return;
	mode = home_mode(r->o->root);
	for (size_t i = 0; i < r->plan.nhomes; i++) {
		const struct plan_home *h = &r->plan.homes[i];

		if (home_make(r->o->root, h->path, r->c->skel_dir, h->uid,
		    h->gid, mode) == 1)
			log_verbose("+ home %s made", h->path);
	}
}

/* What status and the metrics read: every run but a dry one. */
static void
record(struct run *r, const struct timespec *start, int rc)
{
	struct run_record rec = { .start = *start, .exit_code = rc,
	    .server = r->server, .error = log_last_error() };

	if (r->o->dry_run || r->o->mirror_only)
		return;
	clock_gettime(CLOCK_REALTIME, &rec.end);
	if (r->planned) {
		memcpy(rec.users, r->plan.users, sizeof(rec.users));
		memcpy(rec.groups, r->plan.groups, sizeof(rec.groups));
	}
	status_record(r->c, r->o->root, &rec);
}

/* Every user and group of the cache; a damaged cache goes. */
static int
map_all(struct run *r)
{
	if (fetch_from_cache(r->c, r->o->root, &r->cache, &r->users,
	    &r->groups) == 0)
		return 0;
	log_error("%s: damaged; removed, so that the next run does a full "
	    "refresh", r->cache_path);
	if (!r->o->dry_run)
		drop_cache(r);
	return -1;
}

static bool
take_locks(struct run *r)
{
	if (r->o->dry_run || r->o->mirror_only || r->locks != NULL)
		return true;
	return (r->locks = locks_take(r->o->root)) != NULL;
}

/*
 * The files the last commits replaced, kept in the state directory beside
 * the journal (txn.h), freed while this run plans; once the locks are
 * held, as their journal commit would hold up the locks' own.
 */
static void
start_release(struct run *r)
{
	char *dir;

	if (r->o->dry_run || r->o->mirror_only || r->release != NULL)
		return;
	dir = state_dir(r->c, r->o->root);
	r->release = txn_release_start((const char *const *)&dir, 1);
	free(dir);
}

/*
 * An incremental run plans its change set alone (changeset.h) when it
 * can: false, with nothing left of the attempt, when the whole directory
 * must be planned.
 */
static bool
plan_changes(struct run *r)
{
	struct changeset_in in = { r->c, r->o->root, &r->cache, r->state_path,
	    { NULL } };
	char *paths[F_COUNT];

	/* watch's mirror runs leave the files behind the mirror. */
	if (!(r->o->mirror_only ? stamp_matches_files(r->c, r->o->root) :
	    stamp_matches(r->c, r->o->root))) {
		log_verbose("the whole directory is planned: local files "
		    "changed since the last run");
		return false;
	}
	if (!keys_present(r)) {
		log_verbose("the whole directory is planned: the SSH keys map "
		    "is missing");
		return false;
	}
	for (int i = 0; i < F_COUNT; i++)
		in.paths[i] = paths[i] = root_path(r->o->root, files[i].path);
	if ((r->changeset = changeset_load(&r->cs, &in, r->f)))
		changeset_plan(&r->cs, r->c, r->f, &r->plan);
	for (int i = 0; i < F_COUNT; i++)
		free(paths[i]);
	return r->planned = r->changeset;
}

/* Everything the directory holds against everything here. */
static int
plan_all(struct run *r)
{
	struct plan_input in = { r->c, &r->users, &r->groups, &r->old,
	    &r->f[F_PASSWD], &r->f[F_SHADOW], &r->f[F_GROUP],
	    &r->f[F_GSHADOW], NULL, !log_changes_shown(r->o->dry_run) };

	if (load_local(r) != 0)
		return -1;
	plan_make(&in, &r->plan);
	r->planned = true;
	return 0;
}

/*
 * The plan of what the directory sent: a change set alone when it can
 * be, else everything (from the cache after an incremental refresh).
 */
static int
plan_run(struct run *r, int fetched)
{
	if (!take_locks(r))
		return -1;
	start_release(r);
	if (fetched == FETCH_CHANGED && plan_changes(r)) {
		log_verbose("planned as a change set: %zu user(s), %zu "
		    "group(s)", r->cs.users.n, r->cs.groups.n);
		return 0;
	}
	if (fetched != 0 && map_all(r) != 0)
		return -1;
	if (fetched == 0 && !r->o->dry_run && !r->o->mirror_only)
		r->cache_task = task_start(render_cache_aside, r);
	return plan_all(r);
}

/* Whether a dead run left anything: its journal, or temporary files. */
static bool
left_behind(const char *journal, const char *etc, const char *dir)
{
	return access(journal, F_OK) == 0 || errno != ENOENT ||
	    txn_left(etc) || txn_left(dir);
}

/*
 * Before anything else, under the locks: an interrupted commit completed
 * and what dead runs left removed, so that this run starts from files,
 * mirror and state that correspond.  With nothing left behind, no lock
 * is taken only to look (4 fsyncs): a journal is written under the locks
 * and removed before they go, and a run committing now completes its own.
 * A dry run only says so.
 */
static int
recover(struct run *r)
{
	char *journal = state_file(r->c, r->o->root, SD_COMMIT);
	char *etc = root_path(r->o->root, "/etc");
	char *dir = state_dir(r->c, r->o->root);
	int rc = 0;

	if (r->o->dry_run || r->o->mirror_only) {
		if (access(journal, F_OK) == 0)
			log_warn("an interrupted run left %s; the next sync "
			    "completes it", journal);
		goto out;
	}
	/* Only dead processes' files go: no lock is needed, and a pid file
	 * left where a lock is taken cannot stand in its way. */
	locks_sweep(r->o->root);
	if (!left_behind(journal, etc, dir))
		goto out;
	if (!take_locks(r)) {
		rc = -1;
		goto out;
	}
	rc = txn_recover(journal) < 0 ? -1 : 0;
	txn_sweep(etc);
	txn_sweep(dir);
	locks_release(r->locks);
	r->locks = NULL;
out:
	free(journal);
	free(etc);
	free(dir);
	return rc;
}

int
sync_run(struct conf *c, const struct sync_opts *o)
{
	struct run r = { .c = c, .o = o, .cache_fd = -1 };
	struct timespec start;
	struct fetch_opts fo;
	int rc = EXIT_RUNTIME, fetched;
	char *summary;

	clock_gettime(CLOCK_REALTIME, &start);
	dircache_init(&r.cache);
	/* Nothing is recorded in a state directory that is refused. */
	if (statedir_prepare(c, o->root, !o->dry_run) != 0)
		return EXIT_RUNTIME;
	r.cache_path = state_file(c, o->root, SD_CACHE);
	r.state_path = state_file(c, o->root, SD_STATE);
	if (recover(&r) != 0)
		goto out;
	/* A run that writes takes a full refresh's cache image as it comes. */
	if (!o->dry_run && !o->mirror_only)
		r.cache_fd = txn_temp(r.cache_path, &r.cache_tmp);
	fo = (struct fetch_opts){ o->root, r.cache_path, r.cache_fd, o->full };
	fetched = fetch(c, &fo, &r.users, &r.groups, &r.cache, &r.server);
	if (fetched < 0)
		goto out;
	if (fetched == FETCH_UNCHANGED && stamp_matches(c, o->root) &&
	    keys_present(&r)) {
		start_release(&r);
		rc = nothing_changed(&r);
		goto out;
	}
	if (plan_run(&r, fetched) != 0)
		goto out;
	show_changes(&r);
	if (check_guard(&r) != 0) {
		rc = EXIT_GUARD;
		goto out;
	}
	if (o->mirror_only) {
		rc = apply_mirror(&r) == 0 ? EXIT_OK : EXIT_RUNTIME;
		if (rc == EXIT_OK)
			make_homes(&r);
		goto out;
	}
	if (!o->dry_run && apply(&r) != 0)
		goto out;
	if (!o->dry_run && pool_remember(c, o->root, r.server) != 0)
		goto out;
	if (!o->dry_run)
		make_homes(&r);
	if (!o->dry_run) {
		stamp_write(c, o->root);
		keep_mirror(&r);
	}
	summary = plan_summary(&r.plan);
	log_info("%s", summary);
	free(summary);
	rc = EXIT_OK;
out:
	record(&r, &start, rc);
	run_free(&r);
	return rc;
}
