/*
 * Messages for people and scripts: the summary and change lines to
 * stdout, warnings and errors to stderr, always; syslog (authpriv, ident
 * ldapsync) as well for a run nobody watches.  Every message is escaped
 * (log_escape) as a whole, so no directory value inside it can start a
 * line of its own anywhere it goes.
 */
#ifndef LDAPSYNC_LOG_H
#define LDAPSYNC_LOG_H

#include "util.h"

enum verbosity { V_QUIET, V_NORMAL, V_VERBOSE };

void	log_init(enum verbosity);
/*
 * For sync and watch: syslog too, from now on, when stderr is neither a
 * terminal nor the journal's stream (JOURNAL_STREAM), where whoever
 * reads stderr would not keep it.
 */
void	log_syslog_unless_watched(void);
enum verbosity log_level(void);
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Summary: stdout, unless quiet. */
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
/* The last error logged (escaped), or NULL: for the record of the run. */
const char *log_last_error(void);
/* Per-change and diagnostic lines: stdout, with -v only. */
void	log_verbose(const char *, ...) __attribute__((format(printf, 1, 2)));
/* A change line: stdout, with -v or --dry-run, never with -q. */
void	log_change(const char *line, bool dry_run);
/* Whether log_change() shows anything. */
bool	log_changes_shown(bool dry_run);
/*
 * Appends s to out with control characters, bytes that are not valid
 * UTF-8, and '\' written as \xNN; printable UTF-8 stays as it is.
 */
void	log_escape(struct buf *out, const char *s);
/*
 * One more entry received: on a terminal, a progress line (entries and
 * rate) that log_progress_done() clears; nothing otherwise.
 */
void	log_progress(void);
void	log_progress_done(void);

#endif
