/* reap.c: collect exited processes; turn a wait status into an exit code. */
#include "reap.h"
#include "fmt.h"

#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>

#include "child.h"
#include "log.h"
#include "tree.h"
#include "value.h"

bool
reap_children(struct init *in)
{
	char buf[48];
	pid_t pid;
	int st;

	for (;;) {
		pid = waitpid(-1, &st, WNOHANG | WUNTRACED);
		if (pid == 0)
			return false;
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			if (errno != ECHILD)
				log_warn("waitpid");
			return errno == ECHILD;
		}
		if (WIFSTOPPED(st)) {
			if (pid == in->child && in->child_running)
				child_stopped(in, WSTOPSIG(st));
			continue;
		}
		in->zombies_reaped++;
		tree_forget(in, pid);
		if (pid == in->child && in->child_running) {
			in->child_running = false;
			in->child_status = st;
			child_tty_back(in);
			log_info("child %d %s", (int)pid,
			         reap_describe(st, buf, sizeof(buf)));
		} else if (in->cfg.warn_reaped) {
			log_notice("Reaped zombie process with pid=%d",
			           (int)pid);
		} else {
			log_info("reaped zombie pid %d (%s)", (int)pid,
			         reap_describe(st, buf, sizeof(buf)));
		}
	}
}

int
reap_exit_code(int st, const unsigned char remap[32])
{
	int code = 0;

	if (WIFEXITED(st))
		code = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		code = 128 + WTERMSIG(st);
	code &= 255;
	return remap[code / 8] & (1 << (code % 8)) ? 0 : code;
}

const char *
reap_describe(int st, char *buf, size_t size)
{
	char name[24];

	if (WIFSIGNALED(st))
		fmt_snprintf(buf, size, "killed by %s",
		             value_signame(WTERMSIG(st), name, sizeof(name)));
	else
		fmt_snprintf(buf, size, "exited with status %d",
		             WEXITSTATUS(st));
	return buf;
}
