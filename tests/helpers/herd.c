/* herd.c: a child for tests/e2e with many children that outlive SIGTERM. */

/*
 * usage: herd [-c] N REPORT
 *
 * Forks N children. Each one appends "term PID\n" to REPORT on every
 * SIGTERM it gets and lives on, so a test can count how many SIGTERMs each
 * process received; SIGKILL ends it. With -c each child forks once more
 * before it settles (a chain: every process has one child). Once all are
 * set up the parent appends "ready\n" and waits with default dispositions
 * (SIGTERM kills it).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"

static int report_fd = -1;

static void
on_term(int sig)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "term %d\n", (int)getpid());

	(void)sig;
	report_writen(report_fd, line, (size_t)n);
}

/* One member of the herd: tell the parent over fd, then live on. */
static void
member(int fd)
{
	signal(SIGTERM, on_term);
	if (write(fd, "x", 1) < 0)
		_exit(1);
	close(fd);
	for (;;)
		pause();
}

/* A chain of left links: each forks the next, then becomes a member. */
static void
chain(int fd, int left)
{
	for (; left > 1; left--) {
		pid_t pid = fork();

		if (pid < 0)
			_exit(1);
		if (pid > 0)
			break;
	}
	member(fd);
}

int
main(int argc, char **argv)
{
	int chained = argc > 1 && strcmp(argv[1], "-c") == 0;
	int p[2];
	pid_t pid;
	char c;
	int n;
	int i;

	if (argc != 3 + chained) {
		fprintf(stderr, "usage: herd [-c] N REPORT\n");
		return 2;
	}
	n = atoi(argv[1 + chained]);
	report_fd = open(argv[2 + chained],
	                 O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (report_fd < 0 || pipe(p) < 0)
		return 1;
	for (i = 0; i < (chained ? 1 : n); i++) {
		if ((pid = fork()) < 0)
			return 1;
		if (pid == 0 && chained)
			chain(p[1], n);
		if (pid == 0)
			member(p[1]);
	}
	close(p[1]);
	for (i = 0; i < n; i++)
		if (read(p[0], &c, 1) != 1)
			return 1;
	report_write(report_fd, "ready\n");
	for (;;)
		pause();
}
