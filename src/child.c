/* child.c: start the program, send it signals. */
#include "child.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "defs.h"
#include "log.h"
#include "value.h"

#define SH_PATH "/bin/sh"
#define DEFAULT_PATH "/usr/local/bin:/bin:/usr/bin" /* musl's */

/*
 * execve(path); a file without #! (ENOEXEC) is run as `/bin/sh path
 * ARGS...`, as POSIX execvp and glibc do (musl's execvp does not). Returns
 * with errno when path cannot be run at all; exits 126 when there is no
 * shell for a script that needs one (FROM scratch).
 */
WARD_COLD static void
child_execve(const char *path, char *const *argv)
{
	size_t n = 0;
	int err;

	execve(path, argv, environ);
	if (errno != ENOEXEC)
		return;
	while (argv[n])
		n++;
	{
		char *sh[n + 2];

		sh[0] = SH_PATH;
		sh[1] = (char *)path;
		memcpy(sh + 2, argv + 1, n * sizeof(*sh)); /* NULL included */
		execve(SH_PATH, sh, environ);
	}
	err = errno;
	log_error("cannot exec %s: %s (no #!, and " SH_PATH ": %s)", argv[0],
	          strerror(ENOEXEC), strerror(err));
	_exit(WEXIT_NOEXEC);
}

/* execvp's search of PATH, with child_execve for each candidate. */
WARD_COLD static void
child_search(const char *file, char *const *argv)
{
	const char *p = getenv("PATH");
	const char *z;
	char b[PATH_MAX];
	size_t k = strlen(file);
	size_t l;
	bool eacces = false;

	if (!p)
		p = DEFAULT_PATH;
	errno = ENOENT;
	for (; k > 0; p = z + 1) {
		z = p + strcspn(p, ":");
		l = (size_t)(z - p);
		if (l + k + 2 <= sizeof(b)) {
			/* An empty entry is the current directory. */
			memcpy(b, p, l);
			b[l] = '/';
			memcpy(b + l + (l > 0), file, k + 1);
			child_execve(b, argv);
			if (errno == EACCES)
				eacces = true;
			else if (errno != ENOENT && errno != ENOTDIR)
				return;
		}
		if (!*z)
			break;
	}
	if (eacces)
		errno = EACCES;
}

/* In the forked child: never returns. */
WARD_COLD static _Noreturn void
child_exec(char *const *argv, const struct sig_saved *sv, bool fg)
{
	int err;

	setpgid(0, 0);
	/* SIGTTOU is still blocked here: no stop for a tcsetpgrp(3). */
	if (fg)
		tcsetpgrp(0, getpid());
	sig_restore(sv);
	if (strchr(argv[0], '/'))
		child_execve(argv[0], argv);
	else
		child_search(argv[0], argv);
	err = errno;
	log_error("cannot exec %s: %s", argv[0], strerror(err));
	_exit(err == ENOENT || err == ENOTDIR ? WEXIT_NOTFOUND : WEXIT_NOEXEC);
}

WARD_COLD pid_t
child_spawn(char *const *argv, const struct sig_saved *sv)
{
	/* ward's group is in front (ward was not started in the background):
	 * the child may have the terminal. Asked before setpgid(2) runs. */
	bool fg = tcgetpgrp(0) == getpgrp();
	pid_t pid = _Fork(); /* no threads, no atfork handlers */

	if (pid == 0)
		child_exec(argv, sv, fg);
	if (pid > 0)
		setpgid(pid, pid); /* both sides: no race with -g forwarding */
	return pid;
}

int
child_signal(pid_t pid, pid_t pgid, bool group, int signo)
{
	if (group && pgid > 0 && kill(-pgid, signo) == 0)
		return 0;
	return kill(pid, signo);
}

/* A shell with job control above ward: ward's parent is in the same
 * session but in another process group (ward's group is not orphaned). */
static bool
child_jobctl(void)
{
	pid_t pp = getppid();
	pid_t g = pp > 0 ? getpgid(pp) : -1;

	return g > 0 && g != getpgrp() && getsid(pp) == getsid(0);
}

void
child_stopped(struct init *in, int signo)
{
	char name[24];

	log_info("child %d stopped by %s", (int)in->child,
	         value_signame(signo, name, sizeof(name)));
	if (in->self == 1 || !child_jobctl() ||
	    (signo != SIGTSTP && signo != SIGTTIN && signo != SIGTTOU))
		return;
	in->jc_stopped = true;
	kill(in->self, SIGSTOP); /* a blocked signal would never stop us */
}

void
child_cont(struct init *in)
{
	if (!in->child_running)
		return;
	if (tcgetpgrp(0) == getpgrp())
		tcsetpgrp(0, in->child_pgid);
	if (in->jc_stopped)
		kill(-in->child_pgid, SIGCONT);
	in->jc_stopped = false;
}

WARD_COLD void
child_tty_back(const struct init *in)
{
	pid_t fg = tcgetpgrp(0);

	if (fg > 0 && fg != getpgrp() &&
	    (fg == in->child_pgid || (kill(-fg, 0) < 0 && errno == ESRCH)))
		tcsetpgrp(0, getpgrp());
}
