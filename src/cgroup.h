/* cgroup.h: memory figures of ward's own cgroup (v2, or v1's memory). */
#ifndef WARD_CGROUP_H
#define WARD_CGROUP_H

#include <stddef.h>
#include <stdint.h>

#define CGROUP_PATH_MAX 256 /* directory of ward's memory cgroup */

/* Where ward's memory cgroup is, found at the first scrape. */
struct cgroup {
	int version;               /* 1 or 2; 0 not looked up; -1 none */
	char dir[CGROUP_PATH_MAX]; /* its directory, e.g. /sys/fs/cgroup */
};

/* What the cgroup shows; -1 for a figure it does not show. */
struct cgroup_mem {
	int64_t bytes; /* memory.current, v1 memory.usage_in_bytes */
	int64_t limit; /* memory.max, v1 memory.limit_in_bytes; -1 no limit */
	int64_t ooms;  /* oom_kill of memory.events, v1 memory.oom_control */
};

/*
 * Pure: the directory of the memory cgroup that self (the text of
 * /proc/self/cgroup) names, as mounted in mountinfo (the text of
 * /proc/self/mountinfo, or whole lines of it), into dir. A mount's root
 * field is the cgroup it shows at its mount point: Docker 20.10 without a
 * cgroup namespace mounts /docker/ID at /sys/fs/cgroup/memory, while self
 * names /docker/ID. A v1 memory hierarchy wins over cgroup2 (hybrid hosts
 * mount cgroup2 without the memory controller), a later mount over an
 * earlier one (it may hide it). Returns the version, 1 or 2, or -1.
 */
int cgroup_resolve(const char *mountinfo, size_t mlen, const char *self,
                   size_t slen, char *dir, size_t size);

/*
 * The figures of ward's memory cgroup, read now (bounded reads, one
 * descriptor at a time); cg is looked up on the first call.
 */
void cgroup_read(struct cgroup *cg, struct cgroup_mem *m);

#endif
