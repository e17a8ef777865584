/* tree.c: the sweeps of a shutdown: signal the rest of ward's tree once. */
#include "tree.h"
#include "defs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "proc.h"
#include "value.h"

#define TREE_CHUNK 256                /* processes visited per loop turn */
#define TREE_PID_LIMIT 4194304        /* the kernel's PID_MAX_LIMIT */
#define HAD_CHILD (UINT64_C(1) << 63) /* seen as ward's child since */

/* Anonymous memory of n bytes, reserved now and touched only when used. */
WARD_COLD static void *
tree_map(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

WARD_COLD int
tree_setup(struct init *in)
{
	struct sweep *sw = &in->sweep;
	char buf[24];
	int64_t max = TREE_PID_LIMIT;
	ssize_t n;
	int fd;

	sw->dirfd = -1;
	sw->proc_ok = proc_ours(in->self);
	if ((fd = open("/proc/sys/kernel/pid_max", O_RDONLY | O_CLOEXEC)) >=
	    0) {
		n = io_read(fd, buf, sizeof(buf));
		close(fd);
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
			n--;
		if (n > 0 &&
		    (max = value_uint(buf, (size_t)n, TREE_PID_LIMIT)) < 2)
			max = TREE_PID_LIMIT;
	}
	sw->npid = (size_t)max + 1;
	sw->had = tree_map(sw->npid * sizeof(*sw->had));
	sw->queue = tree_map(sw->npid * sizeof(*sw->queue));
	if (!sw->had || !sw->queue) {
		sw->npid = 0;
		return -1;
	}
	return 0;
}

void
tree_forget(struct init *in, pid_t pid)
{
	if ((size_t)pid < in->sweep.npid)
		in->sweep.had[pid] = 0;
}

/* Has pid, started at start, had its SIGTERM? If not, it has now. */
WARD_COLD static bool
tree_had(struct sweep *sw, pid_t pid, uint64_t start)
{
	if ((size_t)pid >= sw->npid)
		return false;
	if ((sw->had[pid] & ~HAD_CHILD) == start + 1)
		return true;
	sw->had[pid] = start + 1;
	return false;
}

/* Step 1 (SIGTERM) or step 4 (SIGKILL) for one process. */
WARD_COLD static void
tree_visit(struct init *in, pid_t pid)
{
	struct sweep *sw = &in->sweep;
	struct proc_info pi;
	bool group;

	if (pid == in->self || proc_stat(pid, &pi) < 0 || pi.state == 'Z')
		return;
	if (sw->sig == SIGTERM) {
		if (in->child_running && pid == in->child)
			return;
		group = in->cfg.pgroup && sw->fwd && pi.pgrp == in->child_pgid;
		if (group && sw->fwd != SIGTERM)
			return; /* it had the forwarded signal: TERM it later */
		if (tree_had(sw, pid, pi.start) || group)
			return;
	}
	if (kill(pid, sw->sig) == 0)
		sw->sent++;
}

WARD_COLD static void
tree_enqueue(struct init *in, pid_t pid)
{
	struct sweep *sw = &in->sweep;

	if (sw->qtail < sw->npid)
		sw->queue[sw->qtail++] = pid;
}

/*
 * As a subreaper: list up to TREE_CHUNK descendants, breadth first, into
 * the queue. A SIGKILL sweep kills each one as soon as its children are
 * listed, so none can hand its children to ward unseen.
 */
WARD_COLD static bool
tree_collect_bfs(struct init *in)
{
	struct sweep *sw = &in->sweep;
	pid_t pid;
	int k;

	for (k = 0; k < TREE_CHUNK && sw->qhead < sw->qtail; k++) {
		pid = sw->queue[sw->qhead++];
		proc_children(in, pid, tree_enqueue);
		if (sw->sig == SIGKILL)
			tree_visit(in, pid);
	}
	return sw->qhead < sw->qtail;
}

/* As PID 1: list the next entries of /proc into the queue: every process
 * of the namespace, also those that entered it from outside (docker exec). */
WARD_COLD static bool
tree_collect_walk(struct init *in)
{
	struct sweep *sw = &in->sweep;
	struct dirent64 *d;
	int64_t pid;
	int k;

	for (k = 0; k < 4 * TREE_CHUNK; k++) {
		if (sw->doff >= sw->dlen) {
			sw->doff = 0;
			sw->dlen = syscall(SYS_getdents64, sw->dirfd, sw->dbuf,
			                   sizeof(sw->dbuf));
			if (sw->dlen <= 0) {
				close(sw->dirfd);
				sw->dirfd = -1;
				return false;
			}
		}
		d = (struct dirent64 *)(void *)(sw->dbuf + sw->doff);
		sw->doff += d->d_reclen;
		pid = value_uint(d->d_name, strlen(d->d_name), INT32_MAX);
		if (pid > 0)
			tree_enqueue(in, (pid_t)pid);
	}
	return true;
}

/* Signal the next TERM_CHUNK processes of the list. */
WARD_COLD static bool
tree_signal_list(struct init *in)
{
	struct sweep *sw = &in->sweep;
	int k;

	for (k = 0; k < TREE_CHUNK && sw->qhead < sw->qtail; k++)
		tree_visit(in, sw->queue[sw->qhead++]);
	return sw->qhead < sw->qtail;
}

WARD_COLD static void
tree_report(struct sweep *sw)
{
	char name[24];

	if (sw->sent > 0)
		log_info("sent %s to %d other process%s",
		         value_signame(sw->sig, name, sizeof(name)), sw->sent,
		         sw->sent == 1 ? "" : "es");
	sw->sent = 0;
}

/*
 * A SIGTERM sweep lists first, then signals: the signal for the main child
 * goes out in between (super.c), so what its handler starts is never on
 * the list, and the app hears of the shutdown before its helpers do.
 */
WARD_COLD bool
tree_step(struct init *in)
{
	struct sweep *sw = &in->sweep;
	bool more;

	if (sw->stage == SWEEP_SIGNAL) {
		more = tree_signal_list(in);
	} else if (sw->stage == SWEEP_LIST) {
		more = sw->dirfd >= 0 ? tree_collect_walk(in)
		                      : tree_collect_bfs(in);
		if (!more && sw->sig == SIGTERM) {
			sw->stage = SWEEP_SIGNAL;
			sw->qhead = 0;
			return true;
		}
	} else {
		return false;
	}
	if (!more) {
		sw->stage = SWEEP_IDLE;
		tree_report(sw);
	}
	return more;
}

WARD_COLD void
tree_start(struct init *in, int sig, int fwd)
{
	struct sweep *sw = &in->sweep;

	if (sw->dirfd >= 0)
		close(sw->dirfd);
	sw->dirfd = -1;
	sw->stage = SWEEP_IDLE;
	sw->sig = sig;
	sw->fwd = fwd;
	sw->sent = 0;
	if (in->gone)
		return; /* no child left: no descendant either */
	if (in->self == 1 && sig == SIGKILL) {
		kill(-1, SIGKILL); /* everyone in the namespace at once */
		return;
	}
	if (!sw->proc_ok || sw->npid == 0) {
		/* No usable /proc: everyone at once, once the child is gone. */
		if (in->self == 1 && !in->child_running)
			kill(-1, sig);
		else if (sig == SIGKILL && in->child_running)
			kill(in->child, sig);
		else
			log_warnx("cannot list processes (is /proc mounted?)");
		return;
	}
	sw->qhead = sw->qtail = 0;
	if (in->self == 1) {
		sw->dirfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		sw->dlen = sw->doff = 0;
		if (sw->dirfd < 0)
			return;
	} else {
		sw->queue[sw->qtail++] = in->self;
	}
	sw->stage = SWEEP_LIST;
	tree_step(in);
}

/* Step 3 for one child of ward's. */
WARD_COLD static void
tree_orphan(struct init *in, pid_t pid)
{
	struct sweep *sw = &in->sweep;
	struct proc_info pi;

	if ((size_t)pid >= sw->npid || (sw->had[pid] & HAD_CHILD))
		return;
	if (sw->budget == 0) {
		sw->more = true;
		return;
	}
	sw->budget--;
	if (proc_stat(pid, &pi) < 0 || pi.state == 'Z')
		return;
	if (!tree_had(sw, pid, pi.start) && kill(pid, SIGTERM) == 0)
		sw->sent++;
	sw->had[pid] |= HAD_CHILD;
}

/*
 * Step 3: SIGTERM to each child of ward's that has had none. A child once
 * checked stays marked until it is reaped (its pid cannot be reused before
 * that), so each costs one /proc read in all. Returns true when the chunk
 * ran out before the list did.
 */
WARD_COLD bool
tree_orphans(struct init *in)
{
	struct sweep *sw = &in->sweep;

	sw->sig = SIGTERM;
	sw->sent = 0;
	sw->budget = TREE_CHUNK;
	sw->more = false;
	if (in->gone)
		return false;
	if (!sw->proc_ok || sw->npid == 0) {
		if (in->self == 1 && !sw->blind) /* no /proc: all, once */
			kill(-1, SIGTERM);
		sw->blind = true;
		return false;
	}
	proc_list(in, "/proc/thread-self/children", tree_orphan);
	tree_report(sw);
	return sw->more;
}
