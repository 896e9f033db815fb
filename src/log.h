/* Messages for people: errors and warnings to stderr, changes to stdout. */
#ifndef LDAPSYNC_LOG_H
#define LDAPSYNC_LOG_H

enum verbosity { V_QUIET, V_NORMAL, V_VERBOSE };

void	log_init(enum verbosity);
/* From now on to syslog (facility authpriv, ident ldapsync), not stdio. */
void	log_to_syslog(void);
enum verbosity log_level(void);
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Summary and progress: stdout, unless quiet. */
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
/* The last error logged, or NULL: for the record of the run. */
const char *log_last_error(void);
/* Per-change and diagnostic lines: stdout, with -v only. */
void	log_verbose(const char *, ...) __attribute__((format(printf, 1, 2)));
/*
 * One more entry received: on a terminal, a progress line (entries and
 * rate) that log_progress_done() clears; nothing otherwise.
 */
void	log_progress(void);
void	log_progress_done(void);

#endif
