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
	int exit_code;          /* ward's own failure code, -1 if none */
	int64_t restart_at;     /* PHASE_RESTART_WAIT: when to spawn */
	int64_t backoff_ms;     /* next restart back-off */

	int shut_signo; /* signal that started shutdown, 0 if none */
	pid_t shut_pid; /* its sender */
	pid_t termed[SHUTDOWN_TRACK_MAX]; /* pids already sent TERM */
	int ntermed;                      /* how many */

	/* health */
	struct probe probe;       /* the probe client */
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

	struct fscheck_report checks; /* start-up facts */
	struct census census;         /* ward_processes, counted lazily */
	struct cgroup cgroup;         /* ward's memory cgroup, for /metrics */

	/* Last, so that its pages are touched only when clients come. */
	char client_buf[STATUS_MAX_CLIENTS][HTTP_REQ_MAX]; /* request bytes */
};

#endif
