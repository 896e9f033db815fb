#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "entry.h"
#include "util.h"

const struct entry_attr *
entry_get(const struct entry *e, const char *name)
{
	/*
	 * The first letters first, case aside (bit 5): mapping a user asks
	 * for some 15 attributes, most of them against every attribute the
	 * entry has, 100,000 times on a first sync.
	 */
	for (size_t i = 0; i < e->nattrs; i++)
		if (((e->attrs[i].name[0] ^ name[0]) & ~0x20) == 0 &&
		    strcasecmp(e->attrs[i].name, name) == 0)
			return &e->attrs[i];
	return NULL;
}

struct entry *
entry_copy(const struct entry *e)
{
	size_t size = sizeof(*e) + strlen(e->dn) + 1, nvals = 0;
	struct entry *c;
	struct bval *v;
	char *p;

	for (size_t i = 0; i < e->nattrs; i++) {
		size += strlen(e->attrs[i].name) + 1;
		for (size_t j = 0; j < e->attrs[i].nvals; j++)
			size += e->attrs[i].vals[j].len + 1;
		nvals += e->attrs[i].nvals;
	}
	size += e->nattrs * sizeof(*e->attrs) + nvals * sizeof(*v);
	c = xmalloc(size);
	c->nattrs = e->nattrs;
	c->attrs = (struct entry_attr *)(c + 1);
	v = (struct bval *)(c->attrs + e->nattrs);
	p = (char *)(v + nvals);
	c->dn = strcpy(p, e->dn);
	p += strlen(p) + 1;
	for (size_t i = 0; i < e->nattrs; i++) {
		const struct entry_attr *a = &e->attrs[i];

		c->attrs[i] = (struct entry_attr){ strcpy(p, a->name), v, a->nvals };
		p += strlen(p) + 1;
		for (size_t j = 0; j < a->nvals; j++) {
			memcpy(p, a->vals[j].v, a->vals[j].len);
			p[a->vals[j].len] = '\0';
			*v++ = (struct bval){ p, a->vals[j].len };
			p += a->vals[j].len + 1;
		}
	}
	return c;
}

/* A uuid goes into the state file as one word: printable, no spaces. */
static bool
printable_word(const struct bval *v)
{
	for (size_t i = 0; i < v->len; i++)
		if (v->v[i] <= ' ' || v->v[i] > '~')
			return false;
	return v->len > 0;
}

char *
entry_uuid(const struct entry *e)
{
	const struct entry_attr *a = entry_get(e, "entryUUID");
	struct buf b = { 0 };

	if (a != NULL && a->nvals > 0)
		return printable_word(&a->vals[0]) ?
		    xstrndup(a->vals[0].v, a->vals[0].len) : NULL;
	if ((a = entry_get(e, "nsUniqueId")) != NULL && a->nvals > 0)
		return printable_word(&a->vals[0]) ?
		    xstrndup(a->vals[0].v, a->vals[0].len) : NULL;
	a = entry_get(e, "objectGUID");
	if (a == NULL || a->nvals == 0)
		return NULL;
	for (size_t i = 0; i < a->vals[0].len; i++)
		buf_printf(&b, "%02x", (unsigned char)a->vals[0].v[i]);
	return buf_cstr(&b);
}
