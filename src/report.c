/* report.c: what the status server answers: routes, JSON, Prometheus text. */
#include "report.h"
#include "fmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "census.h"
#include "cgroup.h"
#include "health.h"
#include "http.h"
#include "log.h"

/* An output buffer being filled; "full" sticks. */
struct out {
	char *buf;   /* where */
	size_t size; /* its size */
	size_t len;  /* bytes written */
	int full;    /* something did not fit */
};

static void out_printf(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = fmt_vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len)
		o->full = 1;
	else
		o->len += (size_t)n;
}

/* A JSON string: quotes, backslashes and control bytes escaped. */
static void
out_json_str(struct out *o, const char *s)
{
	out_printf(o, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			out_printf(o, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			out_printf(o, "\\u%04x", (unsigned char)*s);
		else
			out_printf(o, "%c", *s);
	}
	out_printf(o, "\"");
}

static const char *
report_state(const struct init *in)
{
	switch (in->phase) {
	case PHASE_RESTART_STOP:
	case PHASE_RESTART_WAIT:
		return "restarting";
	case PHASE_DRAINING:
		return "draining";
	case PHASE_SHUTDOWN:
		return "stopping";
	case PHASE_RUNNING:
		break;
	}
	if (in->cfg.has_probe && in->health == HEALTH_UNHEALTHY)
		return "unhealthy";
	if (in->cfg.has_probe && in->health == HEALTH_STARTING)
		return "starting";
	return "running";
}

static void
report_probe(const struct init *in, struct out *o)
{
	const struct url *u = &in->cfg.probe;
	const struct probe_result *r = &in->probe.last;
	char url[URL_HOST_MAX + URL_PATH_MAX + 16];

	if (!in->cfg.has_probe) {
		out_printf(o, "null");
		return;
	}
	/* Without the query: it may hold a token (SPEC section 3). */
	fmt_snprintf(url, sizeof(url), "%s://%s%.*s", url_scheme_name(u),
	             u->host, (int)strcspn(u->path, "?"), u->path);
	out_printf(o, "{\"url\": ");
	out_json_str(o, url);
	out_printf(o, ", \"healthy\": %s, ",
	           in->health == HEALTH_HEALTHY ? "true" : "false");
	out_printf(o, "\"consecutive_failures\": %d, \"last_status\": %d, ",
	           in->consecutive_failures, r->status);
	out_printf(o, "\"last_duration_ms\": %lld, \"last_error\": ",
	           (long long)r->duration_ms);
	if (in->probes_ok + in->probes_failed == 0 || r->ok)
		out_printf(o, "null}");
	else {
		out_json_str(o, r->error);
		out_printf(o, "}");
	}
}

static void
report_json(const struct init *in, int64_t now, struct out *o)
{
	int n;

	out_printf(o, "{\"state\": \"%s\", \"pid\": %d, ", report_state(in),
	           in->child_running ? (int)in->child : 0);
	out_printf(o, "\"uptime_seconds\": %lld, \"restarts\": %lu, ",
	           (long long)(now - in->started_ms) / 1000, in->restarts);
	out_printf(o, "\"ready\": %s, \"probe\": ",
	           health_ready(in) ? "true" : "false");
	report_probe(in, o);
	out_printf(o, ", \"checks\": ");
	n = o->full
	        ? -1
	        : fscheck_json(&in->checks, o->buf + o->len, o->size - o->len);
	if (n < 0)
		o->full = 1;
	else
		o->len += (size_t)n;
	out_printf(o, "}\n");
}

static void
metric(struct out *o, const char *name, const char *type, const char *help,
       unsigned long v)
{
	out_printf(o, "# HELP %s %s\n# TYPE %s %s\n%s %lu\n", name, help, name,
	           type, name, v);
}

/* The figures read when scraped: processes and the memory cgroup. */
static void
report_gauges(struct init *in, int64_t now, struct out *o)
{
	struct cgroup_mem m;
	int n = census_count(in, now);

	if (n >= 0)
		metric(o, "ward_processes", "gauge", "Processes under ward.",
		       (unsigned long)n);
	cgroup_read(&in->cgroup, &m);
	if (m.bytes >= 0)
		metric(o, "ward_cgroup_memory_bytes", "gauge",
		       "Memory of ward's cgroup.", (unsigned long)m.bytes);
	if (m.limit >= 0)
		metric(o, "ward_cgroup_memory_limit_bytes", "gauge",
		       "Memory limit of ward's cgroup.",
		       (unsigned long)m.limit);
	if (m.ooms >= 0)
		metric(o, "ward_cgroup_oom_kills_total", "counter",
		       "OOM kills in ward's cgroup.", (unsigned long)m.ooms);
}

static void
report_metrics(struct init *in, int64_t now, struct out *o)
{
	const struct probe_result *r = &in->probe.last;

	metric(o, "ward_up", "gauge", "1 while ward runs.", 1);
	metric(o, "ward_child_running", "gauge", "1 while the child runs.",
	       in->child_running);
	metric(o, "ward_ready", "gauge", "1 while /readyz answers 200.",
	       health_ready(in));
	metric(o, "ward_child_restarts_total", "counter",
	       "Child restarts by ward.", in->restarts);
	metric(o, "ward_zombies_reaped_total", "counter", "Processes reaped.",
	       in->zombies_reaped);
	metric(o, "ward_signals_forwarded_total", "counter",
	       "Signals forwarded to the child.", in->signals_forwarded);
	metric(o, "ward_log_lines_dropped_total", "counter",
	       "Log lines dropped on a full stderr.", log_dropped());
	out_printf(o,
	           "# HELP ward_probe_total Health probes by result.\n"
	           "# TYPE ward_probe_total counter\n"
	           "ward_probe_total{result=\"success\"} %lu\n"
	           "ward_probe_total{result=\"failure\"} %lu\n",
	           in->probes_ok, in->probes_failed);
	out_printf(o,
	           "# HELP ward_probe_duration_seconds Duration of the "
	           "last probe.\n# TYPE ward_probe_duration_seconds gauge\n"
	           "ward_probe_duration_seconds %lld.%03lld\n",
	           (long long)r->duration_ms / 1000,
	           (long long)r->duration_ms % 1000);
	report_gauges(in, now, o);
}

/* Route a parsed request: status code and body into body. */
static int
report_route(struct init *in, const struct http_req *rq, int64_t now,
             struct out *body, const char **ctype)
{
	size_t n = strcspn(rq->path, "? \r\n");
	bool ok;

	if (n > rq->path_len)
		n = rq->path_len;
#define IS(p) (n == strlen(p) && memcmp(rq->path, p, n) == 0)
	if (IS("/livez") || IS("/healthz"))
		ok = health_live(in);
	else if (IS("/readyz"))
		ok = health_ready(in);
	else if (IS("/status")) {
		*ctype = "application/json";
		report_json(in, now, body);
		return 200;
	} else if (IS("/metrics")) {
		*ctype = "text/plain; version=0.0.4; charset=utf-8";
		report_metrics(in, now, body);
		return 200;
	} else {
		out_printf(body, "not found\n");
		return 404;
	}
#undef IS
	out_printf(body, ok ? "ok\n" : "fail\n");
	return ok ? 200 : 503;
}

static const char *
reason(int code)
{
	switch (code) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 431:
		return "Request Header Fields Too Large";
	}
	return "Service Unavailable";
}

#define REPORT_HEAD_MAX 256 /* room kept for the response head */

int
report_respond(struct init *in, const char *req, size_t len, int64_t now,
               char *out, size_t size)
{
	char headbuf[REPORT_HEAD_MAX];
	struct out head = {headbuf, sizeof(headbuf), 0, 0};
	struct out body = {out + REPORT_HEAD_MAX, 0, 0, 0};
	const char *ctype = "text/plain";
	struct http_req rq;
	int r = http_parse_request(req, len, 0, &rq);
	bool is_head = false;
	int code;

	if (r == HTTP_PARTIAL && len < HTTP_REQ_MAX)
		return -2;
	if (size <= REPORT_HEAD_MAX)
		return -1;
	body.size = size - REPORT_HEAD_MAX;
	if (r == HTTP_PARTIAL || r == HTTP_TOO_MANY)
		code = 431;
	else if (r < 0)
		code = 400;
	else if ((is_head =
	              rq.method_len == 4 && !memcmp(rq.method, "HEAD", 4)) ||
	         (rq.method_len == 3 && !memcmp(rq.method, "GET", 3)))
		code = report_route(in, &rq, now, &body, &ctype);
	else
		code = 405;
	if (code >= 400 && code != 404 && code != 503)
		out_printf(&body, "%s\n", reason(code));
	out_printf(&head, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n", code,
	           reason(code), ctype);
	out_printf(&head,
	           "Content-Length: %zu\r\nConnection: close\r\n"
	           "Cache-Control: no-store\r\n%s\r\n",
	           body.len, code == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (head.full || body.full)
		return -1;
	/* The body was written after the room for the head: close the gap. */
	memmove(out + head.len, body.buf, is_head ? 0 : body.len);
	memcpy(out, head.buf, head.len);
	return (int)(head.len + (is_head ? 0 : body.len));
}
