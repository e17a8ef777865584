/* test_report.c: unit tests of the status server's answers (src/report.c),
 * for every endpoint in every supervision state of SPEC section 3. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "guard.h"
#include "health.h"
#include "http.h"
#include "log.h"
#include "probe.h"
#include "report.h"
#include "url.h"

#define NOW 61500 /* monotonic ms of every request; ward started at 1000 */

static struct init in;
static char out[16384];

/* One parsed response. */
struct resp {
	int n;           /* report_respond's return */
	int code;        /* status */
	char reason[64]; /* reason phrase */
	char ctype[64];  /* Content-Type */
	long clen;       /* Content-Length, -1 if none */
	char allow[32];  /* Allow, "" if none */
	char conn[16];   /* Connection */
	size_t nheaders; /* header count */
	char body[8192]; /* body, NUL-terminated */
	size_t body_len; /* its length */
};

static struct resp rs;

/* A running child (pid 4242), no probe, ward up for 60.5 s. */
static void
base(void)
{
	memset(&in, 0, sizeof(in));
	probe_init(&in.probe);
	in.listen_fd = -1;
	in.sigfd = -1;
	in.spare_fd = -1;
	in.exit_code = -1;
	in.cfg.probe_retries = 3;
	in.cfg.probe_interval_ms = 10000;
	in.cfg.probe_timeout_ms = 1000;
	in.child = 4242;
	in.child_running = true;
	in.phase = PHASE_RUNNING;
	in.started_ms = 1000;
	log_init(LOG_LVL_ERROR);
}

static void
set_probe(const char *url, enum health h, enum on_unhealthy act)
{
	const char *why = "";

	in.cfg.has_probe = true;
	cr_assert_eq(url_parse(url, &in.cfg.probe, &why), 0, "%s: %s", url,
	             why);
	in.probe.url = &in.cfg.probe;
	in.health = h;
	in.cfg.on_unhealthy = act;
}

static void
hdr_copy(char *dst, size_t size, const struct http_header *h)
{
	snprintf(dst, size, "%.*s", (int)h->value_len, h->value);
}

static bool
hdr_is(const struct http_header *h, const char *name)
{
	return h->name_len == strlen(name) &&
	       strncasecmp(h->name, name, h->name_len) == 0;
}

/* Send the request bytes req[0..len) (ending at a guard page); parse. */
static struct resp *
send_n(const char *req, size_t len)
{
	struct http_resp hr;
	size_t i;
	int h;

	memset(&rs, 0, sizeof(rs));
	rs.clen = -1;
	memset(out, 0, sizeof(out));
	rs.n = report_respond(&in, guard_copy(req, len), len, NOW, out,
	                      sizeof(out));
	if (rs.n < 0)
		return &rs;
	cr_assert_lt((size_t)rs.n, sizeof(out));
	h = http_parse_response(out, (size_t)rs.n, 0, &hr);
	cr_assert_gt(h, 0, "unparsable response (%d): %.*s", h, rs.n, out);
	cr_assert_eq(hr.minor_version, 1);
	rs.code = hr.status;
	snprintf(rs.reason, sizeof(rs.reason), "%.*s", (int)hr.reason_len,
	         hr.reason);
	rs.nheaders = hr.num_headers;
	for (i = 0; i < hr.num_headers; i++) {
		if (hdr_is(&hr.headers[i], "Content-Type"))
			hdr_copy(rs.ctype, sizeof(rs.ctype), &hr.headers[i]);
		else if (hdr_is(&hr.headers[i], "Allow"))
			hdr_copy(rs.allow, sizeof(rs.allow), &hr.headers[i]);
		else if (hdr_is(&hr.headers[i], "Connection"))
			hdr_copy(rs.conn, sizeof(rs.conn), &hr.headers[i]);
		else if (hdr_is(&hr.headers[i], "Content-Length"))
			rs.clen = strtol(hr.headers[i].value, NULL, 10);
	}
	rs.body_len = (size_t)rs.n - (size_t)h;
	cr_assert_lt(rs.body_len, sizeof(rs.body));
	memcpy(rs.body, out + h, rs.body_len);
	return &rs;
}

static struct resp *
send_req(const char *req)
{
	return send_n(req, strlen(req));
}

/* METHOD path, with a Host header. */
static struct resp *
call(const char *method, const char *path)
{
	char req[512];

	snprintf(req, sizeof(req),
	         "%s %s HTTP/1.1\r\nHost: 127.0.0.1:9000\r\n"
	         "User-Agent: kube-probe/1.29\r\nAccept: */*\r\n\r\n",
	         method, path);
	return send_req(req);
}

/* GET and HEAD of path answer code with the ok/fail body of SPEC 3. */
static void
expect_code(const char *path, int code)
{
	const char *body = code == 200 ? "ok\n" : "fail\n";
	struct resp *r = call("GET", path);

	cr_assert_gt(r->n, 0, "GET %s: %d", path, r->n);
	cr_expect_eq(r->code, code, "GET %s: %d, want %d", path, r->code, code);
	cr_expect_str_eq(r->body, body, "GET %s", path);
	cr_expect_eq(r->clen, (long)strlen(body), "GET %s", path);
	cr_expect_str_eq(r->ctype, "text/plain", "GET %s", path);
	cr_expect_str_eq(r->reason, code == 200 ? "OK" : "Service Unavailable");
	r = call("HEAD", path);
	cr_assert_gt(r->n, 0);
	cr_expect_eq(r->code, code, "HEAD %s: %d, want %d", path, r->code,
	             code);
	cr_expect_eq(r->body_len, 0, "HEAD %s has a body", path);
	cr_expect_eq(r->clen, (long)strlen(body), "HEAD %s Content-Length",
	             path);
}

static void
expect_live_ready(int live, int ready)
{
	expect_code("/livez", live);
	expect_code("/healthz", live);
	expect_code("/readyz", ready);
}

/* ---- /livez /healthz /readyz in every state ---- */

Test(report, running_without_probe)
{
	base();
	expect_live_ready(200, 200);
}

Test(report, probe_before_first_success)
{
	base();
	set_probe("http://127.0.0.1:8080/healthz", HEALTH_STARTING,
	          UNHEALTHY_NONE);
	expect_live_ready(200, 503);
}

Test(report, probe_healthy)
{
	base();
	set_probe("http://127.0.0.1:8080/healthz", HEALTH_HEALTHY,
	          UNHEALTHY_NONE);
	expect_live_ready(200, 200);
}

Test(report, unhealthy_with_none)
{
	base();
	set_probe("http://127.0.0.1:8080/healthz", HEALTH_UNHEALTHY,
	          UNHEALTHY_NONE);
	expect_live_ready(503, 503);
}

Test(report, unhealthy_with_restart_or_exit)
{
	base();
	set_probe("tcp://127.0.0.1:5432", HEALTH_UNHEALTHY, UNHEALTHY_RESTART);
	expect_live_ready(200, 503);
	set_probe("tcp://127.0.0.1:5432", HEALTH_UNHEALTHY, UNHEALTHY_EXIT);
	expect_live_ready(200, 503);
}

Test(report, restart_stop)
{
	base();
	set_probe("http://127.0.0.1:8080/", HEALTH_UNHEALTHY,
	          UNHEALTHY_RESTART);
	in.phase = PHASE_RESTART_STOP;
	expect_live_ready(200, 503);
	in.health = HEALTH_HEALTHY;
	expect_live_ready(200, 503);
}

Test(report, restart_wait)
{
	base();
	set_probe("http://127.0.0.1:8080/", HEALTH_STARTING, UNHEALTHY_RESTART);
	in.phase = PHASE_RESTART_WAIT;
	in.child_running = false;
	in.restarts = 1;
	expect_live_ready(200, 503);
	in.health = HEALTH_HEALTHY;
	expect_live_ready(200, 503);
}

Test(report, shutdown)
{
	base();
	in.phase = PHASE_SHUTDOWN;
	expect_live_ready(200, 503);
	set_probe("http://127.0.0.1:8080/", HEALTH_HEALTHY, UNHEALTHY_NONE);
	expect_live_ready(200, 503);
	in.child_running = false;
	expect_live_ready(200, 503);
}

Test(report, child_gone_not_ready)
{
	base();
	in.child_running = false;
	expect_code("/readyz", 503);
}

/* ---- methods, paths, malformed and oversized requests ---- */

Test(report, other_methods_405)
{
	static const char *const methods[] = {"POST",  "PUT",     "DELETE",
	                                      "PATCH", "OPTIONS", "TRACE",
	                                      "get",   "head",    "CONNECT"};
	static const char *const paths[] = {"/livez", "/readyz", "/status",
	                                    "/metrics", "/nope"};
	size_t i;
	size_t j;
	struct resp *r;

	base();
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		for (j = 0; j < sizeof(paths) / sizeof(paths[0]); j++) {
			r = call(methods[i], paths[j]);
			cr_assert_gt(r->n, 0);
			cr_expect_eq(r->code, 405, "%s %s: %d", methods[i],
			             paths[j], r->code);
			cr_expect_str_eq(r->allow, "GET, HEAD", "%s %s",
			                 methods[i], paths[j]);
			cr_expect_eq(r->clen, (long)r->body_len);
			cr_expect_str_eq(r->reason, "Method Not Allowed");
		}
}

Test(report, allow_only_on_405)
{
	base();
	cr_assert_str_eq(call("GET", "/livez")->allow, "");
	cr_assert_str_eq(call("GET", "/nope")->allow, "");
}

Test(report, unknown_paths_404)
{
	static const char *const paths[] = {
	    "/",         "/foo",          "/livez/",  "/livezz",       "/LIVEZ",
	    "/readyz/x", "/healthz.json", "/statusx", "/metric",       "*",
	    "//livez",   "/status/",      "/%6civez", "http://x/livez"};
	size_t i;
	struct resp *r;

	base();
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		r = call("GET", paths[i]);
		cr_assert_gt(r->n, 0, "GET %s: %d", paths[i], r->n);
		cr_expect_eq(r->code, 404, "GET %s: %d", paths[i], r->code);
		cr_expect_eq(r->clen, (long)r->body_len);
		cr_expect_str_eq(r->reason, "Not Found");
		r = call("HEAD", paths[i]);
		cr_expect_eq(r->code, 404, "HEAD %s: %d", paths[i], r->code);
		cr_expect_eq(r->body_len, 0);
	}
}

Test(report, query_strings_ignored)
{
	base();
	set_probe("http://127.0.0.1:8080/", HEALTH_STARTING, UNHEALTHY_NONE);
	expect_code("/livez?verbose=1", 200);
	expect_code("/healthz?", 200);
	expect_code("/readyz?x=1&y=2", 503);
	in.health = HEALTH_HEALTHY;
	expect_code("/readyz?x=1&y=2", 200);
	cr_expect_eq(call("GET", "/status?pretty")->code, 200);
	cr_expect_str_eq(rs.ctype, "application/json");
	cr_expect_eq(call("GET", "/metrics?name[]=ward_up")->code, 200);
	cr_expect_str_eq(rs.ctype, "text/plain; version=0.0.4; charset=utf-8");
	cr_expect_eq(call("GET", "/nope?x")->code, 404);
}

Test(report, http_1_0_and_bare_lf)
{
	base();
	cr_assert_eq(send_req("GET /livez HTTP/1.0\r\n\r\n")->code, 200);
	cr_assert_str_eq(rs.body, "ok\n");
	cr_assert_eq(send_req("GET /readyz HTTP/1.1\nHost: x\n\n")->code, 200);
	cr_assert_eq(send_req("HEAD /livez HTTP/1.0\r\n\r\n")->code, 200);
	cr_assert_eq(rs.body_len, 0);
}

Test(report, connection_close)
{
	base();
	call("GET", "/livez");
	cr_assert_str_eq(rs.conn, "close");
	call("GET", "/nope");
	cr_assert_str_eq(rs.conn, "close");
}

Test(report, malformed_400)
{
	static const char *const bad[] = {
	    "GARBAGE\r\n\r\n",
	    "GET /livez\r\n\r\n",
	    "GET /livez HTTP/2.0\r\n\r\n",
	    "GET /livez HTTP/1.2\r\n\r\n",
	    "GET  /livez HTTP/1.1\r\n\r\n",
	    "GET /livez  HTTP/1.1\r\n\r\n",
	    " GET /livez HTTP/1.1\r\n\r\n",
	    "GET /livez HTTP/1.1\r\nHost x\r\n\r\n",
	    "GET /livez HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
	    "GET /livez HTTP/1.1\r\n: empty-name\r\n\r\n",
	    "GET /livez HTTP/1.1\rHost: x\r\n\r\n",
	    "GET /li\x7fvez HTTP/1.1\r\n\r\n",
	    "GET /livez HTTP/1.1\r\nX: a\x01b\r\n\r\n",
	    "G(T /livez HTTP/1.1\r\n\r\n",
	    "\r\n\r\n",
	};
	size_t i;
	struct resp *r;

	base();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = send_req(bad[i]);
		cr_assert_gt(r->n, 0, "request %zu: %d", i, r->n);
		cr_expect_eq(r->code, 400, "request %zu: %d", i, r->code);
		cr_expect_str_eq(r->reason, "Bad Request");
		cr_expect_eq(r->clen, (long)r->body_len);
	}
}

Test(report, nul_byte_400)
{
	static const char req[] = "GET /livez HTTP/1.1\r\nX: a\0b\r\n\r\n";

	base();
	cr_assert_eq(send_n(req, sizeof(req) - 1)->code, 400);
}

/* Every proper prefix of a request is "not complete yet". */
Test(report, partial_requests)
{
	static const char req[] = "GET /readyz?x=1 HTTP/1.1\r\nHost: a\r\n"
	                          "Accept: */*\r\n\r\n";
	size_t n;

	base();
	for (n = 0; n < sizeof(req) - 1; n++)
		cr_expect_eq(send_n(req, n)->n, -2, "prefix of %zu bytes: %d",
		             n, rs.n);
	cr_assert_eq(send_n(req, sizeof(req) - 1)->code, 200);
}

/* A head of n bytes: "GET /livez HTTP/1.1\r\nX-Pad: aaa...", complete
 * (ending in CRLF CRLF) or not. */
static size_t
padded(char *buf, size_t n, bool complete)
{
	static const char start[] = "GET /livez HTTP/1.1\r\nX-Pad: ";
	size_t tail = complete ? 4 : 0;

	cr_assert_gt(n, sizeof(start) + tail);
	memcpy(buf, start, sizeof(start) - 1);
	memset(buf + sizeof(start) - 1, 'a', n - (sizeof(start) - 1) - tail);
	if (complete)
		memcpy(buf + n - 4, "\r\n\r\n", 4);
	return n;
}

Test(report, head_at_the_size_limit)
{
	static char buf[HTTP_REQ_MAX];

	base();
	cr_assert_eq(send_n(buf, padded(buf, HTTP_REQ_MAX, true))->code, 200,
	             "a complete head of HTTP_REQ_MAX bytes: %d", rs.n);
	cr_assert_str_eq(rs.body, "ok\n");
	cr_assert_eq(send_n(buf, padded(buf, HTTP_REQ_MAX - 1, false))->n, -2);
	cr_assert_eq(send_n(buf, padded(buf, HTTP_REQ_MAX, false))->n > 0,
	             true);
	cr_assert_eq(rs.code, 431, "a full buffer without an end: %d", rs.code);
	cr_assert_str_eq(rs.reason, "Request Header Fields Too Large");
	cr_assert_eq(rs.clen, (long)rs.body_len);
}

Test(report, too_many_headers)
{
	char req[2048];
	size_t len;
	int i;

	base();
	len = (size_t)snprintf(req, sizeof(req), "GET /livez HTTP/1.1\r\n");
	for (i = 0; i < HTTP_MAX_HEADERS; i++)
		len += (size_t)snprintf(req + len, sizeof(req) - len,
		                        "X-H%d: v\r\n", i);
	cr_assert_eq(send_n(req, len)->n, -2);
	memcpy(req + len, "\r\n", 2);
	cr_assert_eq(send_n(req, len + 2)->code, 200, "%d headers refused",
	             HTTP_MAX_HEADERS);
	len += (size_t)snprintf(req + len, sizeof(req) - len,
	                        "X-Extra: v\r\n"
	                        "\r\n");
	cr_assert_eq(send_n(req, len)->code, 431, "%d headers: %d",
	             HTTP_MAX_HEADERS + 1, rs.code);
}

/*
 * report.h: -1 "if the response did not fit". A buffer that holds the head
 * but not the whole body must not give a head whose Content-Length
 * promises bytes that are not there.
 */
Test(report, response_must_fit)
{
	char small[64];
	const char *req = "GET /livez HTTP/1.1\r\n\r\n";
	size_t len = strlen(req);
	char *g = guard_copy(req, len);
	int full;
	int n;
	size_t size;

	base();
	full = report_respond(&in, g, len, NOW, out, sizeof(out));
	cr_assert_gt(full, 0);
	cr_assert_eq(report_respond(&in, g, len, NOW, small, 0), -1);
	cr_assert_eq(report_respond(&in, g, len, NOW, small, 10), -1);
	/* out needs room for the head (256 bytes kept), the body and a NUL. */
	n = report_respond(&in, g, len, NOW, out, 256 + 3 + 1);
	cr_assert_eq(n, full, "head room plus body: %d", n);
	/* "ok\n" is 3 bytes: sizes that cut the body. */
	for (size = 256; size < 256 + 3 + 1; size++) {
		n = report_respond(&in, g, len, NOW, out, size);
		cr_expect_eq(n, -1,
		             "size %zu of %d: returned %d, a response cut "
		             "short:\n%.*s",
		             size, full, n, n > 0 ? n : 0, out);
	}
}

/* ---- /metrics ---- */

/* The value of the sample line "name value" in the body; -1 if absent, -2
 * if the value is not a number. */
static double
sample(const char *body, const char *name)
{
	const char *p = body;
	size_t n = strlen(name);
	char *end;
	double v;

	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
		if (strncmp(p, name, n) != 0 || p[n] != ' ')
			continue;
		v = strtod(p + n + 1, &end);
		return end == p + n + 1 || *end != '\n' ? -2 : v;
	}
	return -1;
}

Test(report, metrics)
{
	static const char *const names[] = {
	    "ward_up",
	    "ward_child_running",
	    "ward_ready",
	    "ward_child_restarts_total",
	    "ward_zombies_reaped_total",
	    "ward_signals_forwarded_total",
	    "ward_probe_total{result=\"success\"}",
	    "ward_probe_total{result=\"failure\"}",
	    "ward_probe_duration_seconds",
	};
	size_t i;

	base();
	set_probe("http://127.0.0.1:8080/", HEALTH_HEALTHY, UNHEALTHY_NONE);
	in.restarts = 2;
	in.zombies_reaped = 5;
	in.signals_forwarded = 7;
	in.probes_ok = 11;
	in.probes_failed = 13;
	in.probe.last.ok = true;
	in.probe.last.status = 200;
	in.probe.last.duration_ms = 1234;
	call("GET", "/metrics");
	cr_assert_eq(rs.code, 200);
	cr_assert_str_eq(rs.ctype, "text/plain; version=0.0.4; charset=utf-8");
	cr_assert_eq(rs.clen, (long)rs.body_len);
	cr_assert_eq(rs.body[rs.body_len - 1], '\n');
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_expect_neq(sample(rs.body, names[i]), -1, "%s missing",
		              names[i]);
	cr_expect_eq(sample(rs.body, "ward_up"), 1);
	cr_expect_eq(sample(rs.body, "ward_child_running"), 1);
	cr_expect_eq(sample(rs.body, "ward_ready"), 1);
	cr_expect_eq(sample(rs.body, "ward_child_restarts_total"), 2);
	cr_expect_eq(sample(rs.body, "ward_zombies_reaped_total"), 5);
	cr_expect_eq(sample(rs.body, "ward_signals_forwarded_total"), 7);
	cr_expect_eq(sample(rs.body, "ward_probe_total{result=\"success\"}"),
	             11);
	cr_expect_eq(sample(rs.body, "ward_probe_total{result=\"failure\"}"),
	             13);
	cr_expect_eq(sample(rs.body, "ward_probe_duration_seconds"), 1.234);
	cr_expect_not_null(strstr(rs.body, "# TYPE ward_up gauge\n"));
	cr_expect_not_null(
	    strstr(rs.body, "# TYPE ward_child_restarts_total counter\n"));
	cr_expect_not_null(
	    strstr(rs.body, "# TYPE ward_probe_total counter\n"));
	cr_expect_not_null(
	    strstr(rs.body, "# TYPE ward_probe_duration_seconds gauge\n"));
	call("HEAD", "/metrics");
	cr_assert_eq(rs.code, 200);
	cr_assert_eq(rs.body_len, 0);
	cr_assert_gt(rs.clen, 100);
}

Test(report, metrics_follow_state)
{
	base();
	set_probe("http://127.0.0.1:8080/", HEALTH_STARTING, UNHEALTHY_NONE);
	in.probe.last.duration_ms = 5;
	call("GET", "/metrics");
	cr_expect_eq(sample(rs.body, "ward_ready"), 0);
	cr_expect_eq(sample(rs.body, "ward_child_running"), 1);
	cr_expect_eq(sample(rs.body, "ward_probe_duration_seconds"), 0.005);
	in.phase = PHASE_SHUTDOWN;
	in.child_running = false;
	call("GET", "/metrics");
	cr_expect_eq(sample(rs.body, "ward_up"), 1);
	cr_expect_eq(sample(rs.body, "ward_ready"), 0);
	cr_expect_eq(sample(rs.body, "ward_child_running"), 0);
}

/* Every line is a comment or "name[{labels}] value" (text format 0.0.4). */
Test(report, metrics_lines_are_well_formed)
{
	char *line;
	char *save = NULL;
	char *sp;
	char *end;

	base();
	in.zombies_reaped = 123456789;
	call("GET", "/metrics");
	for (line = strtok_r(rs.body, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# HELP ward_", 12) == 0 ||
		    strncmp(line, "# TYPE ward_", 12) == 0)
			continue;
		cr_assert_eq(strncmp(line, "ward_", 5), 0, "line: %s", line);
		sp = strrchr(line, ' ');
		cr_assert_not_null(sp, "line: %s", line);
		strtod(sp + 1, &end);
		cr_assert(end != sp + 1 && *end == '\0', "line: %s", line);
	}
}

/* ---- /status ---- */

/*
 * A small JSON checker: each function takes the text at p and returns
 * where the value ends, or NULL if it is not JSON.
 */
static const char *j_value(const char *p, int depth);

static const char *
j_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *
j_string(const char *p)
{
	int i;

	if (*p++ != '"')
		return NULL;
	for (; *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p != '\\')
			continue;
		p++;
		if (*p == 'u') {
			for (i = 1; i <= 4; i++)
				if (!strchr("0123456789abcdefABCDEF", p[i]) ||
				    !p[i])
					return NULL;
			p += 4;
		} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
			return NULL;
		}
	}
	return p + 1;
}

static const char *
j_number(const char *p)
{
	const char *s;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		for (s = ++p; *p >= '0' && *p <= '9'; p++)
			;
		if (p == s)
			return NULL;
	}
	return p;
}

static const char *
j_seq(const char *p, int depth, char close, bool members)
{
	p = j_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (members) {
			if (!(p = j_string(p)))
				return NULL;
			p = j_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		if (!(p = j_value(p, depth + 1)))
			return NULL;
		p = j_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
		p = j_ws(p);
	}
}

static const char *
j_value(const char *p, int depth)
{
	if (depth > 16)
		return NULL;
	p = j_ws(p);
	switch (*p) {
	case '{':
		return j_seq(p, depth, '}', true);
	case '[':
		return j_seq(p, depth, ']', false);
	case '"':
		return j_string(p);
	case 't':
		return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f':
		return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n':
		return strncmp(p, "null", 4) ? NULL : p + 4;
	}
	return j_number(p);
}

/* The body is one JSON object and nothing else (a newline may follow). */
static void
expect_json(const char *body)
{
	const char *end;

	cr_assert_eq(j_ws(body)[0], '{', "not an object: %s", body);
	end = j_value(body, 0);
	cr_assert_not_null(end, "not JSON: %s", body);
	cr_assert_eq(*j_ws(end), '\0', "trailing bytes: %s", end);
}

/* Where the value of the first member "key" starts; NULL if none. */
static const char *
field(const char *body, const char *key)
{
	char k[64];
	const char *p;

	snprintf(k, sizeof(k), "\"%s\"", key);
	if (!(p = strstr(body, k)))
		return NULL;
	p = j_ws(p + strlen(k));
	if (*p != ':')
		return NULL;
	return j_ws(p + 1);
}

/* The member "key" is the JSON text want (up to a , } or ]). */
static bool
field_is(const char *body, const char *key, const char *want)
{
	const char *p = field(body, key);
	const char *end;

	if (!p)
		return false;
	end = j_value(p, 0);
	return end && (size_t)(end - p) == strlen(want) &&
	       strncmp(p, want, strlen(want)) == 0;
}

static long long
field_num(const char *body, const char *key)
{
	const char *p = field(body, key);

	cr_assert_not_null(p, "no \"%s\" in %s", key, body);
	return strtoll(p, NULL, 10);
}

static void
expect_state(const char *state)
{
	char want[32];

	call("GET", "/status");
	cr_assert_eq(rs.code, 200);
	cr_assert_str_eq(rs.ctype, "application/json");
	cr_assert_eq(rs.clen, (long)rs.body_len);
	expect_json(rs.body);
	snprintf(want, sizeof(want), "\"%s\"", state);
	cr_expect(field_is(rs.body, "state", want), "state %s in %s", state,
	          rs.body);
}

Test(report, status_keys)
{
	static const char *const top[] = {"state",    "pid",   "uptime_seconds",
	                                  "restarts", "ready", "probe",
	                                  "checks"};
	static const char *const probe[] = {
	    "url",         "healthy",          "consecutive_failures",
	    "last_status", "last_duration_ms", "last_error"};
	size_t i;

	base();
	set_probe("http://127.0.0.1:8080/healthz?full=1", HEALTH_HEALTHY,
	          UNHEALTHY_NONE);
	in.restarts = 3;
	in.consecutive_failures = 0;
	in.probes_ok = 4;
	in.probe.last.ok = true;
	in.probe.last.status = 204;
	in.probe.last.duration_ms = 17;
	expect_state("running");
	for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		cr_expect_not_null(field(rs.body, top[i]), "no \"%s\": %s",
		                   top[i], rs.body);
	for (i = 0; i < sizeof(probe) / sizeof(probe[0]); i++)
		cr_expect_not_null(field(rs.body, probe[i]), "no \"%s\": %s",
		                   probe[i], rs.body);
	cr_expect_eq(field_num(rs.body, "pid"), 4242);
	cr_expect_eq(field_num(rs.body, "uptime_seconds"), 60);
	cr_expect_eq(field_num(rs.body, "restarts"), 3);
	cr_expect(field_is(rs.body, "ready", "true"), "%s", rs.body);
	/* Without the query: it may hold a token. */
	cr_expect(field_is(rs.body, "url", "\"http://127.0.0.1:8080/healthz\""),
	          "%s", rs.body);
	cr_expect(field_is(rs.body, "healthy", "true"), "%s", rs.body);
	cr_expect_eq(field_num(rs.body, "consecutive_failures"), 0);
	cr_expect_eq(field_num(rs.body, "last_status"), 204);
	cr_expect_eq(field_num(rs.body, "last_duration_ms"), 17);
	cr_expect(field_is(rs.body, "last_error", "null"), "%s", rs.body);
	cr_expect(field_is(rs.body, "checks", "[]"), "%s", rs.body);
}

Test(report, status_without_probe)
{
	base();
	expect_state("running");
	cr_expect(field_is(rs.body, "probe", "null"), "%s", rs.body);
	cr_expect(field_is(rs.body, "ready", "true"), "%s", rs.body);
	cr_expect_eq(field_num(rs.body, "pid"), 4242);
}

Test(report, status_states)
{
	base();
	set_probe("tcp://127.0.0.1:6379", HEALTH_STARTING, UNHEALTHY_RESTART);
	expect_state("starting");
	cr_expect(field_is(rs.body, "ready", "false"), "%s", rs.body);
	cr_expect(field_is(rs.body, "url", "\"tcp://127.0.0.1:6379\""), "%s",
	          rs.body);
	cr_expect(field_is(rs.body, "last_error", "null"), "%s", rs.body);
	in.health = HEALTH_HEALTHY;
	expect_state("running");
	cr_expect(field_is(rs.body, "ready", "true"), "%s", rs.body);
	in.health = HEALTH_UNHEALTHY;
	expect_state("unhealthy");
	cr_expect(field_is(rs.body, "ready", "false"), "%s", rs.body);
	in.phase = PHASE_RESTART_STOP;
	expect_state("restarting");
	in.phase = PHASE_RESTART_WAIT;
	in.child_running = false;
	expect_state("restarting");
	cr_expect_eq(field_num(rs.body, "pid"), 0);
	in.phase = PHASE_SHUTDOWN;
	expect_state("stopping");
	cr_expect(field_is(rs.body, "ready", "false"), "%s", rs.body);
	in.health = HEALTH_HEALTHY;
	in.child_running = true;
	expect_state("stopping");
}

Test(report, status_failed_probe)
{
	base();
	set_probe("http://[::1]:8080/", HEALTH_UNHEALTHY, UNHEALTHY_NONE);
	in.consecutive_failures = 4;
	in.probes_failed = 4;
	in.probe.last.ok = false;
	in.probe.last.status = 0;
	in.probe.last.duration_ms = 1000;
	snprintf(in.probe.last.error, sizeof(in.probe.last.error),
	         "timeout after 1s");
	expect_state("unhealthy");
	cr_expect(field_is(rs.body, "healthy", "false"), "%s", rs.body);
	cr_expect(field_is(rs.body, "url", "\"http://[::1]:8080/\""), "%s",
	          rs.body);
	cr_expect_eq(field_num(rs.body, "consecutive_failures"), 4);
	cr_expect_eq(field_num(rs.body, "last_status"), 0);
	cr_expect_eq(field_num(rs.body, "last_duration_ms"), 1000);
	cr_expect(field_is(rs.body, "last_error", "\"timeout after 1s\""), "%s",
	          rs.body);
}

Test(report, status_escapes_error)
{
	base();
	set_probe("http://127.0.0.1:8080/", HEALTH_STARTING, UNHEALTHY_NONE);
	in.probes_failed = 1;
	snprintf(in.probe.last.error, sizeof(in.probe.last.error),
	         "bad \"reply\" \\ with\ttab\nand newline\x01");
	expect_state("starting");
	cr_expect(field_is(rs.body, "last_error",
	                   "\"bad \\\"reply\\\" \\\\ with\\u0009tab\\u000aand "
	                   "newline\\u0001\""),
	          "%s", rs.body);
}

/* A probe URL may hold '"' and '\' (url.c accepts them): /status must
 * still be JSON. */
Test(report, status_escapes_url)
{
	base();
	set_probe("http://127.0.0.1:8080/a\"b\\c?q=\"x\"", HEALTH_HEALTHY,
	          UNHEALTHY_NONE);
	call("GET", "/status");
	cr_assert_eq(rs.code, 200);
	expect_json(rs.body);
}

Test(report, status_checks)
{
	struct fscheck_path *p;

	base();
	in.checks.root_checked = true;
	in.checks.root_readonly = true;
	in.checks.npaths = 1;
	p = &in.checks.paths[0];
	snprintf(p->path, sizeof(p->path), "/tmp");
	p->want_tmpfs = true;
	p->exists = true;
	snprintf(p->fstype, sizeof(p->fstype), "tmpfs");
	p->size = 64 << 20;
	p->min_size = 1 << 20;
	p->writable = true;
	p->ok = true;
	expect_state("running");
	cr_expect_not_null(strstr(rs.body, "\"readonly_root\""), "%s", rs.body);
	cr_expect_not_null(strstr(rs.body, "\"/tmp\""), "%s", rs.body);
	cr_expect_eq(*field(rs.body, "checks"), '[');
}

Test(report, status_uptime)
{
	base();
	in.started_ms = NOW;
	expect_state("running");
	cr_expect_eq(field_num(rs.body, "uptime_seconds"), 0);
	in.started_ms = NOW - 86400 * 1000LL;
	expect_state("running");
	cr_expect_eq(field_num(rs.body, "uptime_seconds"), 86400);
}

/*
 * While a probe is in flight (most of the time for a slow app), /metrics
 * and /status still report the last finished probe: probe_start() must not
 * turn "ward_probe_duration_seconds" into "0.-01" (not a number for
 * Prometheus) or blank the last status and error.
 */
Test(report, probe_in_flight_keeps_last_result)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char url[64];
	double d;
	int lfd;

	base();
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(lfd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(listen(lfd, 4), 0);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", ntohs(sin.sin_port));
	set_probe(url, HEALTH_UNHEALTHY, UNHEALTHY_NONE);
	/* The last probe failed after 12 ms with HTTP 503. */
	in.probes_failed = 3;
	in.consecutive_failures = 3;
	in.probe.last.ok = false;
	in.probe.last.status = 503;
	in.probe.last.duration_ms = 12;
	snprintf(in.probe.last.error, sizeof(in.probe.last.error), "HTTP 503");
	in.next_probe = NOW;
	/* The next one starts; the server never answers. */
	cr_assert_eq(health_step(&in, NOW, 0), HEALTH_ACT_NONE);
	cr_assert(in.probe.state > PROBE_IDLE && in.probe.state < PROBE_DONE,
	          "probe not in flight: state %d", in.probe.state);

	call("GET", "/metrics");
	d = sample(rs.body, "ward_probe_duration_seconds");
	cr_expect_geq(d, 0, "ward_probe_duration_seconds is not a number:\n%s",
	              strstr(rs.body, "ward_probe_duration_seconds "));
	call("GET", "/status");
	expect_json(rs.body);
	cr_expect_geq(field_num(rs.body, "last_duration_ms"), 0, "%s", rs.body);
	cr_expect_eq(field_num(rs.body, "last_status"), 503, "%s", rs.body);
	cr_expect(field_is(rs.body, "last_error", "\"HTTP 503\""), "%s",
	          rs.body);
	probe_abort(&in.probe);
	close(lfd);
}
