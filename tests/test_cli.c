/* test_cli.c: unit tests of argv and environment parsing (src/cli.c). */
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cli.h"
#include "log.h"

#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})
#define ENV(...) ((char *[]){__VA_ARGS__, NULL})
#define NOENV ENV(NULL)

/* shutdown_sigs: bit n-1 stands for signal n. */
#define BIT(n) (UINT64_C(1) << ((n)-1))

static struct config cfg;
static char err[256];

static int
parse(char **env, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	memset(&cfg, 0xa5, sizeof(cfg));
	memset(err, 0, sizeof(err));
	return cli_parse(&cfg, argc, argv, env, err, sizeof(err));
}

/* Parse must succeed. */
static void
ok(char **env, char **argv)
{
	int r = parse(env, argv);

	cr_assert_eq(r, 0, "cli_parse failed: %s", err);
}

/* Parse must fail with one line (no newline) that contains what. */
static void
fails(char **env, char **argv, const char *what)
{
	int r = parse(env, argv);

	cr_assert_eq(r, -1, "cli_parse accepted it (want '%s')", what);
	cr_assert_neq(err[0], '\0', "no message");
	cr_assert_null(strchr(err, '\n'), "newline in '%s'", err);
	cr_assert_not_null(strstr(err, what), "'%s' not in '%s'", what, err);
}

static bool
remapped(int code)
{
	return cfg.remap[code / 8] & (1 << (code % 8));
}

/* Exactly the exit codes in want[0..n) are remapped. */
static void
remap_is(const int *want, int n)
{
	int code;
	int i;
	bool in;

	for (code = 0; code < 256; code++) {
		for (in = false, i = 0; i < n; i++)
			in = in || want[i] == code;
		cr_expect_eq(remapped(code), in, "exit code %d remapped: %d",
		             code, remapped(code));
	}
}

/* Every signal but the ones in from[] maps to itself. */
static void
rewrite_is(const int *from, const int *to, int n)
{
	int s;
	int i;
	int want;

	for (s = 0; s < WARD_NSIG; s++) {
		for (want = s, i = 0; i < n; i++)
			if (from[i] == s)
				want = to[i];
		cr_expect_eq(cfg.rewrite[s], want, "rewrite[%d] = %d, want %d",
		             s, cfg.rewrite[s], want);
	}
}

static bool
path_is(const struct path_req *p, const char *path, uint64_t min)
{
	return p->path_len == strlen(path) &&
	       memcmp(p->path, path, p->path_len) == 0 && p->min_size == min;
}

/* ---- defaults and option syntax ---- */

Test(cli, defaults)
{
	char **argv = ARGV("ward", "app");

	ok(NOENV, argv);
	cr_assert_eq(cfg.mode, MODE_RUN);
	cr_assert_eq(cfg.argv, argv + 1);
	cr_assert_str_eq(cfg.argv[0], "app");
	cr_assert_null(cfg.argv[1]);
	cr_assert_eq(cfg.tini_name, false);
	cr_assert_eq(cfg.pgroup, false);
	cr_assert_eq(cfg.warn_reaped, false);
	cr_assert_eq(cfg.verbosity, LOG_LVL_NOTICE);
	cr_assert_eq(cfg.pdeathsig, 0);
	remap_is(NULL, 0);
	rewrite_is(NULL, NULL, 0);
	cr_assert_eq(cfg.shutdown_sigs, BIT(SIGTERM) | BIT(SIGINT));
	cr_assert_eq(cfg.grace_ms, 5000);
	cr_assert_eq(cfg.has_probe, false);
	cr_assert_eq(cfg.probe_interval_ms, 10000);
	cr_assert_eq(cfg.probe_timeout_ms, 1000);
	cr_assert_eq(cfg.probe_start_ms, 0);
	cr_assert_eq(cfg.probe_retries, 3);
	cr_assert_eq(cfg.on_unhealthy, UNHEALTHY_NONE);
	cr_assert_eq(cfg.drain_ms, 0);
	cr_assert_eq(cfg.has_listen, false);
	cr_assert_eq(cfg.check_timeout_ms, 2000);
	cr_assert_eq(cfg.checks.readonly_root, false);
	cr_assert_eq(cfg.checks.ntmpfs, 0);
	cr_assert_eq(cfg.checks.nwritable, 0);
}

Test(cli, stops_at_first_non_option)
{
	char **argv = ARGV("ward", "echo", "-v");

	ok(NOENV, argv);
	cr_assert_eq(cfg.argv, argv + 1);
	cr_assert_str_eq(cfg.argv[0], "echo");
	cr_assert_str_eq(cfg.argv[1], "-v");
	cr_assert_null(cfg.argv[2]);
	cr_assert_eq(cfg.verbosity, 0);
}

Test(cli, options_before_program_only)
{
	char **argv =
	    ARGV("ward", "-v", "sh", "-g", "--grace", "1s", "--bogus");

	ok(NOENV, argv);
	cr_assert_eq(cfg.argv, argv + 2);
	cr_assert_eq(cfg.verbosity, 1);
	cr_assert_eq(cfg.pgroup, false);
	cr_assert_eq(cfg.grace_ms, 5000);
}

Test(cli, double_dash)
{
	char **a1 = ARGV("ward", "--", "-v");
	char **a2 = ARGV("ward", "-g", "--", "echo", "--", "x");
	char **a3 = ARGV("ward", "--", "--");

	ok(NOENV, a1);
	cr_assert_eq(cfg.argv, a1 + 2);
	cr_assert_str_eq(cfg.argv[0], "-v");
	cr_assert_eq(cfg.verbosity, 0);
	ok(NOENV, a2);
	cr_assert_eq(cfg.pgroup, true);
	cr_assert_eq(cfg.argv, a2 + 3);
	cr_assert_str_eq(cfg.argv[1], "--");
	ok(NOENV, a3);
	cr_assert_str_eq(cfg.argv[0], "--");
	cr_assert_null(cfg.argv[1]);
}

Test(cli, lone_dash_is_a_program)
{
	char **argv = ARGV("ward", "-", "x");

	ok(NOENV, argv);
	cr_assert_eq(cfg.argv, argv + 1);
}

Test(cli, clustered_short_flags)
{
	ok(NOENV, ARGV("ward", "-vvg", "app"));
	cr_assert_eq(cfg.verbosity, 2);
	cr_assert_eq(cfg.pgroup, true);
	cr_assert_eq(cfg.warn_reaped, false);
	ok(NOENV, ARGV("ward", "-sgvw", "app"));
	cr_assert_eq(cfg.verbosity, 1);
	cr_assert_eq(cfg.pgroup, true);
	cr_assert_eq(cfg.warn_reaped, true);
	ok(NOENV, ARGV("ward", "-vq", "app"));
	cr_assert_eq(cfg.verbosity, LOG_LVL_ERROR);
}

Test(cli, cluster_ending_in_a_value)
{
	ok(NOENV, ARGV("ward", "-vge143", "app"));
	cr_assert_eq(cfg.verbosity, 1);
	cr_assert_eq(cfg.pgroup, true);
	remap_is((int[]){143}, 1);
	ok(NOENV, ARGV("ward", "-ve", "3", "app"));
	remap_is((int[]){3}, 1);
}

Test(cli, short_value_attached_or_separate)
{
	ok(NOENV, ARGV("ward", "-e143", "app"));
	remap_is((int[]){143}, 1);
	ok(NOENV, ARGV("ward", "-e", "143", "app"));
	remap_is((int[]){143}, 1);
	ok(NOENV, ARGV("ward", "-pKILL", "app"));
	cr_assert_eq(cfg.pdeathsig, SIGKILL);
	ok(NOENV, ARGV("ward", "-p", "SIGUSR1", "app"));
	cr_assert_eq(cfg.pdeathsig, SIGUSR1);
}

Test(cli, long_value_with_equals_or_separate)
{
	ok(NOENV, ARGV("ward", "--grace=5s", "app"));
	cr_assert_eq(cfg.grace_ms, 5000);
	ok(NOENV, ARGV("ward", "--grace", "5s", "app"));
	cr_assert_eq(cfg.grace_ms, 5000);
	ok(NOENV, ARGV("ward", "--grace=250ms", "app"));
	cr_assert_eq(cfg.grace_ms, 250);
	ok(NOENV, ARGV("ward", "--grace", "0", "app"));
	cr_assert_eq(cfg.grace_ms, 0);
	ok(NOENV, ARGV("ward", "--remap-exit=7", "--remap-exit", "9", "app"));
	remap_is((int[]){7, 9}, 2);
}

Test(cli, remap_repeatable)
{
	ok(NOENV, ARGV("ward", "-e", "143", "-e", "3", "-e0", "-e255", "app"));
	remap_is((int[]){143, 3, 0, 255}, 4);
}

Test(cli, long_flags)
{
	ok(NOENV, ARGV("ward", "--subreaper", "--process-group", "--verbose",
	               "--verbose", "--warn-reaped", "app"));
	cr_assert_eq(cfg.pgroup, true);
	cr_assert_eq(cfg.warn_reaped, true);
	cr_assert_eq(cfg.verbosity, 2);
	ok(NOENV, ARGV("ward", "--quiet", "app"));
	cr_assert_eq(cfg.verbosity, LOG_LVL_ERROR);
	ok(NOENV, ARGV("ward", "-q", "app"));
	cr_assert_eq(cfg.verbosity, LOG_LVL_ERROR);
	ok(NOENV, ARGV("ward", "--pdeathsig", "TERM", "app"));
	cr_assert_eq(cfg.pdeathsig, SIGTERM);
}

Test(cli, modes)
{
	ok(NOENV, ARGV("ward", "--version"));
	cr_assert_eq(cfg.mode, MODE_VERSION);
	ok(NOENV, ARGV("ward", "--help"));
	cr_assert_eq(cfg.mode, MODE_HELP);
	ok(NOENV, ARGV("ward", "-h"));
	cr_assert_eq(cfg.mode, MODE_HELP);
	ok(NOENV, ARGV("ward", "--license"));
	cr_assert_eq(cfg.mode, MODE_LICENSE);
	ok(NOENV, ARGV("ward", "-l"));
	cr_assert_eq(cfg.mode, MODE_LICENSE);
}

Test(cli, rewrite)
{
	ok(NOENV, ARGV("ward", "-r", "TERM:QUIT", "app"));
	rewrite_is((int[]){SIGTERM}, (int[]){SIGQUIT}, 1);
	ok(NOENV, ARGV("ward", "-r", "HUP:0", "app"));
	rewrite_is((int[]){SIGHUP}, (int[]){0}, 1);
	ok(NOENV, ARGV("ward", "-rTERM:QUIT", "--rewrite", "SIGHUP:0",
	               "--rewrite=RTMIN+3:USR1", "-r", "15:3", "app"));
	rewrite_is((int[]){SIGHUP, 37, SIGTERM}, (int[]){0, SIGUSR1, SIGQUIT},
	           3);
	ok(NOENV, ARGV("ward", "-r", "INT:RTMAX", "app"));
	rewrite_is((int[]){SIGINT}, (int[]){64}, 1);
}

Test(cli, shutdown_signals)
{
	ok(NOENV, ARGV("ward", "--shutdown-signals", "QUIT", "app"));
	cr_assert_eq(cfg.shutdown_sigs, BIT(SIGQUIT));
	ok(NOENV,
	   ARGV("ward", "--shutdown-signals=TERM,INT,USR1,RTMIN+1", "app"));
	cr_assert_eq(cfg.shutdown_sigs,
	             BIT(SIGTERM) | BIT(SIGINT) | BIT(SIGUSR1) | BIT(35));
	ok(NOENV, ARGV("ward", "--shutdown-signals", "RTMAX-1", "app"));
	cr_assert_eq(cfg.shutdown_sigs, BIT(63));
}

/* Signal 64 (RTMAX) is a valid shutdown signal; bit 0 is signal 1. */
Test(cli, shutdown_signal_64)
{
	ok(NOENV, ARGV("ward", "--shutdown-signals", "TERM,RTMAX", "app"));
	cr_assert_eq(cfg.shutdown_sigs, BIT(SIGTERM) | BIT(64),
	             "shutdown_sigs = %#llx",
	             (unsigned long long)cfg.shutdown_sigs);
	ok(NOENV, ARGV("ward", "--shutdown-signals", "HUP,64", "app"));
	cr_assert_eq(cfg.shutdown_sigs, BIT(SIGHUP) | BIT(64));
	cr_assert_eq(cfg.shutdown_sigs & 1, 1);
}

Test(cli, probe_options)
{
	ok(NOENV, ARGV("ward", "--probe", "http://127.0.0.1:8080/healthz?x=1",
	               "--probe-interval", "2s", "--probe-timeout=500ms",
	               "--probe-start-period", "1m", "--probe-retries", "5",
	               "--on-unhealthy", "restart", "app"));
	cr_assert_eq(cfg.has_probe, true);
	cr_assert_eq(cfg.probe.scheme, URL_HTTP);
	cr_assert_str_eq(cfg.probe.host, "127.0.0.1:8080");
	cr_assert_str_eq(cfg.probe.path, "/healthz?x=1");
	cr_assert_eq(cfg.probe_interval_ms, 2000);
	cr_assert_eq(cfg.probe_timeout_ms, 500);
	cr_assert_eq(cfg.probe_start_ms, 60000);
	cr_assert_eq(cfg.probe_retries, 5);
	cr_assert_eq(cfg.on_unhealthy, UNHEALTHY_RESTART);
	ok(NOENV, ARGV("ward", "--probe=tcp://[::1]:5432", "--on-unhealthy",
	               "exit", "app"));
	cr_assert_eq(cfg.probe.scheme, URL_TCP);
	cr_assert_eq(cfg.on_unhealthy, UNHEALTHY_EXIT);
	ok(NOENV, ARGV("ward", "--on-unhealthy=none", "app"));
	cr_assert_eq(cfg.on_unhealthy, UNHEALTHY_NONE);
}

/* --drain-delay D (SPEC 3): a duration, 0 (the default) allowed. */
Test(cli, drain_delay)
{
	ok(NOENV, ARGV("ward", "--drain-delay", "10s", "app"));
	cr_assert_eq(cfg.drain_ms, 10000);
	ok(NOENV, ARGV("ward", "--drain-delay=250ms", "app"));
	cr_assert_eq(cfg.drain_ms, 250);
	ok(NOENV, ARGV("ward", "--drain-delay", "2m", "app"));
	cr_assert_eq(cfg.drain_ms, 120000);
	ok(NOENV, ARGV("ward", "--drain-delay", "3", "app"));
	cr_assert_eq(cfg.drain_ms, 3000);
	ok(NOENV, ARGV("ward", "--drain-delay", "0", "app"));
	cr_assert_eq(cfg.drain_ms, 0);
	ok(ENV("WARD_DRAIN_DELAY=5s"), ARGV("ward", "app"));
	cr_assert_eq(cfg.drain_ms, 5000);
	ok(ENV("WARD_DRAIN_DELAY="), ARGV("ward", "app"));
	cr_assert_eq(cfg.drain_ms, 0);
	ok(ENV("WARD_DRAIN_DELAY=5s"),
	   ARGV("ward", "--drain-delay", "1s", "app"));
	cr_assert_eq(cfg.drain_ms, 1000);
	fails(NOENV, ARGV("ward", "--drain-delay", "soon", "app"), "soon");
	cr_assert_not_null(strstr(err, "--drain-delay"), "%s", err);
	cr_assert_not_null(strstr(err, "duration"), "%s", err);
	fails(NOENV, ARGV("ward", "--drain-delay", "-1s", "app"), "-1s");
	fails(NOENV, ARGV("ward", "--drain-delay"), "--drain-delay");
	fails(ENV("WARD_DRAIN_DELAY=5x"), ARGV("ward", "app"),
	      "WARD_DRAIN_DELAY");
	/* --check ignores it, like every WARD_* but WARD_CHECK_TIMEOUT. */
	ok(ENV("WARD_DRAIN_DELAY=5x"),
	   ARGV("ward", "--check", "http://127.0.0.1/"));
}

Test(cli, listen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&cfg.listen;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&cfg.listen;

	ok(NOENV, ARGV("ward", "--listen", "9000", "app"));
	cr_assert_eq(cfg.has_listen, true);
	cr_assert_eq(cfg.listen_any, 1);
	cr_assert_eq(ntohs(sin6->sin6_port), 9000);
	ok(NOENV, ARGV("ward", "--listen", ":9001", "app"));
	cr_assert_eq(cfg.listen_any, 1);
	ok(NOENV, ARGV("ward", "--listen=127.0.0.1:9002", "app"));
	cr_assert_eq(cfg.listen_any, 0);
	cr_assert_eq(cfg.listen.ss_family, AF_INET);
	cr_assert_eq(ntohs(sin->sin_port), 9002);
	cr_assert_eq(cfg.listen_len, sizeof(struct sockaddr_in));
	ok(NOENV, ARGV("ward", "--listen", "[::]:9003", "app"));
	cr_assert_eq(cfg.listen.ss_family, AF_INET6);
	cr_assert_eq(cfg.listen_any, 0);
}

Test(cli, startup_checks)
{
	ok(NOENV, ARGV("ward", "--require-readonly-root", "--require-tmpfs",
	               "/tmp:64M", "--require-tmpfs=/run", "--require-writable",
	               "/data", "app"));
	cr_assert_eq(cfg.checks.readonly_root, true);
	cr_assert_eq(cfg.checks.ntmpfs, 2);
	cr_assert(path_is(&cfg.checks.tmpfs[0], "/tmp", 64 << 20));
	cr_assert(path_is(&cfg.checks.tmpfs[1], "/run", 0));
	cr_assert_eq(cfg.checks.nwritable, 1);
	cr_assert(path_is(&cfg.checks.writable[0], "/data", 0));
}

Test(cli, check_mode)
{
	ok(NOENV, ARGV("ward", "--check", "http://127.0.0.1:8080/"));
	cr_assert_eq(cfg.mode, MODE_CHECK);
	cr_assert_str_eq(cfg.check.host, "127.0.0.1:8080");
	cr_assert_eq(cfg.check_timeout_ms, 2000);
	ok(NOENV, ARGV("ward", "--check=tcp://127.0.0.1:5432",
	               "--check-timeout", "5s"));
	cr_assert_eq(cfg.mode, MODE_CHECK);
	cr_assert_eq(cfg.check.scheme, URL_TCP);
	cr_assert_eq(cfg.check_timeout_ms, 5000);
	ok(NOENV,
	   ARGV("ward", "--check-timeout=300ms", "--check", "http://[::1]/"));
	cr_assert_eq(cfg.check_timeout_ms, 300);
}

Test(cli, tini_name)
{
	ok(NOENV, ARGV("/sbin/tini", "app"));
	cr_assert_eq(cfg.tini_name, true);
	ok(NOENV, ARGV("tini", "--version"));
	cr_assert_eq(cfg.tini_name, true);
	ok(NOENV, ARGV("/usr/libexec/docker/docker-init", "--version"));
	cr_assert_eq(cfg.tini_name, true);
	ok(NOENV, ARGV("docker-init", "--", "app"));
	cr_assert_eq(cfg.tini_name, true);
	ok(NOENV, ARGV("/usr/bin/ward", "app"));
	cr_assert_eq(cfg.tini_name, false);
	ok(NOENV, ARGV("/tini/ward", "app"));
	cr_assert_eq(cfg.tini_name, false);
	ok(NOENV, ARGV("tini-static", "app"));
	cr_assert_eq(cfg.tini_name, false);
}

/* ---- bad command lines ---- */

Test(cli, unknown_options)
{
	fails(NOENV, ARGV("ward", "--bogus", "app"), "--bogus");
	fails(NOENV, ARGV("ward", "--bogus=1", "app"), "--bogus");
	fails(NOENV, ARGV("ward", "--gracefully", "app"), "--gracefully");
	fails(NOENV, ARGV("ward", "-x", "app"), "-x");
	fails(NOENV, ARGV("ward", "-vx", "app"), "-x");
	fails(NOENV, ARGV("ward", "-v", "-Z", "app"), "-Z");
	cr_assert_not_null(strstr(err, "unknown"), "%s", err);
}

Test(cli, missing_values)
{
	fails(NOENV, ARGV("ward", "--grace"), "--grace");
	cr_assert_not_null(strstr(err, "value"), "%s", err);
	fails(NOENV, ARGV("ward", "-e"), "-e");
	fails(NOENV, ARGV("ward", "-v", "-p"), "-p");
	fails(NOENV, ARGV("ward", "--probe"), "--probe");
	fails(NOENV, ARGV("ward", "--check"), "--check");
	fails(NOENV, ARGV("ward", "--require-tmpfs"), "--require-tmpfs");
}

Test(cli, flag_with_a_value)
{
	fails(NOENV, ARGV("ward", "--verbose=2", "app"), "--verbose");
	fails(NOENV, ARGV("ward", "--process-group=1", "app"),
	      "--process-group");
}

Test(cli, bad_durations)
{
	fails(NOENV, ARGV("ward", "--grace", "5x", "app"), "5x");
	cr_assert_not_null(strstr(err, "--grace"), "%s", err);
	cr_assert_not_null(strstr(err, "duration"), "%s", err);
	fails(NOENV, ARGV("ward", "--grace=", "app"), "--grace");
	fails(NOENV, ARGV("ward", "--grace", "-1", "app"), "-1");
	fails(NOENV, ARGV("ward", "--grace", "1.5s", "app"), "1.5s");
	fails(NOENV, ARGV("ward", "--probe-interval", "0", "app"),
	      "--probe-interval");
	fails(NOENV, ARGV("ward", "--probe-timeout", "0s", "app"),
	      "--probe-timeout");
	fails(NOENV, ARGV("ward", "--probe-start-period", "soon", "app"),
	      "--probe-start-period");
	fails(NOENV,
	      ARGV("ward", "--check-timeout", "0", "--check",
	           "tcp://127.0.0.1:1"),
	      "--check-timeout");
}

Test(cli, bad_signals)
{
	fails(NOENV, ARGV("ward", "-p", "FOO", "app"), "FOO");
	cr_assert_not_null(strstr(err, "signal"), "%s", err);
	fails(NOENV, ARGV("ward", "-p", "0", "app"), "'0'");
	fails(NOENV, ARGV("ward", "-p", "65", "app"), "65");
	fails(NOENV, ARGV("ward", "--pdeathsig=RTMIN+40", "app"), "RTMIN+40");
	fails(NOENV, ARGV("ward", "--shutdown-signals", "TERM,FOO", "app"),
	      "FOO");
	fails(NOENV, ARGV("ward", "--shutdown-signals", "TERM,,INT", "app"),
	      "--shutdown-signals");
	/* An empty list would silently turn the graceful stop off. */
	fails(NOENV, ARGV("ward", "--shutdown-signals=", "app"),
	      "--shutdown-signals");
	fails(NOENV, ARGV("ward", "--shutdown-signals", "TERM,", "app"),
	      "--shutdown-signals");
}

Test(cli, bad_exit_codes)
{
	fails(NOENV, ARGV("ward", "-e", "256", "app"), "256");
	cr_assert_not_null(strstr(err, "exit code"), "%s", err);
	fails(NOENV, ARGV("ward", "-e", "x", "app"), "'x'");
	fails(NOENV, ARGV("ward", "-e", "-1", "app"), "-1");
	fails(NOENV, ARGV("ward", "--remap-exit=", "app"), "--remap-exit");
	fails(NOENV, ARGV("ward", "-e1000", "app"), "1000");
}

Test(cli, bad_rewrites)
{
	fails(NOENV, ARGV("ward", "-r", "TERM", "app"), "TERM");
	cr_assert_not_null(strstr(err, "rewrite"), "%s", err);
	fails(NOENV, ARGV("ward", "-r", "FOO:TERM", "app"), "FOO:TERM");
	fails(NOENV, ARGV("ward", "-r", "TERM:FOO", "app"), "TERM:FOO");
	fails(NOENV, ARGV("ward", "-r", ":TERM", "app"), ":TERM");
	fails(NOENV, ARGV("ward", "-r", "TERM:", "app"), "TERM:");
	fails(NOENV, ARGV("ward", "-r", "0:TERM", "app"), "0:TERM");
	fails(NOENV, ARGV("ward", "-r", "TERM:65", "app"), "TERM:65");
}

Test(cli, bad_sizes_and_paths)
{
	fails(NOENV, ARGV("ward", "--require-tmpfs", "/tmp:64X", "app"), "64X");
	cr_assert_not_null(strstr(err, "size"), "%s", err);
	fails(NOENV, ARGV("ward", "--require-tmpfs", "/tmp:", "app"),
	      "--require-tmpfs");
	fails(NOENV, ARGV("ward", "--require-tmpfs", "tmp", "app"), "tmp");
	fails(NOENV, ARGV("ward", "--require-writable", "data", "app"), "data");
	fails(NOENV, ARGV("ward", "--require-writable=", "app"),
	      "--require-writable");
}

Test(cli, too_many_paths)
{
	ok(NOENV,
	   ARGV("ward", "--require-writable", "/1", "--require-writable", "/2",
	        "--require-writable", "/3", "--require-writable", "/4",
	        "--require-writable", "/5", "--require-writable", "/6",
	        "--require-writable", "/7", "--require-writable", "/8", "app"));
	cr_assert_eq(cfg.checks.nwritable, 8);
	fails(NOENV,
	      ARGV("ward", "--require-writable", "/1", "--require-writable",
	           "/2", "--require-writable", "/3", "--require-writable", "/4",
	           "--require-writable", "/5", "--require-writable", "/6",
	           "--require-writable", "/7", "--require-writable", "/8",
	           "--require-writable", "/9", "app"),
	      "--require-writable");
}

Test(cli, https_refused)
{
	fails(NOENV, ARGV("ward", "--probe", "https://127.0.0.1:8443/", "app"),
	      "https");
	cr_assert(strstr(err, "plain-HTTP") || strstr(err, "plain HTTP"), "%s",
	          err);
	cr_assert_not_null(strstr(err, "loopback"), "%s", err);
	cr_assert_not_null(strstr(err, "--probe"), "%s", err);
	fails(NOENV, ARGV("ward", "--check", "https://127.0.0.1/"), "https");
	cr_assert_not_null(strstr(err, "loopback"), "%s", err);
}

Test(cli, bad_urls)
{
	fails(NOENV, ARGV("ward", "--probe", "http://example.com/", "app"),
	      "example.com");
	cr_assert_not_null(strstr(err, "loopback"), "%s", err);
	fails(NOENV, ARGV("ward", "--probe", "ftp://127.0.0.1/", "app"),
	      "ftp://127.0.0.1/");
	fails(NOENV, ARGV("ward", "--probe", "tcp://127.0.0.1", "app"),
	      "tcp://127.0.0.1");
	fails(NOENV, ARGV("ward", "--probe", "http://127.0.0.1:99999/", "app"),
	      "port");
	fails(NOENV, ARGV("ward", "--check", "127.0.0.1:80"), "--check");
}

Test(cli, bad_other_values)
{
	fails(NOENV, ARGV("ward", "--listen", "foo", "app"), "--listen");
	fails(NOENV, ARGV("ward", "--listen", "70000", "app"), "70000");
	fails(NOENV, ARGV("ward", "--on-unhealthy", "reboot", "app"), "reboot");
	fails(NOENV, ARGV("ward", "--probe-retries", "0", "app"),
	      "--probe-retries");
	fails(NOENV, ARGV("ward", "--probe-retries", "x", "app"), "'x'");
}

/* A probe still running when the next is due delays it (SPEC 3), so no
 * combination of interval and timeout is refused. */
Test(cli, probe_timeout_longer_than_interval)
{
	ok(NOENV, ARGV("ward", "--probe", "tcp://127.0.0.1:1",
	               "--probe-interval", "500ms", "app"));
	cr_assert_eq(cfg.probe_interval_ms, 500);
	cr_assert_eq(cfg.probe_timeout_ms, 1000);
	ok(NOENV,
	   ARGV("ward", "--probe", "tcp://127.0.0.1:1", "--probe-interval",
	        "1s", "--probe-timeout", "2s", "app"));
	cr_assert_eq(cfg.probe_interval_ms, 1000);
	cr_assert_eq(cfg.probe_timeout_ms, 2000);
	ok(ENV("WARD_PROBE=http://127.0.0.1:1/", "WARD_PROBE_INTERVAL=200ms",
	       "WARD_PROBE_TIMEOUT=1m"),
	   ARGV("ward", "app"));
	cr_assert_eq(cfg.probe_interval_ms, 200);
	cr_assert_eq(cfg.probe_timeout_ms, 60000);
}

/* KILL and STOP can never reach ward (signal(7): they cannot be caught or
 * blocked), so as a shutdown signal or the FROM of a rewrite they would
 * never do anything: a usage error. As a TO, or -p, they are fine. */
Test(cli, uncatchable_signals_refused)
{
	fails(NOENV, ARGV("ward", "--shutdown-signals", "TERM,KILL", "app"),
	      "SIGKILL");
	cr_assert_not_null(strstr(err, "--shutdown-signals"), "%s", err);
	fails(NOENV, ARGV("ward", "--shutdown-signals", "9", "app"), "SIGKILL");
	fails(NOENV, ARGV("ward", "--shutdown-signals=SIGSTOP", "app"),
	      "SIGSTOP");
	fails(NOENV, ARGV("ward", "-r", "KILL:TERM", "app"), "SIGKILL");
	cr_assert_not_null(strstr(err, "-r"), "%s", err);
	fails(NOENV, ARGV("ward", "--rewrite", "19:0", "app"), "SIGSTOP");
	fails(NOENV, ARGV("ward", "-r", "sigstop:INT", "app"), "SIGSTOP");
	fails(ENV("WARD_SHUTDOWN_SIGNALS=INT,STOP"), ARGV("ward", "app"),
	      "WARD_SHUTDOWN_SIGNALS");
	cr_assert_not_null(strstr(err, "SIGSTOP"), "%s", err);
	fails(ENV("WARD_REWRITE=HUP:0,KILL:0"), ARGV("ward", "app"),
	      "WARD_REWRITE");
	ok(NOENV, ARGV("ward", "-r", "TERM:KILL", "-r", "INT:STOP", "app"));
	rewrite_is((int[]){SIGTERM, SIGINT}, (int[]){SIGKILL, SIGSTOP}, 2);
	ok(NOENV, ARGV("ward", "-p", "KILL", "app"));
	cr_assert_eq(cfg.pdeathsig, SIGKILL);
}

/* One line, whatever the value holds: control characters are shown as
 * '?', so a newline in a value cannot split the message. */
Test(cli, message_stays_one_line)
{
	fails(NOENV, ARGV("ward", "--grace", "1\nward: fake", "app"),
	      "--grace");
	cr_assert_not_null(strstr(err, "1?ward: fake"), "%s", err);
	fails(ENV("WARD_PROBE=http://127.0.0.1/\r\nx"), ARGV("ward", "app"),
	      "WARD_PROBE");
	cr_assert_null(strchr(err, '\r'), "%s", err);
	fails(NOENV, ARGV("ward", "--bo\tgus", "app"), "--bo?gus");
}

Test(cli, missing_program)
{
	fails(NOENV, ARGV("ward"), "program");
	fails(NOENV, ARGV("ward", "-v"), "program");
	fails(NOENV, ARGV("ward", "--"), "program");
	fails(NOENV, ARGV("ward", "--grace", "1s", "--"), "program");
}

Test(cli, check_with_a_program)
{
	fails(NOENV, ARGV("ward", "--check", "http://127.0.0.1/", "echo"),
	      "echo");
	cr_assert_not_null(strstr(err, "--check"), "%s", err);
	fails(NOENV, ARGV("ward", "--check=http://127.0.0.1/", "--", "echo"),
	      "echo");
}

/* ---- environment ---- */

Test(cli, env_values)
{
	ok(ENV("WARD_GRACE=1s", "WARD_PDEATHSIG=USR2",
	       "WARD_SHUTDOWN_SIGNALS=TERM,QUIT,USR1",
	       "WARD_PROBE=http://127.0.0.1:81/h", "WARD_PROBE_INTERVAL=3s",
	       "WARD_PROBE_TIMEOUT=2s", "WARD_PROBE_START_PERIOD=30s",
	       "WARD_PROBE_RETRIES=7", "WARD_ON_UNHEALTHY=exit",
	       "WARD_LISTEN=127.0.0.1:9100", "WARD_CHECK_TIMEOUT=4s",
	       "OTHER=1"),
	   ARGV("ward", "app"));
	cr_assert_eq(cfg.grace_ms, 1000);
	cr_assert_eq(cfg.pdeathsig, SIGUSR2);
	cr_assert_eq(cfg.shutdown_sigs,
	             BIT(SIGTERM) | BIT(SIGQUIT) | BIT(SIGUSR1));
	cr_assert_eq(cfg.has_probe, true);
	cr_assert_str_eq(cfg.probe.path, "/h");
	cr_assert_eq(cfg.probe_interval_ms, 3000);
	cr_assert_eq(cfg.probe_timeout_ms, 2000);
	cr_assert_eq(cfg.probe_start_ms, 30000);
	cr_assert_eq(cfg.probe_retries, 7);
	cr_assert_eq(cfg.on_unhealthy, UNHEALTHY_EXIT);
	cr_assert_eq(cfg.has_listen, true);
	cr_assert_eq(cfg.listen.ss_family, AF_INET);
	cr_assert_eq(cfg.check_timeout_ms, 4000);
}

Test(cli, env_flags)
{
	ok(ENV("WARD_SUBREAPER=1", "WARD_PROCESS_GROUP=true",
	       "WARD_WARN_REAPED=yes", "WARD_REQUIRE_READONLY_ROOT=1",
	       "WARD_VERBOSE=2"),
	   ARGV("ward", "app"));
	cr_assert_eq(cfg.pgroup, true);
	cr_assert_eq(cfg.warn_reaped, true);
	cr_assert_eq(cfg.checks.readonly_root, true);
	cr_assert_eq(cfg.verbosity, 2);
	ok(ENV("WARD_QUIET=yes"), ARGV("ward", "app"));
	cr_assert_eq(cfg.verbosity, LOG_LVL_ERROR);
	ok(ENV("WARD_VERBOSE=true"), ARGV("ward", "app"));
	cr_assert_eq(cfg.verbosity, 1);
	ok(ENV("WARD_VERBOSE=0"), ARGV("ward", "app"));
	cr_assert_eq(cfg.verbosity, 0);
}

Test(cli, env_booleans)
{
	static const char *const on[] = {"1", "true", "yes"};
	static const char *const off[] = {"0", "false", "no", ""};
	char a[64];
	char b[64];
	size_t i;

	for (i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		snprintf(a, sizeof(a), "WARD_PROCESS_GROUP=%s", on[i]);
		snprintf(b, sizeof(b), "WARD_WARN_REAPED=%s", on[i]);
		ok(ENV(a, b), ARGV("ward", "app"));
		cr_expect_eq(cfg.pgroup, true, "%s", a);
		cr_expect_eq(cfg.warn_reaped, true, "%s", b);
	}
	for (i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		snprintf(a, sizeof(a), "WARD_PROCESS_GROUP=%s", off[i]);
		snprintf(b, sizeof(b), "WARD_REQUIRE_READONLY_ROOT=%s", off[i]);
		ok(ENV(a, b, "TINI_KILL_PROCESS_GROUP=1"), ARGV("ward", "app"));
		cr_expect_eq(cfg.pgroup, false, "%s", a);
		cr_expect_eq(cfg.checks.readonly_root, false, "%s", b);
	}
}

Test(cli, env_bad_booleans)
{
	fails(ENV("WARD_PROCESS_GROUP=maybe"), ARGV("ward", "app"),
	      "WARD_PROCESS_GROUP");
	cr_assert_not_null(strstr(err, "maybe"), "%s", err);
	cr_assert_not_null(strstr(err, "boolean"), "%s", err);
	fails(ENV("WARD_SUBREAPER=2"), ARGV("ward", "app"), "WARD_SUBREAPER");
	fails(ENV("WARD_WARN_REAPED=y"), ARGV("ward", "app"),
	      "WARD_WARN_REAPED");
	fails(ENV("WARD_QUIET=enable"), ARGV("ward", "app"), "WARD_QUIET");
	fails(ENV("WARD_REQUIRE_READONLY_ROOT=ro"), ARGV("ward", "app"),
	      "WARD_REQUIRE_READONLY_ROOT");
	fails(ENV("WARD_VERBOSE=lots"), ARGV("ward", "app"), "WARD_VERBOSE");
}

/* WARD_VERBOSE takes a count (that many -v), or a boolean (1 or 0 -v). */
Test(cli, env_verbose_count)
{
	int want;

	ok(NOENV, ARGV("ward", "-vvvvvvvvvv", "app"));
	want = cfg.verbosity;
	ok(ENV("WARD_VERBOSE=10"), ARGV("ward", "app"));
	cr_assert_eq(cfg.verbosity, want, "WARD_VERBOSE=10: %d, -v x10: %d",
	             cfg.verbosity, want);
	ok(ENV("WARD_VERBOSE=3"), ARGV("ward", "app"));
	cr_assert_eq(cfg.verbosity, 3);
	ok(ENV("WARD_VERBOSE=yes"), ARGV("ward", "app"));
	cr_assert_eq(cfg.verbosity, 1);
	ok(ENV("WARD_VERBOSE=no"), ARGV("ward", "app"));
	cr_assert_eq(cfg.verbosity, 0);
	ok(ENV("WARD_VERBOSE="), ARGV("ward", "app"));
	cr_assert_eq(cfg.verbosity, 0);
	fails(ENV("WARD_VERBOSE=lots"), ARGV("ward", "app"), "WARD_VERBOSE");
	cr_assert_not_null(strstr(err, "count"), "%s", err);
	cr_assert_null(strstr(err, "bad boolean"), "%s", err);
	fails(ENV("WARD_VERBOSE=-1"), ARGV("ward", "app"), "'-1'");
	fails(ENV("WARD_VERBOSE=2x"), ARGV("ward", "app"), "'2x'");
}

/* The verbosity is one setting: WARD_VERBOSE and WARD_QUIET win over
 * TINI_VERBOSITY, and -v or -q on the command line replaces all three. */
Test(cli, verbosity_sources)
{
	ok(ENV("TINI_VERBOSITY=0", "WARD_VERBOSE=2"), ARGV("ward", "app"));
	cr_assert_eq(cfg.verbosity, 2);
	ok(ENV("TINI_VERBOSITY=3", "WARD_VERBOSE=true"), ARGV("ward", "app"));
	cr_assert_eq(cfg.verbosity, 1);
	ok(ENV("TINI_VERBOSITY=0", "WARD_QUIET=0"), ARGV("ward", "app"));
	cr_assert_eq(cfg.verbosity, 0);
	ok(ENV("TINI_VERBOSITY=2", "WARD_QUIET=1"), ARGV("ward", "app"));
	cr_assert_eq(cfg.verbosity, LOG_LVL_ERROR);
	ok(ENV("WARD_VERBOSE=2", "WARD_QUIET=1"), ARGV("ward", "app"));
	cr_assert_eq(cfg.verbosity, LOG_LVL_ERROR);
	ok(ENV("TINI_VERBOSITY=0"), ARGV("ward", "-v", "app"));
	cr_assert_eq(cfg.verbosity, 1);
	ok(ENV("WARD_QUIET=1"), ARGV("ward", "-v", "app"));
	cr_assert_eq(cfg.verbosity, 1);
	ok(ENV("WARD_VERBOSE=2"), ARGV("ward", "-q", "app"));
	cr_assert_eq(cfg.verbosity, LOG_LVL_ERROR);
	ok(ENV("WARD_QUIET=1"), ARGV("ward", "-v", "-q", "app"));
	cr_assert_eq(cfg.verbosity, LOG_LVL_ERROR);
}

Test(cli, env_bad_values_name_the_variable)
{
	fails(ENV("WARD_GRACE=bad"), ARGV("ward", "app"), "WARD_GRACE");
	cr_assert_not_null(strstr(err, "bad"), "%s", err);
	fails(ENV("WARD_REMAP_EXIT=3,300"), ARGV("ward", "app"),
	      "WARD_REMAP_EXIT");
	cr_assert_not_null(strstr(err, "300"), "%s", err);
	fails(ENV("WARD_PROBE=https://127.0.0.1/"), ARGV("ward", "app"),
	      "WARD_PROBE");
	cr_assert_not_null(strstr(err, "loopback"), "%s", err);
	fails(ENV("WARD_LISTEN=garbage"), ARGV("ward", "app"), "WARD_LISTEN");
	fails(ENV("WARD_REWRITE=TERM"), ARGV("ward", "app"), "WARD_REWRITE");
	fails(ENV("WARD_REQUIRE_TMPFS=/tmp:1X"), ARGV("ward", "app"),
	      "WARD_REQUIRE_TMPFS");
	fails(ENV("WARD_PROBE_RETRIES=0"), ARGV("ward", "app"),
	      "WARD_PROBE_RETRIES");
	fails(ENV("WARD_ON_UNHEALTHY=panic"), ARGV("ward", "app"),
	      "WARD_ON_UNHEALTHY");
	fails(ENV("WARD_SHUTDOWN_SIGNALS=TERM,NOPE"), ARGV("ward", "app"),
	      "WARD_SHUTDOWN_SIGNALS");
}

Test(cli, env_lists)
{
	ok(ENV("WARD_REMAP_EXIT=143,3"), ARGV("ward", "app"));
	remap_is((int[]){143, 3}, 2);
	ok(ENV("WARD_REWRITE=TERM:QUIT,HUP:0"), ARGV("ward", "app"));
	rewrite_is((int[]){SIGTERM, SIGHUP}, (int[]){SIGQUIT, 0}, 2);
	ok(ENV("WARD_REQUIRE_TMPFS=/tmp:64M,/run"), ARGV("ward", "app"));
	cr_assert_eq(cfg.checks.ntmpfs, 2);
	cr_assert(path_is(&cfg.checks.tmpfs[0], "/tmp", 64 << 20));
	cr_assert(path_is(&cfg.checks.tmpfs[1], "/run", 0));
	ok(ENV("WARD_REQUIRE_WRITABLE=/data,/var/cache"), ARGV("ward", "app"));
	cr_assert_eq(cfg.checks.nwritable, 2);
	cr_assert(path_is(&cfg.checks.writable[0], "/data", 0));
	cr_assert(path_is(&cfg.checks.writable[1], "/var/cache", 0));
}

Test(cli, env_empty_list_items_skipped)
{
	ok(ENV("WARD_REMAP_EXIT=,143,,3,"), ARGV("ward", "app"));
	remap_is((int[]){143, 3}, 2);
	ok(ENV("WARD_REMAP_EXIT="), ARGV("ward", "app"));
	remap_is(NULL, 0);
}

Test(cli, env_empty_value_keeps_default)
{
	ok(ENV("WARD_GRACE=", "WARD_PROBE=", "WARD_LISTEN="),
	   ARGV("ward", "app"));
	cr_assert_eq(cfg.grace_ms, 5000);
	cr_assert_eq(cfg.has_probe, false);
	cr_assert_eq(cfg.has_listen, false);
}

Test(cli, env_name_must_match_exactly)
{
	ok(ENV("WARD_PROBE_INTERVAL=2s", "WARD_GRACEX=1", "XWARD_GRACE=1",
	       "WARD_grace=1", "WARD_GRACE_=1"),
	   ARGV("ward", "app"));
	cr_assert_eq(cfg.has_probe, false);
	cr_assert_eq(cfg.probe_interval_ms, 2000);
	cr_assert_eq(cfg.grace_ms, 5000);
}

Test(cli, command_line_replaces_variable)
{
	ok(ENV("WARD_GRACE=1s"), ARGV("ward", "--grace", "2s", "app"));
	cr_assert_eq(cfg.grace_ms, 2000);
	ok(ENV("WARD_REMAP_EXIT=3"), ARGV("ward", "-e", "4", "app"));
	remap_is((int[]){4}, 1);
	ok(ENV("WARD_REMAP_EXIT=3,5"), ARGV("ward", "-e4", "-e", "6", "app"));
	remap_is((int[]){4, 6}, 2);
	ok(ENV("WARD_REWRITE=HUP:0"), ARGV("ward", "-r", "TERM:QUIT", "app"));
	rewrite_is((int[]){SIGTERM}, (int[]){SIGQUIT}, 1);
	ok(ENV("WARD_REQUIRE_TMPFS=/tmp:64M,/run"),
	   ARGV("ward", "--require-tmpfs", "/dev/shm", "app"));
	cr_assert_eq(cfg.checks.ntmpfs, 1);
	cr_assert(path_is(&cfg.checks.tmpfs[0], "/dev/shm", 0));
	ok(ENV("WARD_REQUIRE_WRITABLE=/a"),
	   ARGV("ward", "--require-writable", "/b", "app"));
	cr_assert_eq(cfg.checks.nwritable, 1);
	cr_assert(path_is(&cfg.checks.writable[0], "/b", 0));
	ok(ENV("WARD_SHUTDOWN_SIGNALS=QUIT"),
	   ARGV("ward", "--shutdown-signals", "USR1", "app"));
	cr_assert_eq(cfg.shutdown_sigs, BIT(SIGUSR1));
	ok(ENV("WARD_VERBOSE=2"), ARGV("ward", "-v", "app"));
	cr_assert_eq(cfg.verbosity, 1);
	ok(ENV("WARD_PROCESS_GROUP=0"), ARGV("ward", "-g", "app"));
	cr_assert_eq(cfg.pgroup, true);
	ok(ENV("WARD_ON_UNHEALTHY=exit"),
	   ARGV("ward", "--on-unhealthy", "restart", "app"));
	cr_assert_eq(cfg.on_unhealthy, UNHEALTHY_RESTART);
	ok(ENV("WARD_PDEATHSIG=HUP"), ARGV("ward", "-p", "KILL", "app"));
	cr_assert_eq(cfg.pdeathsig, SIGKILL);
}

/* A flag on the command line replaces its variable (SPEC 1): the variable
 * is then not read at all, so a bad value in it is no error. */
Test(cli, command_line_replaces_a_bad_variable)
{
	ok(ENV("WARD_GRACE=bad"), ARGV("ward", "--grace=1s", "app"));
	cr_assert_eq(cfg.grace_ms, 1000);
	ok(ENV("WARD_REMAP_EXIT=3,999"), ARGV("ward", "-e", "4", "app"));
	remap_is((int[]){4}, 1);
	ok(ENV("WARD_PROCESS_GROUP=maybe"), ARGV("ward", "-g", "app"));
	cr_assert_eq(cfg.pgroup, true);
	ok(ENV("WARD_SHUTDOWN_SIGNALS=KILL"),
	   ARGV("ward", "--shutdown-signals", "QUIT", "app"));
	cr_assert_eq(cfg.shutdown_sigs, BIT(SIGQUIT));
	ok(ENV("WARD_VERBOSE=lots", "WARD_QUIET=maybe", "TINI_VERBOSITY=x"),
	   ARGV("ward", "-v", "app"));
	cr_assert_eq(cfg.verbosity, 1);
	cr_assert_eq(cfg.warn[0], '\0', "warning: %s", cfg.warn);
	ok(ENV("WARD_QUIET=maybe"), ARGV("ward", "-q", "app"));
	cr_assert_eq(cfg.verbosity, LOG_LVL_ERROR);
	ok(ENV("WARD_CHECK_TIMEOUT=soon"),
	   ARGV("ward", "--check", "http://127.0.0.1/", "--check-timeout",
	        "1s"));
	cr_assert_eq(cfg.check_timeout_ms, 1000);
	/* A variable no flag replaces is still read, and checked. */
	fails(ENV("WARD_GRACE=bad"), ARGV("ward", "-v", "app"), "WARD_GRACE");
	fails(ENV("WARD_GRACE=bad"), ARGV("ward", "app", "--grace", "1s"),
	      "WARD_GRACE");
}

/* --version, --help and --license select a mode and read no variable:
 * they work whatever the environment holds. */
Test(cli, mode_options_ignore_the_environment)
{
	char **env = ENV("WARD_GRACE=bad", "WARD_VERBOSE=lots",
	                 "TINI_VERBOSITY=x", "WARD_PROBE=https://x/");

	ok(env, ARGV("ward", "--version"));
	cr_assert_eq(cfg.mode, MODE_VERSION);
	cr_assert_eq(cfg.warn[0], '\0', "warning: %s", cfg.warn);
	ok(env, ARGV("docker-init", "--version"));
	cr_assert_eq(cfg.mode, MODE_VERSION);
	ok(env, ARGV("ward", "--help"));
	cr_assert_eq(cfg.mode, MODE_HELP);
	ok(env, ARGV("ward", "-h"));
	cr_assert_eq(cfg.mode, MODE_HELP);
	ok(env, ARGV("ward", "--license"));
	cr_assert_eq(cfg.mode, MODE_LICENSE);
}

Test(cli, tini_variables)
{
	ok(ENV("TINI_SUBREAPER="), ARGV("ward", "app"));
	ok(ENV("TINI_SUBREAPER=1"), ARGV("ward", "app"));
	ok(ENV("TINI_KILL_PROCESS_GROUP=1"), ARGV("ward", "app"));
	cr_assert_eq(cfg.pgroup, true);
	ok(ENV("TINI_KILL_PROCESS_GROUP="), ARGV("ward", "app"));
	cr_assert_eq(cfg.pgroup, true);
	ok(ENV("TINI_KILL_PROCESS_GROUP=0"), ARGV("ward", "app"));
	cr_assert_eq(cfg.pgroup, true);
	ok(ENV("TINI_VERBOSITY=0"), ARGV("ward", "app"));
	cr_assert_eq(cfg.verbosity, LOG_LVL_ERROR);
	ok(ENV("TINI_VERBOSITY=1"), ARGV("ward", "app"));
	cr_assert_eq(cfg.verbosity, LOG_LVL_NOTICE);
	ok(ENV("TINI_VERBOSITY=2"), ARGV("ward", "app"));
	cr_assert_eq(cfg.verbosity, LOG_LVL_INFO);
	ok(ENV("TINI_VERBOSITY=3"), ARGV("ward", "app"));
	cr_assert_eq(cfg.verbosity, LOG_LVL_DEBUG);
	cr_assert_eq(cfg.warn[0], '\0', "warning: %s", cfg.warn);
	/* The command line still wins. */
	ok(ENV("TINI_VERBOSITY=3"), ARGV("ward", "-v", "app"));
	cr_assert_eq(cfg.verbosity, 1);
}

/* tini starts whatever TINI_VERBOSITY holds, so ward does too: a value
 * tini would not understand is ignored, with a warning that cli_parse
 * hands back (main logs it once logging is set up). tini's levels 4 and 5
 * (debug, trace) are ward's most verbose. */
Test(cli, tini_verbosity_not_understood)
{
	static const char *const bad[] = {"loud", "-1", "2x", " 1", "0x1"};
	char v[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(v, sizeof(v), "TINI_VERBOSITY=%s", bad[i]);
		ok(ENV(v), ARGV("ward", "app"));
		cr_expect_eq(cfg.verbosity, LOG_LVL_NOTICE, "%s", v);
		cr_expect_not_null(strstr(cfg.warn, "TINI_VERBOSITY"), "%s: %s",
		                   v, cfg.warn);
		cr_expect_not_null(strstr(cfg.warn, bad[i]), "%s: %s", v,
		                   cfg.warn);
		cr_expect_not_null(strstr(cfg.warn, "ignored"), "%s: %s", v,
		                   cfg.warn);
		cr_expect_null(strchr(cfg.warn, '\n'), "%s", cfg.warn);
	}
	ok(ENV("TINI_VERBOSITY=loud", "WARD_VERBOSE=1"), ARGV("ward", "app"));
	cr_assert_eq(cfg.verbosity, 1);
	ok(ENV("TINI_VERBOSITY=5"), ARGV("ward", "app"));
	cr_assert_eq(cfg.verbosity, LOG_LVL_DEBUG);
	cr_assert_eq(cfg.warn[0], '\0', "warning: %s", cfg.warn);
	ok(ENV("TINI_VERBOSITY="), ARGV("ward", "app"));
	cr_assert_eq(cfg.verbosity, LOG_LVL_NOTICE);
	cr_assert_eq(cfg.warn[0], '\0', "warning: %s", cfg.warn);
	ok(NOENV, ARGV("ward", "app"));
	cr_assert_eq(cfg.warn[0], '\0', "warning: %s", cfg.warn);
	/* --check reads no TINI_* variable: nothing to warn about. */
	ok(ENV("TINI_VERBOSITY=loud"),
	   ARGV("ward", "--check", "http://127.0.0.1/"));
	cr_assert_eq(cfg.warn[0], '\0', "warning: %s", cfg.warn);
}

/* --check ignores every WARD_* variable except WARD_CHECK_TIMEOUT. */
Test(cli, check_ignores_other_variables)
{
	ok(ENV("WARD_LISTEN=garbage", "WARD_GRACE=bad", "WARD_PROBE=https://x/",
	       "WARD_PROCESS_GROUP=maybe", "WARD_REMAP_EXIT=999",
	       "WARD_REQUIRE_TMPFS=relative", "WARD_PROBE_INTERVAL=0",
	       "TINI_VERBOSITY=loud", "WARD_VERBOSE=2", "WARD_QUIET=1"),
	   ARGV("ward", "--check", "http://127.0.0.1:8080/"));
	cr_assert_eq(cfg.mode, MODE_CHECK);
	cr_assert_eq(cfg.has_listen, false);
	cr_assert_eq(cfg.has_probe, false);
	cr_assert_eq(cfg.grace_ms, 5000);
	cr_assert_eq(cfg.pgroup, false);
	cr_assert_eq(cfg.checks.ntmpfs, 0);
	cr_assert_eq(cfg.verbosity, 0);
	ok(ENV("WARD_GRACE=bad"), ARGV("ward", "--check=tcp://127.0.0.1:1"));
	cr_assert_eq(cfg.mode, MODE_CHECK);
}

Test(cli, check_reads_check_timeout)
{
	ok(ENV("WARD_CHECK_TIMEOUT=5s"),
	   ARGV("ward", "--check", "http://127.0.0.1/"));
	cr_assert_eq(cfg.check_timeout_ms, 5000);
	ok(ENV("WARD_CHECK_TIMEOUT=5s"),
	   ARGV("ward", "--check", "http://127.0.0.1/", "--check-timeout",
	        "300ms"));
	cr_assert_eq(cfg.check_timeout_ms, 300);
	fails(ENV("WARD_CHECK_TIMEOUT=soon"),
	      ARGV("ward", "--check", "http://127.0.0.1/"),
	      "WARD_CHECK_TIMEOUT");
}

/*
 * "--check" after the program is one of the program's arguments (option
 * parsing stops at the first non-option), so the WARD_* variables still
 * configure the supervisor.
 */
Test(cli, check_after_program_is_an_argument)
{
	char **argv = ARGV("ward", "app", "--check");

	ok(ENV("WARD_GRACE=1s", "WARD_PROCESS_GROUP=1"), argv);
	cr_assert_eq(cfg.mode, MODE_RUN);
	cr_assert_eq(cfg.argv, argv + 1);
	cr_expect_eq(cfg.grace_ms, 1000, "WARD_GRACE ignored: grace %lld",
	             (long long)cfg.grace_ms);
	cr_expect_eq(cfg.pgroup, true, "WARD_PROCESS_GROUP ignored");
	ok(ENV("WARD_REMAP_EXIT=143"),
	   ARGV("ward", "-v", "curl", "--check=http://x/"));
	cr_expect(remapped(143), "WARD_REMAP_EXIT ignored");
}

Test(cli, error_buffer_is_bounded)
{
	char small[8];
	char **argv = ARGV("ward", "--a-very-long-unknown-option", "app");

	memset(small, 'Z', sizeof(small));
	cr_assert_eq(cli_parse(&cfg, 3, argv, NOENV, small, 6), -1);
	cr_assert_eq(small[5], '\0');
	cr_assert_eq(small[6], 'Z');
	cr_assert_eq(strlen(small), 5);
}
