/* SPDX-License-Identifier: ISC */
/*
 * logview.c - reading a container's log: --tail, -t, --since.
 *
 * DOC: the log and its time stamps
 * A container's log (STATE/logs/NAME.log) is exactly what the process
 * wrote, stdout and stderr together, so `cat` of it is its output. The
 * CLI copies every byte into it (pump.c: a foreground run, or the
 * monitor of a detached one) and, beside it, NAME.log.ts gets one line
 * "OFFSET MILLISECONDS" for each line that starts at OFFSET in the log.
 * logs -t prefixes each line with its time (RFC 3339, UTC, as docker
 * does), --since skips lines older than a time; a line with no stamp
 * (written before stamps were kept) counts as the time of the line
 * before it, or the epoch.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"
#include "xmalloc.h"

/* "10s", "5m", "2h", "1h30m" (before now); unix seconds; RFC 3339. */
int
logs_parse_since(const char *s, long long *ms, char **cause)
{
	struct tm	 tm;
	const char	*p = s, *end;
	unsigned long	 n;
	long long	 total = 0, unit;
	char		*num;

	if (util_parse_uint(s, 0xffffffffUL, &n) == 0) {
		*ms = (long long)n * 1000;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) != NULL ||
	    (end = strptime(s, "%Y-%m-%d", &tm)) != NULL) {
		if (*end == '.')
			for (end++; isdigit((unsigned char)*end); end++)
				;
		if (*end == 'Z' || *end == '\0') {
			*ms = (long long)timegm(&tm) * 1000;
			return 0;
		}
	}
	while (*p != '\0') {
		for (end = p; isdigit((unsigned char)*end); end++)
			;
		if (end == p || end - p > 9)
			goto bad;
		num = xstrndup(p, (size_t)(end - p));
		n = strtoul(num, NULL, 10);
		free(num);
		switch (*end) {
		case 's':
			unit = 1000;
			break;
		case 'm':
			unit = 60 * 1000;
			break;
		case 'h':
			unit = 3600 * 1000;
			break;
		default:
			goto bad;
		}
		total += (long long)n * unit;
		p = end + 1;
	}
	*ms = (long long)time(NULL) * 1000 - total;
	return 0;
bad:
	return cause_set(cause, "--since %.40s: expected a duration (10m, "
	    "1h30m), unix seconds or 2006-01-02T15:04:05Z", s);
}

/* Read stamps the pump appended since the last call. */
static void
logs_view_stamps(struct logs_view *v)
{
	long long	 off, ms;

	if (v->tsf == NULL)
		return;
	clearerr(v->tsf);
	while (fscanf(v->tsf, "%lld %lld\n", &off, &ms) == 2) {
		if (v->nts == v->cap) {
			v->cap = v->cap ? v->cap * 2 : 1024;
			v->ts = xreallocarray(v->ts, v->cap, sizeof(*v->ts));
		}
		v->ts[v->nts].off = off;
		v->ts[v->nts++].ms = ms;
	}
}

/* The time of the line starting at off. */
static long long
logs_view_time(struct logs_view *v, long long off)
{
	if (v->its >= v->nts || v->ts[v->nts - 1].off < off)
		logs_view_stamps(v);
	while (v->its + 1 < v->nts && v->ts[v->its + 1].off <= off)
		v->its++;
	if (v->its < v->nts && v->ts[v->its].off <= off)
		return v->ts[v->its].ms;
	return 0;
}

/* Position fd at the last tail lines (tail < 0: the start). */
int
logs_view_open(struct logs_view *v, const char *path, int fd, long tail)
{
	struct stat	 st;
	char		 buf[8192], *ts;
	off_t		 pos;
	ssize_t		 n, i;
	long		 lines = 0;

	v->bol = 1;
	v->off = 0;
	if (v->stamps || v->since_ms > 0) {
		xasprintf(&ts, "%s.ts", path);
		v->tsf = fopen(ts, "re");
		free(ts);
	}
	if (tail < 0)
		return 0;
	if (fstat(fd, &st) == -1)
		return -1;
	pos = st.st_size;
	if (tail == 0)
		goto found;
	/* a last line without its newline counts as a line */
	if (pos > 0 && pread(fd, buf, 1, pos - 1) == 1 && buf[0] == '\n')
		pos--;
	while (pos > 0) {
		n = pos > (off_t)sizeof(buf) ? (ssize_t)sizeof(buf) :
		    (ssize_t)pos;
		if (pread(fd, buf, (size_t)n, pos - n) != n)
			return -1;
		for (i = n; i > 0; i--) {
			if (buf[i - 1] == '\n' && ++lines == tail) {
				pos = pos - n + i;
				goto found;
			}
		}
		pos -= n;
	}
	pos = 0;
found:
	if (lseek(fd, pos, SEEK_SET) == -1)
		return -1;
	v->off = pos;
	return 0;
}

/* Print n bytes that follow what was printed before. */
int
logs_view_put(struct logs_view *v, const char *buf, size_t n)
{
	struct tm	 tm;
	time_t		 t;
	long long	 ms;
	size_t		 i, start = 0;
	char		 stamp[64];

	if (!v->stamps && v->since_ms <= 0) {
		v->off += (long long)n;
		return fwrite(buf, 1, n, stdout) == n ? 0 : -1;
	}
	for (i = 0; i < n; i++) {
		if (v->bol) {
			ms = logs_view_time(v, v->off + (long long)i);
			v->skip = v->since_ms > 0 && ms < v->since_ms;
			if (v->stamps && !v->skip) {
				t = (time_t)(ms / 1000);
				gmtime_r(&t, &tm);
				strftime(stamp, sizeof(stamp),
				    "%Y-%m-%dT%H:%M:%S", &tm);
				printf("%s.%03lldZ ", stamp, ms % 1000);
			}
			v->bol = 0;
		}
		if (buf[i] != '\n')
			continue;
		if (!v->skip && fwrite(buf + start, 1, i + 1 - start,
		    stdout) != i + 1 - start)
			return -1;
		start = i + 1;
		v->bol = 1;
	}
	if (start < n && !v->skip && fwrite(buf + start, 1, n - start,
	    stdout) != n - start)
		return -1;
	v->off += (long long)n;
	return 0;
}

void
logs_view_close(struct logs_view *v)
{
	if (v->tsf != NULL)
		fclose(v->tsf);
	free(v->ts);
	memset(v, 0, sizeof(*v));
}

/* pump.c's half: stamp each line start in buf (written at log offset). */
void
logs_stamp(FILE *tsf, int *bol, long long off, const char *buf, size_t n)
{
	struct timespec	 ts;
	long long	 now;
	size_t		 i;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	for (i = 0; i < n; i++) {
		if (*bol)
			fprintf(tsf, "%lld %lld\n", off + (long long)i, now);
		*bol = buf[i] == '\n';
	}
	fflush(tsf);
}
