/* census.c: how many processes ward's tree holds (ward_processes). */
#include "census.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fmt.h"
#include "io.h"
#include "value.h"

#define CENSUS_DEPTH_MAX 128 /* levels of ward's tree looked into */

/* The smallest pid above after in TID/children of the task directory
 * dfd, if below best (or best is 0); else best. */
static pid_t
census_scan(int dfd, const char *tid, pid_t after, pid_t best)
{
	char buf[256];
	char path[32];
	ssize_t n;
	ssize_t i;
	pid_t v = 0;
	int fd;

	fmt_snprintf(path, sizeof(path), "%s/children", tid);
	if ((fd = openat(dfd, path, O_RDONLY | O_CLOEXEC)) < 0)
		return best;
	while ((n = io_read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				v = v * 10 + (buf[i] - '0');
				continue;
			}
			if (v > after && (!best || v < best))
				best = v;
			v = 0;
		}
	close(fd);
	return best;
}

/*
 * The child of pid (of any of its threads, from /proc/PID/task/TID/children)
 * with the smallest pid above after; 0 if none. Picking by pid, not by
 * position, keeps a walk right while children come and go.
 */
static pid_t
census_child(pid_t pid, pid_t after)
{
	char buf[512];
	struct dirent64 *d;
	long n;
	long off;
	int dfd;
	pid_t best = 0;

	fmt_snprintf(buf, sizeof(buf), "/proc/%d/task", (int)pid);
	if ((dfd = open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 0;
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0)
		for (off = 0; off < n; off += d->d_reclen) {
			d = (struct dirent64 *)(void *)(buf + off);
			if (d->d_name[0] != '.')
				best = census_scan(dfd, d->d_name, after, best);
		}
	close(dfd);
	return best;
}

/* Processes below me, depth first, down to CENSUS_DEPTH_MAX levels. */
static int
census_tree(pid_t me)
{
	pid_t path[CENSUS_DEPTH_MAX]; /* from me down to the current one */
	pid_t last[CENSUS_DEPTH_MAX]; /* the child last visited at each level */
	int depth = 1;
	int count = 0;
	pid_t c;

	path[0] = me;
	last[0] = 0;
	while (depth > 0) {
		if (!(c = census_child(path[depth - 1], last[depth - 1]))) {
			depth--;
			continue;
		}
		last[depth - 1] = c;
		count++;
		if (depth < CENSUS_DEPTH_MAX) {
			path[depth] = c;
			last[depth++] = 0;
		}
	}
	return count;
}

/* Every process of /proc but me (readdir only: no file is opened). */
static int
census_all(pid_t me)
{
	char buf[1024];
	struct dirent64 *d;
	int64_t pid;
	long n;
	long off;
	int fd;
	int count = 0;

	if ((fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (off = 0; off < n; off += d->d_reclen) {
			d = (struct dirent64 *)(void *)(buf + off);
			pid =
			    value_uint(d->d_name, strlen(d->d_name), INT32_MAX);
			count += pid > 0 && pid != me;
		}
	close(fd);
	return n < 0 ? -1 : count;
}

/*
 * ward's pid as /proc knows it: a /proc of an outer PID namespace counts
 * the right tree too. As PID 1 of its /proc every process there is in
 * ward's tree; else its descendants are found through the kernel's
 * children lists (CONFIG_PROC_CHILDREN, set by every distribution kernel
 * since CRIU needs it), so the cost follows ward's tree, not the host's.
 */
static int
census_walk(void)
{
	char buf[16];
	int64_t me;
	ssize_t n;

	n = readlink("/proc/self", buf, sizeof(buf));
	me = n > 0 ? value_uint(buf, (size_t)n, INT32_MAX) : -1;
	if (me == 1)
		return census_all((pid_t)me);
	return me > 0 ? census_tree((pid_t)me) : -1;
}

int
census_count(struct census *c, int64_t now)
{
	if (c->at == 0 || now - c->at >= CENSUS_PERIOD_MS) {
		c->at = now;
		c->n = census_walk();
	}
	return c->n;
}
