/* die.c: a child for tests/e2e that kills itself with a signal. */

/*
 * usage: die SIG
 *
 * Restores the default action of SIG, unblocks it and sends it to itself,
 * without a core file. Exits 99 if it is still alive after that.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct rlimit nocore = {0, 0};
	struct sigaction sa;
	sigset_t set;
	int signo;

	if (argc != 2)
		return 64;
	signo = atoi(argv[1]);
	setrlimit(RLIMIT_CORE, &nocore);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(signo, &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	kill(getpid(), signo);
	return 99;
}
