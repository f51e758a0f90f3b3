/* SPDX-License-Identifier: ISC */
/*
 * kern_linux.c - container cgroups and the BPF programs that hold a
 * container's processes to its address (see kern.h, bpf/berth.bpf.c).
 *
 * DOC: cgroups and programs
 * The cgroup2 hierarchy is found in /proc/self/mountinfo (it may be the
 * hybrid /sys/fs/cgroup/unified). netd's instance owns the directory
 * berth-PREFIX there and nothing else; a container's cgroup is
 * berth-PREFIX/NAME. The BPF object is built by the Makefile (clang
 * -target bpf) and linked into netd (.incbin), so there is no file to
 * find at run time; libbpf loads it. Programs are attached to the
 * instance's cgroup with bpf links, which detach when netd's file
 * descriptors close: a crashed netd leaves only directories, which the
 * next start or --cleanup removes when they are empty. The programs
 * find a container by the cgroup id at the container level (the
 * ancestor id), so a cgroup made below a container's is still that
 * container.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kern.h"
#include "kern_maps.h"
#include "log.h"
#include "name.h"
#include "util.h"
#include "xmalloc.h"

#ifndef KERN_BPF_OBJ
#define KERN_BPF_OBJ "build/bpf/berth.bpf.o"
#endif

/* The object built from bpf/berth.bpf.c, in netd's read-only data. */
__asm__(".section .rodata\n"
    ".balign 8\n"
    ".global kern_obj_start\n"
    "kern_obj_start:\n"
    ".incbin \"" KERN_BPF_OBJ "\"\n"
    "kern_obj_end:\n"
    ".balign 8\n"
    ".global kern_obj_size\n"
    "kern_obj_size:\n"
    ".quad kern_obj_end - kern_obj_start\n"
    ".previous\n");
extern const char kern_obj_start[];
extern const uint64_t kern_obj_size;

#define KERN_MAX_LINKS	16

struct kern {
	char			 base[4096];	/* MOUNT/berth-PREFIX */
	int			 basefd;
	struct bpf_object	*obj;
	struct bpf_link		*links[KERN_MAX_LINKS];
	size_t			 nlinks;
	int			 ctrs_fd;
};

static int
kern_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char	 buf[512];
	size_t	 n;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	log_debug("libbpf: %s", buf);
	return 0;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void
kern_unescape(char *s)
{
	char	*d = s;

	while (*s != '\0') {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 4;
		} else
			*d++ = *s++;
	}
	*d = '\0';
}

/*
 * The cgroup2 mount point, and the depth of its root in the hierarchy
 * (0 unless netd runs in a cgroup namespace or a bind mount).
 */
static int
kern_cg2(char *mnt, size_t len, int *depth)
{
	char	*text, *line, *next, *f[10], *sep, *p;
	int	 i, rc = -1;

	if ((text = util_read_file("/proc/self/mountinfo", 1 << 22,
	    NULL)) == NULL)
		return -1;
	for (line = text; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - TYPE */
		if ((sep = strstr(line, " - ")) == NULL ||
		    strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		*sep = '\0';
		for (i = 0, p = line; i < 6 && p != NULL; i++)
			f[i] = strsep(&p, " ");
		if (i < 6 || f[4] == NULL)
			continue;
		kern_unescape(f[3]);
		kern_unescape(f[4]);
		snprintf(mnt, len, "%s", f[4]);
		*depth = 0;
		for (p = f[3]; *p != '\0'; p++)
			if (*p == '/' && p[1] != '\0' && p[1] != '/')
				(*depth)++;
		rc = 0;
		break;
	}
	free(text);
	if (rc == -1)
		errno = ENOENT;
	return rc;
}

static int
kern_base(const char *prefix, char *base, size_t len, int *depth)
{
	char	 mnt[4096];
	int	 d;

	if (kern_cg2(mnt, sizeof(mnt), &d) == -1)
		return -1;
	if (depth != NULL)
		*depth = d;
	if ((size_t)snprintf(base, len, "%s/berth-%s", mnt, prefix) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

struct kern *
kern_open(const char *prefix, const struct cidr *pool, char **cause)
{
	struct kern		*k;
	struct kern_cfg		 kc;
	struct bpf_program	*prog;
	struct bpf_link		*l;
	struct bpf_map		*m;
	uint32_t		 zero = 0;
	int			 depth;

	libbpf_set_print(kern_print);
	k = xcalloc(1, sizeof(*k));
	k->basefd = -1;
	k->ctrs_fd = -1;
	if (kern_base(prefix, k->base, sizeof(k->base), &depth) == -1) {
		cause_set(cause, "no cgroup2 hierarchy: %s", strerror(errno));
		goto fail;
	}
	if (mkdir(k->base, 0755) == -1 && errno != EEXIST) {
		cause_set(cause, "%s: %s", k->base, strerror(errno));
		goto fail;
	}
	if ((k->basefd = open(k->base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		cause_set(cause, "%s: %s", k->base, strerror(errno));
		goto fail;
	}
	k->obj = bpf_object__open_mem(kern_obj_start, (size_t)kern_obj_size,
	    NULL);
	if (k->obj == NULL) {
		cause_set(cause, "BPF object: %s", strerror(errno));
		goto fail;
	}
	if (bpf_object__load(k->obj) != 0) {
		cause_set(cause, "loading the BPF programs: %s",
		    strerror(errno));
		goto fail;
	}
	memset(&kc, 0, sizeof(kc));
	kc.pool = htonl(pool->net);
	kc.mask = htonl(cidr_mask(pool->plen));
	kc.level = (uint32_t)depth + 2;
	if ((m = bpf_object__find_map_by_name(k->obj, "cfg")) == NULL ||
	    bpf_map_update_elem(bpf_map__fd(m), &zero, &kc, BPF_ANY) != 0 ||
	    (m = bpf_object__find_map_by_name(k->obj, "ctrs")) == NULL) {
		cause_set(cause, "BPF maps: %s", strerror(errno));
		goto fail;
	}
	k->ctrs_fd = bpf_map__fd(m);
	bpf_object__for_each_program(prog, k->obj) {
		if (k->nlinks == KERN_MAX_LINKS)
			fatal("%s: too many programs", __func__);
		if ((l = bpf_program__attach_cgroup(prog, k->basefd)) ==
		    NULL) {
			cause_set(cause, "attaching %s to %s: %s",
			    bpf_program__name(prog), k->base,
			    strerror(errno));
			goto fail;
		}
		k->links[k->nlinks++] = l;
	}
	log_info("%s: %zu programs on %s (container cgroups at level %u)",
	    __func__, k->nlinks, k->base, kc.level);
	return k;
fail:
	kern_close(k);
	return NULL;
}

void
kern_close(struct kern *k)
{
	size_t	 i;

	if (k == NULL)
		return;
	for (i = 0; i < k->nlinks; i++)
		bpf_link__destroy(k->links[i]);
	bpf_object__close(k->obj);
	if (k->basefd != -1)
		close(k->basefd);
	free(k);
}

/* The cgroup id of berth-PREFIX/NAME: its inode on cgroup2. */
static int
kern_id(struct kern *k, const char *name, uint64_t *id)
{
	struct stat	 st;

	if (fstatat(k->basefd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	*id = (uint64_t)st.st_ino;
	return 0;
}

int
kern_ctr_add(struct kern *k, const char *name, uint32_t addr, int internal,
    char **cause)
{
	struct kern_ctr	 v;
	uint64_t	 id;

	if (name_check(name, "container name", cause) == -1)
		return -1;
	if (mkdirat(k->basefd, name, 0755) == -1 && errno != EEXIST)
		return cause_set(cause, "cgroup %s/%s: %s", k->base, name,
		    strerror(errno));
	if (kern_id(k, name, &id) == -1)
		return cause_set(cause, "cgroup %s/%s: %s", k->base, name,
		    strerror(errno));
	memset(&v, 0, sizeof(v));
	v.addr = htonl(addr);
	v.flags = internal ? KERN_INTERNAL : 0;
	if (bpf_map_update_elem(k->ctrs_fd, &id, &v, BPF_ANY) != 0)
		return cause_set(cause, "BPF map: %s", strerror(errno));
	return 0;
}

void
kern_ctr_del(struct kern *k, const char *name)
{
	uint64_t	 id;

	if (k == NULL || kern_id(k, name, &id) == -1)
		return;
	(void)bpf_map_delete_elem(k->ctrs_fd, &id);
	if (unlinkat(k->basefd, name, AT_REMOVEDIR) == -1)
		log_info("%s: cgroup %s/%s stays: %s", __func__, k->base,
		    name, strerror(errno));
}

/* Field 4 of /proc/PID/stat, after the command in parentheses. */
static pid_t
kern_ppid(pid_t pid)
{
	char	 path[64], *text, *p;
	long	 ppid = -1;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((text = util_read_file(path, 4096, NULL)) == NULL)
		return -1;
	if ((p = strrchr(text, ')')) != NULL &&
	    sscanf(p + 1, " %*c %ld", &ppid) != 1)
		ppid = -1;
	free(text);
	return (pid_t)ppid;
}

int
kern_join(struct kern *k, const char *name, pid_t pid, pid_t parent,
    char **cause)
{
	char	 path[NAME_MAX_LEN + 32], buf[32];
	int	 fd, n, rc = -1;

	if (name_check(name, "container name", cause) == -1)
		return -1;
	/* Only a process's own children: never someone else's. */
	if (pid <= 1 || parent <= 0 || kern_ppid(pid) != parent)
		return cause_set(cause, "process %ld is not a child of the "
		    "caller (pid %ld)", (long)pid, (long)parent);
	snprintf(path, sizeof(path), "%s/cgroup.procs", name);
	if ((fd = openat(k->basefd, path, O_WRONLY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return cause_set(cause, "cgroup %s/%s: %s", k->base, name,
		    strerror(errno));
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
	if (write(fd, buf, (size_t)n) != n)
		cause_set(cause, "moving process %ld into %s/%s: %s",
		    (long)pid, k->base, name, strerror(errno));
	else
		rc = 0;
	close(fd);
	return rc;
}

int
kern_counts(struct kern *k, const char *name, struct kern_counts *kc)
{
	struct kern_ctr	 v;
	uint64_t	 id;

	memset(kc, 0, sizeof(*kc));
	if (k == NULL || kern_id(k, name, &id) == -1 ||
	    bpf_map_lookup_elem(k->ctrs_fd, &id, &v) != 0)
		return -1;
	kc->spoofed = v.spoofed;
	kc->refused = v.refused;
	kc->rewritten = v.rewritten;
	return 0;
}

const char *
kern_mechanism(const struct kern *k)
{
	return k != NULL ? "cgroup-bpf" : "interposer";
}

const char *
kern_cgroup_dir(const struct kern *k)
{
	return k != NULL ? k->base : NULL;
}

void
kern_sweep(const char *prefix, int (*keep)(void *, const char *), void *arg)
{
	struct dirent	*de;
	char		 base[4096];
	DIR		*dir;
	int		 fd;

	if (kern_base(prefix, base, sizeof(base), NULL) == -1 ||
	    (fd = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return;
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.' ||
		    (keep != NULL && keep(arg, de->d_name)))
			continue;
		if (unlinkat(fd, de->d_name, AT_REMOVEDIR) == -1)
			log_warn("%s: cgroup %s/%s", __func__, base,
			    de->d_name);
		else
			log_debug("%s: removed cgroup %s/%s", __func__, base,
			    de->d_name);
	}
	closedir(dir);
	if (keep == NULL && rmdir(base) == -1 && errno != ENOENT)
		log_warn("%s: cgroup %s", __func__, base);
}
