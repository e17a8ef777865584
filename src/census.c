/* census.c: how many processes ward's tree holds (ward_processes). */
#include "census.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tree.h"
#include "value.h"

#define CENSUS_DEPTH_MAX 256 /* ppid links followed to find ward */

/* Is pid a descendant of me? Follows ppid links in /proc/PID/stat. */
static bool
census_descends(pid_t pid, pid_t me)
{
	struct tree_pinfo pi;
	int depth;

	for (depth = 0; depth < CENSUS_DEPTH_MAX; depth++) {
		if (tree_stat(pid, &pi) < 0 || pi.ppid <= 1)
			return false;
		if (pi.ppid == me)
			return true;
		pid = pi.ppid;
	}
	return false;
}

/*
 * One walk of /proc with getdents64 (opendir would allocate). ward's pid
 * comes from /proc/self, so a /proc of an outer PID namespace counts the
 * right tree too.
 */
static int
census_walk(void)
{
	char buf[2048];
	char self[16];
	struct dirent64 *d;
	int64_t pid;
	int64_t me;
	long n;
	long off;
	int fd;
	int count = 0;

	n = readlink("/proc/self", self, sizeof(self));
	me = n > 0 ? value_uint(self, (size_t)n, INT32_MAX) : -1;
	if (me <= 0 ||
	    (fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += d->d_reclen) {
			d = (struct dirent64 *)(void *)(buf + off);
			pid =
			    value_uint(d->d_name, strlen(d->d_name), INT32_MAX);
			if (pid > 0 && pid != me &&
			    (me == 1 || census_descends((pid_t)pid, (pid_t)me)))
				count++;
		}
	}
	close(fd);
	return n < 0 ? -1 : count;
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
