/* loop.c: the one event loop: poll over a fixed fd set, real deadlines. */
#include "loop.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "health.h"
#include "log.h"
#include "reap.h"
#include "status.h"
#include "super.h"
#include "value.h"

/* The poll set: only the descriptors in use, so that poll(2) never asks
 * for more entries than RLIMIT_NOFILE allows (EINVAL otherwise). */
struct pset {
	struct pollfd pfd[4 + STATUS_MAX_CLIENTS]; /* what poll gets */
	int n;                                     /* entries in use */
	int listen;                                /* index, or -1 */
	int probe;                                 /* index, or -1 */
	int probe2;                                /* index, or -1 */
	int client[STATUS_MAX_CLIENTS];            /* index per slot, or -1 */
};

int64_t
loop_now(void)
{
	struct timespec ts;

#if defined(SYS_clock_gettime) && UINTPTR_MAX > 0xffffffffu
	/* The system call, not the vDSO: finding the vDSO's symbol costs
	 * more bytes of ward than the time the call saves. */
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
#else
	clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
nearest(int64_t a, int64_t b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

/* Milliseconds until the nearest real deadline; -1 (forever) if none. */
static int
loop_timeout(const struct init *in, int64_t now)
{
	int64_t d = nearest(super_deadline(in), health_deadline(in));

	d = nearest(d, status_deadline(in));
	d = nearest(d, reap_deadline(in));
	if (d < 0)
		return -1;
	d -= now;
	if (d < 0)
		return 0;
	return d > INT_MAX ? INT_MAX : (int)d;
}

static int
pset_add(struct pset *ps, int fd, short events)
{
	if (fd < 0)
		return -1;
	ps->pfd[ps->n] = (struct pollfd){fd, events, 0};
	return ps->n++;
}

static void
loop_fds(const struct init *in, struct pset *ps)
{
	short ev = 0;
	int fd;
	int i;

	ps->n = 0;
	pset_add(ps, in->sigfd, POLLIN);
	ps->listen = pset_add(ps, in->listen_fd, POLLIN);
	fd = health_pollfd(in, 0, &ev);
	ps->probe = pset_add(ps, fd, ev);
	fd = health_pollfd(in, 1, &ev);
	ps->probe2 = pset_add(ps, fd, ev);
	for (i = 0; i < STATUS_MAX_CLIENTS; i++)
		ps->client[i] = pset_add(ps, in->clients[i].fd, POLLIN);
}

static short
revents(const struct pset *ps, int idx)
{
	/* loop_wait may have cut the set down to the signalfd alone. */
	return idx < 0 || idx >= ps->n ? 0 : ps->pfd[idx].revents;
}

/*
 * Wait for the next event or deadline. With nothing but signals to wait
 * for, ward sleeps in read(2) on the signalfd itself: one system call less
 * per forwarded signal. If poll(2) refuses the set (the descriptor limit
 * was lowered under us), wait on the signals alone: they are what keeps
 * forwarding and reaping alive.
 */
static void
loop_wait(struct init *in, struct pset *ps)
{
	int timeout = loop_timeout(in, loop_now());

	if (ps->n == 1 && timeout < 0) {
		ps->pfd[0].revents = POLLIN;
		return;
	}
	if (poll(ps->pfd, (nfds_t)ps->n, timeout) >= 0)
		return;
	if (errno == EINTR)
		return;
	if (errno != EINVAL && errno != ENOMEM)
		log_warn("poll");
	ps->n = 1;
	ps->pfd[0].revents = 0;
	if (poll(ps->pfd, 1, timeout < 0 || timeout > 1000 ? 1000 : timeout) <
	    0)
		ps->pfd[0].revents = 0;
}

#define SIG_BATCH 16 /* signals read at once */

/* Act on the n signals read this turn. Returns true if SIGCHLD was among
 * them. */
static bool
loop_signals(struct init *in, const struct signalfd_siginfo *si, int n,
             int64_t now)
{
	char name[24];
	bool reap = false;
	int i;

	for (i = 0; i < n; i++) {
		switch (sig_classify(&si[i], in->self)) {
		case SIG_ACT_REAP:
			reap = true;
			break;
		case SIG_ACT_FORWARD:
			if (si[i].ssi_signo == SIGCONT)
				child_cont(in);
			super_signal(in, &si[i], now);
			break;
		case SIG_ACT_DROP:
			log_debug("ignored %s caused by ward itself",
			          value_signame((int)si[i].ssi_signo, name,
			                        sizeof(name)));
			break;
		}
	}
	return reap;
}

/* Is a signal waiting in the signalfd? */
static bool
loop_signal_waiting(const struct init *in)
{
	struct pollfd p = {in->sigfd, POLLIN, 0};

	return poll(&p, 1, 0) == 1;
}

static void
loop_health(struct init *in, int64_t now, short revents)
{
	switch (health_step(in, now, revents)) {
	case HEALTH_ACT_NONE:
		break;
	case HEALTH_ACT_RESTART:
		super_restart(in, now);
		break;
	case HEALTH_ACT_EXIT:
		super_unhealthy_exit(in, now);
		break;
	}
}

/*
 * One turn: wait, read the signals (the read(2) may be what blocks), and
 * only then read the clock: every deadline set in this turn counts from
 * the moment its event was read, however long ward slept before (SPEC
 * section 2, "Time").
 */
int
loop_run(struct init *in)
{
	struct signalfd_siginfo si[SIG_BATCH];
	struct pset ps;
	short crev[STATUS_MAX_CLIENTS];
	short lrev;
	bool busy;
	int64_t now;
	int n;
	int i;

	/* From here on ward must not die: every error is logged and lived. */
	for (;;) {
		loop_fds(in, &ps);
		loop_wait(in, &ps);
		n = 0;
		/* One read(2) of up to SIG_BATCH: the signalfd blocks, and a
		 * second read could sleep. The rest waits for the next turn. */
		if ((ps.pfd[0].revents & POLLIN) &&
		    (n = sig_read(in->sigfd, si, SIG_BATCH)) < 0) {
			log_warn("reading signals");
			n = 0;
		}
		now = loop_now();
		reap_turn(in, loop_signals(in, si, n, now), now);
		loop_health(in, now,
		            revents(&ps, ps.probe) | revents(&ps, ps.probe2));
		lrev = revents(&ps, ps.listen);
		busy = lrev != 0;
		for (i = 0; i < STATUS_MAX_CLIENTS; i++) {
			crev[i] = revents(&ps, ps.client[i]);
			busy |= crev[i] != 0;
		}
		/* A signal that came while this turn ran is read before any
		 * request is answered: no /readyz 200 after a SIGTERM. */
		if (!busy || !loop_signal_waiting(in))
			status_step(in, lrev, crev, now);
		if (super_step(in, now))
			return super_exit(in);
	}
}
