#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* Smaller buffers are left to fault in: a populate call costs as much. */
#define PREFAULT_MIN	(256u << 10)

static void
oom(void)
{
	fputs("ldapsync: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	p = reallocarray(p, n ? n : 1, size ? size : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		oom();
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		oom();
	return s;
}

struct task {
	pthread_t	  thread;
	bool		  running;
	void		(*fn)(void *);
	void		 *arg;
};

static void *
task_run(void *arg)
{
	struct task *t = arg;

	t->fn(t->arg);
	return NULL;
}

struct task *
task_start(void (*fn)(void *), void *arg)
{
	struct task *t = xcalloc(1, sizeof(*t));

	t->fn = fn;
	t->arg = arg;
	t->running = pthread_create(&t->thread, NULL, task_run, t) == 0;
	if (!t->running)
		fn(arg);
	return t;
}

void
task_wait(struct task *t)
{
	if (t == NULL)
		return;
	if (t->running)
		pthread_join(t->thread, NULL);
	free(t);
}

void
buf_reserve(struct buf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 256;

	if (b->len + need + 1 <= b->cap)
		return;
	while (cap < b->len + need + 1)
		cap *= 2;
	b->p = xreallocarray(b->p, cap, 1);
	b->cap = cap;
}

void
prefault(void *p, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t from = (uintptr_t)p & ~(page - 1);
	uintptr_t to = ((uintptr_t)p + len) & ~(page - 1);

	if (len >= PREFAULT_MIN && to > from)
		(void)madvise((void *)from, to - from, MADV_POPULATE_WRITE);
}

size_t
memcount(const char *p, size_t len, char c)
{
	const char *end;
	size_t n = 0;

	if (len == 0)
		return 0;	/* p may be NULL: an empty buffer's */
	end = p + len;

	for (; (p = memchr(p, c, (size_t)(end - p))) != NULL; p++)
		n++;
	return n;
}

uint64_t
str_prefix(const char *s)
{
	uint64_t v = 0;
	int i = 0;

	for (; i < 8 && s[i] != '\0'; i++)
		v = v << 8 | (unsigned char)s[i];
	return i == 0 ? 0 : v << (8 * (8 - i));
}

void
buf_prefault(struct buf *b, size_t need)
{
	buf_reserve(b, need);
	prefault(b->p + b->len, need);
}

void
buf_add(struct buf *b, const void *s, size_t n)
{
	if (n == 0)
		return;		/* s may be NULL: an empty buffer's array */
	buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void
buf_addstr(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	buf_reserve(b, 1);
	b->p[b->len++] = c;
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
buf_addu(struct buf *b, unsigned long v)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

char *
buf_cstr(struct buf *b)
{
	buf_reserve(b, 0);
	b->p[b->len] = '\0';
	return b->p;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void
strlist_add(struct strlist *l, const char *s)
{
	if (l->n + 2 > l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = xstrdup(s);
	l->v[l->n] = NULL;
}

bool
strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

bool
strlist_has_nocase(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], s) == 0)
			return true;
	return false;
}

void
strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

bool
parse_id(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	/* 2^32-1 is (uid_t)-1, which means "no change" to chown(2). */
	if (v >= UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

bool
parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (*s == '\0') {
		*out = -1;
		return true;
	}
	if (*s == '-' && strcmp(s, "-1") == 0) {
		*out = -1;
		return true;
	}
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > INT_MAX)
		return false;
	*out = v;
	return true;
}

int
read_file(const char *path, char **data, size_t *size)
{
	struct buf b = { 0 };
	struct stat st;
	ssize_t n;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	/* Room for the whole file at once; it may still grow while read. */
	buf_prefault(&b, fstat(fd, &st) == 0 && st.st_size > 0 ?
	    (size_t)st.st_size + 1 : 65536);
	for (;;) {
		if (b.len + 1 >= b.cap)
			buf_reserve(&b, b.cap);
		n = read(fd, b.p + b.len, b.cap - b.len - 1);
		if (n == 0)
			break;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			buf_free(&b);
			close(fd);
			errno = saved;
			return -1;
		}
		b.len += (size_t)n;
	}
	close(fd);
	buf_cstr(&b);
	*data = b.p;
	*size = b.len;
	return 0;
}

int
mkdir_p(const char *path)
{
	char *copy = xstrdup(path), saved;
	int rc = 0;

	for (char *p = copy + 1; rc == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		saved = *p;
		*p = '\0';
		if (mkdir(copy, 0755) == -1 && errno != EEXIST) {
			log_error("%s: %s", copy, strerror(errno));
			rc = -1;
		}
		if (saved == '\0')
			break;
		*p = saved;
	}
	free(copy);
	return rc;
}

const char *
map_file(const char *path, size_t *len)
{
	struct stat st;
	void *p = MAP_FAILED;
	int fd = open(path, O_RDONLY | O_CLOEXEC), saved;

	if (fd == -1)
		return NULL;
	errno = 0;
	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		*len = (size_t)st.st_size;
		p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
	}
	saved = errno;
	close(fd);
	errno = saved;
	return p == MAP_FAILED ? NULL : p;
}

void
unmap_file(const char *p, size_t len)
{
	if (p != NULL)
		munmap((void *)p, len);
}

int
pwrite_all(int fd, const void *p, size_t len, uint64_t off)
{
	const char *c = p;

	while (len > 0) {
		ssize_t w = pwrite(fd, c, len, (off_t)off);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		c += w;
		len -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/* Two bit numbers (12 bits each) for a name of len bytes. */
static uint64_t
glance(const char *name, size_t len)
{
	uint64_t a = 0, b = 0, h;

	memcpy(&a, name, len < 8 ? len : 8);
	if (len > 8)
		memcpy(&b, name + len - 8, 8);
	h = a * 0x9e3779b97f4a7c15ull ^ b * 0xc2b2ae3d27d4eb4full ^ len;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ h >> 32;
}

static bool
bit(const struct namefilter *f, unsigned n)
{
	return f->bits[n >> 6 & 63] >> (n & 63) & 1;
}

void
namefilter_add(struct namefilter *f, const char *name)
{
	uint64_t h = glance(name, strlen(name));

	f->bits[h >> 6 & 63] |= 1ull << (h & 63);
	f->bits[h >> 18 & 63] |= 1ull << (h >> 12 & 63);
}

bool
namefilter_may(const struct namefilter *f, const char *name, size_t len)
{
	uint64_t h = glance(name, len);

	return bit(f, (unsigned)(h & 4095)) && bit(f, (unsigned)(h >> 12 & 4095));
}
