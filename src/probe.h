/*
 * probe.h: one non-blocking HTTP or TCP health probe, as a state machine.
 *
 * No server can hold it (SPEC sections 2 and 3): each probe_step reads at
 * most once (PROBE_TURN_MAX bytes) and checks the deadline, whatever the
 * peer sends; every scheme's receive path keeps that rule.
 */
#ifndef WARD_PROBE_H
#define WARD_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "defs.h"
#include "grpc.h"
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
	bool grpc;           /* a gRPC check: ok means SERVING */
	int64_t duration_ms; /* from start to result */
	char error[96];      /* "connection refused (127.0.0.1:8080)", ... */
};

struct probe {
	const struct url *url;    /* what to probe */
	enum probe_state state;   /* where the machine is */
	int fd;                   /* socket, -1 when none */
	int fd2;                  /* localhost: the 127.0.0.1 try, -1 none */
	int addr_idx;             /* address of url being tried on fd */
	int64_t fallback_at;      /* when to try the next address too, 0 none */
	int interim;              /* interim 1xx responses skipped */
	size_t body_want;         /* Content-Length (SIZE_MAX: unknown) */
	int64_t started;          /* monotonic ms at start */
	int64_t deadline;         /* monotonic ms when it times out */
	int64_t timeout_ms;       /* the timeout itself, for messages */
	size_t req_len;           /* request length */
	size_t sent;              /* bytes sent */
	size_t used;              /* bytes in buf */
	size_t drained;           /* body bytes drained */
	struct probe_result cur;  /* result being made */
	struct probe_result last; /* last finished result */
	/* The buffers last: their pages are touched only when a probe runs. */
	char req[URL_PATH_MAX + URL_HOST_MAX + 128]; /* request bytes */
	char buf[HTTP_RESP_MAX];                     /* response head */
	struct grpc grpc;                            /* gRPC exchange */
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

/*
 * Socket i (0, or 1 for the second connect of Happy Eyeballs) to poll and
 * the events (POLLIN/POLLOUT) it waits for; -1 if none.
 */
int probe_pollfd(const struct probe *p, int i, short *events);

/* When probe_step must run even without events (monotonic ms). */
int64_t probe_wake(const struct probe *p);

/*
 * Advance after poll reported revents on its sockets (0 on a timeout tick).
 * Returns true once the result is in p->last (state PROBE_DONE, fd closed).
 */
bool probe_step(struct probe *p, int64_t now, short revents);

/* Drop a probe in flight (close the fd, back to idle). */
void probe_abort(struct probe *p);

/* For the scheme modules (probe_http.c): end the probe, healthy or not;
 * fail with a fixed message, or a socket error naming the address; end on
 * a known HTTP status. All return true. */
bool probe_finish(struct probe *p, int64_t now, bool ok);
bool probe_fail(struct probe *p, int64_t now, const char *msg);
bool probe_fail_errno(struct probe *p, int64_t now, int err);
bool probe_finish_status(struct probe *p, int64_t now);

/* HTTP (probe_http.c): format the request into p->req; -1 if too long. */
int probe_http_request(struct probe *p);

/* HTTP: one bounded read of the response and what it means; true when the
 * probe is over. */
bool probe_http_recv(struct probe *p, int64_t now);

/*
 * HTTP, pure (fuzzed): where the next bytes go (*dst, returns the room),
 * and what n bytes just placed there mean (n == 0: the peer closed).
 * Returns true when the probe is over (p->last holds the result).
 */
size_t probe_http_room(struct probe *p, char **dst);
bool probe_http_input(struct probe *p, int64_t now, size_t n);

/* gRPC (probe_grpc.c): one turn of the exchange after poll said ev; true
 * when the probe is over. */
bool probe_grpc_step(struct probe *p, int64_t now, short ev);

#endif
