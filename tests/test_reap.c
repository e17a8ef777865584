/* test_reap.c: unit tests of reaping and exit statuses (src/reap.c). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "log.h"
#include "reap.h"

/* Wait statuses as the kernel builds them (wait(2)). */
#define EXITED(code) (((code)&0xff) << 8)
#define KILLED(sig) ((sig)&0x7f)
#define CORE 0x80

static const unsigned char none[32];

static struct init in;

/* A remap set with the given exit codes. */
static void
remap_set(unsigned char *r, const int *codes, int n)
{
	int i;

	memset(r, 0, 32);
	for (i = 0; i < n; i++)
		r[codes[i] / 8] |= (unsigned char)(1 << (codes[i] % 8));
}

/* The wait status of a real child that runs fn(arg) and dies. */
static int
real_status(void (*fn)(int), int arg)
{
	pid_t pid = fork();
	int st;

	cr_assert_neq(pid, -1);
	if (pid == 0) {
		fn(arg);
		_exit(250);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return st;
}

static void
do_exit(int code)
{
	_exit(code);
}

static void
do_kill(int sig)
{
	signal(sig, SIG_DFL);
	kill(getpid(), sig);
	pause();
}

Test(reap, exit_codes_pass_through)
{
	int code;

	for (code = 0; code <= 255; code++)
		cr_expect_eq(reap_exit_code(EXITED(code), none), code,
		             "exit %d -> %d", code,
		             reap_exit_code(EXITED(code), none));
}

/* tini's loop: real processes exiting with each code. */
Test(reap, real_exit_codes_pass_through)
{
	int code;
	int st;

	for (code = 0; code <= 255; code++) {
		st = real_status(do_exit, code);
		cr_expect_eq(reap_exit_code(st, none), code, "exit %d -> %d",
		             code, reap_exit_code(st, none));
	}
}

Test(reap, signals_give_128_plus_n)
{
	int sig;

	for (sig = 1; sig <= 64; sig++) {
		cr_expect_eq(reap_exit_code(KILLED(sig), none), 128 + sig,
		             "signal %d", sig);
		cr_expect_eq(reap_exit_code(KILLED(sig) | CORE, none),
		             128 + sig, "signal %d with core", sig);
	}
}

Test(reap, real_signals_give_128_plus_n)
{
	static const int sigs[] = {SIGTERM, SIGKILL, SIGINT, SIGHUP,
	                           SIGUSR1, SIGQUIT, 34,     64};
	size_t i;
	int st;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		st = real_status(do_kill, sigs[i]);
		cr_assert(WIFSIGNALED(st), "signal %d: status %#x", sigs[i],
		          st);
		cr_expect_eq(reap_exit_code(st, none), 128 + sigs[i],
		             "signal %d", sigs[i]);
	}
}

Test(reap, remap)
{
	unsigned char r[32];
	int code;

	remap_set(r, (int[]){3}, 1);
	cr_assert_eq(reap_exit_code(EXITED(3), r), 0);
	cr_assert_eq(reap_exit_code(EXITED(4), r), 4);
	cr_assert_eq(reap_exit_code(EXITED(2), r), 2);
	cr_assert_eq(reap_exit_code(EXITED(11), r), 11);
	cr_assert_eq(reap_exit_code(KILLED(3), r), 131);

	/* -e 143 also covers death by SIGTERM, as in tini. */
	remap_set(r, (int[]){143}, 1);
	cr_assert_eq(reap_exit_code(EXITED(143), r), 0);
	cr_assert_eq(reap_exit_code(KILLED(SIGTERM), r), 0);
	cr_assert_eq(reap_exit_code(KILLED(SIGTERM) | CORE, r), 0);
	cr_assert_eq(reap_exit_code(KILLED(SIGKILL), r), 137);
	cr_assert_eq(reap_exit_code(EXITED(15), r), 15);

	remap_set(r, (int[]){0, 255, 1, 254}, 4);
	for (code = 0; code <= 255; code++)
		cr_expect_eq(reap_exit_code(EXITED(code), r),
		             code == 255 || code == 1 || code == 254 ? 0 : code,
		             "code %d", code);
}

Test(reap, remap_every_code)
{
	unsigned char r[32];
	int code;

	for (code = 0; code <= 255; code++) {
		remap_set(r, &code, 1);
		cr_expect_eq(reap_exit_code(EXITED(code), r), 0, "code %d",
		             code);
		cr_expect_eq(reap_exit_code(EXITED((code + 1) % 256), r),
		             (code + 1) % 256, "code %d", code);
	}
}

Test(reap, describe)
{
	char buf[64];

	cr_assert_str_eq(reap_describe(EXITED(0), buf, sizeof(buf)),
	                 "exited with status 0");
	cr_assert_str_eq(reap_describe(EXITED(3), buf, sizeof(buf)),
	                 "exited with status 3");
	cr_assert_str_eq(reap_describe(EXITED(255), buf, sizeof(buf)),
	                 "exited with status 255");
	cr_assert_str_eq(reap_describe(KILLED(SIGTERM), buf, sizeof(buf)),
	                 "killed by SIGTERM");
	cr_assert_str_eq(reap_describe(KILLED(SIGKILL), buf, sizeof(buf)),
	                 "killed by SIGKILL");
	cr_assert_str_eq(
	    reap_describe(KILLED(SIGSEGV) | CORE, buf, sizeof(buf)),
	    "killed by SIGSEGV");
	cr_assert_str_eq(reap_describe(KILLED(37), buf, sizeof(buf)),
	                 "killed by SIGRTMIN+3");
	cr_assert_eq(reap_describe(EXITED(1), buf, sizeof(buf)), buf);
}

Test(reap, describe_truncates)
{
	char buf[16];

	memset(buf, 'Z', sizeof(buf));
	reap_describe(EXITED(3), buf, 8);
	cr_assert_str_eq(buf, "exited ");
	cr_assert_eq(buf[8], 'Z');
	reap_describe(KILLED(SIGTERM), buf, 12);
	cr_assert_str_eq(buf, "killed by S");
}

/* Wait until pid is a zombie, without reaping it. */
static void
wait_zombie(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	cr_assert_eq(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
}

static pid_t
spawn_exit(int code)
{
	pid_t pid = fork();

	cr_assert_neq(pid, -1);
	if (pid == 0)
		_exit(code);
	return pid;
}

/* A SIGCHLD long after the last scan, which scans at once: in.gone. */
static bool
reap_children(struct init *p)
{
	p->sigfd = -1;
	p->reap_last = 0;
	reap_turn(p, true, 1000000);
	cr_assert_eq(reap_deadline(p), -1);
	return p->gone;
}

/* A child that exits once *wfd, the pipe's write end, is closed. */
static pid_t
spawn_waiting(int *wfd)
{
	int fds[2];
	pid_t pid;
	char c = 0;

	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		close(fds[1]);
		(void)!read(fds[0], &c, 1);
		_exit(0);
	}
	close(fds[0]);
	*wfd = fds[1];
	return pid;
}

Test(reap, children_collects_all)
{
	pid_t main_child;
	pid_t others[3];
	int i;

	log_init(LOG_LVL_ERROR);
	memset(&in, 0, sizeof(in));
	main_child = spawn_exit(7);
	for (i = 0; i < 3; i++)
		others[i] = spawn_exit(i);
	in.child = main_child;
	in.child_running = true;
	wait_zombie(main_child);
	for (i = 0; i < 3; i++)
		wait_zombie(others[i]);
	cr_assert_eq(reap_children(&in), true, "children left");
	cr_assert_eq(in.zombies_reaped, 4);
	cr_assert_eq(in.child_running, false);
	cr_assert(WIFEXITED(in.child_status));
	cr_assert_eq(WEXITSTATUS(in.child_status), 7);
	cr_assert_eq(reap_children(&in), true);
	cr_assert_eq(in.zombies_reaped, 4);
	errno = 0;
	cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1);
	cr_assert_eq(errno, ECHILD);
}

Test(reap, children_returns_false_while_one_runs)
{
	pid_t slow;
	pid_t quick;
	int wfd;

	log_init(LOG_LVL_ERROR);
	memset(&in, 0, sizeof(in));
	slow = spawn_waiting(&wfd);
	quick = spawn_exit(1);
	in.child = slow;
	in.child_running = true;
	wait_zombie(quick);
	cr_assert_eq(reap_children(&in), false);
	cr_assert_eq(in.zombies_reaped, 1);
	cr_assert_eq(in.child_running, true);
	close(wfd);
	wait_zombie(slow);
	cr_assert_eq(reap_children(&in), true);
	cr_assert_eq(in.zombies_reaped, 2);
	cr_assert_eq(in.child_running, false);
	cr_assert_eq(reap_exit_code(in.child_status, none), 0);
}

/* A pid equal to the main child's, reaped after it, is not the child. */
Test(reap, main_child_status_recorded_once)
{
	pid_t pid;

	log_init(LOG_LVL_ERROR);
	memset(&in, 0, sizeof(in));
	pid = spawn_exit(9);
	in.child = pid;
	in.child_running = false;
	in.child_status = EXITED(42);
	wait_zombie(pid);
	cr_assert_eq(reap_children(&in), true);
	cr_assert_eq(in.zombies_reaped, 1);
	cr_assert_eq(in.child_status, EXITED(42));
}

/*
 * A SIGCHLD shortly after a scan: the main child is collected at once,
 * the rest at the scan REAP_SCAN_GAP_MS after the last one, not before.
 */
Test(reap, storm_scans_bounded)
{
	pid_t main_child, other;

	log_init(LOG_LVL_ERROR);
	memset(&in, 0, sizeof(in));
	in.sigfd = -1;
	main_child = spawn_exit(3);
	other = spawn_exit(5);
	in.child = main_child;
	in.child_running = true;
	wait_zombie(main_child);
	wait_zombie(other);
	in.reap_last = 5000;
	reap_turn(&in, true, 5001);
	cr_assert_eq(in.zombies_reaped, 1);
	cr_assert_eq(in.child_running, false);
	cr_assert_eq(WEXITSTATUS(in.child_status), 3);
	cr_assert_eq(reap_deadline(&in), 5000 + REAP_SCAN_GAP_MS);
	reap_turn(&in, false, 5000 + REAP_SCAN_GAP_MS - 1);
	cr_assert_eq(in.zombies_reaped, 1);
	wait_zombie(other); /* still there */
	reap_turn(&in, false, 5000 + REAP_SCAN_GAP_MS);
	cr_assert_eq(in.zombies_reaped, 2);
	cr_assert_eq(in.gone, true);
	cr_assert_eq(reap_deadline(&in), -1);
}

/* The first SIGCHLD after a quiet spell scans at once. */
Test(reap, quiet_then_scan_at_once)
{
	pid_t a, b;

	log_init(LOG_LVL_ERROR);
	memset(&in, 0, sizeof(in));
	in.sigfd = -1;
	a = spawn_exit(0);
	b = spawn_exit(0);
	wait_zombie(a);
	wait_zombie(b);
	in.reap_last = 100;
	reap_turn(&in, true, 100 + REAP_SCAN_GAP_MS);
	cr_assert_eq(in.zombies_reaped, 2);
	cr_assert_eq(in.gone, true);
	cr_assert_eq(reap_deadline(&in), -1);
}

/* A scan in a burst that finds something scans again a gap later; the
 * first one that finds nothing ends the burst. */
Test(reap, burst_goes_on_while_scans_find)
{
	pid_t slow, quick;
	int64_t next;
	int wfd;

	log_init(LOG_LVL_ERROR);
	memset(&in, 0, sizeof(in));
	in.sigfd = -1;
	slow = spawn_waiting(&wfd);
	quick = spawn_exit(0);
	wait_zombie(quick);
	in.reap_last = 1000;
	reap_turn(&in, true, 1001);
	cr_assert_neq(reap_deadline(&in), -1); /* a burst */
	reap_turn(&in, false, 1000 + REAP_SCAN_GAP_MS);
	cr_assert_eq(in.zombies_reaped, 1);
	cr_assert_neq(reap_deadline(&in), -1, "the burst ended too soon");
	/* The gap counts from the scan's end, on the real clock: a slow
	 * scan (a sanitizer build) moves the deadline on by what it took. */
	next = reap_deadline(&in);
	cr_assert(next >= 1000 + 2 * REAP_SCAN_GAP_MS &&
	              next < 1000 + 2 * REAP_SCAN_GAP_MS + 5000,
	          "next scan at %lld", (long long)next);
	reap_turn(&in, false, next);
	cr_assert_eq(reap_deadline(&in), -1);
	cr_assert_eq(in.gone, false);
	close(wfd);
	wait_zombie(slow);
	cr_assert_eq(reap_children(&in), true);
	cr_assert_eq(in.zombies_reaped, 2);
}
