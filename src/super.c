/* super.c: the supervision state machine: run, restart, shut down, exit. */
#include "super.h"
#include "fmt.h"

#include <errno.h>
#include <stdio.h>

#include "child.h"
#include "health.h"
#include "log.h"
#include "reap.h"
#include "tree.h"
#include "value.h"

#define KILL_WAIT_MS 5000 /* after SIGKILL, how long to wait for the reap */

int
super_spawn(struct init *in, int64_t now)
{
	pid_t pid = child_spawn(in->cfg.argv, &in->sigsaved);

	if (pid < 0)
		return -1;
	in->child = pid;
	in->child_pgid = pid;
	in->child_running = true;
	in->gone = false;
	in->phase = PHASE_RUNNING;
	health_reset(in, now);
	log_info("started %s as pid %d", in->cfg.argv[0], (int)pid);
	return 0;
}

void
super_signal(struct init *in, const struct signalfd_siginfo *si, int64_t now)
{
	int from = (int)si->ssi_signo;
	int to = from < WARD_NSIG ? in->cfg.rewrite[from] : from;
	char a[24];
	char b[24];

	value_signame(from, a, sizeof(a));
	if (to == 0) {
		log_info("dropped %s (rewritten to 0)", a);
		return;
	}
	value_signame(to, b, sizeof(b));
	if (in->child_running) {
		if (child_signal(in->child, in->child_pgid, in->cfg.pgroup,
		                 to) < 0) {
			log_warn("cannot forward %s to pid %d", b,
			         (int)in->child);
		} else {
			in->signals_forwarded++;
			log_info("forwarded %s%s%s to %s %d", a,
			         to != from ? " as " : "", to != from ? b : "",
			         in->cfg.pgroup ? "process group" : "pid",
			         (int)in->child);
		}
	}
	if (from <= 64 && (in->cfg.shutdown_sigs >> (from - 1) & 1))
		super_shutdown(in, from, (pid_t)si->ssi_pid, now);
}

void
super_term_child(struct init *in)
{
	if (in->child_running && child_signal(in->child, in->child_pgid,
	                                      in->cfg.pgroup, SIGTERM) == 0)
		in->signals_forwarded++;
}

void
super_shutdown(struct init *in, int signo, pid_t pid, int64_t now)
{
	char name[24];

	if (in->phase == PHASE_SHUTDOWN)
		return;
	in->phase = PHASE_SHUTDOWN;
	in->shut_signo = signo;
	in->shut_pid = pid;
	in->killed = false;
	in->grace_deadline = now + in->cfg.grace_ms;
	probe_abort(&in->probe);
	if (signo)
		log_info("shutting down on %s",
		         value_signame(signo, name, sizeof(name)));
	if (in->cfg.grace_ms == 0) {
		in->killed = true;
		in->kill_deadline = now + KILL_WAIT_MS;
		tree_kill(in);
	} else {
		tree_term(in);
	}
}

void
super_restart(struct init *in, int64_t now)
{
	if (in->phase != PHASE_RUNNING || !in->child_running)
		return;
	in->phase = PHASE_RESTART_STOP;
	in->killed = false;
	in->grace_deadline = now + in->cfg.grace_ms;
	probe_abort(&in->probe);
	log_warnx("restarting child %d", (int)in->child);
	child_signal(in->child, in->child_pgid, true, SIGTERM);
}

/* PHASE_RESTART_STOP and PHASE_RESTART_WAIT. */
static bool
super_restart_step(struct init *in, int64_t now)
{
	if (in->phase == PHASE_RESTART_STOP) {
		if (in->child_running && !in->killed &&
		    now >= in->grace_deadline) {
			in->killed = true;
			child_signal(in->child, in->child_pgid, true, SIGKILL);
		}
		if (in->child_running)
			return false;
		if (in->backoff_ms < BACKOFF_MIN_MS)
			in->backoff_ms = BACKOFF_MIN_MS;
		in->restart_at = now + in->backoff_ms;
		in->backoff_ms *= 2;
		if (in->backoff_ms > BACKOFF_MAX_MS)
			in->backoff_ms = BACKOFF_MAX_MS;
		in->phase = PHASE_RESTART_WAIT;
		return false;
	}
	if (in->phase != PHASE_RESTART_WAIT || now < in->restart_at)
		return false;
	if (super_spawn(in, now) < 0) {
		log_warn("cannot start %s again", in->cfg.argv[0]);
		in->exit_code = WEXIT_OSERR;
		return true;
	}
	in->restarts++;
	return false;
}

bool
super_step(struct init *in, int64_t now)
{
	if (in->phase == PHASE_RUNNING && !in->child_running)
		super_shutdown(in, 0, 0, now);
	if (in->phase != PHASE_SHUTDOWN)
		return super_restart_step(in, now);
	if (in->gone && !in->child_running)
		return true;
	if (!in->killed && now >= in->grace_deadline) {
		in->killed = true;
		in->kill_deadline = now + KILL_WAIT_MS;
		log_info("grace period over: sending SIGKILL");
		tree_kill(in);
	} else if (!in->killed) {
		tree_term(in); /* orphans that came since */
	} else if (now >= in->kill_deadline) {
		log_warnx("processes survive SIGKILL; exiting anyway");
		return true;
	}
	return false;
}

int64_t
super_deadline(const struct init *in)
{
	switch (in->phase) {
	case PHASE_RUNNING:
		return -1;
	case PHASE_RESTART_STOP:
		return in->killed ? -1 : in->grace_deadline;
	case PHASE_RESTART_WAIT:
		return in->restart_at;
	case PHASE_SHUTDOWN:
		break;
	}
	return in->killed ? in->kill_deadline : in->grace_deadline;
}

int
super_exit(struct init *in)
{
	char what[48];
	char sig[24];
	char from[48] = "";
	int code = reap_exit_code(in->child_status, in->cfg.remap);

	if (in->exit_code >= 0)
		return in->exit_code;
	reap_describe(in->child_status, what, sizeof(what));
	if (in->shut_signo && in->shut_pid == in->self)
		fmt_snprintf(from, sizeof(from), " from ward (app unhealthy)");
	else if (in->shut_signo && in->shut_pid)
		fmt_snprintf(from, sizeof(from), " from pid %d",
		             (int)in->shut_pid);
	else if (in->shut_signo)
		fmt_snprintf(from, sizeof(from), " from outside the container");
	if (in->shut_signo)
		log_notice("exiting with %d: child %d %s, after %s%s", code,
		           (int)in->child, what,
		           value_signame(in->shut_signo, sig, sizeof(sig)),
		           from);
	else
		log_notice("exiting with %d: child %d %s", code, (int)in->child,
		           what);
	return code;
}
