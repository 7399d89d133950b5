/*
 * Process logging in the OpenBSD daemon style: one line per event with a
 * level prefix, to stderr (supervisord and journald capture it) or to
 * syslog.  Library code never logs; only the programs do.
 */
#ifndef FH_LOG_H
#define FH_LOG_H

#include <stdarg.h>

#define FH_PRINTF(a, b) __attribute__((format(printf, a, b)))

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* PROG is kept by pointer.  USE_SYSLOG: 1 = syslog, 0 = stderr. */
void log_init(const char *prog, int use_syslog, int level);
void log_setlevel(int level);
int log_getlevel(void);
/* Cheap test for callers that build expensive arguments. */
#define log_enabled(lvl) ((lvl) <= log_getlevel())

void log_warn(const char *fmt, ...) FH_PRINTF(1, 2);  /* appends strerror(errno) */
void log_warnx(const char *fmt, ...) FH_PRINTF(1, 2);
void log_error(const char *fmt, ...) FH_PRINTF(1, 2);
void log_info(const char *fmt, ...) FH_PRINTF(1, 2);
void log_debug(const char *fmt, ...) FH_PRINTF(1, 2);
void log_vlog(int level, const char *fmt, va_list ap) FH_PRINTF(2, 0);
__attribute__((noreturn)) void fatal(const char *fmt, ...) FH_PRINTF(1, 2);
__attribute__((noreturn)) void fatalx(const char *fmt, ...) FH_PRINTF(1, 2);

#endif /* FH_LOG_H */
