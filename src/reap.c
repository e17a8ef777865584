/* reap.c: collect exited processes; turn a wait status into an exit code. */
#include "reap.h"
#include "fmt.h"

#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>

#include "child.h"
#include "log.h"
#include "loop.h"
#include "sig.h"
#include "tree.h"
#include "value.h"

/* Count, record and log one collected process. */
static void
reap_one(struct init *in, pid_t pid, int st)
{
	char buf[48];

	if (WIFSTOPPED(st)) {
		if (pid == in->child && in->child_running)
			child_stopped(in, WSTOPSIG(st));
		return;
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
		log_notice("Reaped zombie process with pid=%d", (int)pid);
	} else {
		log_info("reaped zombie pid %d (%s)", (int)pid,
		         reap_describe(st, buf, sizeof(buf)));
	}
}

/* The main child's stop or exit: waitpid of its pid alone, a lookup on
 * current kernels, and the only wait that asks for stops. */
static void
reap_child(struct init *in)
{
	pid_t got;
	int st;

	do
		got = waitpid(in->child, &st, WNOHANG | WUNTRACED);
	while (got < 0 && errno == EINTR);
	if (got > 0)
		reap_one(in, got, st);
}

/* waitpid(-1) until nothing is left; true on ECHILD (no child at all). */
static bool
reap_all(struct init *in)
{
	pid_t pid;
	int st;

	for (;;) {
		pid = waitpid(-1, &st, WNOHANG);
		if (pid > 0) {
			reap_one(in, pid, st);
			continue;
		}
		if (pid == 0)
			return false;
		if (errno == EINTR)
			continue;
		if (errno != ECHILD)
			log_warn("waitpid");
		return errno == ECHILD;
	}
}

void
reap_turn(struct init *in, bool sigchld, int64_t now)
{
	unsigned long seen = in->zombies_reaped;
	/* A scan is pending only in a burst, with SIGCHLD out of the
	 * signalfd (so no SIGCHLD is read meanwhile). */
	bool burst = in->reap_scan_at != 0;
	int64_t t0;

	if (sigchld) {
		if (in->child_running)
			reap_child(in);
		if (now < in->reap_last + REAP_SCAN_GAP_MS) {
			/* A burst starts: scan at the end of the gap, and
			 * take no wake-up per exit till then. */
			in->reap_scan_at = in->reap_last + REAP_SCAN_GAP_MS;
			sig_chld(in->sigfd, false);
			return;
		}
	} else if (!burst || now < in->reap_scan_at) {
		return;
	}
	in->reap_scan_at = 0;
	t0 = loop_now();
	in->gone = reap_all(in);
	/* The gap counts from the scan's end: a scan among thousands of
	 * live children can itself take longer than a gap. */
	in->reap_last = now + (loop_now() - t0);
	if (!burst)
		return;
	if (in->zombies_reaped != seen && !in->gone) {
		/* The burst goes on: scan again after the next gap. */
		in->reap_scan_at = in->reap_last + REAP_SCAN_GAP_MS;
		return;
	}
	/* Over: SIGCHLD back in the signalfd, then one more scan for what
	 * exited between the last one and now. */
	sig_chld(in->sigfd, true);
	in->gone = reap_all(in);
}

int64_t
reap_deadline(const struct init *in)
{
	return in->reap_scan_at != 0 ? in->reap_scan_at : -1;
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
