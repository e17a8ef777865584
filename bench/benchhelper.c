/* benchhelper.c: the timing-critical parts of make bench, one binary. */

/*
 * Modes (see bench/run.py, which drives them):
 *
 *   benchhelper spawn N CMD [ARG...]     run CMD N times; print per-run wall
 *                                        time (mean, median) and CPU time
 *   benchhelper startup N INIT [ARG...]  /bin/true, env /bin/true and
 *                                        INIT... /bin/true, alternated N times
 *   benchhelper rtt N INIT [ARG...]      INIT as PID 1 of a new PID+mount
 *                                        namespace running "SELF ackchild";
 *                                        N SIGUSR1 round trips, each acked
 *   benchhelper storm N INIT [ARG...]    INIT as PID 1 running "SELF
 *                                        stormchild N": N orphans exit at once
 *   benchhelper shutdown pid1|subreaper N flat|chain INIT [ARG...]
 *                                        INIT running "SELF herd N SHAPE FD",
 *                                        a tree of N; the time and the init's
 *                                        CPU from SIGTERM until it exited
 *   benchhelper trickle N LIVE STEP_US INIT [ARG...]
 *                                        the same with LIVE orphans that stay
 *                                        alive, and the N exiting one per
 *                                        STEP_US microseconds
 *   benchhelper nsexec CMD [ARG...]      CMD as PID 1 of a new namespace;
 *                                        prints its pid, waits, passes status
 *   benchhelper httpd PORT               tiny HTTP/1.1 server on 127.0.0.1
 *   benchhelper pause                    sleep until killed
 *
 * The namespace is what `unshare --pid --fork --mount-proc` makes, created
 * with clone(2) here so the helper knows the init's pid without a lookup.
 * Times are CLOCK_MONOTONIC nanoseconds. Nothing here asserts a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HANG_SECONDS 60 /* alarm(2) as a hang catcher, never a limit */
#define WARMUP 200      /* round trips discarded before measuring */
#define MAX_SAMPLES 1000000
/* shutdown's hang catcher, as long as shutdown.py's: on a busy machine a
 * chain forks one generation per scheduler slice. */
#define SHUTDOWN_HANG_SECONDS 3600

static char self_path[4096]; /* /proc/self/exe, for the children's argv */

static _Noreturn void
die(const char *what)
{
	fprintf(stderr, "benchhelper: %s: %s\n", what, strerror(errno));
	exit(1);
}

static _Noreturn void
diex(const char *what)
{
	fprintf(stderr, "benchhelper: %s\n", what);
	exit(1);
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CPU time pid has used, in ns (sum_exec_runtime); -1 if unknown. */
static int64_t
cpu_ns(pid_t pid)
{
	char path[64];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static long
num(const char *s)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < 0)
		diex("bad number");
	return n;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a;
	int64_t y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Sort v and return its q-quantile (0 <= q <= 1), nearest rank. */
static int64_t
quantile(int64_t *v, size_t n, double q)
{
	size_t i;

	qsort(v, n, sizeof(*v), cmp_i64);
	i = (size_t)(q * (double)(n - 1) + 0.5);
	return v[i];
}

/*
 * Start argv, its stdout on out_fd (unless -1): with newns as PID 1 of a
 * new PID and mount namespace with /proc mounted for it, else as a plain
 * child. Returns its pid as seen here.
 */
static pid_t
spawn(char **argv, int out_fd, int newns)
{
	long pid;

	fflush(NULL);
	pid = syscall(SYS_clone,
	              (newns ? CLONE_NEWPID | CLONE_NEWNS : 0) | SIGCHLD, 0, 0,
	              0, 0);
	if (pid < 0)
		die(newns ? "clone(CLONE_NEWPID|CLONE_NEWNS)" : "clone");
	if (pid > 0)
		return (pid_t)pid;
	if (newns && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("mount --make-rprivate /");
	if (newns && mount("proc", "/proc", "proc",
	                   MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("mount proc");
	if (out_fd >= 0 && dup2(out_fd, 1) < 0)
		die("dup2");
	execvp(argv[0], argv);
	fprintf(stderr, "benchhelper: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* argv of INIT... followed by SELF and tail (NULL-terminated). */
static char **
init_argv(char **init, int ninit, char *const *tail)
{
	char **v;
	int nt = 0;
	int i;

	while (tail[nt] != NULL)
		nt++;
	v = calloc((size_t)(ninit + nt) + 2, sizeof(*v));
	if (v == NULL)
		die("calloc");
	for (i = 0; i < ninit; i++)
		v[i] = init[i];
	v[i++] = self_path;
	memcpy(v + i, tail, (size_t)nt * sizeof(*v));
	v[i + nt] = NULL;
	return v;
}

static void
read_byte(int fd, char want)
{
	char c;
	ssize_t r;

	do
		r = read(fd, &c, 1);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		die("read ack");
	if (r == 0)
		diex("init or child exited early (EOF on ack pipe)");
	if (want != 0 && c != want)
		fprintf(stderr,
		        "benchhelper: unexpected byte 0x%02x on ack pipe\n",
		        (unsigned char)c),
		    exit(1);
}

static int
reap_init(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	return st;
}

/* Child of rtt: ack every SIGUSR1 with one byte; exit 0 on SIGTERM. */
static int
mode_ackchild(void)
{
	sigset_t set;
	int s;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (write(1, "R", 1) != 1)
		return 1;
	for (;;) {
		s = sigwaitinfo(&set, NULL);
		if (s == SIGUSR1) {
			if (write(1, "a", 1) != 1)
				return 1;
		} else if (s == SIGTERM || s == SIGINT) {
			return 0;
		}
	}
}

/* rtt N INIT...: median, p99 and mean of N acked signal round trips. */
static int
mode_rtt(long n, char **init, int ninit)
{
	int p[2];
	int64_t *v;
	int64_t t0, c0, c1;
	long i;
	pid_t pid;

	if (n <= 0 || n > MAX_SAMPLES)
		diex("rtt: bad count");
	v = calloc((size_t)n, sizeof(*v));
	if (v == NULL || pipe2(p, O_CLOEXEC) < 0)
		die("setup");
	pid = spawn(init_argv(init, ninit, (char *[]){"ackchild", NULL}), p[1],
	            1);
	close(p[1]);
	alarm(HANG_SECONDS);
	read_byte(p[0], 'R');
	c0 = 0;
	for (i = -WARMUP; i < n; i++) {
		if (i == 0)
			c0 = cpu_ns(pid);
		t0 = now_ns();
		if (kill(pid, SIGUSR1) < 0)
			die("kill");
		read_byte(p[0], 'a');
		if (i >= 0)
			v[i] = now_ns() - t0;
	}
	c1 = cpu_ns(pid);
	kill(pid, SIGTERM);
	reap_init(pid);
	alarm(0);
	{
		int64_t sum = 0;

		for (i = 0; i < n; i++)
			sum += v[i];
		printf("median_ns=%lld p99_ns=%lld mean_ns=%lld "
		       "init_cpu_ns=%lld\n",
		       (long long)quantile(v, (size_t)n, 0.5),
		       (long long)quantile(v, (size_t)n, 0.99),
		       (long long)(sum / n),
		       (long long)(c0 < 0 || c1 < 0 ? -1 : (c1 - c0) / n));
	}
	return 0;
}

/*
 * Fork live orphans-to-be that wait on hold[0] (they stay until the end),
 * then n that wait on go[0] and, once it closes, exit: at once, or orphan
 * i after i * step_us. The n pids go to out.
 */
static _Noreturn void
storm_parent_of_orphans(long n, long live, long step_us, int go[2],
                        int hold[2], int out)
{
	long i;
	pid_t c;
	char b;

	for (i = -live; i < n; i++) {
		c = fork();
		if (c < 0)
			die("fork orphan");
		if (c == 0) {
			int fd = i < 0 ? hold[0] : go[0];

			close(go[1]);
			close(hold[1]);
			close(out);
			while (read(fd, &b, 1) < 0 && errno == EINTR)
				;
			if (i > 0 && step_us > 0) {
				struct timespec d = {i * step_us / 1000000,
				                     i * step_us % 1000000 * 1000};

				while (nanosleep(&d, &d) < 0 && errno == EINTR)
					;
			}
			_exit(0);
		}
		if (i >= 0 && write(out, &c, sizeof(c)) != (ssize_t)sizeof(c))
			die("write pid");
	}
	_exit(0);
}

/*
 * Child of storm and trickle (spec "N" or "N,LIVE,STEP_US"): make the
 * orphans of the init, release the n at once and print how long until
 * the init had reaped every one, and the init's CPU time meanwhile. A
 * reaped pid makes kill(pid, 0) fail with ESRCH (a zombie still
 * succeeds); it is checked every ~50 us (1 ms in a trickle).
 */
static int
mode_stormchild(const char *spec)
{
	int go[2], hold[2], pp[2];
	long n = 0, live = 0, step = 0;
	pid_t *pids;
	pid_t mid;
	long got = 0, left, i, j;
	ssize_t r;
	int64_t t0, c0;
	struct timespec nap = {0, 50000};

	if (sscanf(spec, "%ld,%ld,%ld", &n, &live, &step) < 1 || n <= 0 ||
	    live < 0 || step < 0)
		diex("stormchild: bad spec");
	if (step > 0)
		nap.tv_nsec = 1000000;
	pids = calloc((size_t)n, sizeof(*pids));
	if (pids == NULL || pipe(go) < 0 || pipe(hold) < 0 || pipe(pp) < 0)
		die("setup");
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	mid = fork();
	if (mid < 0)
		die("fork");
	if (mid == 0) {
		close(pp[0]);
		storm_parent_of_orphans(n, live, step, go, hold, pp[1]);
	}
	close(pp[1]);
	close(go[0]);
	close(hold[0]);
	while (got < n) {
		r = read(pp[0], pids + got, (size_t)(n - got) * sizeof(*pids));
		if (r <= 0)
			diex("storm: lost the orphans' pids");
		got += r / (ssize_t)sizeof(*pids);
	}
	reap_init(mid);
	nanosleep(&(struct timespec){0, 100000000}, NULL);
	c0 = cpu_ns(1);
	t0 = now_ns();
	close(go[1]);
	for (left = n; left > 0;) {
		for (i = j = 0; i < left; i++)
			if (!(kill(pids[i], 0) < 0 && errno == ESRCH))
				pids[j++] = pids[i];
		left = j;
		if (left > 0)
			nanosleep(&nap, NULL);
	}
	t0 = now_ns() - t0;
	printf("storm_ns=%lld init_cpu_ns=%lld\n", (long long)t0,
	       (long long)(c0 < 0 ? -1 : cpu_ns(1) - c0));
	fflush(stdout);
	close(hold[1]);
	return 0;
}

/* storm N INIT...: run the storm child under INIT as PID 1, echo result. */
static int
mode_storm(char *n, char **init, int ninit)
{
	int p[2];
	char buf[128];
	ssize_t r;
	size_t used = 0;
	pid_t pid;
	int st;

	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe");
	pid = spawn(init_argv(init, ninit, (char *[]){"stormchild", n, NULL}),
	            p[1], 1);
	close(p[1]);
	alarm(HANG_SECONDS);
	while (used < sizeof(buf) - 1 &&
	       (r = read(p[0], buf + used, sizeof(buf) - 1 - used)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("read");
		used += (size_t)r;
	}
	buf[used] = '\0';
	st = reap_init(pid);
	alarm(0);
	if (strncmp(buf, "storm_ns=", 9) != 0)
		diex("storm: no result from the child");
	fputs(buf, stdout);
	return WIFEXITED(st) ? 0 : 1;
}

/* One of a herd: say so on fd, then wait for the signal that ends it. */
static _Noreturn void
herd_member(int fd)
{
	if (write(fd, "x", 1) != 1)
		_exit(1);
	close(fd);
	for (;;)
		pause();
}

/*
 * herd N flat|chain FD: the init's child in shutdown. N processes below
 * it: all its children (flat), or a chain of N generations, itself the
 * first link (chain). Each writes one byte to FD once it is set up and
 * waits with default dispositions, so SIGTERM ends it. A chain's next link
 * is a fresh exec of this program: a plain fork chain links each new
 * process's memory to every ancestor's (the kernel's anon_vma chains),
 * quadratic in depth, and 8,000 generations took 12 GB of kernel memory
 * and hours to fork.
 */
static _Noreturn void
mode_herd(long n, int chain, int fd)
{
	char num[24];
	char fds[16];
	pid_t pid;
	long i;

	for (i = 0; i < n; i++) {
		if ((pid = fork()) < 0)
			_exit(1);
		if (pid == 0 && chain && n > 1) {
			snprintf(num, sizeof(num), "%ld", n - 1);
			snprintf(fds, sizeof(fds), "%d", fd);
			execl(self_path, "benchhelper", "herd", num, "chain",
			      fds, (char *)NULL);
			_exit(1);
		}
		if (pid == 0)
			herd_member(fd);
		if (chain)
			herd_member(fd); /* a link: its child goes on */
	}
	for (;;)
		pause();
}

/*
 * shutdown pid1|subreaper N flat|chain INIT...: INIT (as PID 1 of a new PID
 * and mount namespace, or as a plain child) runs a herd of N. Once all N
 * are up the init gets SIGTERM; the figures run until it has exited: wall
 * time, and the init's own CPU time (/proc/PID/schedstat of the exited
 * init, read before it is reaped). SHUTDOWN_PAUSE=1 waits for a line on
 * stdin first, to attach a profiler to the init.
 */
static int
mode_shutdown(int pid1, char *n, char *shape, char **init, int ninit)
{
	char fdstr[16];
	long count = num(n);
	long i;
	int64_t t0;
	int64_t c0;
	int64_t c1;
	siginfo_t si;
	pid_t pid;
	char c;
	int p[2];

	alarm(SHUTDOWN_HANG_SECONDS);
	if (pipe(p) < 0)
		die("pipe");
	snprintf(fdstr, sizeof(fdstr), "%d", p[1]);
	pid = spawn(
	    init_argv(init, ninit, (char *[]){"herd", n, shape, fdstr, NULL}),
	    -1, pid1);
	close(p[1]);
	for (i = 0; i < count; i++)
		read_byte(p[0], 'x');
	if (getenv("SHUTDOWN_PAUSE")) {
		fprintf(stderr, "init %d: press enter\n", (int)pid);
		if (read(0, &c, 1) < 0)
			die("stdin");
	}
	t0 = now_ns();
	c0 = cpu_ns(pid);
	kill(pid, SIGTERM);
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0)
		if (errno != EINTR)
			die("waitid");
	t0 = now_ns() - t0;
	c1 = cpu_ns(pid);
	if (c0 < 0 || c1 < 0)
		diex("shutdown: no /proc/PID/schedstat of the init");
	printf("shutdown_ns=%lld init_cpu_ns=%lld\n", (long long)t0,
	       (long long)(c1 - c0));
	reap_init(pid);
	return 0;
}

/* Run cmd once, stdio on null; its wall and CPU (user+sys) time in ns. */
static int
run_once(char **cmd, int null, int64_t *wall, int64_t *cpu)
{
	struct rusage ru;
	int64_t t0 = now_ns();
	pid_t pid = fork();
	int st;

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execvp(cmd[0], cmd);
		_exit(127);
	}
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			die("wait4");
	*wall = now_ns() - t0;
	*cpu = (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	       (int64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* spawn N CMD...: per-run wall (mean, median) and CPU (user+sys) time. */
static int
mode_spawn(long n, char **cmd)
{
	int64_t *v = calloc((size_t)n + 1, sizeof(*v));
	int64_t wall = 0, cpu = 0, c;
	long i, fails = 0;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (v == NULL || null < 0 || n <= 0)
		die("spawn setup");
	for (i = 0; i < n; i++) {
		if (run_once(cmd, null, &v[i], &c) < 0)
			fails++;
		wall += v[i];
		cpu += c;
	}
	printf("wall_mean_ns=%lld wall_median_ns=%lld cpu_mean_ns=%lld "
	       "fails=%ld\n",
	       (long long)(wall / n), (long long)quantile(v, (size_t)n, 0.5),
	       (long long)(cpu / n), fails);
	return 0;
}

/*
 * startup N INIT...: alternate "/bin/true", "env /bin/true" and
 * "INIT... /bin/true" N times each; the medians of the paired differences
 * are INIT's overhead over running the program directly and over env.
 */
static int
mode_startup(long n, char **init, int ninit)
{
	char *direct[] = {"/bin/true", NULL};
	char *env[] = {"env", "/bin/true", NULL};
	char **cmd = calloc((size_t)ninit + 2, sizeof(*cmd));
	int64_t *dd = calloc((size_t)n + 1, sizeof(*dd));
	int64_t *de = calloc((size_t)n + 1, sizeof(*de));
	int64_t *w = calloc((size_t)n + 1, sizeof(*w));
	int64_t wd, we, wi, c;
	long i, fails = 0;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (cmd == NULL || dd == NULL || de == NULL || w == NULL || null < 0 ||
	    n <= 0)
		die("startup setup");
	memcpy(cmd, init, (size_t)ninit * sizeof(*cmd));
	cmd[ninit] = "/bin/true";
	for (i = 0; i < n; i++) {
		if (run_once(direct, null, &wd, &c) < 0 ||
		    run_once(env, null, &we, &c) < 0)
			diex("/bin/true failed");
		if (run_once(cmd, null, &wi, &c) < 0)
			fails++;
		dd[i] = wi - wd;
		de[i] = wi - we;
		w[i] = wi;
	}
	printf("over_direct_ns=%lld over_env_ns=%lld wall_median_ns=%lld "
	       "fails=%ld\n",
	       (long long)quantile(dd, (size_t)n, 0.5),
	       (long long)quantile(de, (size_t)n, 0.5),
	       (long long)quantile(w, (size_t)n, 0.5), fails);
	return 0;
}

/* nsexec CMD...: CMD as PID 1 of a new namespace; print its pid. */
static int
mode_nsexec(char **cmd)
{
	pid_t pid = spawn(cmd, -1, 1);
	int st;

	printf("%d\n", (int)pid);
	fflush(stdout);
	st = reap_init(pid);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static void
serve_one(int c)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\n"
	                           "Content-Type: text/plain\r\n"
	                           "Content-Length: 3\r\n"
	                           "Connection: close\r\n\r\nok\n";
	char buf[4096];
	size_t used = 0;
	ssize_t r;
	struct timeval tv = {2, 0};

	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (used < sizeof(buf) - 1) {
		r = read(c, buf + used, sizeof(buf) - 1 - used);
		if (r <= 0)
			return;
		used += (size_t)r;
		buf[used] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL)
			break;
	}
	if (send(c, resp, sizeof(resp) - 1, MSG_NOSIGNAL) < 0)
		return;
}

/* httpd PORT: answer every request with 200 "ok"; print the port. */
static int
mode_httpd(long port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int one = 1, s, c;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		die("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 512) < 0)
		die("bind/listen");
	if (getsockname(s, (struct sockaddr *)&a, &len) < 0)
		die("getsockname");
	printf("%d\n", ntohs(a.sin_port));
	fflush(stdout);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		serve_one(c);
		close(c);
	}
}

static int
usage(void)
{
	fputs("usage: benchhelper spawn N CMD... | startup N INIT... | "
	      "rtt N INIT... | storm N INIT... | "
	      "shutdown pid1|subreaper N flat|chain INIT... | "
	      "nsexec CMD... | httpd PORT | pause\n",
	      stderr);
	return 2;
}

int
main(int argc, char **argv)
{
	ssize_t r =
	    readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);

	if (r < 0)
		die("readlink /proc/self/exe");
	self_path[r] = '\0';
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "ackchild") == 0)
		return mode_ackchild();
	if (strcmp(argv[1], "stormchild") == 0 && argc == 3)
		return mode_stormchild(argv[2]);
	if (strcmp(argv[1], "herd") == 0 && argc == 5)
		mode_herd(num(argv[2]), strcmp(argv[3], "chain") == 0,
		          (int)num(argv[4]));
	if (strcmp(argv[1], "pause") == 0) {
		for (;;)
			pause();
	}
	if (strcmp(argv[1], "httpd") == 0 && argc == 3)
		return mode_httpd(num(argv[2]));
	if (strcmp(argv[1], "nsexec") == 0 && argc >= 3)
		return mode_nsexec(argv + 2);
	if (argc < 4)
		return usage();
	if (strcmp(argv[1], "spawn") == 0)
		return mode_spawn(num(argv[2]), argv + 3);
	if (strcmp(argv[1], "startup") == 0)
		return mode_startup(num(argv[2]), argv + 3, argc - 3);
	if (strcmp(argv[1], "rtt") == 0)
		return mode_rtt(num(argv[2]), argv + 3, argc - 3);
	if (strcmp(argv[1], "storm") == 0)
		return mode_storm(argv[2], argv + 3, argc - 3);
	if (strcmp(argv[1], "shutdown") == 0 && argc >= 6 &&
	    (strcmp(argv[2], "pid1") == 0 ||
	     strcmp(argv[2], "subreaper") == 0) &&
	    (strcmp(argv[4], "flat") == 0 || strcmp(argv[4], "chain") == 0))
		return mode_shutdown(strcmp(argv[2], "pid1") == 0, argv[3],
		                     argv[4], argv + 5, argc - 5);
	if (strcmp(argv[1], "trickle") == 0 && argc >= 6) {
		char spec[96];

		snprintf(spec, sizeof(spec), "%ld,%ld,%ld", num(argv[2]),
		         num(argv[3]), num(argv[4]));
		return mode_storm(spec, argv + 5, argc - 5);
	}
	return usage();
}
