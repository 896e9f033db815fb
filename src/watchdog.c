#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "util.h"
#include "watchdog.h"

struct watchdog {
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	bool		 running, quit;
	int		 fd;		/* the socket watched; -1: none */
	struct timespec	 deadline;	/* CLOCK_MONOTONIC */
	bool		 fired;		/* it shut the socket down */
};

static bool
passed(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec ||
	    (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static void *
watch(void *arg)
{
	struct watchdog *w = arg;

	pthread_mutex_lock(&w->mu);
	while (!w->quit) {
		if (w->fd == -1)
			pthread_cond_wait(&w->cv, &w->mu);
		else if (passed(&w->deadline)) {
			shutdown(w->fd, SHUT_RDWR);
			w->fired = true;
			w->fd = -1;
		} else
			pthread_cond_timedwait(&w->cv, &w->mu, &w->deadline);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct watchdog *
watchdog_new(void)
{
	struct watchdog *w = xcalloc(1, sizeof(*w));
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &a);
	pthread_condattr_destroy(&a);
	pthread_mutex_init(&w->mu, NULL);
	w->fd = -1;
	w->running = pthread_create(&w->thread, NULL, watch, w) == 0;
	return w;
}

void
watchdog_free(struct watchdog *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (w->running)
		pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

void
watchdog_pet(struct watchdog *w, int seconds)
{
	pthread_mutex_lock(&w->mu);
	clock_gettime(CLOCK_MONOTONIC, &w->deadline);
	w->deadline.tv_sec += seconds;
	pthread_mutex_unlock(&w->mu);
}

void
watchdog_arm(struct watchdog *w, int fd, int seconds)
{
	watchdog_pet(w, seconds);
	pthread_mutex_lock(&w->mu);
	w->fd = fd;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

bool
watchdog_disarm(struct watchdog *w)
{
	bool fired;

	pthread_mutex_lock(&w->mu);
	w->fd = -1;
	fired = w->fired;
	pthread_mutex_unlock(&w->mu);
	return fired;
}
