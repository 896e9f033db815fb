#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <syslog.h>

#include "log.h"

static enum verbosity level = V_NORMAL;
static bool to_syslog;

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
