/* tree.c: find and signal every other process of ward's tree (via /proc). */
#include "tree.h"
#include "fmt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "value.h"

#define TREE_DEPTH_MAX 256 /* ppid links followed to find an ancestor */

/* The decimal number at *p (after spaces); *p moves past it. */
static long
tree_num(char **p)
{
	long v = 0;

	while (**p == ' ')
		(*p)++;
	while (**p >= '0' && **p <= '9')
		v = v * 10 + *(*p)++ - '0';
	return v;
}

int
tree_stat(pid_t pid, struct tree_pinfo *pi)
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
	pi->ppid = (pid_t)tree_num(&p);
	pi->pgrp = (pid_t)tree_num(&p);
	return 0;
}

/* Is /proc the proc of our own PID namespace? Else its pids mean others. */
static bool
tree_proc_ours(pid_t self)
{
	struct tree_pinfo pi;
	char pid[16];
	ssize_t n;

	n = readlink("/proc/self", pid, sizeof(pid) - 1);
	return n > 0 && value_uint(pid, (size_t)n, INT32_MAX) == self &&
	       tree_stat(self, &pi) == 0;
}

static bool
tree_descends(pid_t ppid, pid_t self)
{
	struct tree_pinfo pi;
	int depth;

	for (depth = 0; depth < TREE_DEPTH_MAX; depth++) {
		if (ppid == self)
			return true;
		if (ppid <= 1)
			return false;
		if (tree_stat(ppid, &pi) < 0)
			return false;
		ppid = pi.ppid;
	}
	return false;
}

static bool
tree_termed(struct init *in, pid_t pid)
{
	int i;

	for (i = 0; i < in->ntermed; i++)
		if (in->termed[i] == pid)
			return true;
	if (in->ntermed < SHUTDOWN_TRACK_MAX)
		in->termed[in->ntermed++] = pid;
	return false;
}

/* Should sig go to process pid (info pi)? */
static bool
tree_wanted(struct init *in, pid_t pid, const struct tree_pinfo *pi, int sig)
{
	if (pid == in->self || pi->state == 'Z')
		return false;
	if (in->self != 1 && !tree_descends(pi->ppid, in->self))
		return false;
	if (sig == SIGKILL)
		return true;
	if (in->child_running && pid == in->child)
		return false;
	if (in->child_running && in->cfg.pgroup && in->shut_signo &&
	    pi->pgrp == in->child_pgid)
		return false;
	return !tree_termed(in, pid);
}

/* Walk /proc with getdents64 (opendir would allocate). */
static int
tree_walk(struct init *in, int sig)
{
	char buf[4096];
	struct tree_pinfo pi;
	struct dirent64 *d;
	int64_t pid;
	long n;
	long off;
	int fd;
	int sent = 0;

	if ((fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += d->d_reclen) {
			d = (struct dirent64 *)(void *)(buf + off);
			pid =
			    value_uint(d->d_name, strlen(d->d_name), INT32_MAX);
			if (pid <= 0 || tree_stat((pid_t)pid, &pi) < 0)
				continue;
			if (tree_wanted(in, (pid_t)pid, &pi, sig) &&
			    kill((pid_t)pid, sig) == 0)
				sent++;
		}
	}
	close(fd);
	return sent;
}

static void
tree_signal(struct init *in, int sig)
{
	char name[24];
	int n = -1;

	if (in->gone)
		return; /* no child left: no descendant either */
	if (tree_proc_ours(in->self))
		n = tree_walk(in, sig);
	if (n < 0 && in->self == 1 && (sig == SIGKILL || !in->child_running))
		n = kill(-1, sig) == 0; /* no usable /proc: everyone at once */
	if (n < 0 && sig == SIGKILL && in->child_running)
		kill(in->child, sig);
	if (n < 0)
		log_warnx("cannot list processes for %s (is /proc mounted?)",
		          value_signame(sig, name, sizeof(name)));
	else if (n > 0)
		log_info("sent %s to %d other process%s",
		         value_signame(sig, name, sizeof(name)), n,
		         n == 1 ? "" : "es");
}

void
tree_term(struct init *in)
{
	tree_signal(in, SIGTERM);
}

void
tree_kill(struct init *in)
{
	if (in->self == 1) {
		kill(-1, SIGKILL);
		return;
	}
	tree_signal(in, SIGKILL);
}
