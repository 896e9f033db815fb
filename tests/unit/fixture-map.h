/*
 * Fixtures for the tests that map entries: a scratch root whose
 * etc/shells the mapper reads, made once per test group, and one entry
 * mapped under a configuration.
 */
#ifndef LDAPSYNC_FIXTURE_MAP_H
#define LDAPSYNC_FIXTURE_MAP_H

#include <sys/stat.h>

#include "fixture.h"
#include "map.h"

static char root[] = "/tmp/ldapsync-unit.XXXXXX";

static int
fx_root_setup(void **state)
{
	char *etc, *shells;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(root));
	etc = xasprintf("%s/etc", root);
	shells = xasprintf("%s/shells", etc);
	mkdir(etc, 0755);
	f = fopen(shells, "w");
	fputs("# shells\n/bin/sh\n/bin/bash\n", f);
	fclose(f);
	free(etc);
	free(shells);
	return 0;
}

static int
fx_root_teardown(void **state)
{
	char *cmd = xasprintf("rm -rf %s", root);

	(void)state;
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

/* Maps one entry (freed) with the given configuration: what came of it. */
static struct users *
fx_map_user(const char *extra, struct entry *e)
{
	struct conf c;
	struct mapper *m;
	struct users *l = xcalloc(1, sizeof(*l));

	fx_conf(&c, extra);
	m = mapper_new(&c, root);
	map_user(m, e, l);
	mapper_free(m);
	conf_free(&c);
	fx_entry_free(e);
	return l;
}

#endif
