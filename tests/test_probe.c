/* test_probe.c: unit tests of the health-probe client (src/probe.c) against
 * a tiny server run by a child process on loopback. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "check.h"
#include "guard.h"
#include "http.h"
#include "probe.h"
#include "url.h"

/* What the test server does once it has read the request. */
enum srv_mode {
	SRV_REPLY,   /* write the reply, close */
	SRV_TRICKLE, /* write the reply a byte at a time, close */
	SRV_SILENT,  /* accept, never answer */
	SRV_HOLD,    /* write the reply, keep the connection open */
	SRV_FLOOD    /* write the reply, then body until the client leaves */
};

struct server {
	pid_t pid;  /* the child serving one connection */
	int port;   /* its port on loopback */
	int req_fd; /* read end of a pipe: the request bytes it got */
};

TestSuite(probe, .timeout = 15);

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write all of s[0..n), or give up quietly (the client may be gone). */
static void
write_all(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* The child: accept one connection, read its request, answer by mode. */
static _Noreturn void
serve(int lfd, int out, enum srv_mode mode, const char *reply)
{
	static char body[65536];
	char buf[4096];
	size_t used = 0, i;
	ssize_t n;
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_IGN);
	if ((fd = accept(lfd, NULL, NULL)) < 0)
		_exit(1);
	while (used < sizeof(buf) &&
	       (n = read(fd, buf + used, sizeof(buf) - used)) > 0) {
		used += (size_t)n;
		if (memmem(buf, used, "\r\n\r\n", 4) != NULL)
			break;
	}
	write_all(out, buf, used);
	close(out);
	if (mode == SRV_SILENT)
		sleep(10);
	if (mode == SRV_TRICKLE)
		for (i = 0; reply[i] != '\0'; i++, usleep(1000))
			write_all(fd, reply + i, 1);
	else
		write_all(fd, reply, strlen(reply));
	if (mode == SRV_HOLD)
		sleep(10);
	memset(body, 'x', sizeof(body));
	while (mode == SRV_FLOOD && write(fd, body, sizeof(body)) > 0)
		;
	close(fd);
	_exit(0);
}

/* Listen on port (0: any) of the loopback of family; returns the port. */
static int
listen_loopback(int family, int port, int *fdp)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin->sin_port = htons((uint16_t)port);
	} else {
		sin6->sin6_addr = in6addr_loopback;
		sin6->sin6_port = htons((uint16_t)port);
	}
	len = family == AF_INET ? sizeof(*sin) : sizeof(*sin6);
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&ss, len), 0, "bind: %s",
	             strerror(errno));
	cr_assert_eq(listen(fd, 8), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	*fdp = fd;
	return ntohs(family == AF_INET ? sin->sin_port : sin6->sin6_port);
}

static void
server_start_on(struct server *s, int family, int port, enum srv_mode mode,
                const char *reply)
{
	int lfd, p[2];

	s->port = listen_loopback(family, port, &lfd);
	cr_assert_eq(pipe(p), 0);
	s->pid = fork();
	cr_assert_geq(s->pid, 0);
	if (s->pid == 0) {
		close(p[0]);
		serve(lfd, p[1], mode, reply);
	}
	close(lfd);
	close(p[1]);
	s->req_fd = p[0];
}

static void
server_start(struct server *s, int family, enum srv_mode mode,
             const char *reply)
{
	server_start_on(s, family, 0, mode, reply);
}

/* The request bytes the server read, NUL-terminated; their length. */
static size_t
server_request(struct server *s, char *buf, size_t size)
{
	struct pollfd pfd = {.fd = s->req_fd, .events = POLLIN};
	size_t used = 0;
	ssize_t n;

	while (used + 1 < size && poll(&pfd, 1, 3000) == 1 &&
	       (n = read(s->req_fd, buf + used, size - 1 - used)) > 0)
		used += (size_t)n;
	buf[used] = '\0';
	return used;
}

static void
server_stop(struct server *s)
{
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	close(s->req_fd);
}

/* A port nothing listens on (bound, then closed). */
static int
closed_port(int family)
{
	int fd, port = listen_loopback(family, 0, &fd);

	close(fd);
	return port;
}

/* Parse the URL "<head><port><tail>". */
static void
mkurl(struct url *u, const char *head, int port, const char *tail)
{
	char s[128];
	const char *why = NULL;

	snprintf(s, sizeof(s), "%s%d%s", head, port, tail);
	cr_assert_eq(url_parse(guard_copy(s, strlen(s) + 1), u, &why), 0,
	             "%s: %s", s, why);
}

/* Serve reply once and probe it with check_once; the --check line. */
static int
probe_reply(enum srv_mode mode, const char *reply, int64_t timeout_ms,
            struct probe_result *r, char *line, size_t size)
{
	struct server s;
	struct url u;
	int rc;

	server_start(&s, AF_INET, mode, reply);
	mkurl(&u, "http://127.0.0.1:", s.port, "/healthz");
	rc = check_once(&u, timeout_ms, r);
	check_format(r, line, size);
	server_stop(&s);
	return rc;
}

/* line starts with "ok: HTTP <status> in " and ends in " ms". */
static void
assert_ok_line(const char *line, int status)
{
	char want[32];
	size_t n = strlen(line);

	snprintf(want, sizeof(want), "ok: HTTP %d in ", status);
	cr_assert(strncmp(line, want, strlen(want)) == 0, "%s", line);
	cr_assert(n > 3 && strcmp(line + n - 3, " ms") == 0, "%s", line);
}

Test(probe, http_200_is_healthy)
{
	struct probe_result r;
	char line[128];

	cr_assert_eq(probe_reply(SRV_REPLY,
	                         "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
	                         "\r\nok\n",
	                         2000, &r, line, sizeof(line)),
	             0);
	cr_assert(r.ok);
	cr_assert_eq(r.status, 200);
	cr_assert_geq(r.duration_ms, 0);
	cr_assert_lt(r.duration_ms, 2000);
	assert_ok_line(line, 200);
}

Test(probe, request_bytes)
{
	struct server s;
	struct url u;
	struct probe_result r;
	struct http_req q;
	char got[1024], want[256];
	size_t n;

	server_start(&s, AF_INET, SRV_REPLY, "HTTP/1.1 204 No Content\r\n\r\n");
	mkurl(&u, "http://127.0.0.1:", s.port, "/ready?full=1");
	cr_assert_eq(check_once(&u, 2000, &r), 0);
	n = server_request(&s, got, sizeof(got));
	server_stop(&s);
	snprintf(want, sizeof(want),
	         "GET /ready?full=1 HTTP/1.1\r\n"
	         "Host: 127.0.0.1:%d\r\n"
	         "User-Agent: ward/" WARD_VERSION "\r\n"
	         "Connection: close\r\n"
	         "\r\n",
	         s.port);
	cr_assert_str_eq(got, want);
	cr_assert_eq(http_parse_request(guard_copy(got, n), n, 0, &q), (int)n);
	cr_assert_eq(q.num_headers, 3);
}

Test(probe, host_header_as_written)
{
	struct server s;
	struct url u;
	struct probe_result r;
	char got[1024], want[64];

	server_start(&s, AF_INET, SRV_REPLY, "HTTP/1.1 200 OK\r\n\r\n");
	mkurl(&u, "http://localhost:", s.port, "");
	cr_assert_eq(check_once(&u, 2000, &r), 0);
	server_request(&s, got, sizeof(got));
	server_stop(&s);
	snprintf(want, sizeof(want), "\r\nHost: localhost:%d\r\n", s.port);
	cr_assert_not_null(strstr(got, want), "%s", got);
	cr_assert(strncmp(got, "GET / HTTP/1.1\r\n", 16) == 0, "%s", got);
}

Test(probe, http_503_is_unhealthy)
{
	struct probe_result r;
	char line[128];

	cr_assert_eq(probe_reply(SRV_REPLY,
	                         "HTTP/1.1 503 Service Unavailable\r\n"
	                         "Content-Length: 5\r\n\r\nfail\n",
	                         2000, &r, line, sizeof(line)),
	             1);
	cr_assert_not(r.ok);
	cr_assert_eq(r.status, 503);
	cr_assert_str_eq(line, "fail: HTTP 503");
}

Test(probe, status_rule_200_to_399)
{
	static const struct {
		const char *reply; /* what the server says */
		int ok;            /* healthy? */
	} c[] = {
	    {"HTTP/1.1 204 No Content\r\n\r\n", 1},
	    {"HTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\n", 1},
	    {"HTTP/1.0 399 Odd\r\n\r\n", 1},
	    {"HTTP/1.1 199 Odd\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", 1},
	    {"HTTP/1.1 400 Bad Request\r\n\r\n", 0},
	    {"HTTP/1.1 404\r\n\r\n", 0},
	    {"HTTP/1.1 500 \r\n\r\n", 0},
	    {"HTTP/1.1 101 Switching Protocols\r\n\r\n", 0},
	};
	struct probe_result r;
	char line[128];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		cr_assert_eq(probe_reply(SRV_REPLY, c[i].reply, 2000, &r, line,
		                         sizeof(line)),
		             c[i].ok ? 0 : 1, "%s: %s", c[i].reply, line);
		cr_assert_eq(r.ok, c[i].ok, "%s", c[i].reply);
	}
	cr_assert_str_eq(line, "fail: HTTP 101");
}

Test(probe, early_hints_then_200)
{
	static const char m[] = "HTTP/1.1 103 Early Hints\r\n"
	                        "Link: </style.css>; rel=preload\r\n"
	                        "\r\n"
	                        "HTTP/1.1 200 OK\r\n"
	                        "Content-Length: 2\r\n"
	                        "\r\n"
	                        "ok";
	struct probe_result r;
	char line[128];

	cr_assert_eq(probe_reply(SRV_REPLY, m, 2000, &r, line, sizeof(line)),
	             0);
	cr_assert_eq(r.status, 200);
	assert_ok_line(line, 200);
	/* The same, a byte per write: every split of the interim head. */
	cr_assert_eq(probe_reply(SRV_TRICKLE, m, 5000, &r, line, sizeof(line)),
	             0, "%s", line);
	cr_assert_eq(r.status, 200);
}

Test(probe, continue_then_503)
{
	struct probe_result r;
	char line[128];

	cr_assert_eq(probe_reply(SRV_REPLY,
	                         "HTTP/1.1 100 Continue\r\n\r\n"
	                         "HTTP/1.1 102 Processing\r\n\r\n"
	                         "HTTP/1.1 503 Unavailable\r\n\r\n",
	                         2000, &r, line, sizeof(line)),
	             1);
	cr_assert_str_eq(line, "fail: HTTP 503");
}

Test(probe, only_interim_then_close)
{
	struct probe_result r;
	char line[128];

	cr_assert_eq(probe_reply(SRV_REPLY, "HTTP/1.1 103 Early Hints\r\n\r\n",
	                         2000, &r, line, sizeof(line)),
	             1);
	cr_assert_str_eq(line, "fail: connection closed before the response");
}

Test(probe, refused)
{
	struct url u;
	struct probe_result r;
	char line[128], want[128];
	int port = closed_port(AF_INET);

	mkurl(&u, "http://127.0.0.1:", port, "/");
	cr_assert_eq(check_once(&u, 2000, &r), 1);
	check_format(&r, line, sizeof(line));
	snprintf(want, sizeof(want), "fail: connection refused (127.0.0.1:%d)",
	         port);
	cr_assert_str_eq(line, want);
	cr_assert_eq(r.status, 0);
}

Test(probe, localhost_falls_back_to_ipv4)
{
	struct server s;
	struct url u;
	struct probe_result r;

	server_start(&s, AF_INET, SRV_REPLY, "HTTP/1.1 200 OK\r\n\r\n");
	mkurl(&u, "http://localhost:", s.port, "/");
	cr_assert_eq(check_once(&u, 2000, &r), 0, "%s", r.error);
	server_stop(&s);
}

Test(probe, localhost_tries_ipv6_first)
{
	struct server s6, s4;
	struct url u;
	struct probe_result r;

	/* The same port on both loopbacks: ::1 says 200, 127.0.0.1 503. */
	server_start(&s6, AF_INET6, SRV_REPLY, "HTTP/1.1 200 OK\r\n\r\n");
	server_start_on(&s4, AF_INET, s6.port, SRV_REPLY,
	                "HTTP/1.1 503 No\r\n\r\n");
	cr_assert_eq(s4.port, s6.port);
	mkurl(&u, "http://localhost:", s6.port, "/");
	cr_assert_eq(check_once(&u, 2000, &r), 0, "%s", r.error);
	server_stop(&s6);
	mkurl(&u, "http://localhost:", s4.port, "/");
	cr_assert_eq(check_once(&u, 2000, &r), 1);
	cr_assert_str_eq(r.error, "HTTP 503");
	server_stop(&s4);
	server_start(&s6, AF_INET6, SRV_REPLY, "HTTP/1.1 200 OK\r\n\r\n");
	mkurl(&u, "http://[::1]:", s6.port, "/");
	cr_assert_eq(check_once(&u, 2000, &r), 0, "%s", r.error);
	server_stop(&s6);
}

Test(probe, localhost_refused_names_the_last_address)
{
	struct url u;
	struct probe_result r;
	char want[96];
	int port = closed_port(AF_INET);

	mkurl(&u, "tcp://localhost:", port, "");
	cr_assert_eq(check_once(&u, 2000, &r), 1);
	snprintf(want, sizeof(want), "connection refused (127.0.0.1:%d)", port);
	cr_assert_str_eq(r.error, want);
}

/* A server that accepts and never answers: fail on the deadline. */
static void
check_timeout(const char *head, int64_t timeout_ms, const char *want)
{
	struct server s;
	struct url u;
	struct probe_result r;
	char line[128];
	int64_t t0, dt;

	server_start(&s, AF_INET, SRV_SILENT, "");
	mkurl(&u, head, s.port, "/");
	t0 = now_ms();
	cr_assert_eq(check_once(&u, timeout_ms, &r), 1);
	dt = now_ms() - t0;
	server_stop(&s);
	check_format(&r, line, sizeof(line));
	cr_assert_str_eq(line, want);
	cr_assert_geq(dt, timeout_ms - 1, "%lld ms", (long long)dt);
	/* Fail on a hang only, never on speed. */
	cr_assert_lt(dt, timeout_ms + 4500, "%lld ms", (long long)dt);
	cr_assert_geq(r.duration_ms, timeout_ms);
}

Test(probe, timeout_ms)
{
	check_timeout("http://127.0.0.1:", 300, "fail: timeout after 300ms");
}

Test(probe, timeout_seconds)
{
	check_timeout("http://127.0.0.1:", 1000, "fail: timeout after 1s");
}

Test(probe, timeout_localhost)
{
	check_timeout("http://localhost:", 400, "fail: timeout after 400ms");
}

Test(probe, tcp_connect)
{
	struct server s;
	struct url u;
	struct probe_result r;
	char line[128];

	server_start(&s, AF_INET, SRV_SILENT, "");
	mkurl(&u, "tcp://127.0.0.1:", s.port, "");
	cr_assert_eq(check_once(&u, 2000, &r), 0, "%s", r.error);
	server_stop(&s);
	cr_assert(r.ok);
	cr_assert_eq(r.status, 0);
	check_format(&r, line, sizeof(line));
	cr_assert(strncmp(line, "ok: TCP connect in ", 19) == 0, "%s", line);
	mkurl(&u, "tcp://127.0.0.1:", closed_port(AF_INET), "");
	cr_assert_eq(check_once(&u, 2000, &r), 1);
	cr_assert(strncmp(r.error, "connection refused (", 20) == 0);
}

Test(probe, tcp_sends_nothing)
{
	struct server s;
	struct url u;
	struct probe_result r;
	char got[64];

	server_start(&s, AF_INET, SRV_REPLY, "");
	mkurl(&u, "tcp://localhost:", s.port, "");
	cr_assert_eq(check_once(&u, 2000, &r), 0);
	cr_assert_eq(server_request(&s, got, sizeof(got)), 0);
	server_stop(&s);
}

Test(probe, malformed_and_closed)
{
	struct probe_result r;
	char line[128];

	cr_assert_eq(probe_reply(SRV_REPLY, "HTTP/1.1 2OO OK\r\n\r\n", 2000, &r,
	                         line, sizeof(line)),
	             1);
	cr_assert_str_eq(line, "fail: malformed HTTP response");
	cr_assert_eq(probe_reply(SRV_REPLY, "SSH-2.0-OpenSSH_9.2\r\n", 2000, &r,
	                         line, sizeof(line)),
	             1);
	cr_assert_str_eq(line, "fail: malformed HTTP response");
	cr_assert_eq(probe_reply(SRV_REPLY, "", 2000, &r, line, sizeof(line)),
	             1);
	cr_assert_str_eq(line, "fail: connection closed before the response");
	cr_assert_eq(probe_reply(SRV_REPLY, "HTTP/1.1 200 OK\r\n", 2000, &r,
	                         line, sizeof(line)),
	             1);
	cr_assert_str_eq(line, "fail: connection closed before the response");
}

Test(probe, endless_body_is_drained_up_to_the_cap)
{
	struct probe_result r;
	char line[128];
	int64_t t0 = now_ms();

	cr_assert_eq(probe_reply(SRV_FLOOD, "HTTP/1.1 200 OK\r\n\r\n", 10000,
	                         &r, line, sizeof(line)),
	             0, "%s", line);
	/* Done by the drain cap, long before the deadline (not a speed test:
	 * it takes milliseconds). */
	cr_assert_lt(now_ms() - t0, 5000);
}

Test(probe, open_connection_after_head_keeps_status)
{
	struct probe_result r;
	char line[128];

	cr_assert_eq(probe_reply(SRV_HOLD,
	                         "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	                         "\r\nok",
	                         500, &r, line, sizeof(line)),
	             0, "%s", line);
	cr_assert_eq(r.status, 200);
	cr_assert_lt(r.duration_ms, 500); /* when the head came */
	cr_assert_eq(probe_reply(SRV_HOLD, "HTTP/1.1 500 Oops\r\n\r\n", 500, &r,
	                         line, sizeof(line)),
	             1);
	cr_assert_str_eq(line, "fail: HTTP 500");
}

Test(probe, many_headers_and_large_heads_still_count)
{
	static char m[3 * HTTP_RESP_MAX];
	const size_t big = (size_t)HTTP_RESP_MAX * 2; /* more than fits */
	struct probe_result r;
	char line[128];
	size_t n, i;

	n = (size_t)snprintf(m, sizeof(m), "HTTP/1.1 200 OK\r\n");
	for (i = 0; i < (size_t)HTTP_MAX_HEADERS * 3; i++)
		n += (size_t)snprintf(m + n, sizeof(m) - n, "X-H%zu: v\r\n", i);
	snprintf(m + n, sizeof(m) - n, "\r\nok");
	cr_assert_eq(probe_reply(SRV_REPLY, m, 2000, &r, line, sizeof(line)), 0,
	             "%s", line);
	n = (size_t)snprintf(m, sizeof(m), "HTTP/1.1 503 No\r\nX-Big: ");
	memset(m + n, 'b', big);
	memcpy(m + n + big, "\r\n\r\n", 5);
	cr_assert_eq(probe_reply(SRV_REPLY, m, 2000, &r, line, sizeof(line)),
	             1);
	cr_assert_str_eq(line, "fail: HTTP 503");
	/* No status line within the buffer: nothing to go by. */
	n = (size_t)snprintf(m, sizeof(m), "HTTP/1.1 200 ");
	memset(m + n, 'r', big);
	memcpy(m + n + big, "\r\n\r\n", 5);
	cr_assert_eq(probe_reply(SRV_REPLY, m, 2000, &r, line, sizeof(line)),
	             1);
	cr_assert_str_eq(line, "fail: response head too large");
}

Test(probe, state_machine_with_caller_time)
{
	struct server s;
	struct url u;
	struct probe p;
	short ev;
	int fd;

	server_start(&s, AF_INET, SRV_SILENT, "");
	mkurl(&u, "http://127.0.0.1:", s.port, "/");
	probe_init(&p);
	cr_assert_eq(probe_pollfd(&p, 0, &ev), -1);
	cr_assert_eq(probe_start(&p, &u, 1000, 2000), 0);
	fd = probe_pollfd(&p, 0, &ev);
	cr_assert_geq(fd, 0);
	cr_assert(ev == POLLOUT || ev == POLLIN);
	/* Ticks before the deadline do nothing; the deadline ends it. */
	cr_assert_not(probe_step(&p, 1500, 0));
	cr_assert_not(probe_step(&p, 2999, 0));
	cr_assert(probe_step(&p, 3000, 0));
	cr_assert_eq(p.state, PROBE_DONE);
	cr_assert_str_eq(p.last.error, "timeout after 2s");
	cr_assert_eq(p.last.duration_ms, 2000);
	cr_assert_eq(probe_pollfd(&p, 0, &ev), -1);
	cr_assert_eq(fcntl(fd, F_GETFD), -1, "fd left open");
	cr_assert(probe_step(&p, 4000, POLLIN));
	/* A second probe on the same struct, dropped in flight; the last
	 * result stays readable meanwhile (for /status). */
	cr_assert_eq(probe_start(&p, &u, 5000, 1500), 0);
	cr_assert_str_eq(p.last.error, "timeout after 2s");
	fd = probe_pollfd(&p, 0, &ev);
	probe_abort(&p);
	cr_assert_eq(p.state, PROBE_IDLE);
	cr_assert_eq(fcntl(fd, F_GETFD), -1, "fd left open");
	cr_assert_not(probe_step(&p, 9000, 0));
	cr_assert_eq(probe_start(&p, &u, 5000, 1500), 0);
	cr_assert(probe_step(&p, 6500, 0));
	cr_assert_str_eq(p.last.error, "timeout after 1500ms");
	server_stop(&s);
}

Test(probe, nonblocking_run_to_completion)
{
	struct server s;
	struct url u;
	struct probe p;
	struct pollfd pfd;
	int steps = 0;

	server_start(&s, AF_INET, SRV_REPLY, "HTTP/1.1 200 OK\r\n\r\n");
	mkurl(&u, "http://127.0.0.1:", s.port, "/");
	probe_init(&p);
	cr_assert_eq(probe_start(&p, &u, now_ms(), 3000), 0);
	do {
		pfd.fd = probe_pollfd(&p, 0, &pfd.events);
		cr_assert_geq(pfd.fd, 0);
		cr_assert_eq(fcntl(pfd.fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
		cr_assert_eq(fcntl(pfd.fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
		pfd.revents = 0;
		poll(&pfd, 1, 1000);
		steps++;
	} while (!probe_step(&p, now_ms(), pfd.revents));
	server_stop(&s);
	cr_assert(p.last.ok, "%s", p.last.error);
	cr_assert_eq(p.fd, -1);
	cr_assert_lt(steps, 50);
}

Test(probe, format_lines)
{
	struct probe_result r;
	char line[128];

	memset(&r, 0, sizeof(r));
	r.ok = true;
	r.status = 200;
	r.duration_ms = 3;
	check_format(&r, line, sizeof(line));
	cr_assert_str_eq(line, "ok: HTTP 200 in 3 ms");
	r.status = 0;
	r.duration_ms = 1;
	check_format(&r, line, sizeof(line));
	cr_assert_str_eq(line, "ok: TCP connect in 1 ms");
	r.ok = false;
	snprintf(r.error, sizeof(r.error),
	         "connection refused (127.0.0.1:8080)");
	check_format(&r, line, sizeof(line));
	cr_assert_str_eq(line, "fail: connection refused (127.0.0.1:8080)");
	check_format(&r, line, 8);
	cr_assert_str_eq(line, "fail: c");
}

/* A probe of u that has sent its request, reading from fd (or none). */
static void
receiving(struct probe *p, struct url *u, int fd)
{
	mkurl(u, "http://127.0.0.1:", 9, "/");
	probe_init(p);
	probe_start(p, u, 0, 60000); /* port 9: refused, now or soon */
	probe_abort(p);
	p->state = PROBE_RECEIVING;
	p->fd = fd;
	p->used = p->drained = 0;
	p->interim = 0;
	memset(&p->cur, 0, sizeof(p->cur));
	p->cur.duration_ms = -1;
}

/* Feed s to the receive path as if read in one piece; true when over. */
static bool
feed(struct probe *p, const char *s)
{
	char *dst;
	size_t n = strlen(s), room = probe_http_room(p, &dst);

	cr_assert_leq(n, room);
	memcpy(dst, s, n);
	return probe_http_input(p, 1, n);
}

Test(probe, five_interim_responses_are_skipped_a_sixth_fails)
{
	struct probe p;
	struct url u;
	int i;

	receiving(&p, &u, -1);
	for (i = 0; i < PROBE_INTERIM_MAX; i++)
		cr_assert_not(feed(&p, "HTTP/1.1 100 Continue\r\n\r\n"));
	cr_assert(feed(&p, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
	cr_assert(p.last.ok, "%s", p.last.error);
	receiving(&p, &u, -1);
	for (i = 0; i < PROBE_INTERIM_MAX; i++)
		cr_assert_not(feed(&p, "HTTP/1.1 103 Early Hints\r\n\r\n"));
	cr_assert(feed(&p, "HTTP/1.1 100 Continue\r\n\r\n"));
	cr_assert_not(p.last.ok);
	cr_assert_str_eq(p.last.error, "too many interim responses");
	/* Six in one read, with a 200 after them: still a failure. */
	receiving(&p, &u, -1);
	cr_assert(feed(&p, "HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\n"
	                   "HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\n"
	                   "HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\n"
	                   "HTTP/1.1 200 OK\r\n\r\n"));
	cr_assert_str_eq(p.last.error, "too many interim responses");
}

Test(probe, content_length_ends_the_read)
{
	struct probe p;
	struct url u;

	receiving(&p, &u, -1);
	cr_assert_not(
	    feed(&p, "HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\no"));
	cr_assert_not(feed(&p, "k"));
	cr_assert(feed(&p, "\n"));
	cr_assert(p.last.ok);
	cr_assert_eq(p.last.status, 200);
	receiving(&p, &u, -1);
	cr_assert(feed(&p, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
	receiving(&p, &u, -1);
	cr_assert(feed(&p, "HTTP/1.1 204 No Content\r\n\r\n"));
	cr_assert(p.last.ok);
	receiving(&p, &u, -1);
	cr_assert(feed(&p, "HTTP/1.1 503 No\r\nContent-Length: 0\r\n\r\n"));
	cr_assert_str_eq(p.last.error, "HTTP 503");
	/* No or a bad Content-Length: drained until the close or the cap. */
	receiving(&p, &u, -1);
	cr_assert_not(feed(&p, "HTTP/1.1 200 OK\r\n\r\nok"));
	cr_assert(probe_http_input(&p, 1, 0));
	cr_assert(p.last.ok);
	receiving(&p, &u, -1);
	cr_assert_not(
	    feed(&p, "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\no"));
	receiving(&p, &u, -1);
	cr_assert_not(feed(&p, "HTTP/1.1 200 OK\r\nContent-Length: "
	                       "99999999999999999999999999\r\n\r\no"));
}

Test(probe, one_step_reads_a_bounded_amount)
{
	static char flood[1 << 16];
	struct probe p;
	struct url u;
	int sv[2];
	size_t before;
	int i;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv),
	             0);
	receiving(&p, &u, sv[0]);
	memset(flood, 'x', sizeof(flood));
	memcpy(flood, "HTTP/1.1 200 OK\r\n\r\n", 19);
	cr_assert_gt(write(sv[1], flood, sizeof(flood)), PROBE_TURN_MAX * 2);
	cr_assert_not(probe_step(&p, 1, POLLIN));
	cr_assert_eq(p.cur.status, 200);
	cr_assert_leq(p.used, PROBE_TURN_MAX); /* all read so far */
	for (i = 0; i < 3; i++) {
		before = p.drained;
		cr_assert_not(probe_step(&p, 2, POLLIN));
		cr_assert_leq(p.drained - before, PROBE_TURN_MAX);
		cr_assert_gt(p.drained, before);
	}
	/* The deadline is checked on a turn with bytes waiting too. */
	cr_assert(probe_step(&p, 60000, POLLIN));
	cr_assert(p.last.ok);
	close(sv[1]);
}

Test(probe, a_flood_of_continues_ends_within_one_turn)
{
	static char flood[1 << 16];
	struct probe p;
	struct url u;
	int sv[2];
	size_t i;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv),
	             0);
	receiving(&p, &u, sv[0]);
	for (i = 0; i + 25 <= sizeof(flood); i += 25)
		memcpy(flood + i, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	cr_assert_gt(write(sv[1], flood, i), 0);
	cr_assert(probe_step(&p, 1, POLLIN));
	cr_assert_str_eq(p.last.error, "too many interim responses");
	close(sv[1]);
}
