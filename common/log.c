/*
 * Logging for the flowhub programs.  Lines go to stderr as
 * "LEVEL: message" (the supervisor adds its own time stamps) or to syslog
 * with the matching priority.  The level is checked before formatting so
 * that disabled debug lines cost one comparison.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static const char *log_prog = "flowhub";
static int log_syslog;
static int log_level = LOG_LVL_INFO;

static const char *const level_names[] = {"error", "warning", "info", "debug"};
static const int level_prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

void
log_init(const char *prog, int use_syslog, int level)
{
	log_prog = prog;
	log_syslog = use_syslog;
	log_setlevel(level);
	if (use_syslog)
		openlog(prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setlevel(int level)
{
	if (level < LOG_LVL_ERROR)
		level = LOG_LVL_ERROR;
	if (level > LOG_LVL_DEBUG)
		level = LOG_LVL_DEBUG;
	log_level = level;
}

int
log_getlevel(void)
{
	return log_level;
}

void
log_vlog(int level, const char *fmt, va_list ap)
{
	char buf[2048];

	if (level > log_level)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_syslog) {
		syslog(level_prio[level], "%s", buf);
		return;
	}
	/* One fprintf per line keeps lines whole when several threads log. */
	fprintf(stderr, "%s: %s: %s\n", log_prog, level_names[level], buf);
}

static void
log_errno(int level, const char *fmt, va_list ap)
{
	char buf[1536];
	int saved = errno;

	if (level > log_level)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_syslog)
		syslog(level_prio[level], "%s: %s", buf, strerror(saved));
	else
		fprintf(stderr, "%s: %s: %s: %s\n", log_prog,
			level_names[level], buf, strerror(saved));
	errno = saved;
}

#define LOG_FN(name, lvl)                                                      \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		log_vlog(lvl, fmt, ap);                                        \
		va_end(ap);                                                    \
	}
LOG_FN(log_warnx, LOG_LVL_WARN)
LOG_FN(log_error, LOG_LVL_ERROR)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_errno(LOG_LVL_WARN, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_errno(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}
