#include "config.h"

#include <errno.h>
#include <ldap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "dircache.h"
#include "directory.h"
#include "log.h"
#include "pool.h"
#include "statedir.h"
#include "syncrepl.h"
#include "watch.h"

#define DEBOUNCE_MS	100	/* gather a burst of changes into one run */
#define POLL_MS		250
#define MAX_BACKOFF	60

static volatile sig_atomic_t stop, reload;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reload = 1;
	else
		stop = 1;
}

static void
signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* A run in progress finishes: system calls are restarted. */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* systemd's Type=notify, without libsystemd: one datagram. */
static void
notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, path);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path))) == -1)
		log_warn("NOTIFY_SOCKET: %s", strerror(errno));
	close(fd);
}

/* --- the persistent searches ------------------------------------------ */

struct watcher {
	struct conf		*c;
	const struct sync_opts	*o;
	struct dir		*d;
	ldap_sync_t		*ls;		/* one per request */
	struct syncrepl_request	*req;
	size_t			 n;
	char			*cache_path;
	long			 changed_at;	/* last change heard, or 0 */
	bool			 files_due;	/* the files lag the mirror */
	long			 files_at;	/* last rewrite of the files */
};

static int
heard(ldap_sync_t *ls, LDAPMessage *msg, struct berval *uuid,
    ldap_sync_refresh_t phase)
{
	struct watcher *w = ls->ls_private;

	(void)msg;
	(void)uuid;
	dir_alive(w->d);
	if (phase != LDAP_SYNC_CAPI_PRESENT)
		w->changed_at = now_ms();
	return 0;
}

static int
heard_ids(ldap_sync_t *ls, LDAPMessage *msg, BerVarray uuids,
    ldap_sync_refresh_t phase)
{
	struct watcher *w = ls->ls_private;

	(void)msg;
	dir_alive(w->d);
	if (phase == LDAP_SYNC_CAPI_DELETES_IDSET && uuids != NULL)
		w->changed_at = now_ms();
	return 0;
}

static void
unwatch(struct watcher *w)
{
	for (size_t i = 0; i < w->n; i++) {
		ber_memfree(w->ls[i].ls_cookie.bv_val);
		syncrepl_request_free(&w->req[i]);
	}
	free(w->ls);
	free(w->req);
	w->ls = NULL;
	w->req = NULL;
	w->n = 0;
	dir_close(w->d);
	w->d = NULL;
}

/* Connects to the pool and starts a persistent search per request. */
static int
watch_start(struct watcher *w)
{
	size_t *order = pool_order(w->c, w->o->root);
	struct dircache cache;
	char *why = NULL;
	int rc = -1;

	if (conf_read_bindpw(w->c) != 0) {
		free(order);
		return -1;
	}
	for (size_t i = 0; i < w->c->uris.n && w->d == NULL; i++) {
		w->d = dir_open(w->c, w->c->uris.v[order[i]], &why);
		if (w->d == NULL)
			log_warn("%s: %s", w->c->uris.v[order[i]], why);
		FREE(why);
	}
	free(order);
	if (w->d == NULL)
		return -1;
	if (!dir_has_sync(w->d)) {
		log_error("%s: the server does not offer RFC 4533 (syncprov), "
		    "which watch needs", dir_uri(w->d));
		return -1;
	}
	dircache_init(&cache);
	dircache_load(&cache, w->cache_path);
	w->n = syncrepl_requests(w->c);
	w->ls = xcalloc(w->n, sizeof(*w->ls));
	w->req = xcalloc(w->n, sizeof(*w->req));
	for (size_t i = 0; i < w->n; i++) {
		ldap_sync_t *ls = &w->ls[i];

		syncrepl_request(w->c, i, &w->req[i]);
		ldap_sync_initialize(ls);
		ls->ls_ld = dir_ld(w->d);
		ls->ls_base = (char *)w->req[i].base;
		ls->ls_scope = w->req[i].scope;
		ls->ls_filter = (char *)w->req[i].filter;
		ls->ls_attrs = w->req[i].attrs.v;
		ls->ls_timeout = 0;		/* poll() waits, not libldap */
		ls->ls_search_entry = heard;
		ls->ls_intermediate = heard_ids;
		ls->ls_private = w;
		if (i < cache.cookies.n && cache.cookies.v[i][0] != '\0')
			ber_str2bv(cache.cookies.v[i], 0, 1, &ls->ls_cookie);
		if (dir_persist_start(w->d, ls) != LDAP_SUCCESS) {
			log_warn("%s: persistent search of %s failed",
			    dir_uri(w->d), ls->ls_base);
			goto out;
		}
	}
	log_info("watching %s", dir_uri(w->d));
	rc = 0;
out:
	dircache_free(&cache);
	return rc;
}

/*
 * Reads what the persistent searches have; -1 once the connection is
 * lost.  Every search is polled each round, not only when the socket is
 * readable: libldap may already hold a message it read for another one.
 */
static int
listen_once(struct watcher *w, int wait_ms)
{
	struct pollfd pfd = { .events = POLLIN };

	if (ldap_get_option(dir_ld(w->d), LDAP_OPT_DESC, &pfd.fd) != 0)
		return -1;
	if (poll(&pfd, 1, wait_ms) == -1 && errno != EINTR)
		return -1;
	if (pfd.revents & (POLLERR | POLLNVAL))
		return -1;
	for (size_t i = 0; i < w->n; i++)
		if (ldap_sync_poll(&w->ls[i]) < 0)
			return -1;
	return 0;
}

static int
run(struct watcher *w, bool mirror_only)
{
	struct sync_opts o = *w->o;
	int rc;

	o.mirror_only = mirror_only;
	rc = sync_run(w->c, &o);
	if (rc != EXIT_OK)
		log_warn("%s run failed (exit %d)", mirror_only ? "a mirror" :
		    "a", rc);
	if (!mirror_only && rc == EXIT_OK) {
		w->files_due = false;
		w->files_at = now_ms();
	}
	return rc;
}

/* How long to wait for the server before something is due. */
static int
wait_ms(const struct watcher *w)
{
	long t = now_ms(), wait = POLL_MS;

	if (w->changed_at != 0 && DEBOUNCE_MS - (t - w->changed_at) < wait)
		wait = DEBOUNCE_MS - (t - w->changed_at);
	if (w->files_due && (long)w->c->files_interval * 1000 -
	    (t - w->files_at) < wait)
		wait = (long)w->c->files_interval * 1000 - (t - w->files_at);
	return wait < 0 ? 0 : (int)wait;
}

/* What is due: the mirror after a burst of changes, then the files. */
static void
catch_up(struct watcher *w)
{
	long t = now_ms();

	if (w->changed_at != 0 && t - w->changed_at >= DEBOUNCE_MS) {
		w->changed_at = 0;
		w->files_due = true;
		run(w, true);
	}
	if (w->files_due &&
	    t - w->files_at >= (long)w->c->files_interval * 1000)
		run(w, false);
}

static void
reread(struct watcher *w, const char *path)
{
	struct conf fresh;

	reload = 0;
	if (conf_load(path, &fresh) != 0) {
		log_error("%s: keeping the configuration in use", path);
		conf_free(&fresh);
		return;
	}
	conf_free(w->c);
	*w->c = fresh;
	w->c->keep_bindpw = true;
	log_info("%s: configuration reread", path);
}

int
watch_run(struct conf *c, const char *config_path, const struct sync_opts *o)
{
	struct watcher w = { .c = c, .o = o };
	int backoff = 1, rc;

	w.cache_path = state_file(c, o->root, SD_CACHE);
	/* A watcher binds again and again: the password stays in memory. */
	c->keep_bindpw = true;
	signals();
	/* A first run that fails is an error to report, not to retry. */
	if ((rc = run(&w, false)) != EXIT_OK)
		goto out;
	notify("READY=1");
	while (!stop) {
		if (reload) {
			reread(&w, config_path);
			unwatch(&w);
			run(&w, false);
		}
		if (w.d == NULL && watch_start(&w) != 0) {
			unwatch(&w);
			log_warn("retrying in %d s", backoff);
			for (int i = 0; i < backoff * 4 && !stop && !reload; i++)
				poll(NULL, 0, 250);
			backoff = backoff * 2 > MAX_BACKOFF ? MAX_BACKOFF :
			    backoff * 2;
			continue;
		}
		backoff = 1;
		if (listen_once(&w, wait_ms(&w)) != 0) {
			log_warn("%s: connection lost; reconnecting",
			    dir_uri(w.d));
			unwatch(&w);
			w.changed_at = now_ms();	/* catch up when back */
			continue;
		}
		catch_up(&w);
	}
	/* SIGTERM: the files catch up with the mirror before leaving. */
	if (w.files_due)
		run(&w, false);
	notify("STOPPING=1");
	rc = EXIT_OK;
out:
	unwatch(&w);
	free(w.cache_path);
	return rc;
}
