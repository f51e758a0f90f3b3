/* SPDX-License-Identifier: ISC */
/*
 * log.c - logging to stderr or syslog.
 *
 * DOC: Theory of Operation
 * berth-netd logs to syslog when it runs in the background and to stderr
 * with -d; the CLI and the tests always log to stderr.  Verbosity 0 shows
 * warnings and info, 1 adds debug.  Every line is written with one write(2)
 * so that lines from concurrent processes do not interleave.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int	 log_to = LOG_TO_STDERR;
static int	 log_verbose;
static const char *log_name = "berth";

void
log_init(int to, int facility)
{
	log_to = to;
	if (to == LOG_TO_SYSLOG)
		openlog(log_name, LOG_PID | LOG_NDELAY, facility);
	tzset();
}

void
log_procinit(const char *name)
{
	if (name != NULL)
		log_name = name;
}

void
log_setverbose(int level)
{
	log_verbose = level;
}

static void
vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char	 msg[2048];
	char	 line[2200];
	int	 n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_to == LOG_TO_SYSLOG) {
		if (suffix != NULL)
			syslog(pri, "%s: %s", msg, suffix);
		else
			syslog(pri, "%s", msg);
		return;
	}
	if (suffix != NULL)
		n = snprintf(line, sizeof(line), "%s: %s: %s\n", log_name,
		    msg, suffix);
	else
		n = snprintf(line, sizeof(line), "%s: %s\n", log_name, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	(void)write(STDERR_FILENO, line, (size_t)n);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap, NULL);
	va_end(ap);
	errno = saved;
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
	errno = saved;
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
	errno = saved;
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
