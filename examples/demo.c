/* demo.c: a small app for `make demo`: it leaves orphans behind that exit
 * (zombies for its init to reap), reports the signals it gets, and on
 * SIGTERM takes a second to shut down, like a real server flushing. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void
on_signal(int sig)
{
	got = sig;
}

/* A child that forks a grandchild and exits at once: the grandchild is an
 * orphan, reparented to the init, and becomes a zombie when it exits. */
static void
orphan(int n)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (fork() == 0) {
			usleep(200000 * (useconds_t)n);
			_exit(0);
		}
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

int
main(void)
{
	struct sigaction sa;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	printf("demo: pid %d, pgid %d, parent %d\n", (int)getpid(),
	       (int)getpgrp(), (int)getppid());
	printf("demo: leaving 3 orphans behind\n");
	fflush(stdout);
	for (i = 1; i <= 3; i++)
		orphan(i);
	for (;;) {
		pause();
		if (got == SIGTERM)
			break;
		printf("demo: got %s\n", strsignal(got));
		fflush(stdout);
	}
	printf("demo: SIGTERM: flushing for 1 s before exiting\n");
	fflush(stdout);
	sleep(1);
	printf("demo: done, exiting 0\n");
	return 0;
}
