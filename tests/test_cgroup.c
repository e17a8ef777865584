/* test_cgroup.c: finding ward's memory cgroup in real mountinfo texts, and
 * reading its figures; the census of ward's tree. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "census.h"
#include "cgroup.h"
#include "guard.h"
#include "state.h"
#include "tree.h"

static char dir[CGROUP_PATH_MAX];

/* cgroup_resolve on copies that end at a PROT_NONE page. */
static int
resolve(const char *mountinfo, const char *self)
{
	memset(dir, 'x', sizeof(dir));
	return cgroup_resolve(guard_copy(mountinfo, strlen(mountinfo)),
	                      strlen(mountinfo), guard_copy(self, strlen(self)),
	                      strlen(self), dir, sizeof(dir));
}

/* A hybrid host (this machine's kind): v1 controllers, cgroup2 unified
 * without the memory controller, no cgroup namespace. */
static const char hybrid_mi[] =
    "23 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs "
    "sysfs rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup "
    "rw,memory\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup "
    "rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
static const char hybrid_self[] =
    "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/a0643b37\n"
    "1:cpu:/\n0::/\n";

Test(cgroup, hybrid_host_uses_v1_memory)
{
	cr_assert_eq(resolve(hybrid_mi, hybrid_self), 1);
	cr_assert_str_eq(dir, "/sys/fs/cgroup/memory/process_api/a0643b37");
}

/* v1 wins over cgroup2 wherever the lines come. */
Test(cgroup, v1_memory_wins_over_cgroup2_listed_first)
{
	static const char mi[] =
	    "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
	    "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";

	cr_assert_eq(resolve(mi, "4:memory:/a\n0::/b\n"), 1);
	cr_assert_str_eq(dir, "/sys/fs/cgroup/memory/a");
}

/* Docker 20.10 on cgroup v1, no cgroup namespace: the container's own
 * cgroup is mounted at /sys/fs/cgroup/memory, and /proc/self/cgroup names
 * it by its host path. Appending that path to the mount point is wrong. */
static const char docker_v1_mi[] =
    "598 579 0:52 / / rw,relatime master:295 - overlay overlay "
    "rw,lowerdir=/var/lib/docker/overlay2/l/ABC:/var/lib/docker/overlay2/l/"
    "DEF,upperdir=/var/lib/docker/overlay2/123/diff,workdir=/var/lib/docker/"
    "overlay2/123/work\n"
    "599 598 0:55 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
    "603 598 0:57 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro\n"
    "604 603 0:58 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - tmpfs "
    "tmpfs rw,mode=755\n"
    "605 604 0:26 /docker/0123abcd /sys/fs/cgroup/systemd "
    "ro,nosuid,nodev,noexec,relatime master:11 - cgroup cgroup "
    "rw,xattr,name=systemd\n"
    "609 604 0:32 /docker/0123abcd /sys/fs/cgroup/memory "
    "ro,nosuid,nodev,noexec,relatime master:19 - cgroup cgroup rw,memory\n"
    "611 604 0:34 /docker/0123abcd /sys/fs/cgroup/cpu,cpuacct "
    "ro,nosuid,nodev,noexec,relatime master:21 - cgroup cgroup "
    "rw,cpu,cpuacct\n";

Test(cgroup, docker_v1_without_cgroup_namespace)
{
	cr_assert_eq(resolve(docker_v1_mi,
	                     "12:cpu,cpuacct:/docker/0123abcd\n"
	                     "4:memory:/docker/0123abcd\n"
	                     "1:name=systemd:/docker/0123abcd\n"
	                     "0::/system.slice/containerd.service\n"),
	             1);
	cr_assert_str_eq(dir, "/sys/fs/cgroup/memory");
}

Test(cgroup, docker_v1_child_cgroup_below_the_mount_root)
{
	cr_assert_eq(resolve(docker_v1_mi, "4:memory:/docker/0123abcd/app\n"),
	             1);
	cr_assert_str_eq(dir, "/sys/fs/cgroup/memory/app");
}

Test(cgroup, root_matches_whole_path_components_only)
{
	cr_assert_eq(resolve(docker_v1_mi, "4:memory:/docker/0123abcdef\n"),
	             -1);
	cr_assert_eq(resolve(docker_v1_mi, "4:memory:/docker\n"), -1);
	cr_assert_eq(resolve(docker_v1_mi, "4:memory:/other/0123abcd\n"), -1);
}

/* Docker or podman on cgroup v2 with a private cgroup namespace. */
Test(cgroup, v2_cgroup_namespace)
{
	static const char mi[] =
	    "866 865 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - "
	    "cgroup2 cgroup rw,nsdelegate,memory_recursiveprot\n";

	cr_assert_eq(resolve(mi, "0::/\n"), 2);
	cr_assert_str_eq(dir, "/sys/fs/cgroup");
}

/* cgroup v2 without a cgroup namespace: runc bind-mounts the container's
 * cgroup at /sys/fs/cgroup, and its root field says so. */
Test(cgroup, v2_host_cgroup_namespace)
{
	static const char mi[] =
	    "866 865 0:26 /system.slice/docker-0123.scope /sys/fs/cgroup "
	    "ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate\n";

	cr_assert_eq(resolve(mi, "0::/system.slice/docker-0123.scope\n"), 2);
	cr_assert_str_eq(dir, "/sys/fs/cgroup");
}

/* A v2 host, no container: the path below the root, as is. */
Test(cgroup, v2_host)
{
	static const char mi[] =
	    "25 21 0:6 / /sys/kernel/security rw shared:3 - securityfs "
	    "securityfs rw\n"
	    "26 21 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime "
	    "shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";

	cr_assert_eq(
	    resolve(mi, "0::/user.slice/user-1000.slice/session-2.scope\n"), 2);
	cr_assert_str_eq(dir, "/sys/fs/cgroup/user.slice/user-1000.slice/"
	                      "session-2.scope");
}

/* A later mount on the same point hides the earlier one (what a container
 * runtime's bind mount of the container's cgroup does). */
Test(cgroup, later_mount_wins)
{
	static const char mi[] =
	    "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
	    "90 35 0:32 /ct/one /sys/fs/cgroup/memory rw - cgroup cgroup "
	    "rw,memory\n";

	cr_assert_eq(resolve(mi, "4:memory:/ct/one\n"), 1);
	cr_assert_str_eq(dir, "/sys/fs/cgroup/memory");
}

/* mountinfo escapes a space as \040: such a path is not found (no
 * figures), never taken for another. */
Test(cgroup, escaped_paths_are_not_found)
{
	static const char mi[] = "35 31 0:32 /my\\040ct /mnt/cg\\040mem rw - "
	                         "cgroup cgroup rw,memory\n";

	cr_assert_eq(resolve(mi, "4:memory:/my ct/sub\n"), -1);
}

/* memory must be a whole item of both lists; named hierarchies and other
 * controllers are not the memory hierarchy. */
Test(cgroup, memory_is_a_whole_word)
{
	static const char mi[] =
	    "35 31 0:32 / /a rw - cgroup cgroup rw,memory_x\n"
	    "36 31 0:33 / /b rw - cgroup cgroup rw,name=memory\n"
	    "37 31 0:34 / /c rw - cgroup cgroup rw,cpu,memory,pids\n";

	cr_assert_eq(resolve(mi, "2:memory_x:/no\n3:cpu,memory,pids:/yes\n"),
	             1);
	cr_assert_str_eq(dir, "/c/yes");
	cr_assert_eq(resolve(mi, "2:memory_x:/no\n"), -1);
}

Test(cgroup, nothing_to_find)
{
	cr_assert_eq(resolve("", ""), -1);
	cr_assert_eq(resolve(hybrid_mi, ""), -1);
	cr_assert_eq(resolve("", hybrid_self), -1);
	/* cgroup2 is mounted, but /proc/self/cgroup has no 0:: line */
	cr_assert_eq(resolve("41 31 0:38 / /u rw - cgroup2 cgroup2 rw\n",
	                     "4:memory:/a\n"),
	             -1);
	/* no separator, too few fields, a line cut short */
	cr_assert_eq(resolve("35 31 0:32 / /m rw cgroup cgroup rw,memory\n",
	                     "4:memory:/\n"),
	             -1);
	cr_assert_eq(resolve("35 31 0:32 / /m rw - cgroup\n", "4:memory:/\n"),
	             -1);
	cr_assert_eq(resolve("35 31 0:32 / /m rw - cgroup cgroup rw,mem",
	                     "4:memory:/\n"),
	             -1);
}

/* Text without a final newline, cut anywhere: no read past its end (the
 * guard page), and never a directory that does not fit. */
Test(cgroup, every_prefix_is_safe)
{
	size_t i;
	size_t n = strlen(docker_v1_mi);
	char small[22];
	char *g;

	for (i = 0; i <= n; i++) {
		g = guard_copy(docker_v1_mi, i);
		cgroup_resolve(g, i, "4:memory:/docker/0123abcd", 25, dir,
		               sizeof(dir));
	}
	g = guard_copy(docker_v1_mi, n);
	cr_assert_eq(cgroup_resolve(g, n, "4:memory:/docker/0123abcd/app", 29,
	                            small, sizeof(small)),
	             -1, "/sys/fs/cgroup/memory/app needs 26 bytes");
	cr_assert_eq(cgroup_resolve(g, n, "4:memory:/docker/0123abcd", 25,
	                            small, sizeof(small)),
	             1);
	cr_assert_str_eq(small, "/sys/fs/cgroup/memory");
}

/* ---- the figures, from a directory made to look like a cgroup ---- */

static char cgdir[] = "/tmp/ward-test-cgroup-XXXXXX";

static void
put(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cgdir, name);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
mkcg(void)
{
	cr_assert_not_null(mkdtemp(cgdir));
}

static void
rmcg(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", cgdir);
	cr_expect_eq(system(cmd), 0);
}

static struct cgroup_mem
figures(int version)
{
	struct cgroup cg;
	struct cgroup_mem m;

	cg.version = version;
	snprintf(cg.dir, sizeof(cg.dir), "%s", cgdir);
	cgroup_read(&cg, &m);
	return m;
}

Test(cgroup, v2_figures, .init = mkcg, .fini = rmcg)
{
	struct cgroup_mem m;

	put("memory.current", "4722688\n");
	put("memory.max", "67108864\n");
	put("memory.events", "low 0\nhigh 0\nmax 17\noom 3\noom_kill 2\n"
	                     "oom_group_kill 0\n");
	m = figures(2);
	cr_expect_eq(m.bytes, 4722688);
	cr_expect_eq(m.limit, 67108864);
	cr_expect_eq(m.ooms, 2);
	put("memory.max", "max\n");
	cr_expect_eq(figures(2).limit, -1, "\"max\" is no limit");
}

Test(cgroup, v1_figures, .init = mkcg, .fini = rmcg)
{
	struct cgroup_mem m;

	put("memory.usage_in_bytes", "123\n");
	put("memory.limit_in_bytes", "9223372036854771712\n");
	put("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n"
	                          "oom_kill 5\n");
	m = figures(1);
	cr_expect_eq(m.bytes, 123);
	cr_expect_eq(m.limit, -1, "v1's PAGE_COUNTER_MAX is no limit");
	cr_expect_eq(m.ooms, 5, "oom_kill, not oom_kill_disable");
	put("memory.limit_in_bytes", "67108864\n");
	cr_expect_eq(figures(1).limit, 67108864);
}

/* Only what the cgroup shows: the root cgroup of v2 has no memory.current;
 * kernels before 4.13 have no oom_kill line in memory.oom_control. */
Test(cgroup, missing_figures, .init = mkcg, .fini = rmcg)
{
	struct cgroup_mem m;

	m = figures(2);
	cr_expect(m.bytes == -1 && m.limit == -1 && m.ooms == -1);
	put("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");
	put("memory.usage_in_bytes", "garbage\n");
	m = figures(1);
	cr_expect(m.bytes == -1 && m.limit == -1 && m.ooms == -1);
	m = figures(-1);
	cr_expect(m.bytes == -1 && m.limit == -1 && m.ooms == -1);
}

/* This process's own cgroup, as the kernel shows it: found, and readable. */
Test(cgroup, own_cgroup_is_found)
{
	struct cgroup cg = {0};
	struct cgroup_mem m;
	FILE *f = fopen("/proc/self/cgroup", "r");
	char line[512];
	int has_v1 = 0;

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		has_v1 |= strstr(line, ":memory:") != NULL;
	fclose(f);
	cgroup_read(&cg, &m);
	cr_assert_eq(cg.version, has_v1 ? 1 : 2, "dir %s", cg.dir);
	cr_expect(access(cg.dir, R_OK) == 0, "%s", cg.dir);
}

/* mountinfo is read in chunks: a line longer than a chunk (an overlay root
 * with many layers) is skipped, and the lines after it still count. Here a
 * tmpfs at a 1,200-byte path, then ward's own cgroup bind-mounted after it:
 * the later mount wins. */
Test(cgroup, long_mountinfo_lines_are_skipped)
{
	struct cgroup own = {0};
	struct cgroup cg = {0};
	struct cgroup_mem m;
	char base[] = "/tmp/ward-cgroup-ns-XXXXXX";
	char path[1400];
	char point[64];
	size_t n;
	int i;

	cgroup_read(&own, &m);
	cr_assert_gt(own.version, 0);
	cr_assert(unshare(CLONE_NEWNS) == 0, "unshare: %s", strerror(errno));
	cr_assert(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
	cr_assert_not_null(mkdtemp(base));
	cr_assert(mount("tmpfs", base, "tmpfs", 0, "size=1m") == 0);
	n = (size_t)snprintf(path, sizeof(path), "%s", base);
	for (i = 0; i < 6; i++) {
		path[n++] = '/';
		memset(path + n, 'a' + i, 200);
		n += 200;
		path[n] = '\0';
		cr_assert(mkdir(path, 0755) == 0, "%s", strerror(errno));
	}
	cr_assert(mount("tmpfs", path, "tmpfs", 0, "size=1m") == 0);
	snprintf(point, sizeof(point), "%s/cg", base);
	cr_assert(mkdir(point, 0755) == 0);
	cr_assert(mount(own.dir, point, NULL, MS_BIND, NULL) == 0, "%s",
	          strerror(errno));
	cgroup_read(&cg, &m);
	cr_expect_eq(cg.version, own.version);
	cr_expect_str_eq(cg.dir, point);
	cr_expect_geq(m.bytes, 0, "figures read through the bind mount");
	umount2(base, MNT_DETACH);
	rmdir(base);
}

/* ---- census ---- */

/* A state whose sweep queue is sized as ward sizes it (tree_setup). */
static struct init *
census_init(void)
{
	static struct init in;

	in.self = getpid();
	cr_assert_eq(tree_setup(&in), 0);
	return &in;
}

/* The count is of this process's descendants, and is served for a second
 * from the last walk. */
Test(census, counts_descendants_once_a_second)
{
	struct init *in = census_init();
	pid_t kids[3];
	pid_t grandchild;
	int fds[2];
	int i;

	cr_assert_eq(census_count(in, 10000), 0);
	cr_assert_eq(pipe(fds), 0);
	for (i = 0; i < 3; i++) {
		kids[i] = fork();
		cr_assert_geq(kids[i], 0);
		if (kids[i] > 0)
			continue;
		if (i == 1) { /* a grandchild too, under the second kid */
			grandchild = fork();
			if (grandchild == 0)
				pause();
			if (write(fds[1], &grandchild, sizeof(grandchild)) < 0)
				_exit(1);
		}
		pause();
		_exit(0);
	}
	cr_assert_eq(read(fds[0], &grandchild, sizeof(grandchild)),
	             sizeof(grandchild));
	cr_expect_eq(census_count(in, 10999), 0, "served from the count");
	cr_expect_eq(census_count(in, 11000), 4);
	for (i = 0; i < 3; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	cr_expect_eq(census_count(in, 11500), 4, "served from the count");
	/* the grandchild, re-parented to another reaper, is not ours now */
	cr_expect_eq(census_count(in, 12000), 0);
	kill(grandchild, SIGKILL);
}

#define WIDE 800  /* children of the test: a list longer than one read */
#define DEEP 150  /* a chain below one child: deeper than 128 levels */
#define THREADS 2 /* threads that fork children of their own */
#define PER_THREAD 40

/* The children of the test and of its threads, killed at its end. */
static pid_t census_kids[WIDE + THREADS * PER_THREAD];

/* In a child of parent: die with the thread that forked it (so none is
 * left behind when a test stops half-way). */
static void
census_orphan_dies(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
}

/* A child that waits to be killed. */
static pid_t
census_fork(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		census_orphan_dies(parent);
		pause();
		_exit(0);
	}
	return pid;
}

/* A chain: each level forks the next, the last one says so on fd. */
static void
census_chain(int level, int fd, pid_t parent)
{
	pid_t me = getpid();
	pid_t pid;

	census_orphan_dies(parent);
	if (level == DEEP) {
		if (write(fd, "x", 1) != 1)
			_exit(1);
	} else if ((pid = fork()) == 0) {
		census_chain(level + 1, fd, me);
	} else if (pid < 0) {
		_exit(1);
	}
	pause();
	_exit(0);
}

/* Holds the threads until the count is taken. */
static pthread_barrier_t census_hold;
static int census_ready; /* a thread says it has forked its children */

/* A thread whose children are in its own task's children list: it forks
 * them, says so on fd, and lives until the count is taken. */
static void *
census_thread(void *arg)
{
	pid_t *kids = arg;
	int i;

	for (i = 0; i < PER_THREAD; i++)
		kids[i] = census_fork();
	if (write(census_ready, "t", 1) == 1)
		pthread_barrier_wait(&census_hold);
	return NULL;
}

/*
 * Hundreds of processes, each counted once: a list of children longer
 * than one read of it, a chain deeper than a walk with a fixed stack of
 * levels goes, and children of other threads than the main one.
 */
Test(census, counts_a_wide_deep_threaded_tree)
{
	struct init *in = census_init();
	pthread_t th[THREADS];
	int ready[2];
	pid_t head;
	char c;
	int i;

	cr_assert_eq(pipe(ready), 0);
	pthread_barrier_init(&census_hold, NULL, THREADS + 1);
	for (i = 0; i < WIDE; i++)
		census_kids[i] = census_fork();
	if ((head = fork()) == 0)
		census_chain(1, ready[1], in->self);
	cr_assert_geq(head, 0);
	cr_assert_eq(read(ready[0], &c, 1), 1);
	census_ready = ready[1];
	for (i = 0; i < THREADS; i++) {
		cr_assert_eq(
		    pthread_create(&th[i], NULL, census_thread,
		                   census_kids + WIDE + i * PER_THREAD),
		    0);
		cr_assert_eq(read(ready[0], &c, 1), 1);
	}
	cr_expect_eq(census_count(in, 20000),
	             WIDE + DEEP + THREADS * PER_THREAD);
	pthread_barrier_wait(&census_hold);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < WIDE + THREADS * PER_THREAD; i++)
		kill(census_kids[i], SIGKILL);
	kill(head, SIGKILL); /* and the chain below it, level by level */
	while (waitpid(-1, NULL, 0) > 0)
		;
	cr_expect_eq(census_count(in, 21000), 0);
}

/* A census in the middle of a sweep leaves the sweep's list as it was. */
Test(census, keeps_the_sweep_list)
{
	struct init *in = census_init();
	pid_t kid = census_fork();

	in->sweep.queue[0] = 11;
	in->sweep.queue[1] = 12;
	in->sweep.qhead = 1;
	in->sweep.qtail = 2;
	cr_expect_eq(census_count(in, 30000), 1);
	cr_expect_eq(in->sweep.qhead, 1);
	cr_expect_eq(in->sweep.qtail, 2);
	cr_expect_eq(in->sweep.queue[0], 11);
	cr_expect_eq(in->sweep.queue[1], 12);
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
}
