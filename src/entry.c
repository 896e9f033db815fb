#include "config.h"

#include <strings.h>

#include "entry.h"

const struct entry_attr *
entry_get(const struct entry *e, const char *name)
{
	for (size_t i = 0; i < e->nattrs; i++)
		if (strcasecmp(e->attrs[i].name, name) == 0)
			return &e->attrs[i];
	return NULL;
}
