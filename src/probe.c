/* probe.c: one non-blocking HTTP or TCP health probe, as a state machine. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "http.h"
#include "probe.h"

#ifndef WARD_VERSION
#error "WARD_VERSION must be defined (see config.mk)"
#endif

/* The one request an HTTP probe sends: path, host, version. */
#define REQ_FMT                                                                \
	"GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ward/%s\r\n"               \
	"Connection: close\r\n\r\n"

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

/* Close the socket of p, if any. */
static void
close_fd(struct probe *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

/* End the probe: close the socket and publish p->cur as p->last. */
static bool
finish(struct probe *p, int64_t now, bool ok)
{
	close_fd(p);
	p->cur.ok = ok;
	if (p->cur.duration_ms < 0)
		p->cur.duration_ms = now - p->started;
	p->last = p->cur;
	p->state = PROBE_DONE;
	return true;
}

/* Fail with a fixed message. */
static bool
fail_msg(struct probe *p, int64_t now, const char *msg)
{
	p->cur.status = 0;
	fmt_snprintf(p->cur.error, sizeof(p->cur.error), "%s", msg);
	return finish(p, now, false);
}

/* Fail with a socket error, naming the address being tried. */
static bool
fail_errno(struct probe *p, int64_t now, int err)
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
	return finish(p, now, false);
}

/* Fail on the deadline: "timeout after 2s", or "500ms" below a second. */
static bool
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
	return finish(p, now, false);
}

/* End an HTTP probe whose final status is known: 200..399 is healthy. */
static bool
finish_status(struct probe *p, int64_t now)
{
	int st = p->cur.status;

	if (st >= 200 && st <= 399)
		return finish(p, now, true);
	fmt_snprintf(p->cur.error, sizeof(p->cur.error), "HTTP %d", st);
	return finish(p, now, false);
}

/* Send what is left of the request; then wait for the response. */
static bool
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
			return fail_errno(p, now, errno);
		p->sent += (size_t)n;
	}
	p->state = PROBE_RECEIVING;
	return false;
}

/* The connection is up: a TCP probe is done, an HTTP one sends. */
static bool
connected(struct probe *p, int64_t now)
{
	if (p->url->scheme == URL_TCP)
		return finish(p, now, true);
	p->state = PROBE_SENDING;
	return send_req(p, now);
}

/*
 * Connect to the addresses of the URL from p->addr_idx on (localhost: ::1,
 * then 127.0.0.1) until one is connected or in progress. Returns true when
 * the probe is over, with the error of the last address.
 */
static bool
try_connect(struct probe *p, int64_t now)
{
	const struct url *u = p->url;
	int err = EADDRNOTAVAIL;

	for (; p->addr_idx < u->naddr; p->addr_idx++) {
		p->fd = socket(u->addr[p->addr_idx].ss_family,
		               SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (p->fd < 0) {
			err = errno;
			continue;
		}
		if (connect(p->fd,
		            (const struct sockaddr *)&u->addr[p->addr_idx],
		            u->addrlen[p->addr_idx]) == 0)
			return connected(p, now);
		/* EINTR: the connection goes on asynchronously (connect(2)). */
		if (errno == EINPROGRESS || errno == EINTR) {
			p->state = PROBE_CONNECTING;
			return false;
		}
		err = errno;
		close_fd(p);
	}
	p->addr_idx = u->naddr > 0 ? u->naddr - 1 : 0;
	if (u->naddr < 1)
		return fail_msg(p, now, "no address to probe");
	return fail_errno(p, now, err);
}

/* connect() finished: learn how (SO_ERROR), or try the next address. */
static bool
step_connect(struct probe *p, int64_t now)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0)
		return connected(p, now);
	if (p->addr_idx + 1 < p->url->naddr) {
		close_fd(p);
		p->addr_idx++;
		return try_connect(p, now);
	}
	return fail_errno(p, now, err);
}

/*
 * Parse the response head in p->buf. Interim 1xx responses (100, 103
 * Early Hints) are skipped; 101 is final, as we asked for no upgrade.
 * Once the final status is known it goes to p->cur and what follows the
 * head counts as drained body. A head too large for p->buf, or with too
 * many headers, still counts when its status line is complete.
 */
static bool
on_head(struct probe *p, int64_t now)
{
	struct http_resp resp;
	int r;

	resp.status = 0;
	while ((r = http_parse_response(p->buf, p->used, 0, &resp)) > 0 &&
	       resp.status < 200 && resp.status != 101) {
		memmove(p->buf, p->buf + r, p->used - (size_t)r);
		p->used -= (size_t)r;
	}
	if (r == HTTP_PARTIAL && p->used < sizeof(p->buf))
		return false;
	if (r == HTTP_BAD)
		return fail_msg(p, now, "malformed HTTP response");
	if (r < 0 && resp.status < 200)
		return fail_msg(p, now,
		                r == HTTP_TOO_MANY
		                    ? "too many headers in response"
		                    : "response head too large");
	p->cur.status = resp.status;
	p->cur.duration_ms = now - p->started;
	p->drained = r > 0 ? p->used - (size_t)r : 0;
	return false;
}

/*
 * Read what the socket has: the head into p->buf, then up to
 * PROBE_DRAIN_MAX bytes of body, thrown away, so that the server sees an
 * orderly close. A result stands once the status is known.
 */
static bool
step_recv(struct probe *p, int64_t now)
{
	ssize_t n;
	bool head;

	for (;;) {
		head = p->cur.status == 0;
		n = recv(p->fd, head ? p->buf + p->used : p->buf,
		         head ? sizeof(p->buf) - p->used : sizeof(p->buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		if (!head) {
			if (n <= 0 ||
			    (p->drained += (size_t)n) >= PROBE_DRAIN_MAX)
				return finish_status(p, now);
			continue;
		}
		if (n < 0)
			return fail_errno(p, now, errno);
		if (n == 0)
			return fail_msg(
			    p, now, "connection closed before the response");
		p->used += (size_t)n;
		if (on_head(p, now))
			return true;
	}
}

void
probe_init(struct probe *p)
{
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	p->state = PROBE_IDLE;
}

int
probe_start(struct probe *p, const struct url *u, int64_t now,
            int64_t timeout_ms)
{
	int n;

	probe_abort(p);
	p->url = u;
	p->addr_idx = 0;
	p->started = now;
	p->deadline = now + timeout_ms;
	p->timeout_ms = timeout_ms;
	p->req_len = p->sent = p->used = p->drained = 0;
	memset(&p->cur, 0, sizeof(p->cur));
	p->cur.duration_ms = -1;
	if (u->scheme == URL_HTTP) {
		n = fmt_snprintf(p->req, sizeof(p->req), REQ_FMT, u->path,
		                 u->host, WARD_VERSION);
		if (n < 0 || (size_t)n >= sizeof(p->req))
			return fail_msg(p, now, "request too long");
		p->req_len = (size_t)n;
	}
	return try_connect(p, now) ? 1 : 0;
}

int
probe_pollfd(const struct probe *p, short *events)
{
	switch (p->state) {
	case PROBE_CONNECTING:
	case PROBE_SENDING:
		*events = POLLOUT;
		return p->fd;
	case PROBE_RECEIVING:
		*events = POLLIN;
		return p->fd;
	default:
		*events = 0;
		return -1;
	}
}

/*
 * Events first, then the deadline: a response that arrives with it still
 * counts. A deadline while draining the body keeps the known status.
 */
bool
probe_step(struct probe *p, int64_t now, short revents)
{
	bool done = false;
	short ev = revents & (POLLIN | POLLOUT | POLLERR | POLLHUP);

	if (p->state == PROBE_IDLE || p->state == PROBE_DONE)
		return p->state == PROBE_DONE;
	if (ev != 0 && p->state == PROBE_CONNECTING)
		done = step_connect(p, now);
	else if (ev != 0 && p->state == PROBE_SENDING)
		done = send_req(p, now);
	else if (ev != 0 && p->state == PROBE_RECEIVING)
		done = step_recv(p, now);
	if (done || now < p->deadline)
		return done;
	if (p->cur.status != 0)
		return finish_status(p, now);
	return fail_timeout(p, now);
}

void
probe_abort(struct probe *p)
{
	close_fd(p);
	p->state = PROBE_IDLE;
}

/* Monotonic time in ms. */
static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
probe_once(const struct url *u, int64_t timeout_ms, struct probe_result *r)
{
	struct probe p;
	struct pollfd pfd;
	int64_t now = mono_ms(), wait;
	bool done;

	probe_init(&p);
	done = probe_start(&p, u, now, timeout_ms) != 0;
	while (!done) {
		pfd.fd = probe_pollfd(&p, &pfd.events);
		pfd.revents = 0;
		wait = p.deadline > now ? p.deadline - now : 0;
		if (poll(&pfd, 1, wait > INT_MAX ? INT_MAX : (int)wait) < 0 &&
		    errno != EINTR)
			done = fail_msg(&p, mono_ms(), strerror(errno));
		else
			done = probe_step(&p, now = mono_ms(), pfd.revents);
	}
	*r = p.last;
	return r->ok ? 0 : 1;
}

void
probe_format(const struct probe_result *r, char *buf, size_t size)
{
	if (!r->ok)
		fmt_snprintf(buf, size, "fail: %s", r->error);
	else if (r->status != 0)
		fmt_snprintf(buf, size, "ok: HTTP %d in %lld ms", r->status,
		             (long long)r->duration_ms);
	else
		fmt_snprintf(buf, size, "ok: TCP connect in %lld ms",
		             (long long)r->duration_ms);
}
