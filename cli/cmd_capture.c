/* SPDX-License-Identifier: ISC */
/*
 * cmd_capture.c - berth capture: what netd's router sees, as pcap, as
 * pcapng with drop reasons, or one line per packet.
 *
 * DOC: a capture from the client's side
 * The "capture" request names the target, the filter (compiled by netd
 * with libpcap), the count and whether refused packets are wanted; its
 * reply is the last frame: the connection then carries capture records
 * (common/caprec.h) until netd's END record. To stop (Ctrl-C, SIGTERM,
 * -c reached) the client shuts down its sending side, reads what netd
 * still sends up to END, and prints what was captured and what netd
 * lost for a slow reader, as tcpdump does. Output:
 *	-w FILE	classic pcap, as libpcap's dump API writes it (link type
 *		LINKTYPE_IPV4), rotated by size (-C) or time (-G, FILE is
 *		a strftime(3) pattern as with tcpdump);
 *	-w -	the same on stdout, flushed per packet (| tshark -r -);
 *	--drops with -w: pcapng written here, each refused packet with
 *		its reason as the packet comment (classic pcap has none);
 *	no -w	a tcpdump -n like line per packet, with container names.
 * A reader that stops reading (| sleep) blocks only this process: netd
 * keeps routing and counts what this capture lost.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


#include "addr.h"
#include "caprec.h"
#include "cli.h"
#include "pcapng.h"
#include "proc.h"
#include "proto.h"
#include "run.h"
#include "stack.h"
#include "util.h"
#include "xmalloc.h"

#define CAP_RBUF	(1024 * 1024)

struct capout {
	const char	*path;		/* -w; NULL: lines on stdout */
	int		 ng;		/* pcapng (--drops -w) */
	unsigned long	 rotate;	/* -C: bytes, 0 none */
	unsigned long	 files;		/* -W: names to cycle through */
	unsigned long	 seconds;	/* -G */
	int		 linktype;
	int		 snaplen;
	FILE		*f;		/* pcap or pcapng */
	uint64_t	 written;
	unsigned long	 idx;
	time_t		 opened;
	json_t		*names;
	json_t		*drop_names;
	uint8_t		*ngbuf;
	int		 gone;		/* stdout's reader went away */
};

static volatile sig_atomic_t capture_stop;
/* Written by the handler, polled beside netd's socket. */
static int		 capture_sigpipe[2] = { -1, -1 };

static void
capture_signal(int sig)
{
	int	 saved = errno;

	(void)sig;
	capture_stop = 1;
	/* Full: a byte is there already, the wait ends all the same. */
	(void)write(capture_sigpipe[1], "", 1);
	errno = saved;
}

static int
capout_open(struct capout *o, char **cause)
{
	char		 name[1024], suffix[32] = "";
	struct tm	 tm;
	uint8_t		 hdr[PCAPNG_SHB_LEN + PCAPNG_IDB_LEN];
	size_t		 n;
	int		 tofile = strcmp(o->path, "-") != 0;

	o->opened = time(NULL);
	o->written = 0;
	snprintf(name, sizeof(name), "%s", o->path);
	if (tofile && o->seconds > 0) {
		localtime_r(&o->opened, &tm);
		if (strftime(name, sizeof(name), o->path, &tm) == 0)
			return cause_set(cause, "-w %s: bad file name "
			    "pattern", o->path);
	}
	if (o->idx > 0)
		snprintf(suffix, sizeof(suffix), ".%lu", o->idx);
	if (strlen(name) + strlen(suffix) >= sizeof(name))
		return cause_set(cause, "-w %s: name too long", o->path);
	strcat(name, suffix);
	o->f = tofile ? fopen(name, "wb") : stdout;
	if (o->f == NULL)
		return cause_set(cause, "%s: %s", name, strerror(errno));
	if (o->ng) {
		n = pcapng_shb(hdr);
		n += pcapng_idb(hdr + n, (uint16_t)o->linktype,
		    (uint32_t)o->snaplen);
	} else
		n = pcapng_classic_hdr(hdr, (uint32_t)o->linktype,
		    (uint32_t)o->snaplen);
	if (fwrite(hdr, n, 1, o->f) != 1)
		return cause_set(cause, "%s: %s", name, strerror(errno));
	return 0;
}

/* Close the current file; -1 when what was written did not get out. */
static int
capout_close(struct capout *o)
{
	int	 rc = 0;

	if (o->f != NULL) {
		if (fflush(o->f) == EOF)
			rc = -1;
		if (o->f != stdout && fclose(o->f) == EOF)
			rc = -1;
		o->f = NULL;
	}
	return rc;
}

static int
capout_rotate(struct capout *o, char **cause)
{
	int	 by_size = o->rotate > 0 && o->written >= o->rotate;
	int	 by_time = o->seconds > 0 &&
		    time(NULL) - o->opened >= (time_t)o->seconds;

	if (o->path == NULL || strcmp(o->path, "-") == 0 ||
	    (!by_size && !by_time))
		return 0;
	if (capout_close(o) == -1)
		return cause_set(cause, "%s: %s", o->path, strerror(errno));
	if (by_time)
		o->idx = 0;
	else
		o->idx = o->files > 0 ? (o->idx + 1) % o->files : o->idx + 1;
	return capout_open(o, cause);
}

static const char *
capout_name(const struct capout *o, uint32_t a, char buf[ADDR_STRLEN])
{
	const char	*n;

	n = json_string_value(json_object_get(o->names, addr_fmt(a, buf)));
	return n != NULL ? n : "-";
}

static const char *
capout_drop(const struct capout *o, uint8_t drop)
{
	const char	*n = json_string_value(json_array_get(o->drop_names,
			    drop));

	return n != NULL ? n : "?";
}

static int
capout_line(struct capout *o, const struct caprec *rec, const uint8_t *pkt)
{
	char		 desc[256], tbuf[32], sa[ADDR_STRLEN], da[ADDR_STRLEN];
	time_t		 t = (time_t)rec->sec;
	struct tm	 tm;
	uint32_t	 src = 0, dst = 0;
	int		 have;

	localtime_r(&t, &tm);
	strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
	have = caprec_addrs(pkt, rec->caplen, &src, &dst) == 0;
	caprec_describe(pkt, rec->caplen, rec->origlen, desc, sizeof(desc));
	printf("%s.%06u %s > %s %s", tbuf, rec->usec,
	    have ? capout_name(o, src, sa) : "-",
	    have ? capout_name(o, dst, da) : "-", desc);
	if (rec->drop != 0)
		printf(" [dropped: %s]", capout_drop(o, rec->drop));
	putchar('\n');
	/* A failed write inside printf leaves only the error flag. */
	return fflush(stdout) == EOF || ferror(stdout) ? -1 : 0;
}

static int
capout_packet(struct capout *o, const struct caprec *rec,
    const uint8_t *pkt, char **cause)
{
	uint8_t		 rh[PCAPNG_CLASSIC_REC_LEN];
	char		 comment[PCAPNG_COMMENT_MAX];
	size_t		 n;

	if (o->path == NULL && capout_line(o, rec, pkt) == -1)
		goto fail;
	if (o->path == NULL)
		return 0;
	if (capout_rotate(o, cause) == -1)
		return -1;
	if (o->ng) {
		comment[0] = '\0';
		if (rec->drop != 0)
			snprintf(comment, sizeof(comment), "berth: dropped: %s",
			    capout_drop(o, rec->drop));
		n = pcapng_epb(o->ngbuf, rec->sec, rec->usec, pkt,
		    rec->caplen, rec->origlen, rec->drop != 0 ? comment :
		    NULL);
		if (fwrite(o->ngbuf, n, 1, o->f) != 1 ||
		    (o->f == stdout && fflush(o->f) == EOF) || ferror(o->f))
			goto fail;
		o->written += n;
		return 0;
	}
	n = pcapng_classic_rec(rh, rec->sec, rec->usec, rec->caplen,
	    rec->origlen);
	if (fwrite(rh, n, 1, o->f) != 1 || (rec->caplen > 0 &&
	    fwrite(pkt, rec->caplen, 1, o->f) != 1) ||
	    (o->f == stdout && fflush(o->f) == EOF) || ferror(o->f))
		goto fail;
	o->written += n + rec->caplen;
	return 0;
fail:
	if (errno == EPIPE && (o->path == NULL || strcmp(o->path, "-") == 0))
		o->gone = 1;
	return cause_set(cause, "%s: %s", o->path != NULL &&
	    strcmp(o->path, "-") != 0 ? o->path : "stdout", strerror(errno));
}

/* Before waiting for netd: what is buffered goes out. */
static void
capout_idle(struct capout *o)
{
	if (o->f != NULL)
		(void)fflush(o->f);
}

struct capstate {
	uint64_t	 captured;
	uint32_t	 lost;
	unsigned long	 count;
	int		 ended;
};

/* Records in buf[0..len); returns bytes used, -1 on a bad stream. */
static ssize_t
capture_records(struct capout *o, struct capstate *st, const uint8_t *buf,
    size_t len, char **cause)
{
	struct caprec	 rec;
	size_t		 off = 0;

	while (!st->ended && len - off >= CAPREC_HDRLEN) {
		if (caprec_decode(buf + off, &rec, cause) == -1)
			return -1;
		if (len - off < CAPREC_HDRLEN + rec.caplen)
			break;
		st->lost = rec.lost;
		if (rec.type == CAPREC_END)
			st->ended = 1;
		else if (st->count == 0 || st->captured < st->count) {
			if (capout_packet(o, &rec, buf + off + CAPREC_HDRLEN,
			    cause) == -1)
				return -1;
			st->captured++;
		}
		off += CAPREC_HDRLEN + rec.caplen;
	}
	return (ssize_t)off;
}

/* Wait for the -G rotation, or forever. */
static int
capture_timeout(const struct capout *o)
{
	time_t	 left;

	if (o->path == NULL || o->seconds == 0 || strcmp(o->path, "-") == 0)
		return -1;
	left = o->opened + (time_t)o->seconds - time(NULL);
	return left <= 0 ? 0 : (int)(left * 1000 + 1);
}

/*
 * A pause before each wait for netd, BERTH_TEST_CAPTURE_PAUSE_MS long
 * (0 without it): for tests/integ/capture_signal.sh only, which widens
 * so the moment between the loop's look at the stop flag and its wait.
 */
static void
capture_test_pause(void)
{
	static long	 ms = -1;
	struct timespec	 ts;
	const char	*s;

	if (ms == -1)
		ms = (s = getenv("BERTH_TEST_CAPTURE_PAUSE_MS")) != NULL ?
		    strtol(s, NULL, 10) : 0;
	if (ms <= 0 || ms > 10000)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	(void)nanosleep(&ts, NULL);
}

/*
 * Read records until END; 0 at the end, -1 with *cause. A signal is
 * seen at the top of the loop, or it ends the wait through the
 * self-pipe: one that comes between that look and poll() does not wait
 * for the next record (ppoll(), which would close that gap too, is not
 * on macOS).
 */
static int
capture_loop(int fd, struct capout *o, struct capstate *st, char **cause)
{
	struct pollfd	 pfd[2];
	uint8_t		*buf = xmalloc(CAP_RBUF);
	char		 drain[64];
	size_t		 len = 0;
	ssize_t		 n, used;
	int		 stopping = 0, rc = -1;

	while (!st->ended) {
		if ((capture_stop || (st->count > 0 &&
		    st->captured >= st->count)) && !stopping) {
			(void)shutdown(fd, SHUT_WR);
			stopping = 1;
		}
		capout_idle(o);
		capture_test_pause();
		pfd[0].fd = fd;
		pfd[0].events = POLLIN;
		/* Stopping: only netd's END is waited for. */
		pfd[1].fd = stopping ? -1 : capture_sigpipe[0];
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, capture_timeout(o)) == -1) {
			if (errno == EINTR)
				continue;
			cause_set(cause, "poll: %s", strerror(errno));
			goto out;
		}
		if (pfd[1].revents != 0) {
			while (read(capture_sigpipe[0], drain,
			    sizeof(drain)) > 0)
				;
			continue;
		}
		if (pfd[0].revents == 0) {
			if (capout_rotate(o, cause) == -1)
				goto out;
			continue;
		}
		n = read(fd, buf + len, CAP_RBUF - len);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			cause_set(cause, "netd: %s", strerror(errno));
			goto out;
		}
		if (n == 0) {
			cause_set(cause, "netd closed the capture");
			goto out;
		}
		len += (size_t)n;
		if ((used = capture_records(o, st, buf, len, cause)) == -1)
			goto out;
		memmove(buf, buf + used, len - (size_t)used);
		len -= (size_t)used;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

/* The handlers and their self-pipe; -1 with *cause. */
static int
capture_signals(char **cause)
{
	struct sigaction	 sa;

	if (capture_sigpipe[0] == -1) {
		if (pipe(capture_sigpipe) == -1)
			return cause_set(cause, "pipe: %s", strerror(errno));
		(void)util_set_nonblock(capture_sigpipe[0]);
		(void)util_set_nonblock(capture_sigpipe[1]);
		(void)util_set_cloexec(capture_sigpipe[0]);
		(void)util_set_cloexec(capture_sigpipe[1]);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = capture_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

/* The filter: the words after the target, joined as tcpdump does. */
static char *
capture_filter(int argc, char **argv)
{
	char	*f = NULL, *t;
	int	 i;

	for (i = 0; i < argc; i++) {
		if (f == NULL)
			f = xstrdup(argv[i]);
		else {
			xasprintf(&t, "%s %s", f, argv[i]);
			free(f);
			f = t;
		}
	}
	return f;
}

int
cmd_capture(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "stack", no_argument, NULL, 'S' },
		{ "drops", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	struct capout	 o;
	struct capstate	 st;
	json_t		*args, *data = NULL;
	const char	*name = NULL;
	char		*filter = NULL, *cause = NULL;
	unsigned long	 ul;
	int		 ch, all = 0, stack = 0, drops = 0, fd, rc = 1;

	memset(&o, 0, sizeof(o));
	memset(&st, 0, sizeof(st));
	optind = 1;
	/*
	 * Options may follow the name (berth capture web -w -); a filter
	 * word that starts with "-" needs "--" before the filter.
	 */
	while ((ch = getopt_long(argc, argv, "w:c:G:C:W:", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':
			all = 1;
			break;
		case 'S':
			stack = 1;
			break;
		case 'D':
			drops = 1;
			break;
		case 'w':
			o.path = optarg;
			break;
		case 'c':
		case 'G':
		case 'C':
		case 'W':
			if (util_parse_uint(optarg, ch == 'C' ? 1000000 :
			    1000000000, &ul) == -1 || ul == 0) {
				cli_error("capture", "-%c %s: a number from 1 "
				    "is needed", ch, optarg);
				return 1;
			}
			if (ch == 'c')
				st.count = ul;
			else if (ch == 'G')
				o.seconds = ul;
			else if (ch == 'C')
				o.rotate = ul * 1000000;
			else
				o.files = ul;
			break;
		default:
			return cli_usage("capture");
		}
	}
	argc -= optind;
	argv += optind;
	if (!all) {
		if (argc == 0)
			return cli_usage("capture");
		name = argv[0];
		argc--;
		argv++;
	}
	if ((o.rotate > 0 || o.seconds > 0 || o.files > 0) &&
	    (o.path == NULL || strcmp(o.path, "-") == 0)) {
		cli_error("capture", "-C, -G and -W rotate a file: -w FILE "
		    "is needed");
		return 1;
	}
	o.ng = drops && o.path != NULL;
	filter = capture_filter(argc, argv);
	args = json_pack("{s:b, s:b, s:I}", "all", all, "drops", drops,
	    "count", (json_int_t)st.count);
	if (name != NULL)
		json_object_set_new(args, "name", json_string(name));
	if (stack)
		json_object_set_new(args, "stack", json_true());
	if (filter != NULL)
		json_object_set_new(args, "filter", json_string(filter));
	if (capture_signals(&cause) == -1 ||
	    (fd = client_connect(&cause)) == -1 ||
	    proto_call(fd, "capture", args, &data, &cause) == -1) {
		cli_error("capture", "%s", cause);
		goto out;
	}
	o.linktype = (int)json_integer_value(json_object_get(data,
	    "linktype"));
	o.snaplen = (int)json_integer_value(json_object_get(data, "snaplen"));
	o.names = json_object_get(data, "names");
	o.drop_names = json_object_get(data, "drop_names");
	if (o.linktype <= 0 || o.snaplen <= 0 || o.snaplen > CAPREC_MAX) {
		cli_error("capture", "bad reply from netd");
		goto out;
	}
	if (o.path != NULL) {
		o.ngbuf = xmalloc(pcapng_epb_len(CAPREC_MAX, "") +
		    PCAPNG_COMMENT_MAX + 8);
		if (capout_open(&o, &cause) == -1) {
			cli_error("capture", "%s", cause);
			goto out;
		}
	}
	if (o.path == NULL || strcmp(o.path, "-") != 0)
		fprintf(stderr, "berth capture: %s%s, link-type IPV4 (raw "
		    "IPv4), snapshot length %d bytes\n", all ? "all" : name,
		    filter != NULL ? " (filtered)" : "", o.snaplen);
	if (capture_loop(fd, &o, &st, &cause) == -1) {
		/* A reader that went away (| head) ends quietly. */
		if (!o.gone)
			cli_error("capture", "%s", cause);
		else
			rc = 0;
	} else
		rc = 0;
	if (o.path != NULL && capout_close(&o) == -1 && rc == 0 &&
	    strcmp(o.path, "-") != 0) {
		cli_error("capture", "%s: %s", o.path, strerror(errno));
		rc = 1;
	}
	fprintf(stderr, "%llu packets captured\n%u packets dropped by "
	    "berth-netd (queue full)\n", (unsigned long long)st.captured,
	    st.lost);
out:
	client_reset();
	free(o.ngbuf);
	free(filter);
	free(cause);
	json_decref(data);
	return rc;
}

/*
 * berth up with "capture" in the stack file: a detached berth capture
 * --stack NAME -w FILE -C MB, its stderr in the logs directory. It is
 * running (netd has the capture) when this returns, so the stack's
 * first packet is in the file; it ends by itself when berth down
 * deletes the stack's last container (netd sends END).
 */
int
capture_spawn(const char *stack, const struct stack_capture *sc, pid_t *pidp,
    char **cause)
{
	struct run_spec	 sp = { .search = RUN_AS_GIVEN, .setsid = 1,
			    .fd = { RUN_DEVNULL, RUN_DEVNULL, RUN_INHERIT },
			    .errtag = "berth" };
	char		*log, *dir, mb[16], files[16], *text;
	const char	*argv[20], *exe;
	int		 argc = 0, fd, status, i, rc = -1;
	pid_t		 pid;

	*pidp = -1;
	if ((exe = proc_self_exe()) == NULL)
		return cause_set(cause, "capture: cannot find the berth "
		    "binary");
	xasprintf(&log, "%s/logs/%s.capture.log", cli_cfg.state_dir, stack);
	dir = xstrdup(log);
	(void)util_mkdir_p(dirname(dir), 0750);
	free(dir);
	if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640)) == -1) {
		cause_set(cause, "capture: %s: %s", log, strerror(errno));
		free(log);
		return -1;
	}
	snprintf(mb, sizeof(mb), "%u", sc->rotate_mb);
	snprintf(files, sizeof(files), "%u", sc->files);
	argv[argc++] = "berth";
	argv[argc++] = "-s";
	argv[argc++] = cli_cfg.socket;
	argv[argc++] = "capture";
	argv[argc++] = "--stack";
	argv[argc++] = "-w";
	argv[argc++] = sc->file;
	argv[argc++] = "-C";
	argv[argc++] = mb;
	if (sc->files > 0) {
		argv[argc++] = "-W";
		argv[argc++] = files;
	}
	argv[argc++] = stack;
	if (sc->filter != NULL) {
		argv[argc++] = "--";
		argv[argc++] = sc->filter;
	}
	argv[argc] = NULL;
	sp.argv = (char **)(uintptr_t)argv;
	sp.path = exe;
	sp.fd[2] = fd;
	if ((pid = run_start(&sp, NULL, NULL, cause)) == -1)
		goto out;
	/* Up when it says so; its log says why when it does not. */
	for (i = 0; i < 500; i++) {
		if ((text = util_read_file(log, 65536, NULL)) != NULL &&
		    strstr(text, "berth capture: ") != NULL) {
			free(text);
			*pidp = pid;
			rc = 0;
			goto out;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			cause_set(cause, "capture: %s", text != NULL ?
			    strtok(text, "\n") : "failed");
			free(text);
			goto out;
		}
		free(text);
		usleep(10000);
	}
	kill(pid, SIGTERM);
	cause_set(cause, "capture: did not start (see %s)", log);
out:
	close(fd);
	free(log);
	return rc;
}
