/* loop.c: the one event loop: poll over a fixed fd set, real deadlines. */
#include "loop.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <time.h>

#include "health.h"
#include "log.h"
#include "reap.h"
#include "status.h"
#include "super.h"
#include "value.h"

/* The fixed poll set. */
enum {
	PFD_SIG,    /* signalfd */
	PFD_LISTEN, /* status server listener */
	PFD_PROBE,  /* probe socket */
	PFD_CLIENT, /* status clients from here on */
	PFD_N = PFD_CLIENT + STATUS_MAX_CLIENTS
};

int64_t
loop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
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
	if (d < 0)
		return -1;
	d -= now;
	if (d < 0)
		return 0;
	return d > INT_MAX ? INT_MAX : (int)d;
}

static void
loop_fds(const struct init *in, struct pollfd *pfd)
{
	int i;

	pfd[PFD_SIG] = (struct pollfd){in->sigfd, POLLIN, 0};
	pfd[PFD_LISTEN] = (struct pollfd){in->listen_fd, POLLIN, 0};
	pfd[PFD_PROBE] = (struct pollfd){-1, 0, 0};
	pfd[PFD_PROBE].fd = health_pollfd(in, &pfd[PFD_PROBE].events);
	for (i = 0; i < STATUS_MAX_CLIENTS; i++)
		pfd[PFD_CLIENT + i] =
		    (struct pollfd){in->clients[i].fd, POLLIN, 0};
}

/* Read every pending signal; returns true if SIGCHLD was among them. */
static bool
loop_signals(struct init *in, int64_t now)
{
	struct signalfd_siginfo si;
	char name[24];
	bool reap = false;
	int r;

	while ((r = sig_read(in->sigfd, &si)) == 1) {
		switch (sig_classify(&si, in->self)) {
		case SIG_ACT_REAP:
			reap = true;
			break;
		case SIG_ACT_FORWARD:
			super_signal(in, &si, now);
			break;
		case SIG_ACT_DROP:
			log_debug("ignored %s caused by ward itself",
			          value_signame((int)si.ssi_signo, name,
			                        sizeof(name)));
			break;
		}
	}
	if (r < 0)
		log_warn("reading signals");
	return reap;
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
		super_term_child(in);
		super_shutdown(in, SIGTERM, in->self, 0, now);
		break;
	}
}

int
loop_run(struct init *in)
{
	struct pollfd pfd[PFD_N];
	int64_t now;

	/* From here on ward must not die: every error is logged and lived. */
	for (;;) {
		loop_fds(in, pfd);
		if (poll(pfd, PFD_N, loop_timeout(in, loop_now())) < 0) {
			if (errno != EINTR)
				log_warn("poll");
			continue;
		}
		now = loop_now();
		if ((pfd[PFD_SIG].revents & POLLIN) && loop_signals(in, now))
			in->gone = reap_children(in);
		loop_health(in, now, pfd[PFD_PROBE].revents);
		status_step(in, pfd[PFD_LISTEN].revents, pfd + PFD_CLIENT, now);
		if (super_step(in, now))
			return super_exit(in);
	}
}
