/*
 * The files of the directory cache (dircache.h), in host byte order:
 * numbers as uint32 or uint64, strings counted and NUL-terminated.
 *
 *   image  magic, generation, length, fingerprint, cookies, count,
 *          records, then an index of the records sorted by uuid
 *          (struct cf_slot) and the index's offset
 *   log    magic, generation (the image's), length, cookies, then
 *          operations: CF_PUT or CF_DEL, then a record
 *   record search, uuid, the entry's length, the entry: its DN, the
 *          number of attributes, each attribute's name and values
 *
 * The length comes first so that a truncated file is known as such
 * before anything in it is used; the index, so that a run looks a few
 * entries up in an image without reading the rest.
 */
#ifndef LDAPSYNC_CACHEFILE_H
#define LDAPSYNC_CACHEFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "entry.h"
#include "util.h"

#define CF_MAGIC	"LDSDIRC5"
#define CF_LOG_MAGIC	"LDSDLOG1"
enum { CF_PUT = 1, CF_DEL = 2 };

/* An index entry: the uuid's first eight bytes, the record's offset. */
struct cf_slot {
	uint64_t	pre;
	uint32_t	off;
	uint32_t	unused;
};

/* --- writing ------------------------------------------------------------ */

void	 cf_put_header(struct buf *, uint64_t gen, const char *fingerprint,
	    const struct strlist *cookies);
void	 cf_put_log_header(struct buf *, uint64_t gen,
	    const struct strlist *cookies);
/* A record: raw (an entry as read) if not NULL, else e. */
void	 cf_put_record(struct buf *, uint32_t search, const char *uuid,
	    const char *raw, size_t rawlen, const struct entry *e);
/* An operation of the log: e NULL for CF_DEL. */
void	 cf_put_op(struct buf *, uint32_t op, uint32_t search,
	    const char *uuid, const struct entry *e);
/* Sets the length in the header: the file is complete. */
void	 cf_set_length(struct buf *);
/* Sorts and appends the index of an image's records, then its length. */
void	 cf_finish_image(struct buf *, struct cf_slot *, size_t);
/* The same for an image written to fd up to at; 0, or -1 with errno. */
int	 cf_finish_file(int fd, uint64_t at, struct cf_slot *, size_t);
/* The first eight bytes of a uuid (where most differ), for the index. */
uint64_t cf_prefix(const char *uuid);

/* --- reading ------------------------------------------------------------ */

/* Each read checks the bounds; once one fails, bad stays set. */
struct cf_reader {
	const char	*p, *end;
	bool		 bad;
};

bool	 cf_get(struct cf_reader *, void *, size_t);
uint32_t cf_u32(struct cf_reader *);
/* A counted string, NUL-terminated in the file; "" once broken. */
const char *cf_str(struct cf_reader *, size_t *len);
/* The bytes of an entry, stepped over; NULL once broken. */
const char *cf_raw(struct cf_reader *, size_t *len);
void	 cf_cookies(struct cf_reader *, struct strlist *);

/* A record as read, pointing into the file. */
struct cf_record {
	uint32_t	 op;		/* CF_PUT or CF_DEL; CF_PUT in an image */
	uint32_t	 search;
	const char	*uuid;
	const char	*raw;		/* the entry's bytes (none for CF_DEL) */
	size_t		 rawlen;
	const char	*dn;		/* the entry's DN, or NULL */
};

/*
 * The next record of an image, or operation of a log (log true); false
 * at the end, or once broken (then bad is set).
 */
bool	 cf_next(struct cf_reader *, bool log, struct cf_record *);
/* The DN an entry's bytes begin with, checked; NULL if broken. */
const char *cf_dn(const char *raw, size_t rawlen);

/* Where entries are decoded: arrays that grow as needed. */
struct cf_scratch {
	struct entry_attr	*attrs;
	struct bval		*vals;
	size_t			 attrcap, valcap;
};

/* Decodes the entry r spans, pointing into the file; false if broken. */
bool	 cf_entry(struct cf_reader *, struct cf_scratch *, struct entry *);

/* An image as mapped, and where its records end (and its index begins). */
struct cf_image {
	const char	*p;
	size_t		 body, records_end, count;
};

/* The record of a uuid through the image's index; false if none. */
bool	 cf_image_find(const struct cf_image *, const char *uuid,
	    struct cf_record *);

#endif
