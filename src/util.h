/* Allocation that cannot fail, a growable byte buffer, small helpers. */
#ifndef LDAPSYNC_UTIL_H
#define LDAPSYNC_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
/*
 * Maps the fresh pages of len bytes at p, about to be written all, in one
 * call: faulted in one at a time, the 13,000 pages a change set writes
 * cost it some 10 ms.  Only advice, for blocks of megabytes; a kernel
 * before 5.14 declines it.
 */
void	 prefault(void *p, size_t len);
/* How many times c occurs in the len bytes at p (lines, before a split). */
size_t	 memcount(const char *p, size_t len, char c);
/*
 * The first 8 bytes of s (fewer if it is shorter, then zeros) as a
 * big-endian number: two compare as strcmp() compares those bytes, so
 * a sort compares these first and reads the strings only on a tie.
 */
uint64_t str_prefix(const char *s);

/*
 * Work for a second core while the caller does its own: fn(arg) runs on
 * a thread of its own (at once, in the caller, when none can be had).
 * task_wait() waits for it to end, and frees.  fn may log.
 */
struct task;
struct task	*task_start(void (*fn)(void *), void *arg);
void		 task_wait(struct task *);

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

/* Makes room for need more bytes (and a NUL). */
void	 buf_reserve(struct buf *, size_t need);
/*
 * The same for need bytes about to be written (a file read or rendered
 * whole): their pages are mapped in one go rather than faulted in one by
 * one, thousands of them for a megabytes-long file (see prefault()).
 */
void	 buf_prefault(struct buf *, size_t need);
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_addstr(struct buf *, const char *);
void	 buf_addc(struct buf *, char);
void	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Decimal without printf: formatting 100,000 lines shows in a profile. */
void	 buf_addu(struct buf *, unsigned long);
char	*buf_cstr(struct buf *);	/* NUL-terminates, keeps ownership */
void	 buf_free(struct buf *);

struct strlist {
	char	**v;		/* NULL-terminated once anything was added */
	size_t	  n;
	size_t	  cap;
};

void	 strlist_add(struct strlist *, const char *);
bool	 strlist_has(const struct strlist *, const char *);
/* The same, ASCII case ignored (attribute names). */
bool	 strlist_has_nocase(const struct strlist *, const char *);
void	 strlist_free(struct strlist *);

/*
 * A glance before a hash lookup (a Bloom filter of 4096 bits, two per
 * name, from its length and its first and last 8 bytes): most names that
 * are not among a few wanted are told apart without hashing them whole.
 * No false "no".
 */
struct namefilter {
	uint64_t	bits[64];
};

void	 namefilter_add(struct namefilter *, const char *name);
bool	 namefilter_may(const struct namefilter *, const char *name,
	    size_t len);

/* Decimal id in [0, 2^32-2]: no sign, no spaces, no leading zeros trick. */
bool	 parse_id(const char *, size_t, uint32_t *);
/* Decimal long for shadow fields; empty is -1. */
bool	 parse_long(const char *, long *);

/* mkdir -p with mode 0755.  0, or -1 after a message. */
int	 mkdir_p(const char *);

/* All of p at offset off of fd, whatever it takes: 0, or -1 with errno. */
int	 pwrite_all(int fd, const void *p, size_t len, uint64_t off);

/* Read a whole file; returns 0, or -1 with errno set. */
int	 read_file(const char *, char **, size_t *);
/*
 * A read-only private mapping of a whole file, for reading big files
 * without copying them: NULL with errno set when it cannot be opened, or
 * with errno 0 when it is empty.
 */
const char *map_file(const char *path, size_t *len);
void	 unmap_file(const char *, size_t len);

#define FREE(p) do { free(p); (p) = NULL; } while (0)

#endif
