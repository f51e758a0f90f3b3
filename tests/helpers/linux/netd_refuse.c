/* SPDX-License-Identifier: ISC */
/*
 * netd_refuse_linux - berth-netd whose nf_tables writer the kernel
 * refuses, for tests/integ/netd_nl_fallback.sh.
 *
 * It is berth-netd (netd/main.c and netd's library) linked with
 * -Wl,--wrap=fw_nl_send; berth-netd itself has no such hook.
 * BERTH_TEST_NL_REFUSE says what is refused:
 *
 *	N (1 when unset)	the Nth batch: the wrapper below turns its
 *				first message after BATCH_BEGIN into one of
 *				a type the kernel has no handler for, as a
 *				kernel older than the message would see it;
 *				the batch still goes to the kernel, which
 *				refuses it (EINVAL) and applies none of it
 *	socket			the socket: before main, a seccomp filter
 *				makes the kernel answer netd's
 *				socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
 *				NETLINK_NETFILTER) with EPROTONOSUPPORT, as
 *				a policy refusing netd that socket would;
 *				nft, which asks for SOCK_RAW alone, and
 *				every other socket are let through
 *	0			nothing
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw_nl.h"

int	__real_fw_nl_send(struct fw_nl *, char *, size_t, char **);
int	__wrap_fw_nl_send(struct fw_nl *, char *, size_t, char **);

/* One past every nf_tables message type a kernel has (u8). */
#define NETD_REFUSE_TYPE	0xff

#if defined(__x86_64__)
#define NETD_REFUSE_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NETD_REFUSE_ARCH	AUDIT_ARCH_AARCH64
#endif

/* The low 32 bits of argument n (little-endian). */
#define ARG(n)	(offsetof(struct seccomp_data, args) + (n) * sizeof(uint64_t))

static void netd_refuse_socket(void) __attribute__((constructor));

static void
netd_refuse_socket(void)
{
#ifdef NETD_REFUSE_ARCH
	struct sock_filter	 f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NETD_REFUSE_ARCH, 0, 7),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG(0)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG(1)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SOCK_RAW | SOCK_CLOEXEC,
		    0, 1),
		BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG(2)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NETLINK_NETFILTER, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO |
		    (EPROTONOSUPPORT & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog	 prog = { (unsigned short)(sizeof(f) /
				    sizeof(f[0])), f };
#endif
	const char		*e = getenv("BERTH_TEST_NL_REFUSE");

	if (e == NULL || strcmp(e, "socket") != 0)
		return;
#ifdef NETD_REFUSE_ARCH
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0)
		return;
	perror("netd_refuse: seccomp");
#else
	fprintf(stderr, "netd_refuse: no seccomp filter for this arch\n");
#endif
	exit(77);
}

int
__wrap_fw_nl_send(struct fw_nl *nl, char *batch, size_t len, char **cause)
{
	static unsigned long	 sent;
	const char		*e = getenv("BERTH_TEST_NL_REFUSE");
	unsigned long		 n = e != NULL ? strtoul(e, NULL, 10) : 1;
	struct nlmsghdr		*h = (struct nlmsghdr *)batch;

	if (++sent == n && len >= sizeof(*h) &&
	    NLMSG_ALIGN(h->nlmsg_len) + sizeof(*h) <= len) {
		h = (struct nlmsghdr *)(batch + NLMSG_ALIGN(h->nlmsg_len));
		h->nlmsg_type = (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) |
		    NETD_REFUSE_TYPE);
	}
	return __real_fw_nl_send(nl, batch, len, cause);
}
