/* SPDX-License-Identifier: ISC */
/*
 * dnssrv_up.c - the DNS server's upstream resolvers: the host's
 * resolv.conf, read again when it changes, without the server itself.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "dnssrv_int.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

/* ---------------------------------------------------------------- upstreams */

/* Same address and port (scope too for IPv6). */
int
dnssrv_same(const struct sockaddr *a, const struct sockaddr *b)
{
	const struct sockaddr_in	*a4 = (const struct sockaddr_in *)a;
	const struct sockaddr_in	*b4 = (const struct sockaddr_in *)b;
	const struct sockaddr_in6	*a6 = (const struct sockaddr_in6 *)a;
	const struct sockaddr_in6	*b6 = (const struct sockaddr_in6 *)b;

	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET)
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr &&
		    a4->sin_port == b4->sin_port;
	if (a->sa_family == AF_INET6)
		return memcmp(&a6->sin6_addr, &b6->sin6_addr,
		    sizeof(a6->sin6_addr)) == 0 &&
		    a6->sin6_port == b6->sin6_port &&
		    a6->sin6_scope_id == b6->sin6_scope_id;
	return 0;
}

static int
dnssrv_is_self(const struct dnssrv *s, const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)sa;

	return sa->sa_family == AF_INET &&
	    ntohl(sin->sin_addr.s_addr) == s->addr &&
	    ntohs(sin->sin_port) == s->port;
}

/* Parse the nameserver lines of resolv.conf text into s->ups. */
static void
dnssrv_parse_resolv(struct dnssrv *s, char *text)
{
	struct addrinfo	 hints, *res;
	char		*line, *next, *tok, *save, port[8];
	unsigned	 n = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_DGRAM;
	snprintf(port, sizeof(port), "%u", (unsigned)s->upstream_port);
	for (line = text; line != NULL && n < DNSSRV_UPSTREAM_MAX;
	    line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((tok = strtok_r(line, " \t\r", &save)) == NULL ||
		    strcmp(tok, "nameserver") != 0 ||
		    (tok = strtok_r(NULL, " \t\r", &save)) == NULL)
			continue;
		if (getaddrinfo(tok, port, &hints, &res) != 0)
			continue;
		if (res->ai_addrlen <= sizeof(s->ups[0]) &&
		    !dnssrv_is_self(s, res->ai_addr) &&
		    (res->ai_family == AF_INET ||
		    (res->ai_family == AF_INET6 && s->up6 != -1))) {
			memcpy(&s->ups[n], res->ai_addr, res->ai_addrlen);
			s->upslen[n] = res->ai_addrlen;
			n++;
		}
		freeaddrinfo(res);
	}
	s->nups = n;
}

/* Re-read resolv.conf when it changed; checked at most once a second. */
void
dnssrv_load_resolv(struct dnssrv *s)
{
	struct stat	 sb;
	long long	 now = util_now_ms();
	char		*text;

	if (s->resolv_loaded && now - s->resolv_checked < DNSSRV_RESOLV_MS)
		return;
	s->resolv_checked = now;
	if (stat(s->resolv_conf, &sb) == -1) {
		if (s->nups != 0 || !s->resolv_loaded)
			log_warn("%s: %s", __func__, s->resolv_conf);
		s->nups = 0;
		s->resolv_loaded = 1;
		return;
	}
	/* Rewrites are renames (a new inode) or change size or time. */
	if (s->resolv_loaded && sb.st_size == s->resolv_size &&
	    sb.st_mtime == s->resolv_mtime && sb.st_ino == s->resolv_ino)
		return;
	s->resolv_loaded = 1;
	s->resolv_size = sb.st_size;
	s->resolv_mtime = sb.st_mtime;
	s->resolv_ino = sb.st_ino;
	if ((text = util_read_file(s->resolv_conf, DNSSRV_RESOLV_MAX,
	    NULL)) == NULL) {
		log_warn("%s: %s", __func__, s->resolv_conf);
		s->nups = 0;
		return;
	}
	dnssrv_parse_resolv(s, text);
	free(text);
	log_debug("%s: %s: %u upstream nameserver(s)", __func__,
	    s->resolv_conf, s->nups);
}
