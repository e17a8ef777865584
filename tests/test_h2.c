/* test_h2.c: unit tests of the HTTP/2 + HPACK parser (src/h2.c) and of the
 * gRPC health exchange built on it (src/grpc.c). */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "grpc.h"
#include "guard.h"
#include "h2.h"

/* Fields a decoded block gave, as "name: value\n" lines. */
struct fields {
	char text[2048]; /* the lines */
	int n;           /* how many */
	int stop_at;     /* return -9 at this field (0: never) */
};

static int
collect(void *arg, const struct h2_field *f)
{
	struct fields *fs = arg;
	size_t len = strlen(fs->text);

	snprintf(fs->text + len, sizeof(fs->text) - len, "%.*s: %.*s\n",
	         (int)f->name_len, f->name, (int)f->value_len, f->value);
	if (++fs->n == fs->stop_at)
		return -9;
	return 0;
}

/* Decode the block hex (spaces allowed), placed before a guard page. */
static int
decode_hex(const char *hex, struct fields *fs, size_t tmp_size)
{
	unsigned char b[512];
	static char tmp[4096];
	size_t n = 0;
	unsigned v;

	memset(fs->text, 0, sizeof(fs->text));
	fs->n = 0;
	while (*hex) {
		if (*hex == ' ') {
			hex++;
			continue;
		}
		cr_assert(sscanf(hex, "%2x", &v) == 1);
		b[n++] = (unsigned char)v;
		hex += 2;
	}
	return h2_hpack_decode((const unsigned char *)guard_copy(b, n), n, tmp,
	                       tmp_size, collect, fs);
}

/* RFC 7541 C.4.1: a request with Huffman strings, the static table and a
 * literal with incremental indexing (decoded, not kept). */
Test(hpack, rfc7541_c4_1_huffman)
{
	struct fields fs = {.stop_at = 0};

	cr_assert_eq(
	    decode_hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff", &fs, 4096),
	    0);
	cr_assert_str_eq(fs.text, ":method: GET\n:scheme: http\n:path: /\n"
	                          ":authority: www.example.com\n");
}

/* RFC 7541 C.4.2 refers to the dynamic table (index 62): refused. */
Test(hpack, dynamic_index_refused)
{
	struct fields fs = {.stop_at = 0};

	cr_assert_eq(decode_hex("8286 84be 5886 a8eb 1064 9cbf", &fs, 4096),
	             H2_DYNAMIC);
	cr_assert_eq(decode_hex("7f00", &fs, 4096), H2_DYNAMIC);
	cr_assert_eq(decode_hex("0f2f 0161", &fs, 4096), H2_DYNAMIC);
}

/* RFC 7541 C.4.3's custom-key: custom-value, with Huffman name and value,
 * as a literal never indexed and without indexing. */
Test(hpack, literal_forms)
{
	struct fields fs = {.stop_at = 0};

	cr_assert_eq(decode_hex("1088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 "
	                        "b4bf 0003 6162 6301 78",
	                        &fs, 4096),
	             0);
	cr_assert_str_eq(fs.text, "custom-key: custom-value\nabc: x\n");
	cr_assert_eq(decode_hex("0f10 1061 7070 6c69 6361 7469 6f6e 2f67 7270 "
	                        "63",
	                        &fs, 4096),
	             0);
	cr_assert_str_eq(fs.text, "content-type: application/grpc\n");
}

Test(hpack, static_table_ends)
{
	struct fields fs = {.stop_at = 0};

	cr_assert_eq(decode_hex("81 88 8e 8f 90 bd", &fs, 4096), 0);
	cr_assert_str_eq(fs.text, ":authority: \n:status: 200\n:status: 500\n"
	                          "accept-charset: \naccept-encoding: gzip, "
	                          "deflate\nwww-authenticate: \n");
	cr_assert_eq(decode_hex("80", &fs, 4096), H2_BAD);
}

/* A size update to 0 may start a block; not later, and not above 0. */
Test(hpack, table_size_update)
{
	struct fields fs = {.stop_at = 0};

	cr_assert_eq(decode_hex("20 20 88", &fs, 4096), 0);
	cr_assert_str_eq(fs.text, ":status: 200\n");
	cr_assert_eq(decode_hex("88 20", &fs, 4096), H2_BAD);
	cr_assert_eq(decode_hex("3fe1 1f 88", &fs, 4096), H2_DYNAMIC);
	cr_assert_eq(decode_hex("21 88", &fs, 4096), H2_DYNAMIC);
}

/* Huffman padding must be at most 7 one bits; EOS is refused. */
Test(hpack, huffman_padding_and_eos)
{
	struct fields fs = {.stop_at = 0};

	/* "a" is 00011: 00011 111 = 0x1f is right; 0x18 pads with zeros. */
	cr_assert_eq(decode_hex("0001 6181 1f", &fs, 4096), 0);
	cr_assert_str_eq(fs.text, "a: a\n");
	cr_assert_eq(decode_hex("0001 6181 18", &fs, 4096), H2_BAD);
	/* A whole byte of padding: 0x1f 0xff. */
	cr_assert_eq(decode_hex("0001 6182 1fff", &fs, 4096), H2_BAD);
	/* EOS (30 ones) inside the string. */
	cr_assert_eq(decode_hex("0001 6184 ffff ffff", &fs, 4096), H2_BAD);
}

Test(hpack, bounds)
{
	struct fields fs = {.stop_at = 0};

	/* A string longer than the block, an integer cut short. */
	cr_assert_eq(decode_hex("0005 6162", &fs, 4096), H2_BAD);
	cr_assert_eq(decode_hex("0f", &fs, 4096), H2_BAD);
	cr_assert_eq(decode_hex("00", &fs, 4096), H2_BAD);
	cr_assert_eq(decode_hex("0f ffff ffff ff01", &fs, 4096), H2_BAD);
	/* Huffman output over tmp: "www.example.com" into 10 bytes. */
	cr_assert_eq(decode_hex("418c f1e3 c2e5 f23a 6ba0 ab90 f4ff", &fs, 10),
	             H2_TOO_LONG);
	/* The callback's error stops the decoding. */
	fs.stop_at = 1;
	cr_assert_eq(decode_hex("8888", &fs, 4096), -9);
	cr_assert_eq(fs.n, 1);
}

/* Parse frame bytes placed right before a guard page. */
static int
frame_at(const unsigned char *b, size_t n, struct h2_frame *f)
{
	return h2_parse_frame((const unsigned char *)guard_copy(b, n), n, 16384,
	                      f);
}

Test(h2, frame_header)
{
	static const unsigned char b[] = {0, 0, 3, 1, 0x25, 0x80, 0,
	                                  0, 1, 9, 8, 7,    0};
	unsigned char hp[] = {0, 0, 9, 1, 0x2c, 0, 0,    0, 3,
	                      2, 0, 0, 0, 0,    7, 0x88, 0, 0};
	struct h2_frame f;

	cr_assert_eq(frame_at(b, 13, &f), H2_BAD); /* PRIORITY needs 5 */
	cr_assert_eq(frame_at(b, 8, &f), H2_PARTIAL);
	cr_assert_eq(frame_at(b, 11, &f), H2_PARTIAL);
	/* PADDED and PRIORITY: pad 2, 5 bytes of priority, 1 byte left. */
	cr_assert_eq(frame_at(hp, sizeof(hp), &f), 18);
	cr_assert_eq(f.type, H2_HEADERS);
	cr_assert_eq(f.stream, 3);
	cr_assert_eq(f.len, 1);
	cr_assert_eq(f.data[0], 0x88);
	hp[9] = 4; /* padding over the payload */
	cr_assert_eq(frame_at(hp, sizeof(hp), &f), H2_BAD);
}

Test(h2, frame_sizes)
{
	unsigned char b[9 + 16385] = {0, 0x40, 0, 0, 0, 0, 0, 0, 1};
	struct h2_frame f;

	cr_assert_eq(frame_at(b, sizeof(b) - 1, &f), 9 + 16384);
	cr_assert_eq(f.stream, 1);
	b[1] = 0x40;
	b[2] = 1; /* 16385 */
	cr_assert_eq(frame_at(b, 9, &f), H2_TOO_LONG);
	memcpy(b, "\0\0\7\6\0\0\0\0\0", 9); /* PING of 7 */
	cr_assert_eq(frame_at(b, 16, &f), H2_BAD);
	memcpy(b, "\0\0\7\4\0\0\0\0\0", 9); /* SETTINGS of 7 */
	cr_assert_eq(frame_at(b, 16, &f), H2_BAD);
	memcpy(b, "\0\0\4\7\0\0\0\0\0", 9); /* GOAWAY of 4 */
	cr_assert_eq(frame_at(b, 13, &f), H2_BAD);
	memcpy(b, "\0\0\3\x55\0\0\0\0\0", 9); /* unknown type: any size */
	cr_assert_eq(frame_at(b, 12, &f), 12);
	cr_assert_eq(f.type, 0x55);
}

/* ---- the gRPC exchange over scripted server bytes ---- */

static struct grpc g;
static struct url u;

/* Append a frame to buf at *n. */
static void
add(unsigned char *buf, size_t *n, unsigned type, unsigned flags,
    unsigned stream, const char *payload, size_t len)
{
	unsigned char *o = buf + *n;

	o[0] = (unsigned char)(len >> 16);
	o[1] = (unsigned char)(len >> 8);
	o[2] = (unsigned char)len;
	o[3] = (unsigned char)type;
	o[4] = (unsigned char)flags;
	o[5] = o[6] = o[7] = 0;
	o[8] = (unsigned char)stream;
	memcpy(o + 9, payload, len);
	*n += 9 + len;
}

#define ADD(t, fl, st, s) add(in, &n, t, fl, st, s, sizeof(s) - 1)
#define EH H2_END_HEADERS
#define ES H2_END_STREAM

/* Start a check of "grpc://127.0.0.1:50051" + path. */
static void
start(const char *path)
{
	const char *why;
	char s[700];

	snprintf(s, sizeof(s), "grpc://127.0.0.1:50051%s", path);
	cr_assert_eq(url_parse(s, &u, &why), 0);
	cr_assert_eq(grpc_start(&g, &u), 0);
}

/* Feed in[0..n) in pieces of step bytes; the result (1) or 0. */
static int
feed(const unsigned char *in, size_t n, size_t step)
{
	unsigned char *dst;
	size_t i, k, room;
	int r = 0;

	for (i = 0; i < n && r == 0; i += k) {
		room = grpc_room(&g, &dst);
		cr_assert_gt(room, 0);
		k = n - i < step ? n - i : step;
		k = k < room ? k : room;
		memcpy(dst, in + i, k);
		r = grpc_input(&g, k);
	}
	return r;
}

/* The usual server side: SETTINGS, headers, message, trailers. */
static size_t
serving(unsigned char *in, const char *msg, size_t msg_len)
{
	size_t n = 0;

	ADD(H2_SETTINGS, 0, 0, "\0\3\0\0\0\144");
	ADD(H2_SETTINGS, H2_ACK, 0, "");
	ADD(H2_HEADERS, EH, 1,
	    "\x20\x88\x5f\x8b\x1d\x75\xd0\x62\x0d\x26\x3d"
	    "\x4c\x4d\x65\x64");
	add(in, &n, H2_DATA, 0, 1, msg, msg_len);
	ADD(H2_HEADERS, EH | ES, 1,
	    "\x40\x0bgrpc-status\x01"
	    "0\x40\x0cgrpc-message\0");
	return n;
}

Test(grpc, request_bytes)
{
	static const char want[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
	                           "\0\0\14\4\0\0\0\0\0\0\1\0\0\0\0\0\2\0\0\0\0"
	                           "\0\0\x51\1\4\0\0\0\1"
	                           "\203\206\4\34/grpc.health.v1.Health/Check"
	                           "\1\17"
	                           "127.0.0.1:50051"
	                           "\17\20\20application/grpc\0\2te\10trailers"
	                           "\0\0\13\0\1\0\0\0\1"
	                           "\0\0\0\0\6\12\4ab.C";

	start("/ab.C");
	cr_assert_eq(g.out_len, sizeof(want) - 1);
	cr_assert_eq(memcmp(g.out, want, sizeof(want) - 1), 0);
	cr_assert(grpc_want_write(&g));
	start("");
	/* An empty service: an empty message. */
	cr_assert_eq(
	    memcmp(g.out + g.out_len - 14, "\0\0\5\0\1\0\0\0\1\0\0\0\0\0", 14),
	    0);
}

Test(grpc, longest_service)
{
	char path[300] = "/";
	const char *why;

	memset(path + 1, 's', URL_SERVICE_MAX);
	start(path);
	/* 5-byte prefix: length 129 = 0x0a, 127, 127 bytes. */
	cr_assert_eq(memcmp(g.out + g.out_len - 134, "\0\0\0\0\x81\x0a\x7f", 7),
	             0);
	path[URL_SERVICE_MAX + 1] = 's';
	memcpy(path, "grpc://127.0.0.1:1/", 19);
	memset(path + 19, 's', URL_SERVICE_MAX + 1);
	path[19 + URL_SERVICE_MAX + 1] = '\0';
	cr_assert_eq(url_parse(path, &u, &why), -1);
	cr_assert_str_eq(why, "path too long");
	/* Even if a caller built such a URL by hand. */
	cr_assert_eq(url_parse("grpc://127.0.0.1:1/x", &u, &why), 0);
	memset(u.path + 1, 's', URL_SERVICE_MAX + 1);
	u.path[URL_SERVICE_MAX + 2] = '\0';
	cr_assert_eq(grpc_start(&g, &u), -1);
}

Test(grpc, serving_in_any_pieces)
{
	unsigned char in[512];
	size_t n, step;

	for (step = 1; step < 200; step += 13) {
		start("");
		n = serving(in, "\0\0\0\0\2\10\1", 7);
		cr_assert_eq(feed(in, n, step), 1, "step %zu", step);
		cr_assert(g.ok, "%s", g.why);
		cr_assert_str_eq(g.why, "gRPC SERVING");
		cr_assert_eq(g.http_status, 200);
	}
}

Test(grpc, statuses_named)
{
	static const struct {
		const char *msg;
		size_t len;
		const char *why;
	} t[] = {
	    {"\0\0\0\0\0", 5, "gRPC UNKNOWN"},
	    {"\0\0\0\0\2\10\2", 7, "gRPC NOT_SERVING"},
	    {"\0\0\0\0\2\10\3", 7, "gRPC SERVICE_UNKNOWN"},
	    {"\0\0\0\0\2\10\1", 7, "gRPC SERVING"},
	    {"\0\0\0\0\2\10\11", 7,
	     "HTTP/2 protocol error: bad response "
	     "message"},
	    {"\0\0\0\0\3\10\1", 8,
	     "HTTP/2 protocol error: bad response "
	     "message"},
	    {"\1\0\0\0\2\10\1", 7,
	     "HTTP/2 protocol error: bad response "
	     "message"},
	};
	unsigned char in[512];
	size_t i, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		start("");
		n = serving(in, t[i].msg, t[i].len);
		cr_assert_eq(feed(in, n, 1000), 1);
		cr_assert_str_eq(g.why, t[i].why);
		cr_assert_eq(g.ok, i == 3);
	}
}

/* Trailers-Only: one HEADERS with :status, grpc-status and END_STREAM. */
Test(grpc, trailers_only)
{
	unsigned char in[512];
	size_t n = 0;

	start("/nope");
	ADD(H2_SETTINGS, 0, 0, "");
	ADD(H2_HEADERS, EH | ES, 1,
	    "\x88\x40\x0bgrpc-status\x01"
	    "5");
	cr_assert_eq(feed(in, n, 1000), 1);
	cr_assert_not(g.ok);
	cr_assert_str_eq(g.why, "grpc-status 5 (NOT_FOUND)");
	n = 0;
	start("");
	ADD(H2_SETTINGS, 0, 0, "");
	ADD(H2_HEADERS, EH | ES, 1,
	    "\x88\x00\x0bgrpc-status\x02"
	    "12");
	cr_assert_eq(feed(in, n, 1000), 1);
	cr_assert_str_eq(g.why, "grpc-status 12 (UNIMPLEMENTED)");
	n = 0;
	start("");
	ADD(H2_SETTINGS, 0, 0, "");
	ADD(H2_HEADERS, EH | ES, 1,
	    "\x88\x00\x0bgrpc-status\x02"
	    "99");
	cr_assert_eq(feed(in, n, 1000), 1);
	cr_assert_str_eq(g.why, "grpc-status 99 (?)");
	n = 0;
	start("");
	ADD(H2_SETTINGS, 0, 0, "");
	ADD(H2_HEADERS, EH | ES, 1, "\x8d");
	cr_assert_eq(feed(in, n, 1000), 1);
	cr_assert_str_eq(g.why, "HTTP 404");
}

/* CONTINUATION, PADDED and PRIORITY, PING answered, WINDOW_UPDATE,
 * PRIORITY and unknown frames ignored. */
Test(grpc, frame_kinds)
{
	unsigned char in[512];
	size_t n = 0, sent;

	start("");
	sent = g.out_len;
	g.out_sent = sent; /* as if all was sent */
	ADD(H2_SETTINGS, 0, 0, "");
	ADD(H2_PING, 0, 0, "12345678");
	ADD(H2_WINDOW_UPDATE, 0, 0, "\0\0\1\0");
	ADD(0x42, 0xff, 7, "whatever");
	ADD(H2_PRIORITY, 0, 1, "\0\0\0\0\7");
	ADD(H2_HEADERS, H2_PADDED | H2_PRIO, 1, "\3\0\0\0\0\7\x88pad");
	ADD(H2_CONTINUATION, 0, 1, "\x5f");
	ADD(H2_CONTINUATION, EH, 1,
	    "\x10"
	    "application/grpc");
	ADD(H2_DATA, H2_PADDED, 1, "\2\0\0\0\0\2\10\1\0\0");
	ADD(H2_HEADERS, EH | ES, 1,
	    "\x00\x0bgrpc-status\x01"
	    "0");
	cr_assert_eq(feed(in, n, 7), 1);
	cr_assert(g.ok, "%s", g.why);
	cr_assert(grpc_want_write(&g));
	cr_assert_eq(g.out_len - g.out_sent, 9 + 17);
	cr_assert_eq(memcmp(g.out + g.out_sent, "\0\0\0\4\1\0\0\0\0", 9), 0);
	cr_assert_eq(memcmp(g.out + g.out_sent + 9,
	                    "\0\0\10\6\1\0\0\0\0"
	                    "12345678",
	                    17),
	             0);
}

/* Each way a server goes wrong, named. */
Test(grpc, failures)
{
	static const struct {
		unsigned type, flags, stream;
		const char *p;
		size_t len;
		const char *why;
	} t[] = {
	    {H2_GOAWAY, 0, 0, "\0\0\0\1\0\0\0\0", 8,
	     "GOAWAY before the trailers (code 0)"},
	    {H2_GOAWAY, 0, 0, "\0\0\0\0\0\0\0\2", 8,
	     "GOAWAY before the trailers (code 2)"},
	    {H2_RST_STREAM, 0, 1, "\0\0\0\10", 4,
	     "RST_STREAM before the trailers (code 8)"},
	    {H2_HEADERS, EH, 1, "\xbe", 1,
	     "HTTP/2 protocol error: dynamic table index"},
	    {H2_HEADERS, EH, 1, "\x21\x88", 2,
	     "HTTP/2 protocol error: dynamic table index"},
	    {H2_HEADERS, EH, 1,
	     "\x00\x07:status\x02"
	     "2x",
	     12, "HTTP/2 protocol error: bad header block"},
	    {H2_HEADERS, EH, 3, "\x88", 1,
	     "HTTP/2 protocol error: frame out of order"},
	    {H2_CONTINUATION, EH, 1, "\x88", 1,
	     "HTTP/2 protocol error: frame out of order"},
	    {H2_DATA, 0, 1, "\0\0\0\0\0", 5,
	     "HTTP/2 protocol error: frame out of order"},
	    {H2_PUSH_PROMISE, EH, 1, "\0\0\0\2\x88", 5,
	     "HTTP/2 protocol error: frame out of order"},
	    {H2_PING, 0, 0, "1234567", 7,
	     "HTTP/2 protocol error: malformed "
	     "frame"},
	};
	unsigned char in[512];
	size_t i, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		start("");
		n = 0;
		ADD(H2_SETTINGS, 0, 0, "");
		add(in, &n, t[i].type, t[i].flags, t[i].stream, t[i].p,
		    t[i].len);
		cr_assert_eq(feed(in, n, 1000), 1, "%zu", i);
		cr_assert_not(g.ok);
		cr_assert_str_eq(g.why, t[i].why);
	}
}

Test(grpc, settings_first_and_close)
{
	unsigned char in[64];
	size_t n = 0;

	start("");
	ADD(H2_PING, 0, 0, "12345678");
	cr_assert_eq(feed(in, n, 1000), 1);
	cr_assert_str_eq(g.why, "HTTP/2 protocol error: frame out of order");
	start("");
	cr_assert_eq(grpc_input(&g, 0), 1);
	cr_assert_str_eq(g.why, "connection closed before the response");
	/* HEADERS then a frame other than CONTINUATION. */
	start("");
	n = 0;
	ADD(H2_SETTINGS, 0, 0, "");
	ADD(H2_HEADERS, 0, 1, "\x88");
	ADD(H2_PING, 0, 0, "12345678");
	cr_assert_eq(feed(in, n, 1000), 1);
	cr_assert_str_eq(g.why, "HTTP/2 protocol error: frame out of order");
}

/* The hostile servers: a frame over 16 KiB, endless CONTINUATION, a
 * response message over the bound, endless PINGs never read. */
Test(grpc, bounds)
{
	static unsigned char in[20000];
	static char big[16384];
	size_t n = 0, i;

	start("");
	ADD(H2_SETTINGS, 0, 0, "");
	add(in, &n, H2_DATA, 0, 1, big, 16384);
	in[n - 16384 - 9 + 2] = 1; /* 16385 */
	cr_assert_eq(feed(in, n, 1 << 20), 1);
	cr_assert_str_eq(g.why, "HTTP/2 protocol error: frame too large");

	start("");
	n = 0;
	ADD(H2_SETTINGS, 0, 0, "");
	add(in, &n, H2_HEADERS, 0, 1, big, 1);
	cr_assert_eq(feed(in, n, 1 << 20), 0);
	for (i = 0; i < 2; i++) {
		n = 0;
		memset(big, 0x88, sizeof(big));
		add(in, &n, H2_CONTINUATION, 0, 1, big, 8192);
		if (feed(in, n, 1 << 20) == 1)
			break;
	}
	cr_assert_eq(i, 1);
	cr_assert_str_eq(g.why, "HTTP/2 protocol error: header block too "
	                        "large");

	start("");
	n = 0;
	ADD(H2_SETTINGS, 0, 0, "");
	ADD(H2_HEADERS, EH, 1, "\x88");
	add(in, &n, H2_DATA, 0, 1, big, 65);
	cr_assert_eq(feed(in, n, 1 << 20), 1);
	cr_assert_str_eq(g.why, "HTTP/2 protocol error: response too large");

	start("");
	n = 0;
	ADD(H2_SETTINGS, 0, 0, "");
	for (i = 0; i < 200; i++)
		ADD(H2_PING, 0, 0, "12345678");
	cr_assert_eq(feed(in, n, 1 << 20), 1);
	cr_assert_str_eq(g.why, "HTTP/2 protocol error: too many PINGs");
}

/* Once the trailers are whole, what follows (a GOAWAY with NO_ERROR, as a
 * server that closes the connection sends, or even an RST_STREAM) is not
 * read: the result stands. */
Test(grpc, goaway_after_trailers)
{
	unsigned char in[512];
	size_t n;

	start("");
	n = serving(in, "\0\0\0\0\2\10\1", 7);
	ADD(H2_GOAWAY, 0, 0, "\0\0\0\1\0\0\0\0");
	ADD(H2_RST_STREAM, 0, 1, "\0\0\0\2");
	cr_assert_eq(feed(in, n, 1000), 1);
	cr_assert(g.ok, "%s", g.why);
	cr_assert_str_eq(g.why, "gRPC SERVING");
}

/* One turn reads max bytes at most, whatever the peer has sent, then sends
 * what waits. */
Test(grpc, io_reads_a_bounded_amount_per_turn)
{
	static unsigned char in[12000];
	unsigned char req[2048];
	size_t n = 0, req_len;
	int sv[2], err = 0;
	ssize_t got;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv),
	             0);
	start("");
	req_len = g.out_len;
	ADD(H2_SETTINGS, 0, 0, "");
	/* A DATA frame of 11,000 bytes, all sent before ward reads. */
	add(in, &n, H2_HEADERS, EH, 1, "\x88", 1);
	memcpy(in + n, "\0\x2a\xf8\0\0\0\0\0\1", 9);
	n += 9;
	memset(in + n, 0, 11000 - 9 - 10 - 9);
	n = 11000;
	cr_assert_eq(write(sv[1], in, n), (ssize_t)n);
	cr_assert_eq(grpc_io(&g, sv[0], POLLIN, 4096, &err), 0);
	cr_assert_eq(g.used, 4096 - 9 - 10); /* two whole frames taken */
	/* The request, then the SETTINGS ack, went out in the same turn. */
	got = read(sv[1], req, sizeof(req));
	cr_assert_eq(got, (ssize_t)req_len + 9);
	cr_assert_eq(memcmp(req, "PRI * HTTP/2.0", 14), 0);
	cr_assert_eq(memcmp(req + req_len, "\0\0\0\4\1\0\0\0\0", 9), 0);
	cr_assert_not(grpc_want_write(&g));
	cr_assert_eq(grpc_io(&g, sv[0], POLLIN, 4096, &err), 0);
	cr_assert_eq(g.used, 2 * 4096 - 9 - 10);
	close(sv[1]);
	cr_assert_eq(grpc_io(&g, sv[0], POLLIN, 4096, &err), 0);
	cr_assert_eq(g.used, 11000 - 9 - 10);
	cr_assert_eq(grpc_io(&g, sv[0], POLLIN, 4096, &err), 1);
	cr_assert_str_eq(g.why, "connection closed before the response");
	close(sv[0]);
}
