/* probe.c: one non-blocking HTTP or TCP health probe, as a state machine. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "defs.h"
#include "fmt.h"
#include "loop.h"
#include "probe.h"

/* Words for the socket errors a probe meets, the same under glibc and musl. */
static const struct {
	int err;          /* errno value */
	const char *what; /* how --check and /status say it */
} errwords[] = {
    {ECONNREFUSED, "connection refused"},
    {ECONNRESET, "connection reset"},
    {ETIMEDOUT, "connection timed out"},
    {ENETUNREACH, "network unreachable"},
    {EHOSTUNREACH, "host unreachable"},
    {EADDRNOTAVAIL, "address not available"},
    {EAFNOSUPPORT, "address family not supported"},
    {EPIPE, "connection closed"},
    {EMFILE, "out of file descriptors"},
    {ENFILE, "out of file descriptors"},
};

/* Close *fd, if open. */
WARD_COLD static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* End the probe: close the sockets and publish p->cur as p->last. */
WARD_COLD bool
probe_finish(struct probe *p, int64_t now, bool ok)
{
	close_fd(&p->fd);
	close_fd(&p->fd2);
	p->cur.ok = ok;
	if (p->cur.duration_ms < 0)
		p->cur.duration_ms = now - p->started;
	p->last = p->cur;
	p->state = PROBE_DONE;
	return true;
}

WARD_COLD bool
probe_fail(struct probe *p, int64_t now, const char *msg)
{
	p->cur.status = 0;
	fmt_snprintf(p->cur.error, sizeof(p->cur.error), "%s", msg);
	return probe_finish(p, now, false);
}

WARD_COLD bool
probe_fail_errno(struct probe *p, int64_t now, int err)
{
	char addr[64];
	const char *what = strerror(err);
	size_t i;

	for (i = 0; i < sizeof(errwords) / sizeof(errwords[0]); i++)
		if (errwords[i].err == err)
			what = errwords[i].what;
	url_addr_str(&p->url->addr[p->addr_idx], addr, sizeof(addr));
	p->cur.status = 0;
	fmt_snprintf(p->cur.error, sizeof(p->cur.error), "%s (%s)", what, addr);
	return probe_finish(p, now, false);
}

/* Fail on the deadline: "timeout after 2s", or "500ms" below a second. */
WARD_COLD static bool
fail_timeout(struct probe *p, int64_t now)
{
	long long t = (long long)p->timeout_ms;

	p->cur.status = 0;
	if (t >= 1000 && t % 1000 == 0)
		fmt_snprintf(p->cur.error, sizeof(p->cur.error),
		             "timeout after %llds", t / 1000);
	else
		fmt_snprintf(p->cur.error, sizeof(p->cur.error),
		             "timeout after %lldms", t);
	return probe_finish(p, now, false);
}

/* An HTTP probe whose final status is known: 200..399 is healthy. */
WARD_COLD bool
probe_finish_status(struct probe *p, int64_t now)
{
	int st = p->cur.status;

	if (st >= 200 && st <= 399)
		return probe_finish(p, now, true);
	fmt_snprintf(p->cur.error, sizeof(p->cur.error), "HTTP %d", st);
	return probe_finish(p, now, false);
}

/* Send what is left of the request; then wait for the response. */
WARD_COLD static bool
send_req(struct probe *p, int64_t now)
{
	ssize_t n;

	while (p->sent < p->req_len) {
		n = send(p->fd, p->req + p->sent, p->req_len - p->sent,
		         MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		if (n < 0)
			return probe_fail_errno(p, now, errno);
		p->sent += (size_t)n;
	}
	p->state = PROBE_RECEIVING;
	return false;
}

/* The connection is up: a TCP probe is done, an HTTP one sends. */
WARD_COLD static bool
connected(struct probe *p, int64_t now)
{
	close_fd(&p->fd2);
	p->fallback_at = 0;
	if (p->url->scheme == URL_TCP)
		return probe_finish(p, now, true);
	p->state = p->url->scheme == URL_GRPC ? PROBE_RECEIVING : PROBE_SENDING;
	if (p->url->scheme == URL_GRPC)
		return probe_grpc_step(p, now, 0);
	return send_req(p, now);
}

/* A non-blocking connect of *fd to address i of u: 0 done, 1 in progress,
 * -1 with errno (and *fd closed). */
WARD_COLD static int
start_connect(const struct url *u, int i, int *fd)
{
	*fd = socket(u->addr[i].ss_family,
	             SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (*fd < 0)
		return -1;
	if (connect(*fd, (const struct sockaddr *)&u->addr[i], u->addrlen[i]) ==
	    0)
		return 0;
	/* EINTR: the connection goes on asynchronously (connect(2)). */
	if (errno == EINPROGRESS || errno == EINTR)
		return 1;
	close_fd(fd);
	return -1;
}

/*
 * Connect to the addresses of the URL from p->addr_idx on (localhost: ::1,
 * then 127.0.0.1) until one is connected or in progress; while one more
 * address is left, it is tried beside after PROBE_FALLBACK_MS (Happy
 * Eyeballs, RFC 8305). Returns true when the probe is over, with the error
 * of the last address.
 */
WARD_COLD static bool
try_connect(struct probe *p, int64_t now)
{
	const struct url *u = p->url;
	int err = EADDRNOTAVAIL;
	int r;

	for (; p->addr_idx < u->naddr; p->addr_idx++) {
		if ((r = start_connect(u, p->addr_idx, &p->fd)) == 0)
			return connected(p, now);
		if (r > 0) {
			p->state = PROBE_CONNECTING;
			p->fallback_at = p->addr_idx + 1 < u->naddr
			                     ? now + PROBE_FALLBACK_MS
			                     : 0;
			return false;
		}
		err = errno;
	}
	p->addr_idx = u->naddr > 0 ? u->naddr - 1 : 0;
	if (u->naddr < 1)
		return probe_fail(p, now, "no address to probe");
	return probe_fail_errno(p, now, err);
}

/* fd2 (the next address) becomes the connect of the probe. */
WARD_COLD static void
adopt_fd2(struct probe *p)
{
	close_fd(&p->fd);
	p->fd = p->fd2;
	p->fd2 = -1;
	p->addr_idx++;
	p->fallback_at = 0;
}

/* Happy Eyeballs: the first address has not connected in time, so the
 * next one is tried beside it, on fd2 (-1 in fallback_at: tried). */
WARD_COLD static bool
start_fallback(struct probe *p, int64_t now)
{
	int r = start_connect(p->url, p->addr_idx + 1, &p->fd2);

	p->fallback_at = r < 0 ? -1 : 0;
	if (r != 0)
		return false; /* in progress, or failed: the first may connect
		               */
	adopt_fd2(p);
	return connected(p, now);
}

/* 0 connected, 1 still in progress, or the errno of a failed connect. */
WARD_COLD static int
connect_result(int fd, short revents)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
		return 1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	return err;
}

/*
 * A connect finished, on fd or (Happy Eyeballs) fd2, whose events poll(2)
 * is asked for again: the first to connect wins, a failed one leaves the
 * other; with neither left, the next address is tried.
 */
WARD_COLD static bool
step_connect(struct probe *p, int64_t now, short revents)
{
	struct pollfd pfd[2] = {{p->fd, POLLOUT, revents},
	                        {p->fd2, POLLOUT, 0}};
	int r1, r2;

	if (p->fd2 >= 0 && poll(pfd, 2, 0) < 0)
		return false;
	r1 = connect_result(p->fd, pfd[0].revents);
	r2 = p->fd2 >= 0 ? connect_result(p->fd2, pfd[1].revents) : 1;
	if (r1 == 0)
		return connected(p, now);
	if (r2 == 0) {
		adopt_fd2(p);
		return connected(p, now);
	}
	if (r2 != 1) {
		close_fd(&p->fd2);
		p->fallback_at = -1;
	}
	if (r1 == 1)
		return false;
	if (p->fd2 >= 0) {
		adopt_fd2(p);
		return false;
	}
	if (p->fallback_at < 0 || p->addr_idx + 1 >= p->url->naddr)
		return probe_fail_errno(p, now, r1);
	close_fd(&p->fd);
	p->addr_idx++;
	return try_connect(p, now);
}

/* Each scheme's receive path reads once per turn, PROBE_TURN_MAX bytes at
 * most (SPEC section 3: no server can hold the loop). */
WARD_COLD static bool
step_recv(struct probe *p, int64_t now, short ev)
{
	if (p->url->scheme == URL_GRPC)
		return probe_grpc_step(p, now, ev);
	return probe_http_recv(p, now);
}

WARD_COLD void
probe_init(struct probe *p)
{
	memset(p, 0, offsetof(struct probe, req)); /* buffers: untouched */
	p->fd = -1;
	p->fd2 = -1;
	p->state = PROBE_IDLE;
}

WARD_COLD int
probe_start(struct probe *p, const struct url *u, int64_t now,
            int64_t timeout_ms)
{
	probe_abort(p);
	p->url = u;
	p->addr_idx = 0;
	p->started = now;
	p->deadline = now + timeout_ms;
	p->timeout_ms = timeout_ms;
	p->fallback_at = 0;
	p->interim = 0;
	p->req_len = p->sent = p->used = p->drained = 0;
	memset(&p->cur, 0, sizeof(p->cur));
	p->cur.duration_ms = -1;
	if ((u->scheme == URL_HTTP && probe_http_request(p) < 0) ||
	    (u->scheme == URL_GRPC && grpc_start(&p->grpc, u) < 0))
		return probe_fail(p, now, "request too long");
	return try_connect(p, now) ? 1 : 0;
}

WARD_COLD int
probe_pollfd(const struct probe *p, int i, short *events)
{
	*events = 0;
	switch (p->state) {
	case PROBE_CONNECTING:
		*events = POLLOUT;
		return i == 0 ? p->fd : p->fd2;
	case PROBE_SENDING:
		*events = i == 0 ? POLLOUT : 0;
		return i == 0 ? p->fd : -1;
	case PROBE_RECEIVING:
		*events = i == 0 ? POLLIN : 0;
		if (i == 0 && p->url->scheme == URL_GRPC &&
		    grpc_want_write(&p->grpc))
			*events |= POLLOUT;
		return i == 0 ? p->fd : -1;
	default:
		return -1;
	}
}

WARD_COLD int64_t
probe_wake(const struct probe *p)
{
	if (p->state == PROBE_CONNECTING && p->fallback_at > 0 &&
	    p->fallback_at < p->deadline)
		return p->fallback_at;
	return p->deadline;
}

/*
 * Events first, then the deadline: a response that arrives with it still
 * counts. A deadline while draining the body keeps the known status. Every
 * call does a bounded amount of work and checks the deadline.
 */
WARD_COLD bool
probe_step(struct probe *p, int64_t now, short revents)
{
	bool done = false;
	short ev = revents & (POLLIN | POLLOUT | POLLERR | POLLHUP);

	if (p->state == PROBE_IDLE || p->state == PROBE_DONE)
		return p->state == PROBE_DONE;
	if (p->state == PROBE_CONNECTING && (ev != 0 || p->fd2 >= 0))
		done = step_connect(p, now, ev);
	else if (ev != 0 && p->state == PROBE_SENDING)
		done = send_req(p, now);
	else if (ev != 0 && p->state == PROBE_RECEIVING)
		done = step_recv(p, now, ev);
	if (!done && p->state == PROBE_CONNECTING && p->fallback_at > 0 &&
	    now >= p->fallback_at && p->fd2 < 0)
		done = start_fallback(p, now);
	if (done || now < p->deadline)
		return done;
	if (p->cur.status != 0)
		return probe_finish_status(p, now);
	return fail_timeout(p, now);
}

WARD_COLD void
probe_abort(struct probe *p)
{
	close_fd(&p->fd);
	close_fd(&p->fd2);
	p->state = PROBE_IDLE;
}
