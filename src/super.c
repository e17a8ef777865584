/* super.c: the supervision state machine: run, drain, restart, stop, exit. */
#include "super.h"
#include "defs.h"
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

WARD_COLD int
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

static void super_flush(struct init *in);

/*
 * Forward sig (after -r) to the main child, or with -g to its process
 * group: also once the main child is gone, while the group has members.
 */
static void
super_forward(struct init *in, int from, int sig)
{
	char a[24];
	char b[24];
	int r;

	if (in->fwd_pending) /* keep the order in which signals came */
		super_flush(in);
	if (in->child_running)
		r = child_signal(in->child, in->child_pgid, in->cfg.pgroup,
		                 sig);
	else if (in->cfg.pgroup && in->child_pgid > 0)
		r = kill(-in->child_pgid, sig);
	else
		return;
	value_signame(from, a, sizeof(a));
	value_signame(sig, b, sizeof(b));
	if (r < 0) {
		if (in->child_running)
			log_warn("cannot forward %s to pid %d", b,
			         (int)in->child);
		return;
	}
	in->signals_forwarded++;
	log_info("forwarded %s%s%s to %s %d", a, sig != from ? " as " : "",
	         sig != from ? b : "", in->cfg.pgroup ? "process group" : "pid",
	         (int)(in->child_running ? in->child : in->child_pgid));
}

/* Forward the signal held back during the first sweep. */
static void
super_flush(struct init *in)
{
	int sig = in->fwd_pending;

	in->fwd_pending = 0;
	if (sig)
		super_forward(in, in->fwd_from, sig);
}

/*
 * Stop the tree (SPEC section 2, step 1); the grace period starts now.
 * The signal fwd (received as from) goes to the main child once the first
 * sweep is over: what its handler then starts is its own business and must
 * not meet that sweep.
 */
WARD_COLD static void
super_stop(struct init *in, int from, int fwd, int64_t now)
{
	in->killed = false;
	in->grace_deadline = now + in->cfg.grace_ms;
	in->orphans_due = !in->child_running;
	in->fwd_from = from;
	in->fwd_pending = fwd;
	probe_abort(&in->probe);
	if (in->cfg.grace_ms == 0) {
		super_flush(in);
		in->killed = true;
		in->kill_deadline = now + KILL_WAIT_MS;
		tree_start(in, SIGKILL, 0);
		return;
	}
	tree_start(in, SIGTERM, fwd);
	if (in->sweep.stage != SWEEP_LIST)
		super_flush(in);
}

WARD_COLD void
super_shutdown(struct init *in, int signo, pid_t pid, int fwd, int64_t now)
{
	char name[24];
	enum phase was = in->phase;

	if (was == PHASE_SHUTDOWN)
		return;
	in->phase = PHASE_SHUTDOWN;
	in->shut_signo = signo;
	in->shut_pid = pid;
	if (signo)
		log_info("shutting down on %s",
		         value_signame(signo, name, sizeof(name)));
	if (was == PHASE_RESTART_WAIT) /* nothing runs: exit at once */
		in->exit_code = 128 + signo;
	else if (was != PHASE_RESTART_STOP) /* that one keeps its deadline */
		super_stop(in, signo, fwd, now);
}

/* The drain delay is over: start the shutdown the held signal stands for. */
WARD_COLD static void
super_drained(struct init *in, int64_t now)
{
	in->phase = PHASE_RUNNING;
	super_shutdown(in, in->shut_signo, in->shut_pid, in->held, now);
}

/*
 * A shutdown signal: from as received, to after -r. With --drain-delay,
 * the first is held while /readyz says 503; a second one (not forwarded)
 * or the child's exit ends the delay.
 */
WARD_COLD static void
super_shutdown_signal(struct init *in, int from, int to, pid_t pid, int64_t now)
{
	if (in->phase == PHASE_RUNNING && in->cfg.drain_ms > 0) {
		in->phase = PHASE_DRAINING;
		in->held = to;
		in->shut_signo = from;
		in->shut_pid = pid;
		in->drain_end = now + in->cfg.drain_ms;
		probe_abort(&in->probe);
		log_info("draining for %lld ms", (long long)in->cfg.drain_ms);
		return;
	}
	if (in->phase == PHASE_DRAINING) {
		super_drained(in, now); /* only the first one is forwarded */
		return;
	}
	if (in->phase != PHASE_RUNNING)
		super_forward(in, from, to);
	super_shutdown(in, from, pid, to, now);
}

void
super_signal(struct init *in, const struct signalfd_siginfo *si, int64_t now)
{
	int from = (int)si->ssi_signo;
	int to = from < WARD_NSIG ? in->cfg.rewrite[from] : from;
	char a[24];

	if (to == 0) {
		log_info("dropped %s (rewritten to 0)",
		         value_signame(from, a, sizeof(a)));
		return;
	}
	if (from <= 64 && (in->cfg.shutdown_sigs >> (from - 1) & 1))
		super_shutdown_signal(in, from, to, (pid_t)si->ssi_pid, now);
	else
		super_forward(in, from, to);
}

WARD_COLD void
super_unhealthy_exit(struct init *in, int64_t now)
{
	in->unhealthy_exit = true;
	super_shutdown_signal(in, SIGTERM, SIGTERM, in->self, now);
}

WARD_COLD void
super_restart(struct init *in, int64_t now)
{
	if (in->phase != PHASE_RUNNING || !in->child_running)
		return;
	in->phase = PHASE_RESTART_STOP;
	log_warnx("restarting child %d", (int)in->child);
	super_stop(in, SIGTERM, SIGTERM, now);
}

/* The tree is stopped: after a restart's stop, wait, then start again. */
WARD_COLD static bool
super_restart_step(struct init *in, int64_t now)
{
	if (in->phase == PHASE_RESTART_STOP) {
		if (in->backoff_ms < BACKOFF_MIN_MS)
			in->backoff_ms = BACKOFF_MIN_MS;
		in->restart_at = now + in->backoff_ms;
		in->backoff_ms *= 2;
		if (in->backoff_ms > BACKOFF_MAX_MS)
			in->backoff_ms = BACKOFF_MAX_MS;
		in->phase = PHASE_RESTART_WAIT;
		return false;
	}
	if (now < in->restart_at)
		return false;
	if (super_spawn(in, now) < 0) {
		log_warn("cannot start %s again", in->cfg.argv[0]);
		in->exit_code = WEXIT_OSERR;
		return true;
	}
	in->restarts++;
	return false;
}

/*
 * Stopping the tree (a shutdown or a restart's stop), steps 2-4 of SPEC
 * section 2. Returns true when the tree is gone (or will not die).
 */
WARD_COLD static bool
super_stop_step(struct init *in, int64_t now)
{
	struct sweep *sw = &in->sweep;

	if (in->zombies_reaped != in->reaped_seen && !in->child_running)
		in->orphans_due = true;
	in->reaped_seen = in->zombies_reaped;
	if (in->gone && !in->child_running)
		return true;
	if (!in->killed && now >= in->grace_deadline) {
		in->killed = true;
		in->kill_deadline = now + KILL_WAIT_MS;
		log_info("grace period over: sending SIGKILL");
		tree_start(in, SIGKILL, 0);
	} else if (in->killed && now >= in->kill_deadline) {
		log_warnx("processes survive SIGKILL; going on anyway");
		return true;
	} else if (sw->stage != SWEEP_IDLE) {
		tree_step(in);
		if (sw->stage != SWEEP_LIST)
			super_flush(in);
	} else if (in->orphans_due && in->killed) {
		in->orphans_due = false;
		tree_start(in, SIGKILL, 0); /* orphans that came since */
	} else if (in->orphans_due) {
		in->orphans_due = tree_orphans(in);
	}
	return false;
}

bool
super_step(struct init *in, int64_t now)
{
	switch (in->phase) {
	case PHASE_RUNNING:
		if (in->child_running)
			return false;
		super_shutdown(in, 0, 0, 0, now);
		break;
	case PHASE_DRAINING:
		if (in->child_running && now < in->drain_end)
			return false;
		super_drained(in, now);
		break;
	case PHASE_RESTART_WAIT:
		return super_restart_step(in, now);
	case PHASE_RESTART_STOP:
		if (super_stop_step(in, now))
			return super_restart_step(in, now);
		return false;
	case PHASE_SHUTDOWN:
		break;
	}
	return in->exit_code >= 0 || super_stop_step(in, now);
}

int64_t
super_deadline(const struct init *in)
{
	switch (in->phase) {
	case PHASE_RUNNING:
		return -1;
	case PHASE_DRAINING:
		return in->drain_end;
	case PHASE_RESTART_WAIT:
		return in->restart_at;
	case PHASE_RESTART_STOP:
	case PHASE_SHUTDOWN:
		break;
	}
	if (in->sweep.stage != SWEEP_IDLE || in->orphans_due)
		return 0; /* more sweeping to do: come back at once */
	return in->killed ? in->kill_deadline : in->grace_deadline;
}

WARD_COLD int
super_exit(struct init *in)
{
	char what[48];
	char sig[24];
	char from[48] = "";
	char line[160];
	int code = reap_exit_code(in->child_status, in->cfg.remap);

	if (in->child_running)
		fmt_snprintf(what, sizeof(what), "still running");
	else
		reap_describe(in->child_status, what, sizeof(what));
	if (in->unhealthy_exit)
		code = WEXIT_UNHEALTHY_STOP;
	else if (in->exit_code >= 0)
		code = in->exit_code;
	else if (in->child_running)
		code = 128 + SIGKILL;
	if (in->shut_signo && in->shut_pid == in->self)
		fmt_snprintf(from, sizeof(from), " from ward (app unhealthy)");
	else if (in->shut_signo && in->shut_pid)
		fmt_snprintf(from, sizeof(from), " from pid %d",
		             (int)in->shut_pid);
	else if (in->shut_signo)
		fmt_snprintf(from, sizeof(from), " from outside the container");
	fmt_snprintf(
	    line, sizeof(line), "exiting with %d: child %d %s%s%s%s", code,
	    (int)in->child, what, in->shut_signo ? ", after " : "",
	    in->shut_signo ? value_signame(in->shut_signo, sig, sizeof(sig))
	                   : "",
	    from);
	if (code == 0)
		log_info("%s", line); /* a clean exit says nothing (SPEC 5) */
	else
		log_notice("%s", line);
	return code;
}
