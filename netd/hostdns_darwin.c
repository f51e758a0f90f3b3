/* SPDX-License-Identifier: ISC */
/*
 * hostdns_darwin.c - the host resolves *.berth: /etc/resolver/berth.
 *
 * DOC: Theory of Operation
 * macOS's resolver (mDNSResponder) reads per-domain configuration from
 * /etc/resolver/DOMAIN (resolver(5)): a file /etc/resolver/berth with
 * "nameserver GATEWAY" sends every *.berth query to netd's server, so
 * there is nothing to keep in sync. The file carries a marker line with
 * netd's prefix: stop and cleanup remove it only when it is ours, and
 * a second instance does not take over a live one's file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "dns.h"
#include "hostdns.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define HOSTDNS_RESOLVER_FILE	"/etc/resolver/" DNS_DOMAIN

struct hostdns {
	enum hostdns_mode	 mode;
	char			*file;
	char			*marker;
};

static char *
hostdns_marker(const char *prefix)
{
	char	*m;

	xasprintf(&m, "# berth %s: written by berth-netd, removed at stop\n",
	    prefix);
	return m;
}

/* Whether path holds our marker; -1 when it does not exist. */
static int
hostdns_ours(const char *path, const char *marker)
{
	char	*text;
	int	 ours;

	if ((text = util_read_file(path, 64 * 1024, NULL)) == NULL)
		return -1;
	ours = strncmp(text, marker, strlen(marker)) == 0;
	free(text);
	return ours;
}

struct hostdns *
hostdns_start(const struct hostdns_conf *conf, char **cause)
{
	struct hostdns	*h;
	char		*text = NULL, *dir, ab[ADDR_STRLEN];

	h = xcalloc(1, sizeof(*h));
	h->mode = conf->mode == HOSTDNS_AUTO ? HOSTDNS_RESOLVER : conf->mode;
	h->file = xstrdup(conf->resolver != NULL ? conf->resolver :
	    HOSTDNS_RESOLVER_FILE);
	h->marker = hostdns_marker(conf->prefix);
	if (h->mode == HOSTDNS_OFF)
		return h;
	if (h->mode != HOSTDNS_RESOLVER) {
		cause_set(cause, "only /etc/resolver is supported on macOS");
		goto fail;
	}
	if (hostdns_ours(h->file, h->marker) == 0) {
		cause_set(cause, "%s belongs to another berth instance",
		    h->file);
		h->mode = HOSTDNS_OFF;
		goto fail;
	}
	dir = xstrdup(h->file);
	if (strrchr(dir, '/') != NULL)
		*strrchr(dir, '/') = '\0';
	(void)util_mkdir_p(dir, 0755);
	free(dir);
	xasprintf(&text, "%snameserver %s\nport %d\n", h->marker,
	    addr_fmt(conf->gateway, ab), DNS_PORT);
	if (util_write_file_atomic(h->file, text, strlen(text), 0644) == -1) {
		cause_set(cause, "%s: %s", h->file, strerror(errno));
		free(text);
		h->mode = HOSTDNS_OFF;
		goto fail;
	}
	free(text);
	return h;
fail:
	hostdns_stop(h);
	return NULL;
}

int
hostdns_sync(struct hostdns *h, const struct dns_zone *z, char **cause)
{
	return 0;	/* mDNSResponder asks the server every time */
}

int
hostdns_busy(struct hostdns *h)
{
	(void)h;
	return 0;
}

int
hostdns_hold_ms(struct hostdns *h)
{
	(void)h;
	return 0;
}

void
hostdns_stop(struct hostdns *h)
{
	if (h == NULL)
		return;
	if (h->mode == HOSTDNS_RESOLVER &&
	    hostdns_ours(h->file, h->marker) == 1 && unlink(h->file) == -1)
		log_warn("%s: %s", __func__, h->file);
	free(h->file);
	free(h->marker);
	free(h);
}

int
hostdns_cleanup(const struct hostdns_conf *conf, char **cause)
{
	const char	*file = conf->resolver != NULL ? conf->resolver :
	    HOSTDNS_RESOLVER_FILE;
	char		*marker = hostdns_marker(conf->prefix);
	int		 rc = 0;

	if (hostdns_ours(file, marker) == 1 && unlink(file) == -1)
		rc = cause_set(cause, "%s: %s", file, strerror(errno));
	free(marker);
	return rc;
}

const char *
hostdns_mode_name(const struct hostdns *h)
{
	return h->mode == HOSTDNS_RESOLVER ? "resolver" : "off";
}
