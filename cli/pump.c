/* SPDX-License-Identifier: ISC */
/*
 * pump.c - a foreground container's output: to the terminal and its log.
 *
 * DOC: foreground stdio, -t and -i
 * A foreground run (and exec) starts the process with pipes for stdout
 * and stderr, or with -t on a fresh pseudo-terminal (posix_openpt): the
 * CLI copies what comes out to its own stdout/stderr and, for run, to
 * the container's log too, so `berth logs` shows a foreground
 * container's output as it does a detached one's. Without -t stdin is
 * the CLI's own (so `echo x | berth run -- cat` works); with -t it is
 * the terminal: berth's terminal goes raw, keys are copied to the pty
 * (Ctrl-C reaches the process through the pty's line discipline), and
 * the window size follows SIGWINCH. The process is the pty's session
 * leader, as under docker run -it. The copy ends when the output is
 * closed (EOF, or EIO from a pty master whose slave side is gone), then
 * the process is waited for.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "launch.h"
#include "util.h"
#include "xmalloc.h"

static volatile sig_atomic_t	 pump_winch;

static void
pump_on_winch(int sig)
{
	(void)sig;
	pump_winch = 1;
}

/* Write all of buf to fd (blocking); -1 when fd is gone. */
static int
pump_write(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
pump_open_pty(int *master, int *slave, char **cause)
{
	struct winsize	 ws;
	const char	*name;

	/* macOS's posix_openpt() takes O_RDWR and O_NOCTTY only */
	if ((*master = posix_openpt(O_RDWR | O_NOCTTY)) == -1 ||
	    util_set_cloexec(*master) == -1 || grantpt(*master) == -1 || unlockpt(*master) == -1 ||
	    (name = ptsname(*master)) == NULL ||
	    (*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return cause_set(cause, "-t: no pseudo-terminal: %s",
		    strerror(errno));
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(*master, TIOCSWINSZ, &ws);
	return 0;
}

/*
 * Start ls with its output through us; started(pid, arg) is called once
 * the process runs, ended(arg) when its output has ended, before it is
 * reaped (its pid still names it: a zombie). Both may be NULL. *code is
 * its exit status. -1 with *cause when it could not start.
 */
int
pump_run(struct launch_spec *ls, int tty, int interactive, const char *log,
    void (*started)(pid_t, void *), void (*ended)(void *), void *arg,
    int *code, char **cause)
{
	struct termios	 saved, raw;
	struct sigaction sa, oldsa;
	struct pollfd	 pfd[3];
	struct winsize	 ws;
	char		 buf[16384];
	int		 out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int		 master = -1, slave = -1, logfd = -1, rawmode = 0;
	int		 bol = 1;
	long long	 logoff = 0;
	FILE		*tsf = NULL;
	struct stat	 st;
	char		*tspath;
	int		 rc = -1, i;
	ssize_t		 r;
	pid_t		 pid;

	if (log != NULL && (logfd = open(log, O_WRONLY | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0640)) != -1) {
		if (fstat(logfd, &st) == 0)
			logoff = st.st_size;
		xasprintf(&tspath, "%s.ts", log);
		tsf = fopen(tspath, "ae");
		free(tspath);
	}
	if (tty) {
		if (pump_open_pty(&master, &slave, cause) == -1)
			goto out;
		ls->io[0] = ls->io[1] = ls->io[2] = slave;
		ls->io_tty = 1;
	} else {
		if (pipe(out) == -1 || pipe(err) == -1 ||
		    util_set_cloexec(out[0]) == -1 ||
		    util_set_cloexec(out[1]) == -1 ||
		    util_set_cloexec(err[0]) == -1 ||
		    util_set_cloexec(err[1]) == -1) {
			cause_set(cause, "pipe: %s", strerror(errno));
			goto out;
		}
		ls->io[0] = STDIN_FILENO;
		ls->io[1] = out[1];
		ls->io[2] = err[1];
	}
	ls->io_set = 1;
	if (launch_start(ls, &pid, cause) == -1)
		goto out;
	if (started != NULL)
		started(pid, arg);
	/* only the child holds the writing ends now */
	if (slave != -1) {
		close(slave);
		slave = -1;
	}
	if (out[1] != -1) {
		close(out[1]);
		close(err[1]);
		out[1] = err[1] = -1;
	}
	if (tty && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO,
	    &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0)
			rawmode = 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pump_on_winch;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, &oldsa);

	/* 0: stdout (or the pty), 1: stderr, 2: keys for the pty */
	pfd[0].fd = tty ? master : out[0];
	pfd[1].fd = tty ? -1 : err[0];
	pfd[2].fd = tty && interactive ? STDIN_FILENO : -1;
	for (i = 0; i < 3; i++)
		pfd[i].events = POLLIN;
	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		if (pump_winch) {
			pump_winch = 0;
			if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
				ioctl(master, TIOCSWINSZ, &ws);
		}
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[2].fd >= 0 && pfd[2].revents != 0) {
			r = read(STDIN_FILENO, buf, sizeof(buf));
			if (r <= 0 || pump_write(master, buf, (size_t)r) == -1)
				pfd[2].fd = -1;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			r = read(pfd[i].fd, buf, sizeof(buf));
			if (r == -1 && errno == EINTR)
				continue;
			if (r <= 0) {
				/* EOF, or EIO: the pty's slave is gone */
				pfd[i].fd = -1;
				continue;
			}
			(void)pump_write(i == 0 ? STDOUT_FILENO :
			    STDERR_FILENO, buf, (size_t)r);
			if (logfd != -1 &&
			    pump_write(logfd, buf, (size_t)r) == 0) {
				if (tsf != NULL)
					logs_stamp(tsf, &bol, logoff, buf,
					    (size_t)r);
				logoff += r;
			}
		}
	}
	sigaction(SIGWINCH, &oldsa, NULL);
	if (rawmode)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	if (ended != NULL)
		ended(arg);
	launch_wait(pid, code);
	rc = 0;
out:
	if (master != -1)
		close(master);
	if (slave != -1)
		close(slave);
	for (i = 0; i < 2; i++) {
		if (out[i] != -1)
			close(out[i]);
		if (err[i] != -1)
			close(err[i]);
	}
	if (logfd != -1)
		close(logfd);
	if (tsf != NULL)
		fclose(tsf);
	ls->io_set = 0;
	return rc;
}
