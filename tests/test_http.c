/* test_http.c: unit tests of the HTTP head parsers (src/http.c). */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "guard.h"
#include "http.h"

/* Parse the response s[0..len) placed right before a PROT_NONE page. */
static int
resp_n(const char *s, size_t len, size_t last_len, struct http_resp *out)
{
	return http_parse_response(guard_copy(s, len), len, last_len, out);
}

/* Parse the request s[0..len) placed right before a PROT_NONE page. */
static int
req_n(const char *s, size_t len, size_t last_len, struct http_req *out)
{
	return http_parse_request(guard_copy(s, len), len, last_len, out);
}

static int
resp(const char *s, struct http_resp *out)
{
	return resp_n(s, strlen(s), 0, out);
}

static int
req(const char *s, struct http_req *out)
{
	return req_n(s, strlen(s), 0, out);
}

/* s[0..n) equals the NUL-terminated want. */
static int
eq(const char *s, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(s, want, n) == 0;
}

/*
 * Every prefix of a message: a prefix shorter than a complete head gives
 * HTTP_PARTIAL, a longer one the same result; for a malformed message each
 * prefix gives HTTP_PARTIAL or the same error. Fed piece by piece with the
 * last_len hint, the result is the same once the head is complete.
 */
static void
check_prefixes(const char *s, size_t len, int is_req)
{
	struct http_resp rs;
	struct http_req rq;
	size_t n, last = 0;
	int whole, r;

	whole = is_req ? req_n(s, len, 0, &rq) : resp_n(s, len, 0, &rs);
	for (n = 0; n < len; n++) {
		r = is_req ? req_n(s, n, 0, &rq) : resp_n(s, n, 0, &rs);
		if (whole > 0)
			cr_assert_eq(r,
			             (size_t)whole <= n ? whole : HTTP_PARTIAL,
			             "prefix %zu of %zu: %d, whole %d", n, len,
			             r, whole);
		else
			cr_assert(r == HTTP_PARTIAL || r == whole,
			          "prefix %zu of %zu: %d, whole %d", n, len, r,
			          whole);
		r = is_req ? req_n(s, n, last, &rq) : resp_n(s, n, last, &rs);
		if (r == HTTP_PARTIAL)
			last = n;
		else if (whole > 0)
			cr_assert_eq(r, whole, "hinted prefix %zu: %d", n, r);
	}
	r = is_req ? req_n(s, len, last, &rq) : resp_n(s, len, last, &rs);
	if (whole > 0 || whole == HTTP_PARTIAL)
		cr_assert_eq(r, whole, "hinted whole: %d, whole %d", r, whole);
	else
		cr_assert(r == whole || r == HTTP_PARTIAL);
}

#define PREFIXES_RESP(s) check_prefixes(s, sizeof(s) - 1, 0)
#define PREFIXES_REQ(s) check_prefixes(s, sizeof(s) - 1, 1)

Test(http, response_basic)
{
	static const char m[] = "HTTP/1.1 200 OK\r\n"
	                        "Content-Type: text/plain\r\n"
	                        "Content-Length: 3\r\n"
	                        "\r\n"
	                        "ok\n";
	struct http_resp r;

	cr_assert_eq(resp(m, &r), (int)sizeof(m) - 1 - 3);
	cr_assert_eq(r.minor_version, 1);
	cr_assert_eq(r.status, 200);
	cr_assert(eq(r.reason, r.reason_len, "OK"));
	cr_assert_eq(r.num_headers, 2);
	cr_assert(eq(r.headers[0].name, r.headers[0].name_len, "Content-Type"));
	cr_assert(eq(r.headers[0].value, r.headers[0].value_len, "text/plain"));
	cr_assert(
	    eq(r.headers[1].name, r.headers[1].name_len, "Content-Length"));
	cr_assert(eq(r.headers[1].value, r.headers[1].value_len, "3"));
}

Test(http, response_http10_and_no_headers)
{
	struct http_resp r;

	cr_assert_eq(resp("HTTP/1.0 503 Service Unavailable\r\n\r\n", &r), 36);
	cr_assert_eq(r.minor_version, 0);
	cr_assert_eq(r.status, 503);
	cr_assert(eq(r.reason, r.reason_len, "Service Unavailable"));
	cr_assert_eq(r.num_headers, 0);
}

Test(http, response_missing_reason)
{
	struct http_resp r;

	cr_assert_eq(resp("HTTP/1.1 200\r\n\r\n", &r), 16);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.reason_len, 0);
	cr_assert_eq(resp("HTTP/1.1 200 \r\n\r\n", &r), 17);
	cr_assert_eq(r.reason_len, 0);
	cr_assert_eq(resp("HTTP/1.1 204\nA: b\n\n", &r), 19);
	cr_assert_eq(r.status, 204);
	cr_assert_eq(resp("HTTP/1.1 200 \t \r\n\r\n", &r), 19);
	cr_assert_eq(r.reason_len, 0);
}

Test(http, response_reason_keeps_inner_spaces)
{
	struct http_resp r;

	cr_assert_gt(resp("HTTP/1.1 404 Not  Found \r\n\r\n", &r), 0);
	cr_assert(eq(r.reason, r.reason_len, "Not  Found"));
	cr_assert_gt(resp("HTTP/1.1 200 \xc3\xa9t\xc3\xa9\r\n\r\n", &r), 0);
	cr_assert_eq(r.reason_len, 5);
}

Test(http, response_bare_lf_and_mixed)
{
	struct http_resp r;

	cr_assert_eq(resp("HTTP/1.1 200 OK\nA: 1\nB: 2\n\n", &r), 27);
	cr_assert_eq(r.num_headers, 2);
	cr_assert(eq(r.headers[1].value, r.headers[1].value_len, "2"));
	cr_assert_eq(resp("HTTP/1.1 200 OK\r\nA: 1\nB: 2\r\n\n", &r), 29);
	cr_assert_eq(resp("HTTP/1.1 200 OK\nA: 1\r\n\r\n", &r), 24);
}

Test(http, response_interim_1xx_then_final)
{
	static const char m[] = "HTTP/1.1 103 Early Hints\r\n"
	                        "Link: </style.css>; rel=preload\r\n"
	                        "\r\n"
	                        "HTTP/1.1 200 OK\r\n"
	                        "\r\n";
	struct http_resp r;
	const char *b = guard_copy(m, sizeof(m) - 1);
	int n = http_parse_response(b, sizeof(m) - 1, 0, &r);

	cr_assert_eq(n, 26 + 33 + 2);
	cr_assert_eq(r.status, 103);
	cr_assert(eq(r.reason, r.reason_len, "Early Hints"));
	cr_assert_eq(
	    http_parse_response(b + n, sizeof(m) - 1 - (size_t)n, 0, &r), 19);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(resp("HTTP/1.1 100 Continue\r\n\r\n", &r), 25);
	cr_assert_eq(r.status, 100);
}

Test(http, response_status_range)
{
	struct http_resp r;

	cr_assert_gt(resp("HTTP/1.1 100 x\r\n\r\n", &r), 0);
	cr_assert_eq(r.status, 100);
	cr_assert_gt(resp("HTTP/1.1 999 x\r\n\r\n", &r), 0);
	cr_assert_eq(r.status, 999);
}

Test(http, response_bad_status)
{
	static const char *bad[] = {
	    "HTTP/1.1 20 OK\r\n\r\n",   "HTTP/1.1 2000 OK\r\n\r\n",
	    "HTTP/1.1 099 OK\r\n\r\n",  "HTTP/1.1 000\r\n\r\n",
	    "HTTP/1.1 abc OK\r\n\r\n",  "HTTP/1.1 -20 OK\r\n\r\n",
	    "HTTP/1.1 200OK\r\n\r\n",   "HTTP/1.1 +200 OK\r\n\r\n",
	    "HTTP/1.1 2 00 OK\r\n\r\n", "HTTP/1.1 \r\n\r\n",
	    "HTTP/1.1 200\tOK\r\n\r\n",
	};
	struct http_resp r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(resp(bad[i], &r), HTTP_BAD, "%s", bad[i]);
		check_prefixes(bad[i], strlen(bad[i]), 0);
	}
}

Test(http, response_bad_versions)
{
	static const char *bad[] = {
	    "HTTP/2.0 200 OK\r\n\r\n",     "HTTP/1.2 200 OK\r\n\r\n",
	    "HTTP/1 200 OK\r\n\r\n",       "HTTP/1.10 200 OK\r\n\r\n",
	    "http/1.1 200 OK\r\n\r\n",     "HTTP/1.1  200 OK\r\n\r\n",
	    " HTTP/1.1 200 OK\r\n\r\n",    "ICY 200 OK\r\n\r\n",
	    "HTTP/0.9 200 OK\r\n\r\n",     "HTTP/1.x 200 OK\r\n\r\n",
	    "\r\nHTTP/1.1 200 OK\r\n\r\n", "HTTP/1.1\r\n\r\n",
	};
	struct http_resp r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(resp(bad[i], &r), HTTP_BAD, "%s", bad[i]);
		check_prefixes(bad[i], strlen(bad[i]), 0);
	}
}

Test(http, header_value_trimming)
{
	static const char m[] = "HTTP/1.1 200 OK\r\n"
	                        "A:   spaced  out \t \r\n"
	                        "B:\r\n"
	                        "C: \t \r\n"
	                        "D:\tx\r\n"
	                        "E: caf\xc3\xa9\r\n"
	                        "\r\n";
	struct http_resp r;

	cr_assert_eq(resp(m, &r), (int)sizeof(m) - 1);
	cr_assert_eq(r.num_headers, 5);
	cr_assert(
	    eq(r.headers[0].value, r.headers[0].value_len, "spaced  out"));
	cr_assert_eq(r.headers[1].value_len, 0);
	cr_assert_eq(r.headers[2].value_len, 0);
	cr_assert(eq(r.headers[3].value, r.headers[3].value_len, "x"));
	cr_assert(
	    eq(r.headers[4].value, r.headers[4].value_len, "caf\xc3\xa9"));
	PREFIXES_RESP(m);
}

Test(http, bad_header_lines)
{
	static const char *bad[] = {
	    " A: b\r\n\r\n",      "A : b\r\n\r\n",       ": b\r\n\r\n",
	    "A b\r\n\r\n",        "A\r\n\r\n",           "A\tB: c\r\n\r\n",
	    "A: b\r\n c\r\n\r\n", "A: b\r\n\tc\r\n\r\n", "A(: b\r\n\r\n",
	    "A: b\rc\r\n\r\n",    "A: b\r\r\n\r\n",      "A: b\r\n\rx",
	};
	char m[128];
	struct http_resp r;
	size_t i;
	int n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = snprintf(m, sizeof(m), "HTTP/1.1 200 OK\r\n%s", bad[i]);
		cr_assert_eq(resp(m, &r), HTTP_BAD, "%s", bad[i]);
		check_prefixes(m, (size_t)n, 0);
	}
}

Test(http, token_characters_in_names)
{
	struct http_resp r;

	cr_assert_gt(resp("HTTP/1.1 200 OK\r\n"
	                  "X-a.b_c~!#$%&'*+^`|: v\r\n\r\n",
	                  &r),
	             0);
	cr_assert(eq(r.headers[0].name, r.headers[0].name_len,
	             "X-a.b_c~!#$%&'*+^`|"));
}

/*
 * A bad byte put where '@' is in each template, for each kind of place:
 * method, target, version, status, reason, header name, header value.
 */
static void
check_bad_bytes(const char *const *tpl, size_t ntpl, const char *bytes,
                size_t nbytes, int is_req)
{
	char m[256];
	struct http_resp rs;
	struct http_req rq;
	size_t i, j, len;
	int r;

	for (i = 0; i < ntpl; i++) {
		for (j = 0; j < nbytes; j++) {
			len = strlen(tpl[i]);
			memcpy(m, tpl[i], len);
			*(char *)memchr(m, '@', len) = bytes[j];
			r = is_req ? req_n(m, len, 0, &rq)
			           : resp_n(m, len, 0, &rs);
			cr_assert_eq(r, HTTP_BAD, "%s with byte 0x%02x", tpl[i],
			             (unsigned char)bytes[j]);
			check_prefixes(m, len, is_req);
		}
	}
}

/* NUL, CTLs (HTAB aside), DEL and a lone CR. */
static const char ctl[] = {0x00, 0x01, 0x08, 0x0b, 0x0c,
                           0x1b, 0x1f, 0x7f, '\r'};

Test(http, rejects_ctl_in_response)
{
	static const char *const tpl[] = {
	    "HTTP/1.1 200 O@K\r\nA: b\r\n\r\n",
	    "HTTP/1.1 200 @\r\n\r\n",
	    "HTTP/1.1 2@00 OK\r\n\r\n",
	    "HTTP/1.1 200@OK\r\n\r\n",
	    "HT@TP/1.1 200 OK\r\n\r\n",
	    "HTTP/1.1@200 OK\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nA@: b\r\n\r\n",
	    "HTTP/1.1 200 OK\r\n@A: b\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nA: b@c\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nA: @\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nA: b@\r\n\r\n",
	};

	check_bad_bytes(tpl, sizeof(tpl) / sizeof(tpl[0]), ctl, sizeof(ctl), 0);
}

Test(http, rejects_ctl_in_request)
{
	static const char *const tpl[] = {
	    "G@ET / HTTP/1.1\r\n\r\n",
	    "GET /a@b HTTP/1.1\r\n\r\n",
	    "GET /@ HTTP/1.1\r\n\r\n",
	    "GET / HTTP/1.1@\r\n\r\n",
	    "GET / HTTP@/1.1\r\n\r\n",
	    "GET@/ HTTP/1.1\r\n\r\n",
	    "GET / HTTP/1.1\r\nHo@st: x\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: a@b\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: x@\r\n\r\n",
	};
	static const char more[] = {'\t', (char)0x80, (char)0xff};

	check_bad_bytes(tpl, sizeof(tpl) / sizeof(tpl[0]), ctl, sizeof(ctl), 1);
	/* HTAB and 8-bit bytes: fine in values, not in methods or targets. */
	check_bad_bytes(tpl, 3, more, sizeof(more), 1);
}

Test(http, too_many_headers)
{
	char m[1024];
	struct http_resp r;
	size_t n, i;

	n = (size_t)snprintf(m, sizeof(m), "HTTP/1.1 200 OK\r\n");
	for (i = 0; i < HTTP_MAX_HEADERS; i++)
		n += (size_t)snprintf(m + n, sizeof(m) - n, "H%zu: v\r\n", i);
	n += (size_t)snprintf(m + n, sizeof(m) - n, "\r\n");
	cr_assert_eq(resp_n(m, n, 0, &r), (int)n);
	cr_assert_eq(r.num_headers, HTTP_MAX_HEADERS);
	check_prefixes(m, n, 0);

	n -= 2;
	n += (size_t)snprintf(m + n, sizeof(m) - n, "One-More: v\r\n\r\n");
	cr_assert_eq(resp_n(m, n, 0, &r), HTTP_TOO_MANY);
	/* The probe relies on these: the status and the first headers. */
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.num_headers, HTTP_MAX_HEADERS);
	cr_assert(eq(r.headers[15].name, r.headers[15].name_len, "H15"));
	check_prefixes(m, n, 0);
}

Test(http, too_many_headers_in_request)
{
	char m[1024];
	struct http_req r;
	size_t n, i;

	n = (size_t)snprintf(m, sizeof(m), "GET / HTTP/1.1\r\n");
	for (i = 0; i <= HTTP_MAX_HEADERS; i++)
		n += (size_t)snprintf(m + n, sizeof(m) - n, "H%zu: v\r\n", i);
	n += (size_t)snprintf(m + n, sizeof(m) - n, "\r\n");
	cr_assert_eq(req_n(m, n, 0, &r), HTTP_TOO_MANY);
	check_prefixes(m, n, 1);
}

Test(http, status_known_before_the_head_ends)
{
	struct http_resp r;

	cr_assert_eq(resp("HTTP/1.1 204 No Content\r\nA: b", &r), HTTP_PARTIAL);
	cr_assert_eq(r.status, 204);
	cr_assert_eq(resp("HTTP/1.1 204 No Content", &r), HTTP_PARTIAL);
	cr_assert_eq(r.status, 0);
	cr_assert_eq(resp("HTTP/1.1 204 No Content\r", &r), HTTP_PARTIAL);
	cr_assert_eq(r.status, 0);
}

Test(http, oversized_line_is_partial_until_complete)
{
	static char m[3 * HTTP_REQ_MAX];
	struct http_req r;
	size_t n;

	n = (size_t)snprintf(m, sizeof(m), "GET / HTTP/1.1\r\nCookie: ");
	memset(m + n, 'x', sizeof(m) - n - 4);
	memcpy(m + sizeof(m) - 4, "\r\n\r\n", 4);
	/* What a status server holds of it: never complete, never read past. */
	cr_assert_eq(req_n(m, HTTP_REQ_MAX, 0, &r), HTTP_PARTIAL);
	cr_assert_eq(req_n(m, sizeof(m) - 1, 0, &r), HTTP_PARTIAL);
	cr_assert_eq(req_n(m, sizeof(m), 0, &r), (int)sizeof(m));
	cr_assert_eq(r.headers[0].value_len, sizeof(m) - n - 4);
	/* A target as long. */
	memcpy(m, "GET /", 5);
	memset(m + 5, 'a', HTTP_REQ_MAX);
	cr_assert_eq(req_n(m, HTTP_REQ_MAX, 0, &r), HTTP_PARTIAL);
}

Test(http, partial_at_every_split)
{
	PREFIXES_RESP("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	PREFIXES_RESP("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	PREFIXES_RESP("HTTP/1.0 503\nA:b\n\n");
	PREFIXES_RESP("HTTP/1.1 200 \r\n\r\n");
	PREFIXES_RESP("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
	              "HTTP/1.1 200 OK\r\n\r\n");
	PREFIXES_REQ("GET /healthz?x=1 HTTP/1.1\r\nHost: a\r\n"
	             "User-Agent: t\r\nAccept: */*\r\n\r\n");
	PREFIXES_REQ("HEAD / HTTP/1.0\n\n");
	PREFIXES_REQ("GET / HTTP/1.1\r\nA: b\n\r\n");
	PREFIXES_REQ("GET / HTTP/1.1\r\n\r\nbody");
}

Test(http, hint_leaves_out_alone_until_head_may_end)
{
	struct http_req r;
	static const char m[] = "GET / HTTP/1.1\r\nHost: abc\r\n\r\n";
	const char *b;
	size_t n;

	b = guard_copy(m, sizeof(m) - 1);
	for (n = 1; n < sizeof(m) - 1; n++)
		cr_assert_eq(http_parse_request(b, n, n - 1, &r), HTTP_PARTIAL);
	cr_assert_eq(http_parse_request(b, sizeof(m) - 1, sizeof(m) - 2, &r),
	             (int)sizeof(m) - 1);
	cr_assert(eq(r.headers[0].value, r.headers[0].value_len, "abc"));
}

Test(http, request_basic)
{
	static const char m[] = "GET /healthz?verbose=1 HTTP/1.1\r\n"
	                        "Host: 127.0.0.1:9000\r\n"
	                        "Connection: close\r\n"
	                        "\r\n";
	struct http_req r;

	cr_assert_eq(req(m, &r), (int)sizeof(m) - 1);
	cr_assert(eq(r.method, r.method_len, "GET"));
	cr_assert(eq(r.path, r.path_len, "/healthz?verbose=1"));
	cr_assert_eq(r.minor_version, 1);
	cr_assert_eq(r.num_headers, 2);
	cr_assert(eq(r.headers[0].name, r.headers[0].name_len, "Host"));
	cr_assert(
	    eq(r.headers[0].value, r.headers[0].value_len, "127.0.0.1:9000"));
}

Test(http, request_forms)
{
	struct http_req r;

	cr_assert_eq(req("HEAD /metrics HTTP/1.0\n\n", &r), 24);
	cr_assert(eq(r.method, r.method_len, "HEAD"));
	cr_assert_eq(r.minor_version, 0);
	cr_assert_gt(req("get * HTTP/1.1\r\n\r\n", &r), 0);
	cr_assert(eq(r.method, r.method_len, "get"));
	cr_assert(eq(r.path, r.path_len, "*"));
	cr_assert_gt(req("GET http://a/b HTTP/1.1\r\n\r\n", &r), 0);
	cr_assert(eq(r.path, r.path_len, "http://a/b"));
	cr_assert_gt(req("M-SEARCH / HTTP/1.1\r\n\r\n", &r), 0);
}

Test(http, request_bad_lines)
{
	static const char *bad[] = {
	    "GET /\r\n\r\n",
	    "GET  / HTTP/1.1\r\n\r\n",
	    "GET /  HTTP/1.1\r\n\r\n",
	    "GET / HTTP/1.1 \r\n\r\n",
	    "GET / HTTP/2\r\n\r\n",
	    "GET / HTTP/1.2\r\n\r\n",
	    " GET / HTTP/1.1\r\n\r\n",
	    "\r\nGET / HTTP/1.1\r\n\r\n",
	    "GET\r\n\r\n",
	    "GET / HTTP/1.1\r\r\n\r\n",
	    "G(T / HTTP/1.1\r\n\r\n",
	    "GET / HTTP/1.1\r\nA\r\n\r\n",
	    "GET /a b HTTP/1.1\r\n\r\n",
	    "\n",
	    "GET / http/1.1\r\n\r\n",
	};
	struct http_req r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(req(bad[i], &r), HTTP_BAD, "%s", bad[i]);
		check_prefixes(bad[i], strlen(bad[i]), 1);
	}
}

Test(http, empty_input_is_partial)
{
	struct http_req rq;
	struct http_resp rs;

	cr_assert_eq(req_n("", 0, 0, &rq), HTTP_PARTIAL);
	cr_assert_eq(resp_n("", 0, 0, &rs), HTTP_PARTIAL);
}

Test(http, consumed_stops_at_the_blank_line)
{
	struct http_resp r;

	cr_assert_eq(resp("HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", &r),
	             19);
	cr_assert_eq(resp("HTTP/1.1 200 OK\n\n\x00\x01", &r), 17);
}
