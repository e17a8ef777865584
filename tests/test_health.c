/* test_health.c: unit tests of the probe schedule and health rules
 * (src/health.c), with real probes against loopback sockets. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "health.h"
#include "log.h"
#include "probe.h"
#include "url.h"

#define T0 1000000 /* monotonic ms of the child's start */
#define IVL 10000  /* --probe-interval */

static struct init in;
static int lfd = -1;      /* a non-blocking listening socket */
static struct url good;   /* tcp:// to lfd */
static struct url bad;    /* tcp:// to a closed port: refused */
static struct url silent; /* http:// to lfd: never answers */

static unsigned short
bound_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

static int
loopback_socket(void)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* Parse "SCHEME://127.0.0.1:" + port + path into u. */
static void
parse_url(struct url *u, const char *scheme, unsigned short port,
          const char *path)
{
	char s[64];
	const char *why = "";

	snprintf(s, sizeof(s), "%s://127.0.0.1:%u%s", scheme, port, path);
	cr_assert_eq(url_parse(s, u, &why), 0, "%s: %s", s, why);
}

/* A running child with a tcp:// probe; retries 3, start period 0. */
static void
setup(void)
{
	int closed;

	log_init(LOG_LVL_ERROR);
	lfd = loopback_socket();
	cr_assert_eq(listen(lfd, 128), 0);
	parse_url(&good, "tcp", bound_port(lfd), "");
	parse_url(&silent, "http", bound_port(lfd), "/");
	closed = loopback_socket();
	parse_url(&bad, "tcp", bound_port(closed), "");
	close(closed);

	memset(&in, 0, sizeof(in));
	probe_init(&in.probe);
	in.listen_fd = -1;
	in.child = 4242;
	in.child_running = true;
	in.phase = PHASE_RUNNING;
	in.cfg.has_probe = true;
	in.cfg.probe = good;
	in.cfg.probe_interval_ms = IVL;
	in.cfg.probe_timeout_ms = 1000;
	in.cfg.probe_start_ms = 0;
	in.cfg.probe_retries = 3;
	in.cfg.on_unhealthy = UNHEALTHY_NONE;
	in.backoff_ms = 8000;
}

static void
teardown(void)
{
	probe_abort(&in.probe);
	if (lfd >= 0)
		close(lfd);
	lfd = -1;
}

TestSuite(health, .init = setup, .fini = teardown, .timeout = 20);

/* Accept and close what the probes left in the listen queue. */
static void
drain_accepts(void)
{
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0)
		close(fd);
}

/*
 * One whole probe at time now: health_step starts it, then poll and step
 * until it is done (time does not move, so it cannot time out). Returns
 * the action of the step that booked the result.
 */
static enum health_act
probe_at(int64_t now, const struct url *u)
{
	unsigned long before = in.probes_ok + in.probes_failed;
	enum health_act a;
	struct pollfd pfd;

	in.cfg.probe = *u;
	cr_assert_leq(in.next_probe, now, "probe not due at %lld",
	              (long long)now);
	a = health_step(&in, now, 0);
	while ((pfd.fd = health_pollfd(&in, 0, &pfd.events)) >= 0) {
		cr_assert_eq(a, HEALTH_ACT_NONE);
		pfd.revents = 0;
		cr_assert_eq(poll(&pfd, 1, 5000), 1, "probe hangs");
		a = health_step(&in, now, pfd.revents);
	}
	cr_assert_eq(in.probes_ok + in.probes_failed, before + 1,
	             "no result at %lld", (long long)now);
	drain_accepts();
	return a;
}

static enum health_act
ok_at(int64_t now)
{
	return probe_at(now, &good);
}

static enum health_act
fail_at(int64_t now)
{
	return probe_at(now, &bad);
}

/* ---- ready and live ---- */

/* Set the state numbered i (0 <= i < 144) and check both predicates. */
static void
check_state(int i)
{
	static const enum phase phases[] = {PHASE_RUNNING, PHASE_RESTART_STOP,
	                                    PHASE_RESTART_WAIT, PHASE_SHUTDOWN};
	static const enum health healths[] = {HEALTH_STARTING, HEALTH_HEALTHY,
	                                      HEALTH_UNHEALTHY};
	static const enum on_unhealthy acts[] = {
	    UNHEALTHY_NONE, UNHEALTHY_RESTART, UNHEALTHY_EXIT};
	bool has = i % 2;
	bool run = i / 2 % 2;
	enum phase ph = phases[i / 4 % 4];
	enum health h = healths[i / 16 % 3];
	enum on_unhealthy act = acts[i / 48 % 3];
	bool ready =
	    ph == PHASE_RUNNING && run && (!has || h == HEALTH_HEALTHY);
	bool live = !(has && h == HEALTH_UNHEALTHY && act == UNHEALTHY_NONE);

	in.cfg.has_probe = has;
	in.child_running = run;
	in.phase = ph;
	in.health = h;
	in.cfg.on_unhealthy = act;
	cr_expect_eq(health_ready(&in), ready,
	             "ready: probe %d running %d phase %d health %d act %d",
	             has, run, ph, h, act);
	cr_expect_eq(health_live(&in), live,
	             "live: probe %d running %d phase %d health %d act %d", has,
	             run, ph, h, act);
}

/* SPEC 3: ready while the child runs (not restarting, not shutting down)
 * and there is no probe or it passed; live unless unhealthy with none. */
Test(health, ready_live_truth_table)
{
	int i;

	for (i = 0; i < 2 * 2 * 4 * 3 * 3; i++)
		check_state(i);
}

Test(health, ready_live_examples)
{
	in.cfg.has_probe = false;
	cr_assert(health_ready(&in));
	cr_assert(health_live(&in));
	in.cfg.has_probe = true;
	in.health = HEALTH_STARTING;
	cr_assert_not(health_ready(&in));
	cr_assert(health_live(&in));
	in.health = HEALTH_HEALTHY;
	cr_assert(health_ready(&in));
	in.health = HEALTH_UNHEALTHY;
	cr_assert_not(health_ready(&in));
	cr_assert_not(health_live(&in));
	in.cfg.on_unhealthy = UNHEALTHY_RESTART;
	cr_assert(health_live(&in));
	in.health = HEALTH_HEALTHY;
	in.phase = PHASE_SHUTDOWN;
	cr_assert_not(health_ready(&in));
	cr_assert(health_live(&in));
}

/* ---- when probes run ---- */

Test(health, reset)
{
	in.cfg.probe_start_ms = 30000;
	in.health = HEALTH_UNHEALTHY;
	in.consecutive_failures = 5;
	health_reset(&in, T0);
	cr_assert_eq(in.health, HEALTH_STARTING);
	cr_assert_eq(in.consecutive_failures, 0);
	cr_assert_eq(in.next_probe, T0);
	cr_assert_eq(in.probe_period_end, T0 + 30000);
	cr_assert_eq(health_deadline(&in), T0);
}

Test(health, reset_without_probe_does_nothing)
{
	in.cfg.has_probe = false;
	in.health = HEALTH_HEALTHY;
	in.next_probe = 7;
	health_reset(&in, T0);
	cr_assert_eq(in.health, HEALTH_HEALTHY);
	cr_assert_eq(in.next_probe, 7);
}

Test(health, inactive_does_nothing)
{
	short ev = 0;

	health_reset(&in, T0);
	in.cfg.has_probe = false;
	cr_assert_eq(health_step(&in, T0, 0), HEALTH_ACT_NONE);
	cr_assert_eq(health_deadline(&in), -1);
	cr_assert_eq(health_pollfd(&in, 0, &ev), -1);
	in.cfg.has_probe = true;
	in.phase = PHASE_RESTART_WAIT;
	cr_assert_eq(health_step(&in, T0, 0), HEALTH_ACT_NONE);
	cr_assert_eq(health_deadline(&in), -1);
	in.phase = PHASE_SHUTDOWN;
	cr_assert_eq(health_step(&in, T0, 0), HEALTH_ACT_NONE);
	in.phase = PHASE_RUNNING;
	in.child_running = false;
	cr_assert_eq(health_step(&in, T0, 0), HEALTH_ACT_NONE);
	cr_assert_eq(health_deadline(&in), -1);
	cr_assert_eq(in.probe.state, PROBE_IDLE);
	cr_assert_eq(in.probes_ok + in.probes_failed, 0);
}

Test(health, schedule)
{
	health_reset(&in, T0);
	cr_assert_eq(ok_at(T0), HEALTH_ACT_NONE);
	cr_assert_eq(in.next_probe, T0 + IVL);
	cr_assert_eq(health_deadline(&in), T0 + IVL);
	/* Not due yet: nothing starts. */
	cr_assert_eq(health_step(&in, T0 + IVL - 1, 0), HEALTH_ACT_NONE);
	cr_assert_eq(in.probes_ok, 1);
	cr_assert(in.probe.state == PROBE_IDLE || in.probe.state == PROBE_DONE);
	cr_assert_eq(ok_at(T0 + IVL), HEALTH_ACT_NONE);
	cr_assert_eq(in.probes_ok, 2);
	/* A late tick: the next one is an interval after the start. */
	cr_assert_eq(ok_at(T0 + 5 * IVL + 123), HEALTH_ACT_NONE);
	cr_assert_eq(in.next_probe, T0 + 6 * IVL + 123);
}

/* While a probe is in flight the deadline is its timeout. */
Test(health, deadline_in_flight_and_timeout)
{
	short ev = 0;

	health_reset(&in, T0);
	in.cfg.probe = silent;
	cr_assert_eq(health_step(&in, T0, 0), HEALTH_ACT_NONE);
	cr_assert(in.probe.state > PROBE_IDLE && in.probe.state < PROBE_DONE,
	          "state %d", in.probe.state);
	cr_assert_eq(health_deadline(&in), T0 + 1000);
	cr_assert_geq(health_pollfd(&in, 0, &ev), 0);
	cr_assert_neq(ev, 0);
	/* A tick before the deadline changes nothing. */
	cr_assert_eq(health_step(&in, T0 + 999, 0), HEALTH_ACT_NONE);
	cr_assert_eq(in.probes_failed, 0);
	cr_assert_eq(health_step(&in, T0 + 1000, 0), HEALTH_ACT_NONE);
	cr_assert_eq(in.probes_failed, 1);
	cr_assert_eq(in.consecutive_failures, 1);
	cr_assert_str_eq(in.probe.last.error, "timeout after 1s");
	cr_assert_eq(in.next_probe, T0 + IVL);
	cr_assert_eq(health_pollfd(&in, 0, &ev), -1);
	drain_accepts();
}

/* ---- results ---- */

Test(health, success)
{
	health_reset(&in, T0);
	cr_assert_eq(ok_at(T0), HEALTH_ACT_NONE);
	cr_assert_eq(in.health, HEALTH_HEALTHY);
	cr_assert_eq(in.probes_ok, 1);
	cr_assert_eq(in.probes_failed, 0);
	cr_assert_eq(in.consecutive_failures, 0);
	cr_assert_eq(in.backoff_ms, BACKOFF_MIN_MS);
	cr_assert(in.probe.last.ok);
	cr_assert(health_ready(&in));
}

Test(health, retries_then_unhealthy_none)
{
	health_reset(&in, T0);
	cr_assert_eq(fail_at(T0), HEALTH_ACT_NONE);
	cr_assert_eq(in.consecutive_failures, 1);
	cr_assert_eq(in.health, HEALTH_STARTING);
	cr_assert_not_null(strstr(in.probe.last.error, "connection refused"),
	                   "%s", in.probe.last.error);
	cr_assert_eq(fail_at(T0 + IVL), HEALTH_ACT_NONE);
	cr_assert_eq(in.consecutive_failures, 2);
	cr_assert_eq(in.health, HEALTH_STARTING);
	cr_assert_eq(fail_at(T0 + 2 * IVL), HEALTH_ACT_NONE);
	cr_assert_eq(in.consecutive_failures, 3);
	cr_assert_eq(in.health, HEALTH_UNHEALTHY);
	cr_assert_not(health_live(&in));
	cr_assert_eq(fail_at(T0 + 3 * IVL), HEALTH_ACT_NONE);
	cr_assert_eq(in.consecutive_failures, 4);
	cr_assert_eq(in.health, HEALTH_UNHEALTHY);
	cr_assert_eq(in.probes_failed, 4);
	cr_assert_eq(in.probes_ok, 0);
}

Test(health, unhealthy_restart_acts_once)
{
	in.cfg.on_unhealthy = UNHEALTHY_RESTART;
	health_reset(&in, T0);
	cr_assert_eq(ok_at(T0), HEALTH_ACT_NONE);
	cr_assert_eq(fail_at(T0 + IVL), HEALTH_ACT_NONE);
	cr_assert_eq(fail_at(T0 + 2 * IVL), HEALTH_ACT_NONE);
	cr_assert_eq(in.health, HEALTH_HEALTHY);
	cr_assert_eq(fail_at(T0 + 3 * IVL), HEALTH_ACT_RESTART);
	cr_assert_eq(in.health, HEALTH_UNHEALTHY);
	cr_assert(health_live(&in));
	cr_assert_eq(fail_at(T0 + 4 * IVL), HEALTH_ACT_NONE);
}

Test(health, unhealthy_exit)
{
	in.cfg.on_unhealthy = UNHEALTHY_EXIT;
	health_reset(&in, T0);
	cr_assert_eq(fail_at(T0), HEALTH_ACT_NONE);
	cr_assert_eq(fail_at(T0 + IVL), HEALTH_ACT_NONE);
	cr_assert_eq(fail_at(T0 + 2 * IVL), HEALTH_ACT_EXIT);
	cr_assert_eq(fail_at(T0 + 3 * IVL), HEALTH_ACT_NONE);
}

Test(health, success_resets_the_count)
{
	in.cfg.on_unhealthy = UNHEALTHY_RESTART;
	health_reset(&in, T0);
	cr_assert_eq(fail_at(T0), HEALTH_ACT_NONE);
	cr_assert_eq(fail_at(T0 + IVL), HEALTH_ACT_NONE);
	cr_assert_eq(ok_at(T0 + 2 * IVL), HEALTH_ACT_NONE);
	cr_assert_eq(in.consecutive_failures, 0);
	cr_assert_eq(fail_at(T0 + 3 * IVL), HEALTH_ACT_NONE);
	cr_assert_eq(fail_at(T0 + 4 * IVL), HEALTH_ACT_NONE);
	cr_assert_eq(in.consecutive_failures, 2);
	cr_assert_eq(in.health, HEALTH_HEALTHY);
	cr_assert(health_ready(&in));
	cr_assert_eq(fail_at(T0 + 5 * IVL), HEALTH_ACT_RESTART);
}

Test(health, recovery_and_second_episode)
{
	in.cfg.on_unhealthy = UNHEALTHY_EXIT;
	in.cfg.probe_retries = 2;
	health_reset(&in, T0);
	cr_assert_eq(fail_at(T0), HEALTH_ACT_NONE);
	cr_assert_eq(fail_at(T0 + IVL), HEALTH_ACT_EXIT);
	cr_assert_eq(ok_at(T0 + 2 * IVL), HEALTH_ACT_NONE);
	cr_assert_eq(in.health, HEALTH_HEALTHY);
	cr_assert_eq(in.consecutive_failures, 0);
	cr_assert(health_live(&in));
	cr_assert_eq(fail_at(T0 + 3 * IVL), HEALTH_ACT_NONE);
	cr_assert_eq(fail_at(T0 + 4 * IVL), HEALTH_ACT_EXIT);
}

Test(health, one_retry)
{
	in.cfg.probe_retries = 1;
	in.cfg.on_unhealthy = UNHEALTHY_RESTART;
	health_reset(&in, T0);
	cr_assert_eq(fail_at(T0), HEALTH_ACT_RESTART);
	cr_assert_eq(in.health, HEALTH_UNHEALTHY);
}

/* Docker's rule: failures in the start period do not count. */
Test(health, start_period_failures_do_not_count)
{
	in.cfg.probe_start_ms = 30000;
	in.cfg.probe_retries = 1;
	in.cfg.on_unhealthy = UNHEALTHY_RESTART;
	health_reset(&in, T0);
	cr_assert_eq(fail_at(T0), HEALTH_ACT_NONE);
	cr_assert_eq(fail_at(T0 + IVL), HEALTH_ACT_NONE);
	cr_assert_eq(fail_at(T0 + 2 * IVL), HEALTH_ACT_NONE);
	cr_assert_eq(in.consecutive_failures, 0);
	cr_assert_eq(in.probes_failed, 3);
	cr_assert_eq(in.health, HEALTH_STARTING);
	cr_assert_not(health_ready(&in));
	cr_assert(health_live(&in));
	/* The period is over: this one counts. */
	cr_assert_eq(fail_at(T0 + 3 * IVL), HEALTH_ACT_RESTART);
	cr_assert_eq(in.consecutive_failures, 1);
	cr_assert_eq(in.health, HEALTH_UNHEALTHY);
}

/* Docker's rule: a success ends the start period. */
Test(health, start_period_ends_at_first_success)
{
	in.cfg.probe_start_ms = 120000;
	in.cfg.on_unhealthy = UNHEALTHY_EXIT;
	health_reset(&in, T0);
	cr_assert_eq(fail_at(T0), HEALTH_ACT_NONE);
	cr_assert_eq(in.consecutive_failures, 0);
	cr_assert_eq(ok_at(T0 + IVL), HEALTH_ACT_NONE);
	cr_assert_eq(in.health, HEALTH_HEALTHY);
	cr_assert_eq(fail_at(T0 + 2 * IVL), HEALTH_ACT_NONE);
	cr_assert_eq(in.consecutive_failures, 1);
	cr_assert_eq(fail_at(T0 + 3 * IVL), HEALTH_ACT_NONE);
	cr_assert_eq(fail_at(T0 + 4 * IVL), HEALTH_ACT_EXIT,
	             "failures after the first success must count");
	cr_assert_eq(in.health, HEALTH_UNHEALTHY);
}

/* A restarted child starts a new start period. */
Test(health, reset_starts_a_new_period)
{
	in.cfg.probe_start_ms = 30000;
	in.cfg.probe_retries = 1;
	health_reset(&in, T0);
	cr_assert_eq(ok_at(T0), HEALTH_ACT_NONE);
	cr_assert_eq(fail_at(T0 + IVL), HEALTH_ACT_NONE);
	cr_assert_eq(in.health, HEALTH_UNHEALTHY);
	health_reset(&in, T0 + 100000);
	cr_assert_eq(in.health, HEALTH_STARTING);
	cr_assert_eq(fail_at(T0 + 100000), HEALTH_ACT_NONE);
	cr_assert_eq(in.health, HEALTH_STARTING);
	cr_assert_eq(in.consecutive_failures, 0);
}

/* A reset drops a probe in flight. */
Test(health, reset_aborts_probe_in_flight)
{
	short ev;

	health_reset(&in, T0);
	in.cfg.probe = silent;
	cr_assert_eq(health_step(&in, T0, 0), HEALTH_ACT_NONE);
	cr_assert_geq(health_pollfd(&in, 0, &ev), 0);
	health_reset(&in, T0 + 500);
	cr_assert_eq(in.probe.state, PROBE_IDLE);
	cr_assert_eq(in.probe.fd, -1);
	cr_assert_eq(in.next_probe, T0 + 500);
	drain_accepts();
}
