/* test_fscheck.c: fscheck against real mounts in a private mount namespace. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "fscheck.h"

#define MiB (1024ULL * 1024ULL)

/* Each test runs in its own process (Criterion), so each gets its own mount
 * namespace; base is a fresh tmpfs under /tmp, removed again in fini. */
static char base[64];

static void
ns_setup(void)
{
	cr_assert(unshare(CLONE_NEWNS) == 0, "unshare: %s", strerror(errno));
	cr_assert(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
	snprintf(base, sizeof(base), "/tmp/ward-fscheck-XXXXXX");
	cr_assert(mkdtemp(base) != NULL);
	cr_assert(mount("tmpfs", base, "tmpfs", 0, "size=8m,mode=0755") == 0);
}

static void
ns_teardown(void)
{
	/* Undo a read-only remount of / so that base can be removed. */
	mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND, NULL);
	umount2(base, MNT_DETACH);
	rmdir(base);
}

TestSuite(fscheck, .init = ns_setup, .fini = ns_teardown);

/* base/sub as a path; each call returns a fresh static slot. */
static const char *
at(const char *sub)
{
	static char slots[8][FSCHECK_PATH_MAX];
	static int next;
	char *p = slots[next++ % 8];

	snprintf(p, FSCHECK_PATH_MAX, "%s/%s", base, sub);
	return p;
}

/* Mount a filesystem of type at base/sub (created) with options opts. */
static const char *
mnt(const char *sub, const char *type, const char *opts)
{
	const char *p = at(sub);

	cr_assert(mkdir(p, 0755) == 0 || errno == EEXIST);
	cr_assert(mount(type, p, type, 0, opts) == 0, "mount %s: %s", p,
	          strerror(errno));
	return p;
}

static void
remount_ro(const char *p, unsigned long extra)
{
	cr_assert(mount(NULL, p, NULL, MS_REMOUNT | MS_RDONLY | extra, NULL) ==
	              0,
	          "remount ro %s: %s", p, strerror(errno));
}

static void
add(struct path_req *q, int *n, const char *path, uint64_t min)
{
	q[*n].path = path;
	q[*n].path_len = strlen(path);
	q[*n].min_size = min;
	(*n)++;
}

static void
want_tmpfs(struct check_conf *c, const char *path, uint64_t min)
{
	add(c->tmpfs, &c->ntmpfs, path, min);
}

static void
want_writable(struct check_conf *c, const char *path)
{
	add(c->writable, &c->nwritable, path, 0);
}

/* Run the checks as uid (and gid) in a child, so the test keeps root. */
static void
run_as(uid_t uid, const struct check_conf *c, struct fscheck_report *r)
{
	struct fscheck_report *sh;
	pid_t pid;
	int st;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
	          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert(sh != MAP_FAILED);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(uid) < 0 ||
		    setuid(uid) < 0)
			_exit(3);
		fscheck_run(c, sh);
		_exit(0);
	}
	cr_assert(waitpid(pid, &st, 0) == pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	memcpy(r, sh, sizeof(*r));
	munmap(sh, sizeof(*sh));
}

static const char *
line(const struct fscheck_report *r, int i)
{
	static char buf[512];

	return fscheck_failure(r, i, buf, sizeof(buf));
}

/* Number of entries in directory p other than . and .. */
static int
entries(const char *p)
{
	char cmd[FSCHECK_PATH_MAX + 32];
	FILE *f;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", p);
	f = popen(cmd, "r");
	cr_assert(f != NULL);
	cr_assert(fscanf(f, "%d", &n) == 1);
	pclose(f);
	return n;
}

Test(fscheck, nothing_asked_nothing_failed)
{
	struct check_conf c = {0};
	struct fscheck_report r;
	char buf[16];

	fscheck_run(&c, &r);
	cr_expect_eq(r.nfailed, 0);
	cr_expect_eq(r.npaths, 0);
	cr_expect_eq(fscheck_json(&r, buf, sizeof(buf)), 2);
	cr_expect_str_eq(buf, "[]");
}

Test(fscheck, readonly_root_on_ro_remount)
{
	struct check_conf c = {.readonly_root = true};
	struct fscheck_report r;

	remount_ro("/", MS_BIND);
	fscheck_run(&c, &r);
	cr_expect(r.root_checked);
	cr_expect(r.root_readonly);
	cr_expect_eq(r.nfailed, 0);
}

Test(fscheck, writable_root_fails)
{
	struct check_conf c = {.readonly_root = true};
	struct fscheck_report r;
	char buf[256];

	fscheck_run(&c, &r);
	cr_expect_not(r.root_readonly);
	cr_assert_eq(r.nfailed, 1);
	cr_expect_str_eq(line(&r, 0), "/ is writable, expected read-only");
	fscheck_json(&r, buf, sizeof(buf));
	cr_expect_str_eq(
	    buf,
	    "[{\"check\":\"readonly_root\",\"ok\":false,\"readonly\":false}]");
}

Test(fscheck, tmpfs_big_enough_passes_and_leaves_nothing)
{
	struct check_conf c = {0};
	struct fscheck_report r;
	const char *t = mnt("t", "tmpfs", "size=64m");

	want_tmpfs(&c, t, 64 * MiB);
	fscheck_run(&c, &r);
	cr_assert_eq(r.npaths, 1);
	cr_expect_eq(r.nfailed, 0);
	cr_expect(r.paths[0].ok);
	cr_expect(r.paths[0].exists);
	cr_expect(r.paths[0].writable);
	cr_expect_not(r.paths[0].unlimited);
	cr_expect_str_eq(r.paths[0].fstype, "tmpfs");
	cr_expect_eq(r.paths[0].size, 64 * MiB);
	cr_expect_str_eq(r.paths[0].path, t);
	cr_expect_eq(entries(t), 0, "the write test left a file behind");
}

Test(fscheck, tmpfs_too_small)
{
	struct check_conf c = {0};
	struct fscheck_report r;
	char want[320];
	const char *t = mnt("small", "tmpfs", "size=1m");

	want_tmpfs(&c, t, 64 * MiB);
	fscheck_run(&c, &r);
	cr_assert_eq(r.nfailed, 1);
	cr_expect(r.paths[0].writable);
	cr_expect_eq(r.paths[0].size, 1 * MiB);
	snprintf(want, sizeof(want),
	         "%s is 1.0 MiB, expected at least 64.0 MiB", t);
	cr_expect_str_eq(line(&r, 0), want);
}

Test(fscheck, size_shown_in_bytes_when_rounding_hides_the_gap)
{
	struct check_conf c = {0};
	struct fscheck_report r;
	char want[320];
	const char *t = mnt("t", "tmpfs", "size=64m");

	want_tmpfs(&c, t, 64 * MiB + 1);
	fscheck_run(&c, &r);
	cr_assert_eq(r.nfailed, 1);
	snprintf(want, sizeof(want),
	         "%s is 67108864 bytes, expected at least 67108865 bytes", t);
	cr_expect_str_eq(line(&r, 0), want);
}

Test(fscheck, tmpfs_without_minsize_passes_any_size)
{
	struct check_conf c = {0};
	struct fscheck_report r;

	want_tmpfs(&c, mnt("small", "tmpfs", "size=4k"), 0);
	fscheck_run(&c, &r);
	cr_expect_eq(r.nfailed, 0);
}

Test(fscheck, unlimited_tmpfs_meets_any_minsize)
{
	struct check_conf c = {0};
	struct fscheck_report r;

	want_tmpfs(&c, mnt("nolimit", "tmpfs", "size=0"), 1024 * 1024 * MiB);
	fscheck_run(&c, &r);
	cr_expect(r.paths[0].unlimited);
	cr_expect_eq(r.nfailed, 0);
}

Test(fscheck, ramfs_is_not_tmpfs)
{
	struct check_conf c = {0};
	struct fscheck_report r;
	char want[320];
	const char *p = mnt("ram", "ramfs", "");

	want_tmpfs(&c, p, 0);
	fscheck_run(&c, &r);
	cr_assert_eq(r.nfailed, 1);
	cr_expect_str_eq(r.paths[0].fstype, "ramfs");
	cr_expect(r.paths[0].writable);
	snprintf(want, sizeof(want), "%s is ramfs, expected tmpfs", p);
	cr_expect_str_eq(line(&r, 0), want);
}

Test(fscheck, root_filesystem_is_named_not_tmpfs)
{
	struct check_conf c = {0};
	struct fscheck_report r;
	char want[320];

	remount_ro("/", MS_BIND);
	want_tmpfs(&c, "/", 0);
	fscheck_run(&c, &r);
	cr_assert_eq(r.nfailed, 1);
	cr_expect_str_neq(r.paths[0].fstype, "tmpfs");
	/* ext4 on this machine kind; whatever it is, it has a name. */
	cr_expect_neq(strncmp(r.paths[0].fstype, "unknown", 7), 0, "/ is %s",
	              r.paths[0].fstype);
	cr_expect_eq(r.paths[0].err, EROFS);
	snprintf(want, sizeof(want),
	         "/ is %s, expected tmpfs; "
	         "is not writable by uid 0: Read-only file system",
	         r.paths[0].fstype);
	cr_expect_str_eq(line(&r, 0), want);
}

Test(fscheck, readonly_bind_mount_of_tmpfs_is_not_writable)
{
	struct check_conf c = {0};
	struct fscheck_report r;
	char want[320];
	const char *t = mnt("t", "tmpfs", "size=64m");
	const char *ro = at("ro");

	cr_assert(mkdir(ro, 0755) == 0);
	cr_assert(mount(t, ro, NULL, MS_BIND, NULL) == 0);
	remount_ro(ro, MS_BIND);
	want_tmpfs(&c, ro, 64 * MiB);
	want_tmpfs(&c, t, 64 * MiB);
	fscheck_run(&c, &r);
	cr_assert_eq(r.nfailed, 1, "only the read-only view fails");
	cr_expect_str_eq(r.paths[0].fstype, "tmpfs");
	cr_expect_not(r.paths[0].writable);
	cr_expect_eq(r.paths[0].err, EROFS);
	cr_expect(r.paths[1].ok);
	snprintf(want, sizeof(want),
	         "%s is not writable by uid 0: Read-only file system", ro);
	cr_expect_str_eq(line(&r, 0), want);
}

Test(fscheck, readonly_remount_of_tmpfs_is_not_writable)
{
	struct check_conf c = {0};
	struct fscheck_report r;
	const char *t = mnt("t", "tmpfs", "size=1m");
	char want[320];

	remount_ro(t, 0);
	want_tmpfs(&c, t, 64 * MiB);
	fscheck_run(&c, &r);
	cr_assert_eq(r.nfailed, 1);
	snprintf(want, sizeof(want),
	         "%s is 1.0 MiB, expected at least 64.0 MiB; "
	         "is not writable by uid 0: Read-only file system",
	         t);
	cr_expect_str_eq(line(&r, 0), want);
}

Test(fscheck, unprivileged_user_cannot_write_root_owned_tmpfs)
{
	struct check_conf c = {0};
	struct fscheck_report r;
	char want[320];
	const char *t = mnt("t", "tmpfs", "size=64m,mode=0755");

	want_tmpfs(&c, t, 0);
	run_as(1000, &c, &r);
	cr_assert_eq(r.nfailed, 1);
	cr_expect_eq(r.paths[0].uid, 1000);
	cr_expect_eq(r.paths[0].err, EACCES);
	snprintf(want, sizeof(want),
	         "%s is not writable by uid 1000: Permission denied", t);
	cr_expect_str_eq(line(&r, 0), want);
}

Test(fscheck, unprivileged_user_writes_sticky_tmpfs)
{
	struct check_conf c = {0};
	struct fscheck_report r;
	const char *t = mnt("t", "tmpfs", "size=64m,mode=1777");

	want_tmpfs(&c, t, 64 * MiB);
	want_writable(&c, t);
	run_as(1000, &c, &r);
	cr_expect_eq(r.nfailed, 0);
	cr_expect(r.paths[0].writable);
	cr_expect(r.paths[1].writable);
	cr_expect_eq(entries(t), 0);
}

Test(fscheck, missing_path_does_not_exist)
{
	struct check_conf c = {0};
	struct fscheck_report r;
	char want[320];
	const char *p = at("data");

	want_writable(&c, p);
	fscheck_run(&c, &r);
	cr_assert_eq(r.nfailed, 1);
	cr_expect_not(r.paths[0].exists);
	cr_expect_eq(r.paths[0].err, ENOENT);
	snprintf(want, sizeof(want), "%s does not exist", p);
	cr_expect_str_eq(line(&r, 0), want);
}

Test(fscheck, unreadable_parent_cannot_be_checked)
{
	struct check_conf c = {0};
	struct fscheck_report r;
	char want[320];
	const char *d = at("locked");
	const char *p = at("locked/data");

	cr_assert(mkdir(d, 0700) == 0 && mkdir(p, 0777) == 0);
	want_writable(&c, p);
	run_as(1000, &c, &r);
	cr_assert_eq(r.nfailed, 1);
	cr_expect_not(r.paths[0].exists);
	snprintf(want, sizeof(want), "cannot check %s: Permission denied", p);
	cr_expect_str_eq(line(&r, 0), want);
}

Test(fscheck, writable_file_is_opened_not_changed)
{
	struct check_conf c = {0};
	struct fscheck_report r;
	struct stat st;
	const char *f = at("file");
	int fd = open(f, O_WRONLY | O_CREAT | O_EXCL, 0644);

	cr_assert(fd >= 0);
	cr_assert(write(fd, "keep", 4) == 4);
	close(fd);
	want_writable(&c, f);
	fscheck_run(&c, &r);
	cr_expect_eq(r.nfailed, 0);
	cr_expect(r.paths[0].writable);
	cr_assert(stat(f, &st) == 0);
	cr_expect_eq(st.st_size, 4);
	cr_expect_eq(entries(base), 1);
}

Test(fscheck, leftover_check_file_is_skipped_not_trusted)
{
	struct check_conf c = {0};
	struct fscheck_report r;
	char old[FSCHECK_PATH_MAX + 48];
	const char *t = mnt("t", "tmpfs", "size=1m");
	int fd;

	/* As PID 1 the pid repeats on every start: an earlier crash may have
	 * left the first name behind. */
	snprintf(old, sizeof(old), "%s/.ward-check-%ld-0", t, (long)getpid());
	fd = open(old, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert(fd >= 0);
	close(fd);
	want_writable(&c, t);
	fscheck_run(&c, &r);
	cr_expect_eq(r.nfailed, 0);
	cr_expect_eq(access(old, F_OK), 0, "the old file is not ours");
	cr_expect_eq(entries(t), 1);
}

Test(fscheck, path_len_is_honoured)
{
	struct check_conf c = {0};
	struct fscheck_report r;
	char arg[FSCHECK_PATH_MAX + 8];
	const char *t = mnt("t", "tmpfs", "size=1m");

	/* As cli.c hands it over: "PATH:MINSIZE" with path_len up to ':'. */
	snprintf(arg, sizeof(arg), "%s:64M", t);
	c.tmpfs[0].path = arg;
	c.tmpfs[0].path_len = strlen(t);
	c.tmpfs[0].min_size = 0;
	c.ntmpfs = 1;
	fscheck_run(&c, &r);
	cr_expect_str_eq(r.paths[0].path, t);
	cr_expect_eq(r.nfailed, 0);
}

Test(fscheck, path_too_long)
{
	struct check_conf c = {0};
	struct fscheck_report r;
	char p[FSCHECK_PATH_MAX + 10];

	memset(p, 'a', sizeof(p) - 1);
	p[0] = '/';
	p[sizeof(p) - 1] = '\0';
	want_writable(&c, p);
	fscheck_run(&c, &r);
	cr_assert_eq(r.nfailed, 1);
	cr_expect_eq(r.paths[0].err, ENAMETOOLONG);
	cr_expect_eq(strlen(r.paths[0].path), FSCHECK_PATH_MAX - 1);
	cr_expect(strstr(line(&r, 0), ": File name too long") != NULL);
	cr_expect_eq(strncmp(line(&r, 0), "cannot check /aaa", 17), 0);
}

Test(fscheck, one_line_per_failure_in_order)
{
	struct check_conf c = {.readonly_root = true};
	struct fscheck_report r;
	char want[320];
	const char *ok = mnt("ok", "tmpfs", "size=1m");
	const char *ram = mnt("ram", "ramfs", "");
	const char *gone = at("gone");

	want_tmpfs(&c, ok, 0);
	want_tmpfs(&c, ram, 0);
	want_writable(&c, ok);
	want_writable(&c, gone);
	fscheck_run(&c, &r);
	cr_assert_eq(r.npaths, 4);
	cr_assert_eq(r.nfailed, 3);
	cr_expect_str_eq(line(&r, 0), "/ is writable, expected read-only");
	snprintf(want, sizeof(want), "%s is ramfs, expected tmpfs", ram);
	cr_expect_str_eq(line(&r, 1), want);
	snprintf(want, sizeof(want), "%s does not exist", gone);
	cr_expect_str_eq(line(&r, 2), want);
	cr_expect_str_eq(line(&r, 3), "");
	cr_expect_str_eq(line(&r, -1), "");
}

Test(fscheck, failure_line_is_truncated_safely)
{
	struct check_conf c = {.readonly_root = true};
	struct fscheck_report r;
	char buf[8];

	fscheck_run(&c, &r);
	cr_expect_str_eq(fscheck_failure(&r, 0, buf, sizeof(buf)), "/ is wr");
	cr_expect_eq(fscheck_failure(&r, 0, buf, 0), buf);
}

Test(fscheck, json_facts)
{
	struct check_conf c = {0};
	struct fscheck_report r;
	char buf[1024];
	char want[1024];
	const char *t = mnt("t", "tmpfs", "size=64m");
	const char *gone = at("gone");

	remount_ro("/", MS_BIND);
	c.readonly_root = true;
	want_tmpfs(&c, t, 64 * MiB);
	want_writable(&c, gone);
	fscheck_run(&c, &r);
	snprintf(
	    want, sizeof(want),
	    "[{\"check\":\"readonly_root\",\"ok\":true,\"readonly\":true},"
	    "{\"check\":\"tmpfs\",\"path\":\"%s\",\"ok\":true,"
	    "\"exists\":true,\"fstype\":\"tmpfs\","
	    "\"size_bytes\":67108864,\"unlimited\":false,"
	    "\"min_size_bytes\":67108864,\"writable\":true,\"error\":null},"
	    "{\"check\":\"writable\",\"path\":\"%s\",\"ok\":false,"
	    "\"exists\":false,\"fstype\":null,\"size_bytes\":0,"
	    "\"writable\":false,\"error\":\"No such file or directory\"}]",
	    t, gone);
	cr_expect_eq(fscheck_json(&r, buf, sizeof(buf)), (int)strlen(want));
	cr_expect_str_eq(buf, want);
}

Test(fscheck, json_escapes_strings)
{
	struct check_conf c = {0};
	struct fscheck_report r;
	char buf[512];

	want_writable(&c, "/no\"such\\dir\n\x01\x7f");
	fscheck_run(&c, &r);
	cr_assert(fscheck_json(&r, buf, sizeof(buf)) > 0);
	cr_expect(strstr(buf, "\"path\":\"/no\\\"such\\\\dir\\u000a\\u0001"
	                      "\\u007f\",") != NULL,
	          "%s", buf);
}

Test(fscheck, json_too_small_is_enospc)
{
	struct check_conf c = {.readonly_root = true};
	struct fscheck_report r;
	char buf[256];
	int n;

	fscheck_run(&c, &r);
	n = fscheck_json(&r, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_expect_eq(fscheck_json(&r, buf, (size_t)n + 1), n, "exact fit");
	errno = 0;
	cr_expect_eq(fscheck_json(&r, buf, (size_t)n), -1);
	cr_expect_eq(errno, ENOSPC);
	cr_expect_eq(fscheck_json(&r, buf, 0), -1);
}
