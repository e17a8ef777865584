/* probe_http.c: the HTTP/1.1 request and response of a probe. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "defs.h"
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

WARD_COLD int
probe_http_request(struct probe *p)
{
	int n = fmt_snprintf(p->req, sizeof(p->req), REQ_FMT, p->url->path,
	                     p->url->host, WARD_VERSION);

	if (n < 0 || (size_t)n >= sizeof(p->req))
		return -1;
	p->req_len = (size_t)n;
	return 0;
}

/* The body length the final response announces: 0 for 1xx, 204 and 304
 * (RFC 9112, 6.3), Content-Length if valid, else SIZE_MAX (unknown). */
WARD_COLD static size_t
body_length(const struct http_resp *r)
{
	const struct http_header *h;
	size_t i, j, v;

	if (r->status < 200 || r->status == 204 || r->status == 304)
		return 0;
	for (i = 0; i < r->num_headers; i++) {
		h = &r->headers[i];
		if (h->name_len != 14 ||
		    strncasecmp(h->name, "Content-Length", 14) != 0)
			continue;
		for (v = 0, j = 0; j < h->value_len; j++) {
			if (h->value[j] < '0' || h->value[j] > '9' ||
			    v > SIZE_MAX / 10 - 1)
				return SIZE_MAX;
			v = v * 10 + (size_t)(h->value[j] - '0');
		}
		return h->value_len > 0 ? v : SIZE_MAX;
	}
	return SIZE_MAX;
}

/* The body is all in (Content-Length), or drained up to the cap. */
WARD_COLD static bool
body_done(const struct probe *p)
{
	return p->drained >= p->body_want || p->drained >= PROBE_DRAIN_MAX;
}

/*
 * Parse the response head in p->buf. Interim 1xx responses (100, 103
 * Early Hints) are skipped, PROBE_INTERIM_MAX at most; 101 is final, as
 * we asked for no upgrade. Once the final status is known it goes to
 * p->cur and what follows the head counts as drained body. A head too
 * large for p->buf, or with too many headers, still counts when its
 * status line is complete.
 */
WARD_COLD static bool
on_head(struct probe *p, int64_t now)
{
	struct http_resp resp;
	int r;

	resp.status = 0;
	while ((r = http_parse_response(p->buf, p->used, 0, &resp)) > 0 &&
	       resp.status < 200 && resp.status != 101) {
		if (++p->interim > PROBE_INTERIM_MAX)
			return probe_fail(p, now, "too many interim responses");
		memmove(p->buf, p->buf + r, p->used - (size_t)r);
		p->used -= (size_t)r;
		resp.status = 0;
	}
	if (r == HTTP_PARTIAL && p->used < sizeof(p->buf))
		return false;
	if (r == HTTP_BAD)
		return probe_fail(p, now, "malformed HTTP response");
	if (r < 0 && resp.status < 200)
		return probe_fail(p, now,
		                  r == HTTP_TOO_MANY
		                      ? "too many headers in response"
		                      : "response head too large");
	p->cur.status = resp.status;
	p->cur.duration_ms = now - p->started;
	p->body_want = r > 0 ? body_length(&resp) : SIZE_MAX;
	p->drained = r > 0 ? p->used - (size_t)r : 0;
	return body_done(p) ? probe_finish_status(p, now) : false;
}

WARD_COLD size_t
probe_http_room(struct probe *p, char **dst)
{
	size_t room = sizeof(p->buf);

	*dst = p->buf; /* the body is read over the head, and dropped */
	if (p->cur.status == 0) {
		*dst += p->used;
		room -= p->used;
	}
	return room < PROBE_TURN_MAX ? room : PROBE_TURN_MAX;
}

WARD_COLD bool
probe_http_input(struct probe *p, int64_t now, size_t n)
{
	if (p->cur.status != 0) {
		p->drained += n;
		return n == 0 || body_done(p) ? probe_finish_status(p, now)
		                              : false;
	}
	if (n == 0)
		return probe_fail(p, now,
		                  "connection closed before the response");
	p->used += n;
	return on_head(p, now);
}

/*
 * One read per turn, of PROBE_TURN_MAX bytes at most: the head into
 * p->buf, then up to PROBE_DRAIN_MAX bytes of body, thrown away, so that
 * the server sees an orderly close. A result stands once the status is
 * known; an error while draining keeps it.
 */
WARD_COLD bool
probe_http_recv(struct probe *p, int64_t now)
{
	char *dst;
	size_t room = probe_http_room(p, &dst);
	ssize_t n = recv(p->fd, dst, room, 0);

	if (n < 0 &&
	    (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
		return false;
	if (n < 0 && p->cur.status == 0)
		return probe_fail_errno(p, now, errno);
	return probe_http_input(p, now, n < 0 ? 0 : (size_t)n);
}
