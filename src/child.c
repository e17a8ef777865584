/* child.c: start the program, send it signals. */
#include "child.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "defs.h"
#include "log.h"

/* In the forked child: never returns. */
static _Noreturn void
child_exec(char *const *argv, const struct sig_saved *sv)
{
	int err;

	setpgid(0, 0);
	/* SIGTTOU is still blocked here, so a background ward may do this. */
	if (isatty(0))
		tcsetpgrp(0, getpid());
	sig_restore(sv);
	execvp(argv[0], argv);
	err = errno;
	log_error("cannot exec %s: %s", argv[0], strerror(err));
	_exit(err == ENOENT || err == ENOTDIR ? WEXIT_NOTFOUND : WEXIT_NOEXEC);
}

pid_t
child_spawn(char *const *argv, const struct sig_saved *sv)
{
	pid_t pid = fork();

	if (pid == 0)
		child_exec(argv, sv);
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
