/* grpc.c: the gRPC health check (grpc.health.v1.Health/Check) over h2c. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "defs.h"
#include "fmt.h"
#include "grpc.h"
#include "h2.h"

/* The client preface, then SETTINGS: HEADER_TABLE_SIZE 0, ENABLE_PUSH 0. */
static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
                              "\0\0\14\4\0\0\0\0\0"
                              "\0\1\0\0\0\0"
                              "\0\2\0\0\0\0";

/*
 * The fixed fields of the request (RFC 7541, no Huffman, no indexing):
 * :method POST and :scheme http from the static table, :path, then
 * :authority's name (its length and value follow); after the pseudo-header
 * fields (RFC 7540 8.1.2.1), content-type and te.
 */
static const char hdrs[] = "\203\206"
                           "\4\34/grpc.health.v1.Health/Check"
                           "\1";
static const char hdrs2[] = "\17\20\20application/grpc"
                            "\0\2te\10trailers";

/* The names of grpc-status codes 0..16 and of the serving statuses. */
static const char codes[] =
    "OK\0CANCELLED\0UNKNOWN\0INVALID_ARGUMENT\0DEADLINE_EXCEEDED\0"
    "NOT_FOUND\0ALREADY_EXISTS\0PERMISSION_DENIED\0RESOURCE_EXHAUSTED\0"
    "FAILED_PRECONDITION\0ABORTED\0OUT_OF_RANGE\0UNIMPLEMENTED\0INTERNAL\0"
    "UNAVAILABLE\0DATA_LOSS\0UNAUTHENTICATED";
static const char serving[] = "UNKNOWN\0SERVING\0NOT_SERVING\0SERVICE_UNKNOWN";

/* Word i of the NUL-separated list s of n words, NULL past the end. */
WARD_COLD static const char *
nth(const char *s, int n, int i)
{
	if (i < 0 || i >= n)
		return NULL;
	while (i-- > 0)
		s += strlen(s) + 1;
	return s;
}

/* Write a frame header (RFC 7540 4.1) at o; returns its end. */
WARD_COLD static unsigned char *
frame(unsigned char *o, size_t len, unsigned type, unsigned flags,
      unsigned stream)
{
	o[0] = (unsigned char)(len >> 16);
	o[1] = (unsigned char)(len >> 8);
	o[2] = (unsigned char)len;
	o[3] = (unsigned char)type;
	o[4] = (unsigned char)flags;
	o[5] = o[6] = o[7] = 0;
	o[8] = (unsigned char)stream;
	return o + 9;
}

WARD_COLD int
grpc_start(struct grpc *g, const struct url *u)
{
	const char *svc = u->path[0] ? u->path + 1 : "";
	size_t hn = strlen(u->host), sn = strlen(svc);
	size_t pb = sn ? 2 + sn : 0;
	unsigned char *o = g->out;

	memset(g, 0, offsetof(struct grpc, msg));
	g->grpc_status = -1;
	if (sn > URL_SERVICE_MAX ||
	    sizeof(preface) + sizeof(hdrs) + sizeof(hdrs2) + hn + 32 + pb >
	        sizeof(g->out))
		return -1;
	o = mempcpy(o, preface, sizeof(preface) - 1);
	o = frame(o, sizeof(hdrs) + sizeof(hdrs2) - 1 + hn, H2_HEADERS,
	          H2_END_HEADERS, 1);
	o = mempcpy(o, hdrs, sizeof(hdrs) - 1);
	*o++ = (unsigned char)hn;
	o = mempcpy(o, u->host, hn);
	o = mempcpy(o, hdrs2, sizeof(hdrs2) - 1);
	/* HealthCheckRequest{service = 1}, behind the 5-byte gRPC prefix. */
	o = frame(o, 5 + pb, H2_DATA, H2_END_STREAM, 1);
	memset(o, 0, 3);
	o[3] = (unsigned char)(pb >> 8);
	o[4] = (unsigned char)pb;
	o += 5;
	if (sn > 0) {
		*o++ = 0x0a;
		*o++ = (unsigned char)sn;
		o = mempcpy(o, svc, sn);
	}
	g->out_len = (size_t)(o - g->out);
	return 0;
}

static int result(struct grpc *g, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* End with a result; returns 1. */
WARD_COLD static int
result(struct grpc *g, bool ok, const char *fmt, ...)
{
	va_list ap;

	g->ok = ok;
	va_start(ap, fmt);
	fmt_vsnprintf(g->why, sizeof(g->why), fmt, ap);
	va_end(ap);
	return 1;
}

/* End on a protocol error. */
WARD_COLD static int
proto(struct grpc *g, const char *what)
{
	return result(g, false, "HTTP/2 protocol error: %s", what);
}

/* Queue an answer (SETTINGS or PING ack) behind what is left to send. */
WARD_COLD static int
answer(struct grpc *g, unsigned type, const unsigned char *data, size_t n)
{
	if (g->out_sent == g->out_len)
		g->out_sent = g->out_len = 0;
	if (g->out_len + 9 + n > sizeof(g->out))
		return proto(g, "too many PINGs");
	memcpy(frame(g->out + g->out_len, n, type, H2_ACK, 0), data, n);
	g->out_len += 9 + n;
	return 0;
}

/* A decimal header value of 1..3 digits; -1 if it is not one. */
WARD_COLD static int
num(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	if (n < 1 || n > 3)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + s[i] - '0';
	}
	return v;
}

/* One response header or trailer: keep :status and grpc-status. */
WARD_COLD static int
on_field(void *arg, const struct h2_field *f)
{
	struct grpc *g = arg;
	int *to = NULL;

	if (f->name_len == 7 && memcmp(f->name, ":status", 7) == 0)
		to = &g->http_status;
	else if (f->name_len == 11 && memcmp(f->name, "grpc-status", 11) == 0)
		to = &g->grpc_status;
	if (to != NULL && (*to = num(f->value, f->value_len)) < 0)
		return H2_BAD;
	return 0;
}

/* A big-endian 32-bit number. */
WARD_COLD static unsigned
be32(const unsigned char *p)
{
	return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 |
	       (unsigned)p[2] << 8 | p[3];
}

/* The stream ended with its trailers: what they and the message say. */
WARD_COLD static int
verdict(struct grpc *g)
{
	const unsigned char *m = g->msg;
	const char *w = nth(codes, 17, g->grpc_status);
	int st = -1;

	if (g->grpc_status < 0)
		return proto(g, "bad trailers");
	if (g->grpc_status != 0)
		return result(g, false, "grpc-status %d (%s)", g->grpc_status,
		              w ? w : "?");
	/* HealthCheckResponse: empty (UNKNOWN) or status, one varint byte. */
	if (g->msg_len == 5 && memcmp(m, "\0\0\0\0\0", 5) == 0)
		st = 0;
	else if (g->msg_len == 7 && memcmp(m, "\0\0\0\0\2\10", 6) == 0)
		st = m[6];
	if ((w = nth(serving, 4, st)) == NULL)
		return proto(g, "bad response message");
	return result(g, st == 1, "gRPC %s", w);
}

/* The header block in g->blk is whole: decode it, judge at the end. */
WARD_COLD static int
on_block(struct grpc *g)
{
	int r = h2_hpack_decode(g->blk, g->blk_len, g->tmp, sizeof(g->tmp),
	                        on_field, g);

	if (r < 0)
		return proto(g, r == H2_DYNAMIC ? "dynamic table index"
		                                : "bad header block");
	if (++g->blocks == 1 && g->http_status != 200)
		return result(g, false, "HTTP %d", g->http_status);
	if (g->end)
		return verdict(g);
	return g->blocks > 1 ? proto(g, "bad trailers") : 0;
}

/* Append f's payload to buf (holding *len of size bytes); -1 if full. */
WARD_COLD static int
append(unsigned char *buf, size_t *len, size_t size, const struct h2_frame *f)
{
	if (f->len > size - *len)
		return -1;
	memcpy(buf + *len, f->data, f->len);
	*len += f->len;
	return 0;
}

/*
 * One whole frame from the server. Stream 1 is ours: its HEADERS (then
 * CONTINUATION until END_HEADERS), DATA after the first header block,
 * then the trailers. PRIORITY, WINDOW_UPDATE and unknown types are
 * ignored; our request fits the initial window.
 */
WARD_COLD static int
on_frame(struct grpc *g, const struct h2_frame *f)
{
	const unsigned char *d = f->data;
	unsigned t = f->type;

	if ((!g->settings && t != H2_SETTINGS) ||
	    g->cont != (t == H2_CONTINUATION) || t == H2_PUSH_PROMISE ||
	    ((t <= H2_HEADERS || t == H2_CONTINUATION) && f->stream != 1) ||
	    (t == H2_DATA && g->blocks != 1))
		return proto(g, "frame out of order");
	switch (t) {
	case H2_SETTINGS:
		g->settings = true;
		return f->flags & H2_ACK ? 0 : answer(g, H2_SETTINGS, d, 0);
	case H2_PING:
		return f->flags & H2_ACK ? 0 : answer(g, H2_PING, d, 8);
	case H2_GOAWAY:
		return result(g, false, "%s before the trailers (code %u)",
		              "GOAWAY", be32(d + 4));
	case H2_RST_STREAM:
		return f->stream != 1
		           ? 0
		           : result(g, false,
		                    "%s before the trailers (code %u)",
		                    "RST_STREAM", be32(d));
	case H2_HEADERS:
		g->end = f->flags & H2_END_STREAM;
		g->blk_len = 0;
		/* FALLTHROUGH */
	case H2_CONTINUATION:
		g->cont = !(f->flags & H2_END_HEADERS);
		if (append(g->blk, &g->blk_len, sizeof(g->blk), f) < 0)
			return proto(g, "header block too large");
		return g->cont ? 0 : on_block(g);
	case H2_DATA:
		if (append(g->msg, &g->msg_len, sizeof(g->msg), f) < 0)
			return proto(g, "response too large");
		return f->flags & H2_END_STREAM ? proto(g, "bad trailers") : 0;
	default:
		return 0;
	}
}

WARD_COLD size_t
grpc_room(struct grpc *g, unsigned char **dst)
{
	*dst = g->in + g->used;
	return sizeof(g->in) - g->used;
}

WARD_COLD int
grpc_input(struct grpc *g, size_t n)
{
	struct h2_frame f;
	size_t off = 0;
	int r;

	if (n == 0)
		return result(g, false,
		              "connection closed before the response");
	g->used += n;
	while ((r = h2_parse_frame(g->in + off, g->used - off,
	                           sizeof(g->in) - 9, &f)) > 0) {
		off += (size_t)r;
		if (on_frame(g, &f) != 0)
			return 1;
	}
	if (r == H2_TOO_LONG)
		return proto(g, "frame too large");
	if (r == H2_BAD)
		return proto(g, "malformed frame");
	memmove(g->in, g->in + off, g->used - off);
	g->used -= off;
	return 0;
}

WARD_COLD bool
grpc_want_write(const struct grpc *g)
{
	return g->out_sent < g->out_len;
}

WARD_COLD int
grpc_io(struct grpc *g, int fd, short ev, size_t max, int *err)
{
	unsigned char *dst;
	size_t room = grpc_room(g, &dst);
	ssize_t n;
	int r;

	/* Read first: a response already in is judged even if the server
	 * has closed and our answers to it can no longer go out. */
	if (ev & (POLLIN | POLLHUP | POLLERR)) {
		n = recv(fd, dst, room < max ? room : max, 0);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR)
			return *err = errno, -1;
		if (n >= 0 && (r = grpc_input(g, (size_t)n)) != 0)
			return r;
	}
	if (grpc_want_write(g)) {
		n = send(fd, g->out + g->out_sent, g->out_len - g->out_sent,
		         MSG_NOSIGNAL);
		if (n > 0)
			g->out_sent += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		         errno != EINTR)
			return *err = errno, -1;
	}
	return 0;
}
