/* SPDX-License-Identifier: ISC */
/*
 * statefile.h - netd's state as it is on disk: the snapshot
 * (STATE_DIR/state.json) and the journal of container changes since it
 * (STATE_DIR/state.journal). netd, berth-netd -n and the CLI read it
 * here, so they never disagree about what it holds.
 */
#ifndef BERTH_STATEFILE_H
#define BERTH_STATEFILE_H

#include <stddef.h>

#include <jansson.h>

#define STATEFILE_SNAPSHOT	"state.json"
#define STATEFILE_JOURNAL	"state.journal"

struct statefile {
	json_t			*state;	/* snapshot + journal; NULL: none */
	unsigned long long	 gen;	/* the snapshot's generation */
	unsigned long long	 jgen;	/* the journal's, 0 without one */
	size_t			 lines;	/* journal lines applied */
	int			 torn;	/* a torn last line was dropped */
	int			 stale;	/* a journal of an older snapshot */
	char			*why;	/* the snapshot cannot be used */
	char			*jwhy;	/* a journal line is damaged */
	int			 err;	/* errno when there is no state */
};

/*
 * statefile_read - the state in dir: the snapshot, each line of its
 * journal applied in order (sf->state, any JSON value; the journal goes
 * on an object only). 0, or -1 with errno and sf->state NULL when the
 * snapshot cannot be used: ENOENT, there is none; EINVAL, it is not a
 * regular file or not JSON (sf->why says which); another, it cannot be
 * read (sf->why: strerror). A damaged journal line is skipped and
 * reported in sf->jwhy; the lines around it are applied. Files larger
 * than max are refused (EFBIG).
 */
int	 statefile_read(const char *dir, size_t max, struct statefile *sf);
void	 statefile_clear(struct statefile *sf);
/*
 * statefile_apply - one journal line (without its newline) on a state
 * object: 0, or -1 and *cause when it is not a put or a delete. A put
 * replaces the entry of its name or appends it; a delete of a name not
 * there does nothing: a line applied twice changes nothing more.
 */
int	 statefile_apply(json_t *state, const char *line, size_t len,
	    char **cause);
/* The journal's first line for generation gen, into buf. */
int	 statefile_header(char *buf, size_t len, unsigned long long gen);

#endif
