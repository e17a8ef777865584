/* sigstate.c: start a program with a given signal mask and SIG_IGN set. */

/*
 * usage: sigstate exec -b LIST -i LIST REPORT PROGRAM [ARG...]
 *        sigstate report REPORT
 *
 * exec sets the signal mask to exactly the signals of LIST (comma-
 * separated numbers), sets SIG_IGN on those of the -i LIST, appends its own
 * "launcher SigBlk: HEX SigIgn: HEX\n" (from /proc/self/status) to REPORT
 * and execs PROGRAM, which inherits both. report appends the same line as
 * "child ..." and exits 0.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's struct sigaction on x86-64 and friends. */
struct ksigaction {
	void (*handler)(int);   /* SIG_DFL here */
	unsigned long flags;    /* 0 */
	void (*restorer)(void); /* unused for SIG_DFL */
	unsigned long mask;     /* 0 */
};

/*
 * Start from a clean slate whatever this process inherited: every signal
 * back to SIG_DFL, 32 and 33 included (glibc's sigaction refuses those, so
 * the raw system call).
 */
static void
reset_all(void)
{
	struct ksigaction k;
	int s;

	memset(&k, 0, sizeof(k));
	k.handler = SIG_DFL;
	for (s = 1; s <= 64; s++)
		if (s != SIGKILL && s != SIGSTOP)
			syscall(SYS_rt_sigaction, s, &k, NULL, 8);
}

static int
append_state(const char *report, const char *who)
{
	char line[256];
	char blk[32] = "?";
	char ign[32] = "?";
	FILE *st = fopen("/proc/self/status", "r");
	FILE *out;

	if (!st)
		return -1;
	while (fgets(line, sizeof(line), st)) {
		if (strncmp(line, "SigBlk:", 7) == 0)
			sscanf(line + 7, "%31s", blk);
		else if (strncmp(line, "SigIgn:", 7) == 0)
			sscanf(line + 7, "%31s", ign);
	}
	fclose(st);
	out = fopen(report, "a");
	if (!out)
		return -1;
	fprintf(out, "%s SigBlk: %s SigIgn: %s\n", who, blk, ign);
	return fclose(out) == 0 ? 0 : -1;
}

static void
each(char *list, void (*fn)(int, void *), void *arg)
{
	char *tok;
	char *save = NULL;

	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		fn(atoi(tok), arg);
}

static void
add_blocked(int signo, void *arg)
{
	sigaddset(arg, signo);
}

static void
set_ignored(int signo, void *arg)
{
	struct sigaction sa;

	(void)arg;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(signo, &sa, NULL);
}

int
main(int argc, char **argv)
{
	sigset_t set;
	int opt;

	if (argc == 3 && strcmp(argv[1], "report") == 0)
		return append_state(argv[2], "child") < 0 ? 1 : 0;
	if (argc < 2 || strcmp(argv[1], "exec") != 0)
		return 64;
	sigemptyset(&set);
	reset_all();
	optind = 2;
	while ((opt = getopt(argc, argv, "+b:i:")) != -1) {
		switch (opt) {
		case 'b':
			each(optarg, add_blocked, &set);
			break;
		case 'i':
			each(optarg, set_ignored, NULL);
			break;
		default:
			return 64;
		}
	}
	if (argc - optind < 2)
		return 64;
	sigprocmask(SIG_SETMASK, &set, NULL);
	if (append_state(argv[optind], "launcher") < 0)
		return 66;
	execvp(argv[optind + 1], argv + optind + 1);
	perror("sigstate: exec");
	return 127;
}
