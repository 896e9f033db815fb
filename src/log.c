#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static enum verbosity level = V_NORMAL;

void
log_init(enum verbosity v)
{
	level = v;
}

enum verbosity
log_level(void)
{
	return level;
}

static void
vlog(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
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
