/* tree.c: a child for tests/e2e with a grandchild that shuts down slowly. */

/*
 * usage: tree [-x CODE] [-i] [-f] [-d MS] REPORT
 *
 * The child forks a grandchild that leaves the process group and session
 * (setsid), so only a whole-tree shutdown reaches it, and appends
 * "gc PID\n". On SIGTERM the grandchild appends "gc-term\n", sleeps MS
 * milliseconds (default 1000: "flushing"), appends "flushed\n" and exits 0.
 * With -i it ignores SIGTERM instead. With -f, on SIGTERM it first forks a
 * late process (setsid too) that appends "late PID\n" and, on its own
 * SIGTERM, "late-flushed\n" after 200 ms, then exits.
 *
 * Once the grandchild is ready the child appends "ready\n". With -x it then
 * exits CODE at once; otherwise it waits forever with default dispositions
 * (so SIGTERM kills it).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

static int report_fd = -1;
static volatile sig_atomic_t got_term;

static void
put(const char *s)
{
	report_write(report_fd, s);
}

static void
put_pid(const char *what)
{
	char line[64];

	snprintf(line, sizeof(line), "%s %d\n", what, (int)getpid());
	put(line);
}

static void
on_term(int signo)
{
	(void)signo;
	got_term = 1;
}

static void
nap(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Wait for SIGTERM, which the caller has blocked. */
static void
await_term(void)
{
	sigset_t none;

	sigemptyset(&none);
	while (!got_term)
		sigsuspend(&none);
}

static void
late(void)
{
	got_term = 0;
	setsid();
	put_pid("late");
	await_term();
	nap(200);
	put("late-flushed\n");
	_exit(0);
}

static void
grandchild(int ready_fd, int ignore, int fork_late, long ms)
{
	struct sigaction sa;

	setsid();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ignore ? SIG_IGN : on_term;
	sigaction(SIGTERM, &sa, NULL);
	put_pid("gc");
	if (write(ready_fd, "R", 1) != 1)
		_exit(1);
	close(ready_fd);
	if (ignore) {
		for (;;)
			pause();
	}
	await_term();
	put("gc-term\n");
	if (fork_late && fork() == 0)
		late();
	nap(ms);
	put("flushed\n");
	_exit(0);
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t set;
	int code = -1;
	int ignore = 0;
	int fork_late = 0;
	long ms = 1000;
	int p[2];
	char c;
	int opt;

	while ((opt = getopt(argc, argv, "+x:ifd:")) != -1) {
		switch (opt) {
		case 'x':
			code = atoi(optarg);
			break;
		case 'i':
			ignore = 1;
			break;
		case 'f':
			fork_late = 1;
			break;
		case 'd':
			ms = atol(optarg);
			break;
		default:
			return 64;
		}
	}
	if (optind != argc - 1)
		return 64;
	report_fd =
	    open(argv[optind], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (report_fd < 0 || pipe(p) < 0)
		return 66;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_SETMASK, &set, NULL);
	switch (fork()) {
	case -1:
		return 71;
	case 0:
		close(p[0]);
		grandchild(p[1], ignore, fork_late, ms);
		/* NOTREACHED */
	default:
		break;
	}
	close(p[1]);
	while (read(p[0], &c, 1) < 0 && errno == EINTR)
		;
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	put("ready\n");
	if (code >= 0)
		return code;
	for (;;)
		pause();
}
