/* Fixtures for the unit tests: configurations and directory entries. */
#ifndef LDAPSYNC_FIXTURE_H
#define LDAPSYNC_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf.h"
#include "entry.h"
#include "log.h"

/* A valid configuration with extra lines appended. */
static inline void
fx_conf(struct conf *c, const char *extra)
{
	char *text = xasprintf("uri ldap://127.0.0.1:1/\nbase dc=example,dc=com\n%s",
	    extra ? extra : "");

	log_init(V_QUIET);
	assert_int_equal(conf_parse("test.conf", text, c), 0);
	free(text);
}

/* An entry: fx_entry(dn, "attr", "value", "attr", "value", ..., NULL). */
static inline struct entry *
fx_entry(const char *dn, ...)
{
	struct entry *e = xcalloc(1, sizeof(*e));
	const char *name, *val;
	va_list ap;

	e->dn = dn;
	e->attrs = xcalloc(32, sizeof(*e->attrs));
	va_start(ap, dn);
	while ((name = va_arg(ap, const char *)) != NULL) {
		struct entry_attr *a = NULL;

		val = va_arg(ap, const char *);
		for (size_t i = 0; i < e->nattrs; i++)
			if (strcmp(e->attrs[i].name, name) == 0)
				a = &e->attrs[i];
		if (a == NULL) {
			a = &e->attrs[e->nattrs++];
			a->name = name;
			a->vals = xcalloc(16, sizeof(*a->vals));
		}
		a->vals[a->nvals++] = (struct bval){ val, strlen(val) };
	}
	va_end(ap);
	return e;
}

static inline void
fx_entry_free(struct entry *e)
{
	for (size_t i = 0; i < e->nattrs; i++)
		free(e->attrs[i].vals);
	free(e->attrs);
	free(e);
}

/* A file under dir with this text (name may hold a subdirectory). */
static inline void
fx_put(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

/* Removes a scratch directory made with mkdtemp and all it holds. */
static inline int
fx_rmtree(const char *dir)
{
	char *cmd = xasprintf("rm -rf %s", dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

#endif
