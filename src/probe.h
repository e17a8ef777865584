/* probe.h: one non-blocking HTTP or TCP health probe, as a state machine. */
#ifndef WARD_PROBE_H
#define WARD_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "defs.h"
#include "url.h"

enum probe_state {
	PROBE_IDLE,       /* no probe in flight */
	PROBE_CONNECTING, /* connect() returned EINPROGRESS */
	PROBE_SENDING,    /* writing the request */
	PROBE_RECEIVING,  /* reading the status line, then draining */
	PROBE_DONE        /* result in last; fd closed */
};

struct probe_result {
	bool ok;             /* healthy by the rules of SPEC section 3 */
	int status;          /* HTTP status, 0 if none (tcp, error) */
	int64_t duration_ms; /* from start to result */
	char error[96];      /* "connection refused (127.0.0.1:8080)", ... */
};

struct probe {
	const struct url *url;  /* what to probe */
	enum probe_state state; /* where the machine is */
	int fd;                 /* socket, -1 when none */
	int addr_idx;           /* address of url being tried */
	int64_t started;        /* monotonic ms at start */
	int64_t deadline;       /* monotonic ms when it times out */
	int64_t timeout_ms;     /* the timeout itself, for messages */
	char req[URL_PATH_MAX + URL_HOST_MAX + 128]; /* request bytes */
	size_t req_len;                              /* request length */
	size_t sent;                                 /* bytes sent */
	char buf[HTTP_RESP_MAX];                     /* response head */
	size_t used;                                 /* bytes in buf */
	size_t drained;                              /* body bytes drained */
	struct probe_result cur;                     /* result being made */
	struct probe_result last;                    /* last finished result */
};

/* Set up p (no fd, idle). */
void probe_init(struct probe *p);

/*
 * Start one probe of u at monotonic time now (ms) with a timeout; p->last
 * keeps the previous result until this one is done. Returns 0 when in flight,
 * or 1 when it finished at once (p->last filled, state PROBE_DONE), e.g. on a
 * refused connect.
 */
int probe_start(struct probe *p, const struct url *u, int64_t now,
                int64_t timeout_ms);

/* The fd to poll and the events (POLLIN/POLLOUT) it waits for; -1 if none. */
int probe_pollfd(const struct probe *p, short *events);

/*
 * Advance after poll reported revents on the fd (0 on a timeout tick).
 * Returns true once the result is in p->last (state PROBE_DONE, fd closed).
 */
bool probe_step(struct probe *p, int64_t now, short revents);

/* Drop a probe in flight (close the fd, back to idle). */
void probe_abort(struct probe *p);

/*
 * One blocking probe for --check, with its own poll loop; fills *r.
 * Returns 0 if healthy, 1 if not.
 */
int probe_once(const struct url *u, int64_t timeout_ms, struct probe_result *r);

/* Write the --check line ("ok: HTTP 200 in 3 ms") for r into buf. */
void probe_format(const struct probe_result *r, char *buf, size_t size);

#endif
