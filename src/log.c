#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
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
}

void
log_to_syslog(void)
{
	openlog("ldapsync", LOG_PID, LOG_AUTHPRIV);
	to_syslog = true;
}

enum verbosity
log_level(void)
{
	return level;
}

static void
vlog(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	if (to_syslog) {
		int prio = f == stdout ? LOG_INFO : prefix && *prefix ?
		    LOG_WARNING : LOG_ERR;

		vsyslog(prio, fmt, ap);
		return;
	}
	if (prefix != NULL)
		fprintf(f, "ldapsync: %s", prefix);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	/* "no server could be used:" is followed by the reasons: keep them. */
	va_start(ap, fmt);
	if (last_error[0] != '\0' && fmt[0] == ' ')
		vsnprintf(last_error + strlen(last_error), sizeof(last_error) -
		    strlen(last_error), fmt, ap);
	else
		vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	vlog(stderr, "", fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	if (level < V_NORMAL)
		return;
	va_start(ap, fmt);
	vlog(stderr, "warning: ", fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (level < V_NORMAL)
		return;
	va_start(ap, fmt);
	vlog(stdout, NULL, fmt, ap);
	va_end(ap);
}

void
log_verbose(const char *fmt, ...)
{
	va_list ap;

	if (level < V_VERBOSE)
		return;
	va_start(ap, fmt);
	vlog(stdout, NULL, fmt, ap);
	va_end(ap);
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
