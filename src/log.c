#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum verbosity level = V_NORMAL;
static bool to_syslog;
static char last_error[512];

const char *
log_last_error(void)
{
	return last_error[0] ? last_error : NULL;
}

void
log_init(enum verbosity v)
{
	level = v;
	/* Lines in the order they happen, when both streams share a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* systemd's JOURNAL_STREAM: "DEV:INODE" of the stream it reads. */
static bool
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_syslog_unless_watched(void)
{
	if (isatty(STDERR_FILENO) || stderr_is_journal())
		return;
	openlog("ldapsync", LOG_PID, LOG_AUTHPRIV);
	to_syslog = true;
}

enum verbosity
log_level(void)
{
	return level;
}

/* The length of the valid UTF-8 sequence at s, or 0 (RFC 3629). */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	uint32_t cp;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	cp = s[0] & (0x3f >> (n - 1));
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, past U+10FFFF, C1 controls. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || cp < 0xa0)
		return 0;
	return n;
}

void
log_escape(struct buf *out, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		size_t n = *s >= 0x80 ? utf8_len(s) : 1;

		if (n > 1 || (n == 1 && *s >= 0x20 && *s != 0x7f &&
		    *s != '\\')) {
			buf_add(out, s, n);
			s += n;
			continue;
		}
		buf_addstr(out, "\\x");
		buf_addc(out, hex[*s >> 4]);
		buf_addc(out, hex[*s & 15]);
		s++;
	}
	buf_cstr(out);
}

enum kind { K_OUT, K_ERROR, K_WARN };

/*
 * One escaped line to its stream, and to syslog when asked; whole, and
 * last_error with it, when a second thread (util.h's task) logs too.
 */
static void
emit(enum kind k, const char *fmt, va_list ap)
{
	static const char *const prefix[] = { "", "", "warning: " };
	static const int prio[] = { LOG_INFO, LOG_ERR, LOG_WARNING };
	static pthread_mutex_t one = PTHREAD_MUTEX_INITIALIZER;
	struct buf b = { 0 };
	char *raw;

	if (vasprintf(&raw, fmt, ap) < 0)
		return;
	log_escape(&b, raw);
	free(raw);
	pthread_mutex_lock(&one);
	if (k == K_OUT)
		printf("%s\n", b.p);
	else
		fprintf(stderr, "ldapsync: %s%s\n", prefix[k], b.p);
	if (to_syslog)
		syslog(prio[k], "%s", b.p);
	if (k == K_ERROR) {
		/* "no server could be used:" and its reasons: keep them. */
		if (last_error[0] != '\0' && b.p[0] == ' ')
			strlcat(last_error, b.p, sizeof(last_error));
		else
			strlcpy(last_error, b.p, sizeof(last_error));
	}
	pthread_mutex_unlock(&one);
	buf_free(&b);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(K_ERROR, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	if (level < V_NORMAL)
		return;
	va_start(ap, fmt);
	emit(K_WARN, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (level < V_NORMAL)
		return;
	va_start(ap, fmt);
	emit(K_OUT, fmt, ap);
	va_end(ap);
}

void
log_verbose(const char *fmt, ...)
{
	va_list ap;

	if (level < V_VERBOSE)
		return;
	va_start(ap, fmt);
	emit(K_OUT, fmt, ap);
	va_end(ap);
}

void
log_change(const char *line, bool dry_run)
{
	if (log_changes_shown(dry_run))
		log_info("%s", line);
}

bool
log_changes_shown(bool dry_run)
{
	return level != V_QUIET && (level >= V_VERBOSE || dry_run);
}

/* --- progress --------------------------------------------------------- */

static struct {
	size_t		 n;
	double		 start, last;
	bool		 shown;
} progress;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Only for someone watching: a terminal, not syslog, not -q. */
static bool
progress_wanted(void)
{
	static int tty = -1;

	if (tty == -1)
		tty = isatty(STDERR_FILENO);
	return tty && !to_syslog && level >= V_NORMAL;
}

void
log_progress(void)
{
	double t;

	if (!progress_wanted())
		return;
	if (progress.n++ == 0)
		progress.start = progress.last = now();
	/* A look at the clock every thousand entries, a line at most 4/s. */
	if (progress.n % 1000 != 0 ||
	    ((t = now()) - progress.last < 0.25 && progress.shown))
		return;
	progress.last = t;
	progress.shown = true;
	fprintf(stderr, "\rldapsync: %zu entries received (%.0f/s)\033[K",
	    progress.n, progress.n / (t - progress.start > 0.001 ?
	    t - progress.start : 0.001));
	fflush(stderr);
}

void
log_progress_done(void)
{
	if (progress.shown)
		fputs("\r\033[K", stderr);
	memset(&progress, 0, sizeof(progress));
}
