/* proc.c: what /proc says of processes: their stat, children lists. */
#include "proc.h"
#include "defs.h"
#include "fmt.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "io.h"
#include "value.h"

/* The decimal number at *p (after spaces); *p moves past it. */
static long
proc_num(char **p)
{
	long v = 0;

	while (**p == ' ')
		(*p)++;
	while (**p >= '0' && **p <= '9')
		v = v * 10 + *(*p)++ - '0';
	return v;
}

/* Skip n space-separated fields at *p (they may be negative: tpgid). */
static void
proc_skip(char **p, int n)
{
	while (n-- > 0) {
		while (**p == ' ')
			(*p)++;
		while (**p && **p != ' ')
			(*p)++;
	}
}

int
proc_stat(pid_t pid, struct proc_info *pi)
{
	char path[32];
	char buf[512];
	char *p;
	ssize_t n;
	int fd;

	fmt_snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = io_read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* comm may hold spaces and ')': the fields follow the last ')'. */
	if (!(p = strrchr(buf, ')')) || p[1] != ' ' || !p[2])
		return -1;
	pi->state = p[2];
	p += 3;
	pi->ppid = (pid_t)proc_num(&p);
	pi->pgrp = (pid_t)proc_num(&p);
	proc_skip(&p, 16); /* session .. itrealvalue: proc(5) fields 6-21 */
	pi->start = (uint64_t)proc_num(&p);
	return 0;
}

WARD_COLD bool
proc_ours(pid_t self)
{
	char pid[16];
	ssize_t n;

	n = readlink("/proc/self", pid, sizeof(pid) - 1);
	return n > 0 && value_uint(pid, (size_t)n, INT32_MAX) == self;
}

void
proc_list(struct init *in, const char *path, void (*fn)(struct init *, pid_t))
{
	char buf[4096]; /* few reads: each restarts the kernel's list walk */
	long pid = 0;
	ssize_t n;
	ssize_t i;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	while ((n = io_read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				pid = pid * 10 + buf[i] - '0';
				continue;
			}
			if (pid > 0)
				fn(in, (pid_t)pid);
			pid = 0;
		}
	}
	close(fd);
}

void
proc_children(struct init *in, pid_t pid, void (*fn)(struct init *, pid_t))
{
	char path[64];
	char buf[1024];
	struct dirent64 *d;
	long n;
	long off;
	int fd;

	fmt_snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += d->d_reclen) {
			d = (struct dirent64 *)(void *)(buf + off);
			if (d->d_name[0] < '0' || d->d_name[0] > '9')
				continue;
			fmt_snprintf(path, sizeof(path),
			             "/proc/%d/task/%s/children", (int)pid,
			             d->d_name);
			proc_list(in, path, fn);
		}
	}
	close(fd);
}
