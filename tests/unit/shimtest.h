/* SPDX-License-Identifier: ISC */
/*
 * shimtest.h - the harness of the interposer's tests: test_shim.c
 * (what every OS's shim does) and linux/test_shim_linux.c (checks
 * against raw system calls, netlink, sendmmsg and glibc's reentrant
 * resolver, which macOS does not have).
 *
 * Every 127.0.0.x address is local on Linux, so containers can be
 * played without netd or root: the test runs as the container
 * 127.0.0.2 (it re-runs itself with LD_PRELOAD and BERTH_ADDR set), a
 * helper server (tests/helpers/shim_echo) runs as the container
 * 127.0.0.3, an unshimmed one stands for the host on 127.0.0.1, and
 * another for the gateway's DNS on 127.0.0.4. The servers answer "PEER
 * ADDR PORT", so each test sees the address the kernel really used. A
 * fake DNS server on 127.0.0.4 answers the interposer's getaddrinfo()
 * and gethostbyname() hooks, with a name for each way a reply can go
 * wrong (see fakedns_answer() in shimtest.c).
 *
 * main() of a test: "if (!shimtest_child()) return
 * shimtest_parent(argc, argv);" then run the cmocka group.
 */
#ifndef SHIMTEST_H
#define SHIMTEST_H

#include <sys/socket.h>
#include <sys/types.h>

#include <limits.h>
#include <stddef.h>

#define ME	"127.0.0.2"	/* the container these tests run as */
#define OTHER	"127.0.0.3"	/* another container (shim_echo) */
#define DNSGW	"127.0.0.4"	/* a stand-in gateway DNS */

extern char	 helpers[PATH_MAX];
extern int	 echo_port, host_port, dns_port;

socklen_t	 mkaddr(struct sockaddr_storage *ss, const char *ip, int port);
const char *	fmt(const struct sockaddr_storage *ss, char *buf, size_t len);
const char *	local_ip(int fd, char *buf, size_t len);
int	 local_port(int fd);
int	 sock(int family, int type);
int	 do_bind(int fd, const char *ip, int port);
int	 do_connect(int fd, const char *ip, int port);
const char *	peer_said(int fd, char *buf, size_t len);
void	 set_v6only(int fd, int on);
int	 run(const char *cmd, char *out, size_t len);
int	 saw(const char *out, const char *addr);
int	 own_listener(int type);
void	 udp_answer(int fd, const char *want_peer, const char *want_from);
int	 fake_count(void);
int	 shimtest_parent(int argc, char **argv);
int	 shimtest_child(void);

#endif
