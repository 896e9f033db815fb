/*
 * mkmirror PASSWD GROUP SHADOW DIR: writes DIR/mirror and
 * DIR/mirror.shadow holding every named entry of the three files, as if
 * ldapsync managed them all, with their empty deltas.  For benchmarks, without a directory.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "mirror.h"
#include "pwfile.h"
#include "txn.h"

static void
load(struct pwfile *f, struct buf *b, const char *path)
{
	if (pwfile_load(f, path) != 0)
		exit(1);
	*b = (struct buf){ f->data, f->size, 0 };
}

int
main(int argc, char **argv)
{
	struct pwfile pw, gr, sh;
	struct state st;
	struct buf m = { 0 }, s = { 0 }, dm = { 0 }, ds = { 0 }, bp, bg, bs;
	char *p1, *p2, *p3, *p4;

	if (argc != 5) {
		fputs("usage: mkmirror PASSWD GROUP SHADOW DIR\n", stderr);
		return 2;
	}
	load(&pw, &bp, argv[1]);
	load(&gr, &bg, argv[2]);
	load(&sh, &bs, argv[3]);
	state_init(&st);
	for (size_t i = 0; i < pw.n; i++)
		if (pw.lines[i].name != NULL)
			state_add(&st, &(struct managed){ .name =
			    (char *)pw.lines[i].name });
	for (size_t i = 0; i < gr.n; i++)
		if (gr.lines[i].name != NULL)
			state_add(&st, &(struct managed){ .name =
			    (char *)gr.lines[i].name, .is_group = true });
	mirror_build(st.v, st.n, &bp, &bg, &bs, &m, &s);
	mirror_empty_delta(&m, &dm);
	mirror_empty_delta(&s, &ds);
	p1 = xasprintf("%s/mirror", argv[4]);
	p2 = xasprintf("%s/mirror.shadow", argv[4]);
	p3 = xasprintf("%s/mirror.delta", argv[4]);
	p4 = xasprintf("%s/mirror.shadow.delta", argv[4]);
	/* As a run writes them: each base with its (empty) delta. */
	if (write_atomic(p1, m.p, m.len, 0644) != 0 ||
	    write_atomic(p2, s.p, s.len, 0600) != 0 ||
	    write_atomic(p3, dm.p, dm.len, 0644) != 0 ||
	    write_atomic(p4, ds.p, ds.len, 0600) != 0)
		return 1;
	return 0;
}
