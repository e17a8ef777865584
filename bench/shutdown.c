/* shutdown.c: make bench's cost of shutting down a tree of N processes. */

/*
 *   shutdown pid1|subreaper N flat|chain INIT [ARG...]
 *
 * Starts INIT ARG... SELF herd N SHAPE FD, as PID 1 of a new PID and mount
 * namespace (/proc mounted for it) or as a plain child. The herd is N
 * processes under INIT's child: all its children (flat) or a chain of N
 * generations (chain); each writes one byte to FD once it is set up and then
 * waits with default dispositions, so SIGTERM ends it. Once all N are up,
 * the init gets SIGTERM; the figures run until it has exited: wall time,
 * and the init's own CPU time (/proc/PID/schedstat of the exited init,
 * read before it is reaped). Prints "shutdown_ns=... init_cpu_ns=...".
 * Nothing here asserts a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HANG_SECONDS 3600 /* alarm(2): a hang catcher, as in shutdown.py */

static _Noreturn void
die(const char *what)
{
	fprintf(stderr, "shutdown: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t
cpu_ns(pid_t pid)
{
	char path[64];
	char buf[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		die(path);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		die(path);
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

/* One member: say so, then wait for the signal that ends it. */
static _Noreturn void
member(int fd)
{
	if (write(fd, "x", 1) != 1)
		_exit(1);
	close(fd);
	for (;;)
		pause();
}

/*
 * herd N flat|chain FD: the init's child. A chain's next link is a fresh
 * exec of this program: a plain fork chain links each new process's memory
 * to every ancestor's (the kernel's anon_vma chains), quadratic in depth,
 * and 8,000 generations took 12 GB of kernel memory and hours to fork.
 */
static int
herd(int n, int chain, int fd)
{
	char num[16], fds[16];
	int i;

	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			_exit(1);
		if (pid == 0 && chain && n > 1) {
			snprintf(num, sizeof(num), "%d", n - 1);
			snprintf(fds, sizeof(fds), "%d", fd);
			execl("/proc/self/exe", "shutdown", "herd", num,
			      "chain", fds, (char *)NULL);
			_exit(1);
		}
		if (pid == 0)
			member(fd);
		if (chain)
			member(fd); /* a link: its child goes on */
	}
	for (;;)
		pause();
}

static pid_t
start(char **argv, int pid1)
{
	long pid;

	pid = syscall(SYS_clone, (pid1 ? CLONE_NEWPID | CLONE_NEWNS : 0) | SIGCHLD,
	              0, 0, 0, 0);
	if (pid < 0)
		die("clone");
	if (pid > 0)
		return (pid_t)pid;
	if (pid1 && (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	             mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV, NULL) <
	                 0))
		die("mount");
	execvp(argv[0], argv);
	die(argv[0]);
}

int
main(int argc, char **argv)
{
	static char self[4096];
	char fdstr[16];
	char **av;
	ssize_t k;
	int p[2];
	int64_t t0;
	int64_t c0;
	siginfo_t si;
	pid_t init;
	char c;
	int i;
	int n;

	if (argc == 5 && strcmp(argv[1], "herd") == 0)
		return herd(atoi(argv[2]), strcmp(argv[3], "chain") == 0,
		            atoi(argv[4]));
	if (argc < 5) {
		fprintf(stderr, "usage: shutdown pid1|subreaper N flat|chain "
		                "INIT [ARG...]\n");
		return 2;
	}
	alarm(HANG_SECONDS);
	n = atoi(argv[2]);
	if (pipe(p) < 0)
		die("pipe");
	snprintf(fdstr, sizeof(fdstr), "%d", p[1]);
	k = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (k < 0)
		die("readlink");
	self[k] = '\0';
	av = calloc((size_t)argc + 2, sizeof(*av));
	for (i = 4; i < argc; i++)
		av[i - 4] = argv[i];
	av[argc - 4] = self;
	av[argc - 3] = "herd";
	av[argc - 2] = argv[2];
	av[argc - 1] = argv[3];
	av[argc] = fdstr;
	init = start(av, strcmp(argv[1], "pid1") == 0);
	close(p[1]);
	for (i = 0; i < n; i++)
		if (read(p[0], &c, 1) != 1)
			die("herd");
	if (getenv("SHUTDOWN_PAUSE")) { /* attach a profiler to the init */
		fprintf(stderr, "init %d: press enter\n", (int)init);
		if (read(0, &c, 1) < 0)
			die("stdin");
	}
	t0 = now_ns();
	c0 = cpu_ns(init);
	kill(init, SIGTERM);
	if (waitid(P_PID, (id_t)init, &si, WEXITED | WNOWAIT) < 0)
		die("waitid");
	printf("shutdown_ns=%lld init_cpu_ns=%lld\n", (long long)(now_ns() - t0),
	       (long long)(cpu_ns(init) - c0));
	waitpid(init, NULL, 0);
	return 0;
}
