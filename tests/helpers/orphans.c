/* orphans.c: a child for tests/e2e that leaves orphans for its init. */

/*
 * usage: orphans -n N [-p] [-o REPORT] [--] [PROGRAM [ARG...]]
 *
 * Makes N orphans, one after the other: a middle process forks a
 * grandchild and exits; orphans reaps the middle one; the grandchild waits
 * for the end of a pipe only the middle one held, so it exits only once it
 * is orphaned, and becomes a zombie for the init to reap. With -p each
 * grandchild appends "orphan PID\n" to REPORT (before its middle process
 * exits). When all middle processes are reaped it appends
 * "orphans-done N\n" to REPORT, then execs PROGRAM (or pauses forever when
 * there is none).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"

static void
put(int fd, const char *s)
{
	report_write(fd, s);
}

/*
 * With tell, the grandchild appends its line and says so on the ready pipe
 * before the middle one exits: every line is there by "orphans-done".
 */
static void
grandchild(int hold_fd, int ready_fd, int fd, int tell)
{
	char line[64];
	char c;

	if (tell) {
		snprintf(line, sizeof(line), "orphan %d\n", (int)getpid());
		put(fd, line);
	}
	if (write(ready_fd, "R", 1) != 1)
		_exit(1);
	close(ready_fd);
	for (;;) {
		ssize_t r = read(hold_fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		break;
	}
	_exit(0);
}

static void
middle(int p[2], int q[2], int fd, int tell)
{
	pid_t gc = fork();
	char c;

	if (gc == 0) {
		close(p[1]);
		close(q[0]);
		grandchild(p[0], q[1], fd, tell);
	}
	if (gc < 0)
		_exit(1);
	close(q[1]);
	if (tell) {
		while (read(q[0], &c, 1) < 0 && errno == EINTR)
			;
	}
	_exit(0);
}

static int
one(int fd, int tell)
{
	int p[2];
	int q[2];
	pid_t mid;
	pid_t r;
	int st;

	if (pipe(p) < 0)
		return -1;
	if (pipe(q) < 0)
		return -1;
	mid = fork();
	if (mid < 0)
		return -1;
	if (mid == 0)
		middle(p, q, fd, tell);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	do
		r = waitpid(mid, &st, 0);
	while (r < 0 && errno == EINTR);
	return r == mid && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	const char *report = NULL;
	char line[64];
	long n = 0;
	long i;
	int tell = 0;
	int fd = -1;
	int opt;

	while ((opt = getopt(argc, argv, "+n:po:")) != -1) {
		switch (opt) {
		case 'n':
			n = strtol(optarg, NULL, 10);
			break;
		case 'p':
			tell = 1;
			break;
		case 'o':
			report = optarg;
			break;
		default:
			return 64;
		}
	}
	if (report) {
		fd = open(report, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		          0644);
		if (fd < 0) {
			perror("orphans: open");
			return 66;
		}
	}
	for (i = 0; i < n; i++) {
		if (one(fd, tell) < 0) {
			perror("orphans: fork");
			return 71;
		}
	}
	if (fd >= 0) {
		snprintf(line, sizeof(line), "orphans-done %ld\n", n);
		put(fd, line);
	}
	if (optind < argc) {
		execvp(argv[optind], argv + optind);
		perror("orphans: exec");
		return 127;
	}
	for (;;)
		pause();
}
