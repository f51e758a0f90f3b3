/* SPDX-License-Identifier: ISC */
/*
 * log.h - logging shared by berth-netd and berth.
 *
 * OpenBSD-style API: messages start with __func__ by convention, log_warn()
 * appends strerror(errno), fatal() and fatalx() are for broken invariants
 * only and never for bad input.
 */
#ifndef BERTH_LOG_H
#define BERTH_LOG_H

#include <stdarg.h>

#define LOG_TO_SYSLOG	0	/* daemon: syslog */
#define LOG_TO_STDERR	1	/* foreground daemon, CLI, tests */

void	log_init(int to, int facility);
void	log_procinit(const char *name);
void	log_setverbose(int level);
void	log_warn(const char *fmt, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	log_warnx(const char *fmt, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	log_info(const char *fmt, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	log_debug(const char *fmt, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	    __attribute__((__format__(printf, 1, 2), __noreturn__));
void	fatalx(const char *fmt, ...)
	    __attribute__((__format__(printf, 1, 2), __noreturn__));

#endif
