/* SPDX-License-Identifier: ISC */
/*
 * seccomp_bind_linux - what seccomp user notification would cost berth, for
 * bench/seccomp (docs/runtime.md weighs it against the BPF programs).
 *
 *	seccomp_bind plain N ADDR	N x (socket, bind ADDR:0, close)
 *	seccomp_bind continue N ADDR	the same, every bind stopped by a
 *					SECCOMP_RET_USER_NOTIF filter and let
 *					through by a supervisor thread
 *					(SECCOMP_USER_NOTIF_FLAG_CONTINUE):
 *					the least a supervisor can do
 *	seccomp_bind emulate N ADDR	the supervisor does what berth would:
 *					reads the address from the caller
 *					(process_vm_readv), takes its socket
 *					(pidfd_getfd), binds it to ADDR itself
 *					and answers with the result
 * Prints nanoseconds per iteration. The supervisor is a thread started
 * before the filter, so it is not filtered itself; a real one (netd) is
 * another process, which costs the same system calls.
 */
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int		 listener = -1;
static int		 emulate;
static struct in_addr	 target;
static int		 ready[2];

static void
die(const char *what)
{
	fprintf(stderr, "seccomp_bind: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long long
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
answer(const struct seccomp_notif *req, struct seccomp_notif_resp *resp,
    int pidfd)
{
	struct sockaddr_in	 sin;
	struct iovec		 local = { &sin, sizeof(sin) };
	struct iovec		 remote;
	int			 fd;

	resp->id = req->id;
	resp->flags = 0;
	resp->val = 0;
	resp->error = 0;
	if (!emulate) {
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		return 0;
	}
	remote.iov_base = (void *)(uintptr_t)req->data.args[1];
	remote.iov_len = sizeof(sin);
	if (req->data.args[2] < sizeof(sin) ||
	    process_vm_readv(req->pid, &local, 1, &remote, 1, 0) !=
	    (ssize_t)sizeof(sin)) {
		resp->error = -EFAULT;
		return 0;
	}
	if ((fd = (int)syscall(SYS_pidfd_getfd, pidfd,
	    (int)req->data.args[0], 0)) == -1) {
		resp->error = -errno;
		return 0;
	}
	if (sin.sin_family == AF_INET && (sin.sin_addr.s_addr == 0 ||
	    sin.sin_addr.s_addr == htonl(INADDR_LOOPBACK)))
		sin.sin_addr = target;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		resp->error = -errno;
	close(fd);
	return 0;
}

static void *
supervise(void *arg)
{
	struct seccomp_notif		 req;
	struct seccomp_notif_resp	 resp;
	char				 b;
	int				 pidfd;

	(void)arg;
	if (read(ready[0], &b, 1) != 1)
		return NULL;
	if ((pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0)) == -1)
		die("pidfd_open");
	for (;;) {
		memset(&req, 0, sizeof(req));
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) == -1) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		answer(&req, &resp, pidfd);
		(void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
}

static void
install(void)
{
	struct sock_filter	 f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_bind, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog	 prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		die("no_new_privs");
	listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
	    SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (listener == -1)
		die("seccomp");
	if (write(ready[1], "r", 1) != 1)
		die("write");
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	 sin, got;
	socklen_t		 len;
	pthread_t		 t;
	long long		 t0;
	long			 i, n;
	int			 fd, mode;

	if (argc != 4 || (n = atol(argv[2])) <= 0 ||
	    inet_pton(AF_INET, argv[3], &target) != 1) {
		fprintf(stderr, "usage: seccomp_bind plain|continue|emulate "
		    "N ADDR\n");
		return 2;
	}
	mode = strcmp(argv[1], "plain") == 0 ? 0 :
	    strcmp(argv[1], "continue") == 0 ? 1 : 2;
	emulate = mode == 2;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	/* emulate: ask for 0.0.0.0, the supervisor makes it ADDR */
	sin.sin_addr = mode == 2 ? (struct in_addr){ 0 } : target;
	if (mode != 0) {
		if (pipe(ready) == -1 ||
		    pthread_create(&t, NULL, supervise, NULL) != 0)
			die("supervisor");
		install();
	}
	/* the rewrite happened: the socket is on ADDR */
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		die("bind");
	len = sizeof(got);
	if (getsockname(fd, (struct sockaddr *)&got, &len) == -1 ||
	    got.sin_addr.s_addr != target.s_addr) {
		fprintf(stderr, "seccomp_bind: bound to %s, not %s\n",
		    inet_ntoa(got.sin_addr), argv[3]);
		return 1;
	}
	close(fd);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			die("socket");
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
			die("bind");
		close(fd);
	}
	printf("%lld\n", (now_ns() - t0) / n);
	return 0;
}
