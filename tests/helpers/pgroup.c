/* pgroup.c: a child for tests/e2e that tells who a signal reached. */

/*
 * usage: pgroup REPORT
 *
 * The child ignores SIGUSR1 and forks a grandchild in its own process
 * group with the default SIGUSR1 action (death). When the grandchild dies
 * the child appends "gc-died SIG\n" (or "gc-exited CODE\n").
 * On SIGUSR2 the child appends "child-usr2\n" and sends SIGUSR2 to the
 * grandchild, which appends "gc-alive\n": a SIGUSR1 sent to the grandchild
 * earlier would have killed it first. Appends "ready\n" when both are set.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"

static int report_fd = -1;
static volatile sig_atomic_t got_usr2;

static void
put(const char *s)
{
	report_write(report_fd, s);
}

static void
on_usr2(int signo)
{
	(void)signo;
	got_usr2 = 1;
}

static void
gc_usr2(int signo)
{
	(void)signo;
	put("gc-alive\n");
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t set;
	char line[64];
	pid_t gc;
	int p[2];
	int st;
	char c;

	if (argc != 2)
		return 64;
	report_fd =
	    open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (report_fd < 0 || pipe(p) < 0)
		return 66;
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGUSR1, &sa, NULL);
	gc = fork();
	if (gc < 0)
		return 71;
	if (gc == 0) {
		sa.sa_handler = gc_usr2;
		sa.sa_flags = SA_RESTART;
		sigaction(SIGUSR2, &sa, NULL);
		close(p[0]);
		if (write(p[1], "R", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_usr2;
	sa.sa_flags = 0; /* no SA_RESTART: waitpid returns EINTR */
	sigaction(SIGUSR2, &sa, NULL);
	while (read(p[0], &c, 1) < 0 && errno == EINTR)
		;
	put("ready\n");
	for (;;) {
		if (waitpid(gc, &st, 0) == gc) {
			if (WIFSIGNALED(st))
				snprintf(line, sizeof(line), "gc-died %d\n",
				         WTERMSIG(st));
			else
				snprintf(line, sizeof(line), "gc-exited %d\n",
				         WEXITSTATUS(st));
			put(line);
			break;
		}
		if (errno != EINTR)
			break;
		if (got_usr2) {
			got_usr2 = 0;
			put("child-usr2\n");
			kill(gc, SIGUSR2);
		}
	}
	for (;;) {
		pause();
		if (got_usr2) {
			got_usr2 = 0;
			put("child-usr2\n");
		}
	}
}
