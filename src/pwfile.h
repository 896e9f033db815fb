/*
 * passwd, shadow, group and gshadow as lines.  Lines ldapsync does not
 * manage are carried through byte for byte: comments, odd spacing, NIS
 * "+"/"-" lines and a missing final newline included.
 */
#ifndef LDAPSYNC_PWFILE_H
#define LDAPSYNC_PWFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "htab.h"
#include "util.h"

struct pwline {
	const char	*raw;		/* into pwfile.data, no newline */
	size_t		 len;
	const char	*name;		/* NULL: comment, blank or NIS line */
};

struct pwfile {
	char		*path;
	char		*data;
	char		*names;		/* where the lines' names point */
	size_t		 size;
	bool		 exists;
	struct pwline	*lines;
	size_t		 n;
	struct htab	*byname;	/* name -> first line with it */
	/* Loaded for a few names: lines holds theirs only (names in found). */
	bool		 sparse;
	bool		 mapped;	/* data is a mapping of the file */
	struct strlist	 found;
};

/* Reads a file; a missing one is empty.  0, or -1 after a message. */
int	 pwfile_load(struct pwfile *, const char *path);
/*
 * The same, knowing only the lines of these names: enough to
 * replace or drop them, or to append, not to strip members.
 */
int	 pwfile_load_some(struct pwfile *, const char *path,
	    const struct strlist *names);
/* The same from memory; name is kept as the path. */
void	 pwfile_parse(struct pwfile *, const char *name, const char *data,
	    size_t len);
void	 pwfile_free(struct pwfile *);
const struct pwline *pwfile_find(const struct pwfile *, const char *name);
/*
 * The name of the first line, sparse file or not, whose field 2 (uid or
 * gid) is in ids (an id table), unless the name is in except; NULL if
 * none.  To free.
 */
char	*pwfile_id_holder(const struct pwfile *, const struct htab *ids,
	    const struct htab *except);
/* Whether the line exists and reads text. */
bool	 pwline_is(const struct pwline *, const char *text);
/* Field i (0-based) of a line, as a fresh string; NULL if it is missing. */
char	*pwline_field(const struct pwline *, int i);

/*
 * How a rewrite changes a file: lines named in replace get new text or go;
 * others are left alone but for the stripped member names, which leave the
 * member lists in strip_fields (group: 3; gshadow: 2 and 3), as userdel
 * does.  New lines are appended.
 */
struct pwedit {
	struct htab	*replace;	/* old name -> new text or PWFILE_DROP */
	struct strlist	 append;
	struct htab	*strip;		/* name -> itself */
	struct strlist	 strip_names;	/* the same, as a list */
	int		 strip_fields[2];	/* -1: none */
	struct strlist	 owned;		/* the strings the tables point to */
};

extern char pwfile_drop_mark;
#define PWFILE_DROP	(&pwfile_drop_mark)

void	 pwedit_init(struct pwedit *);
void	 pwedit_free(struct pwedit *);
/* text NULL: the line goes. */
void	 pwedit_replace(struct pwedit *, const char *name, const char *text);
void	 pwedit_append(struct pwedit *, const char *text);
void	 pwedit_strip(struct pwedit *, const char *name);
void	 pwfile_render(const struct pwfile *, const struct pwedit *,
	    struct buf *out);

#endif
