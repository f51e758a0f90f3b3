/* SPDX-License-Identifier: ISC */
/*
 * rootfs_linux.c - what a binary loads, from ldd(1).
 *
 * ldd prints "name => /path (0x...)" for each library and "/path
 * (0x...)" for the loader; "not a dynamic executable" (static) means
 * nothing to add; "name => not found" is an error: the tree could not
 * run the binary. glibc also loads NSS modules at run time, which ldd
 * cannot see: libnss_files and libnss_dns come from libc's directory.
 * (ldd may run the binary's loader on it: build trees from binaries
 * you trust.)
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "rootfs.h"
#include "util.h"

/*
 * Does the ELF file ask for a program interpreter (PT_INTERP)? A static
 * binary does not, and needs nothing beside it; ldd only fails on it
 * (saying so on stderr). 1 dynamic, 0 static, -1 not ELF/unreadable.
 */
static int
rootfs_elf_dynamic(const char *bin)
{
	Elf64_Ehdr	 e64;
	Elf64_Phdr	 p64;
	Elf32_Ehdr	*e32 = (Elf32_Ehdr *)(void *)&e64;
	Elf32_Phdr	 p32;
	uint64_t	 off;
	unsigned int	 i, num, size;
	int		 fd, rc = -1, is64;

	if ((fd = open(bin, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (pread(fd, &e64, sizeof(e64), 0) < (ssize_t)sizeof(Elf32_Ehdr) ||
	    memcmp(e64.e_ident, ELFMAG, SELFMAG) != 0)
		goto out;
	is64 = e64.e_ident[EI_CLASS] == ELFCLASS64;
	off = is64 ? e64.e_phoff : e32->e_phoff;
	num = is64 ? e64.e_phnum : e32->e_phnum;
	size = is64 ? e64.e_phentsize : e32->e_phentsize;
	if (size < (is64 ? sizeof(p64) : sizeof(p32)) || num > 4096)
		goto out;
	rc = 0;
	for (i = 0; i < num; i++) {
		if (is64 ? pread(fd, &p64, sizeof(p64), (off_t)(off +
		    (uint64_t)i * size)) != (ssize_t)sizeof(p64) :
		    pread(fd, &p32, sizeof(p32), (off_t)(off +
		    (uint64_t)i * size)) != (ssize_t)sizeof(p32)) {
			rc = -1;
			break;
		}
		if ((is64 ? p64.p_type : p32.p_type) == PT_INTERP) {
			rc = 1;
			break;
		}
	}
out:
	close(fd);
	return rc;
}

int
rootfs_deps(const char *bin, char ***paths, size_t *n, char **cause)
{
	static const char *const nss[] = { "libnss_files.so.2",
	    "libnss_dns.so.2" };
	char		*argv[3], *out, *line, *save = NULL, *p, *e;
	char		 libdir[1024] = "", path[1100];
	size_t		 i;
	int		 status;

	*paths = NULL;
	*n = 0;
	if (rootfs_elf_dynamic(bin) == 0)
		return 0;	/* static: the binary alone */
	argv[0] = (char *)"ldd";
	argv[1] = (char *)bin;
	argv[2] = NULL;
	if (rootfs_run(argv, &out, &status, cause) == -1)
		return -1;
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "=> not found") != NULL) {
			for (p = line; *p == ' ' || *p == '\t'; p++)
				;
			if ((e = strchr(p, ' ')) != NULL)
				*e = '\0';
			cause_set(cause, "%s: needs %s, which is not found",
			    bin, p);
			goto fail;
		}
		if ((p = strstr(line, "=> /")) != NULL)
			p += 3;
		else if ((p = strchr(line, '/')) == NULL)
			continue;	/* linux-vdso.so.1, static */
		if ((e = strchr(p, ' ')) != NULL)
			*e = '\0';
		rootfs_add(paths, n, p);
		if (strstr(p, "/libc.so") != NULL && strlen(p) < sizeof(libdir)) {
			snprintf(libdir, sizeof(libdir), "%s", p);
			*strrchr(libdir, '/') = '\0';
		}
	}
	/* ldd fails for a static binary (nothing listed, nothing needed);
	 * a failure that listed nothing else is an error. */
	if (*n == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 1 &&
	    strstr(out, "not a dynamic executable") != NULL) &&
	    !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		cause_set(cause, "%s: ldd failed", bin);
		goto fail;
	}
	free(out);
	for (i = 0; libdir[0] != '\0' && i < nitems(nss); i++) {
		snprintf(path, sizeof(path), "%s/%s", libdir, nss[i]);
		if (access(path, R_OK) == 0)
			rootfs_add(paths, n, path);
	}
	return 0;
fail:
	free(out);
	for (i = 0; i < *n; i++)
		free((*paths)[i]);
	free(*paths);
	*paths = NULL;
	*n = 0;
	return -1;
}
