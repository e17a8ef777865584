/* census.c: how many processes ward's tree holds (ward_processes). */
#include "census.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proc.h"
#include "state.h"
#include "value.h"

static void
census_add(struct init *in, pid_t pid)
{
	struct sweep *sw = &in->sweep;

	if (sw->qtail < sw->npid)
		sw->queue[sw->qtail++] = pid;
}

/*
 * Processes below me, breadth first: each one's children lists are read
 * once. They are listed in the free end of the sweep's queue, which is
 * given back as it was (a sweep in progress keeps what it has listed).
 */
static int
census_tree(struct init *in, pid_t me)
{
	struct sweep *sw = &in->sweep;
	size_t first = sw->qtail;
	size_t next = first;
	int count;

	if (sw->npid == 0)
		return -1;
	proc_children(in, me, census_add);
	while (next < sw->qtail)
		proc_children(in, sw->queue[next++], census_add);
	count = (int)(sw->qtail - first);
	sw->qtail = first;
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
census_walk(struct init *in)
{
	char buf[16];
	int64_t me;
	ssize_t n;

	n = readlink("/proc/self", buf, sizeof(buf));
	me = n > 0 ? value_uint(buf, (size_t)n, INT32_MAX) : -1;
	if (me == 1)
		return census_all((pid_t)me);
	return me > 0 ? census_tree(in, (pid_t)me) : -1;
}

int
census_count(struct init *in, int64_t now)
{
	struct census *c = &in->census;

	if (c->at == 0 || now - c->at >= CENSUS_PERIOD_MS) {
		c->at = now;
		c->n = census_walk(in);
	}
	return c->n;
}
