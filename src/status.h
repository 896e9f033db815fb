/*
 * The record of the last run (STATE_DIR/last-run), written by every run
 * but a dry one, failed runs included; the metrics file for Prometheus'
 * node_exporter; and ldapsync status, which reads only the state
 * directory and never contacts the directory.
 */
#ifndef LDAPSYNC_STATUS_H
#define LDAPSYNC_STATUS_H

#include <stdbool.h>
#include <time.h>

#include "conf.h"

struct run_record {
	struct timespec	 start, end;
	int		 exit_code;	/* the contract's: 0, 1, 2, 3 */
	const char	*server;	/* URI used, or NULL */
	const char	*error;		/* the last error, or NULL */
	unsigned	 users[4], groups[4];	/* plan.h's N_ADDED... */
};

/* Writes the record and, with metrics_file, the metrics. */
void	 status_record(const struct conf *, const char *root,
	    const struct run_record *);
/* ldapsync status [--json]: the contract's exit status. */
int	 status_show(const struct conf *, const char *root, bool json);

#endif
