/* stress_sigack.c: a child for tests/e2e/test_stress.py that acks signals. */

/*
 * Run under ward. It blocks the signals it acks and reads them from a
 * signalfd. On stdout it writes 'R' once it is ready, then one byte per
 * signal received: the signal number. SIGTERM or SIGINT make it print
 * "count N\n" (signals acked) and exit 0.
 *
 * Commands, one per line on stdin, each answered by one line on stdout
 * (the test sends none while a signal is unacknowledged):
 *   orphans N   N processes become orphans of the init and exit; answers
 *               "reaped K/N" once K of them are gone (reaped), at most
 *               10 s later
 *   nofile      answers "nofile N", the soft RLIMIT_NOFILE it has now
 *   exhaust     open /dev/null until EMFILE, then close 4 again for its
 *               own pipes; answers "fds N" (N held)
 *   release     close those again; answers "released"
 *   sleeper     leave one orphan that sleeps until a signal kills it
 *               (nothing blocked); answers "sleeper"
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ORPHANS 4096
#define MAX_HELD 65536
#define REAP_WAIT_MS 10000

static int held[MAX_HELD];
static int nheld;

/* Signals acked: everything an init forwards, not TSTP/TTIN/TTOU/CHLD. */
static void
ack_set(sigset_t *set)
{
	int s;

	sigemptyset(set);
	for (s = 1; s <= SIGRTMAX; s++) {
		if (s == SIGKILL || s == SIGSTOP || s == SIGCHLD ||
		    s == SIGTSTP || s == SIGTTIN || s == SIGTTOU)
			continue;
		if (s > 31 && s < SIGRTMIN)
			continue; /* reserved by the C library */
		sigaddset(set, s);
	}
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One answer line on stdout. */
static void
say(const char *fmt, ...)
{
	char line[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0 && write(1, line, (size_t)n) != n)
		exit(3);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Orphans: a middle process forks n children and exits at once. */
static void
orphans(long n)
{
	static pid_t pids[MAX_ORPHANS];
	int p[2];
	pid_t mid, c;
	long i, got = 0, left;
	long deadline;
	ssize_t r;

	if (n > MAX_ORPHANS)
		n = MAX_ORPHANS;
	if (pipe(p) < 0) {
		say("error pipe %d\n", errno);
		return;
	}
	mid = fork();
	if (mid == 0) {
		close(p[0]);
		for (i = 0; i < n; i++) {
			c = fork();
			if (c == 0)
				_exit(0);
			if (c < 0 || write(p[1], &c, sizeof(c)) != sizeof(c))
				_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	while (mid > 0 && got < n) {
		r = read(p[0], (char *)pids + got * (long)sizeof(pid_t),
		         (size_t)(n - got) * sizeof(pid_t));
		if (r <= 0)
			break;
		got += r / (long)sizeof(pid_t);
	}
	close(p[0]);
	if (mid > 0)
		waitpid(mid, NULL, 0);
	deadline = now_ms() + REAP_WAIT_MS;
	do {
		left = 0;
		for (i = 0; i < got; i++)
			if (!(kill(pids[i], 0) < 0 && errno == ESRCH))
				left++;
		if (left > 0)
			usleep(2000);
	} while (left > 0 && now_ms() < deadline);
	say("reaped %ld/%ld\n", got - left, n);
}

static void
command(char *line)
{
	struct rlimit rl;
	sigset_t set;
	int fd;

	if (strncmp(line, "orphans ", 8) == 0) {
		orphans(atol(line + 8));
	} else if (strcmp(line, "nofile") == 0) {
		getrlimit(RLIMIT_NOFILE, &rl);
		say("nofile %ld\n", (long)rl.rlim_cur);
	} else if (strcmp(line, "exhaust") == 0) {
		while (nheld < MAX_HELD &&
		       (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
			held[nheld++] = fd;
		for (fd = 0; fd < 4 && nheld > 0; fd++)
			close(held[--nheld]);
		say("fds %d\n", nheld);
	} else if (strcmp(line, "release") == 0) {
		while (nheld > 0)
			close(held[--nheld]);
		say("released\n");
	} else if (strcmp(line, "sleeper") == 0) {
		if (fork() == 0) {
			if (fork() == 0) {
				sigemptyset(&set);
				sigprocmask(SIG_SETMASK, &set, NULL);
				for (;;)
					pause();
			}
			_exit(0);
		}
		wait(NULL);
		say("sleeper\n");
	} else {
		say("unknown\n");
	}
}

/* Append what stdin has to buf; run each complete line. 0 on EOF. */
static int
read_commands(char *buf, size_t size, size_t *used)
{
	ssize_t r = read(0, buf + *used, size - 1 - *used);
	char *nl;

	if (r <= 0)
		return r < 0 && errno == EINTR;
	*used += (size_t)r;
	buf[*used] = '\0';
	while ((nl = strchr(buf, '\n')) != NULL) {
		*nl = '\0';
		command(buf);
		*used -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, *used + 1);
	}
	if (*used == size - 1)
		*used = 0;
	return 1;
}

int
main(void)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	char buf[256];
	size_t used = 0;
	unsigned char b;
	sigset_t set;
	long count = 0;

	ack_set(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return 2;
	pfd[0].fd = signalfd(-1, &set, SFD_CLOEXEC);
	pfd[0].events = POLLIN;
	pfd[1].fd = 0;
	pfd[1].events = POLLIN;
	if (pfd[0].fd < 0 || write(1, "R", 1) != 1)
		return 2;
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 2;
		}
		if (pfd[1].revents && !read_commands(buf, sizeof(buf), &used))
			pfd[1].fd = -1;
		if (!(pfd[0].revents & POLLIN))
			continue;
		if (read(pfd[0].fd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			say("count %ld\n", count);
			return 0;
		}
		b = (unsigned char)si.ssi_signo;
		if (write(1, &b, 1) != 1)
			return 3;
		count++;
	}
}
