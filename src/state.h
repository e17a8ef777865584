/* state.h: struct init, the one state of a running ward. */
#ifndef WARD_STATE_H
#define WARD_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "census.h"
#include "cgroup.h"
#include "cli.h"
#include "defs.h"
#include "fscheck.h"
#include "probe.h"
#include "sig.h"

/* Where supervision is. */
enum phase {
	PHASE_RUNNING,      /* the child runs */
	PHASE_DRAINING,     /* a shutdown signal is held for --drain-delay */
	PHASE_RESTART_STOP, /* unhealthy: stopping the child to restart it */
	PHASE_RESTART_WAIT, /* back-off before starting it again */
	PHASE_SHUTDOWN      /* stopping the whole tree, then exit */
};

/* Health of the app as the probe sees it. */
enum health {
	HEALTH_STARTING, /* no success yet */
	HEALTH_HEALTHY,  /* last probes passed */
	HEALTH_UNHEALTHY /* probe_retries consecutive failures */
};

/* One client of the status server (its buffer is in struct init). */
struct status_client {
	int fd;           /* -1 when the slot is free */
	int64_t deadline; /* monotonic ms when it is dropped */
	size_t used;      /* bytes in its buffer */
};

/* Where a sweep is (tree.c). */
enum sweep_stage {
	SWEEP_IDLE,  /* none in progress */
	SWEEP_LIST,  /* listing the processes to signal */
	SWEEP_SIGNAL /* signalling the list */
};

/* The sweeps of a shutdown (tree.c, SPEC section 2). */
struct sweep {
	int sig; /* signal of the sweep in progress */
	int fwd; /* signal forwarded to the child's group, 0 none */
	enum sweep_stage stage; /* see enum sweep_stage */
	bool proc_ok;           /* /proc is the proc of ward's PID namespace */
	bool blind;      /* no /proc: the one kill(-1) of step 3 was sent */
	bool more;       /* step 3 ran out of its chunk */
	int budget;      /* step 3: /proc reads left in this turn */
	int sent;        /* processes signalled by this sweep */
	int dirfd;       /* /proc being walked (PID 1), -1 when none */
	long dlen;       /* bytes in dbuf */
	long doff;       /* next entry in dbuf */
	char dbuf[1024]; /* getdents64 of /proc */
	pid_t *queue;    /* the processes listed */
	size_t qhead;    /* next to visit */
	size_t qtail;    /* next free */
	uint64_t *had;   /* per pid: start time + 1 after its SIGTERM */
	size_t npid;     /* entries of had and queue (pid_max + 1), 0 none */
};

struct init {
	struct config cfg; /* parsed options */
	pid_t self;        /* getpid(): 1 as PID 1 */
	int sigfd;         /* signalfd */
	int listen_fd;     /* status server socket, -1 if none */
	int spare_fd;      /* spare fd, given up when out of fds */
	struct sig_saved
	    sigsaved; /* the launcher's signal mask and dispositions */

	pid_t child;        /* main child pid, 0 when none */
	bool child_running; /* not yet reaped */
	int child_status;   /* wait status of the main child */
	pid_t child_pgid;   /* its process group */
	bool jc_stopped;    /* ward stopped with its child (job control) */
	enum phase phase;   /* see enum phase */
	int64_t started_ms; /* monotonic ms when ward started */

	int64_t grace_deadline; /* shutdown/restart: when to SIGKILL; 0 none */
	bool killed;            /* SIGKILL already sent */
	int64_t kill_deadline;  /* when to stop waiting after SIGKILL */
	bool gone;              /* the last waitpid said ECHILD */
	int64_t reap_scan_at;   /* burst: next waitpid(-1) scan; 0 none */
	int64_t reap_last;      /* when it last ran */
	int exit_code;          /* ward's own failure code, -1 if none */
	int64_t restart_at;     /* PHASE_RESTART_WAIT: when to spawn */
	int64_t backoff_ms;     /* next restart back-off */

	int shut_signo;      /* signal that started shutdown, 0 if none */
	pid_t shut_pid;      /* its sender */
	int held;            /* PHASE_DRAINING: the signal to forward */
	int fwd_from;        /* the signal received for fwd_pending */
	int fwd_pending;     /* to forward once the first sweep is over */
	int64_t drain_end;   /* PHASE_DRAINING: when to forward it */
	bool unhealthy_exit; /* --on-unhealthy exit stopped the app */
	bool orphans_due;    /* step 3 must run (a reap since it last ran) */
	unsigned long reaped_seen; /* zombies_reaped at the last step */
	struct sweep sweep;        /* see struct sweep */

	/* health (the probe client is at the end) */
	enum health health;       /* see enum health */
	int64_t next_probe;       /* monotonic ms of the next probe, 0 none */
	int64_t probe_period_end; /* end of the start period */
	int consecutive_failures; /* failures in a row */
	struct status_client clients[STATUS_MAX_CLIENTS]; /* status server */
	int client_cap; /* slots RLIMIT_NOFILE leaves (STATUS_FD_RESERVE) */

	/* counters for /metrics and /status */
	unsigned long restarts; /* child restarts by ward */
	unsigned long
	    zombies_reaped; /* processes reaped, main child included */
	unsigned long signals_forwarded; /* signals sent on to the child */
	unsigned long probes_ok;         /* successful probes */
	unsigned long probes_failed;     /* failed probes */

	struct census census; /* ward_processes, counted lazily */
	struct cgroup cgroup; /* ward's memory cgroup, for /metrics */

	/* Last, the big parts, so that the idle loop's fields share a few
	 * pages and their buffers' pages are touched only when used. */
	struct probe probe;           /* the probe client */
	struct fscheck_report checks; /* start-up facts */
	char client_buf[STATUS_MAX_CLIENTS][HTTP_REQ_MAX]; /* request bytes */
};

#endif
