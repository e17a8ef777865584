/* sigcatch.c: a child for tests/e2e that acknowledges every signal it gets. */

/*
 * usage: sigcatch [-t] [-x SIG]... REPORT
 *
 * Catches every signal it may (1-64 but KILL, STOP and the two glibc keeps)
 * with an empty mask, whatever it inherited, so a test of forwarding tests
 * forwarding only. Each signal appends "sig N\n" to REPORT. With -x SIG
 * (a number, or HUP INT QUIT USR1 USR2 TERM) it dies of SIG by its default
 * action right after acknowledging it. With -t it first appends
 * "tty pid=P pgrp=G fg=F sid=S" (F is tcgetpgrp(0)). Once ready it appends
 * "ready\n", then waits forever.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "report.h"

static int report_fd = -1;
static volatile uint64_t exit_mask;

static void
put(const char *s, size_t n)
{
	report_writen(report_fd, s, n);
}

static void
on_signal(int signo)
{
	int saved = errno;
	char buf[16] = "sig ";
	size_t n = 4;
	char digits[4];
	int d = 0;
	int v = signo;
	struct sigaction sa;

	do {
		digits[d++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && d < 4);
	while (d > 0)
		buf[n++] = digits[--d];
	buf[n++] = '\n';
	put(buf, n);
	if (exit_mask & (UINT64_C(1) << (signo - 1))) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(signo, &sa, NULL);
		/* Pending until the handler returns and unblocks it. */
		kill(getpid(), signo);
	}
	errno = saved;
}

/* A number, or one of the few names the tests use. */
static int
parse_sig(const char *s)
{
	static const struct {
		const char *name;
		int signo;
	} names[] = {{"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT},
	             {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"TERM", SIGTERM}};
	char *end;
	long v;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0)
			return names[i].signo;
	v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 1 || v > 64) {
		fprintf(stderr, "sigcatch: bad signal %s\n", s);
		exit(64);
	}
	return (int)v;
}

int
main(int argc, char **argv)
{
	struct rlimit nocore = {0, 0};
	struct sigaction sa;
	sigset_t none;
	char line[128];
	int opt;
	int tty = 0;
	int n;
	int i;

	while ((opt = getopt(argc, argv, "+tx:")) != -1) {
		switch (opt) {
		case 't':
			tty = 1;
			break;
		case 'x':
			exit_mask |= UINT64_C(1) << (parse_sig(optarg) - 1);
			break;
		default:
			return 64;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: sigcatch [-t] [-x SIG]... REPORT\n");
		return 64;
	}
	report_fd =
	    open(argv[optind], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (report_fd < 0) {
		perror("sigcatch: open");
		return 66;
	}
	setrlimit(RLIMIT_CORE, &nocore);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 1; i <= 64; i++) {
		if (i == SIGKILL || i == SIGSTOP)
			continue;
		sigaction(i, &sa, NULL); /* 32 and 33 fail in glibc: fine */
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (tty) {
		n = snprintf(line, sizeof(line),
		             "tty pid=%d pgrp=%d fg=%d sid=%d\n", (int)getpid(),
		             (int)getpgrp(), (int)tcgetpgrp(0), (int)getsid(0));
		if (n > 0 && (size_t)n < sizeof(line))
			put(line, (size_t)n);
	}
	put("ready\n", 6);
	for (;;)
		pause();
}
