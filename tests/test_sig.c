/* test_sig.c: unit tests of signal setup, reading, classification and
 * restoring (src/sig.c). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "sig.h"

#define BIT(s) (UINT64_C(1) << ((s)-1)) /* /proc and sig_saved layout */
#define FAULTS                                                                 \
	(BIT(SIGFPE) | BIT(SIGILL) | BIT(SIGSEGV) | BIT(SIGBUS) |              \
	 BIT(SIGABRT) | BIT(SIGTRAP) | BIT(SIGSYS))
/* Everything a process can block, but the faults. */
#define ALL_BUT_FAULTS (~FAULTS & ~BIT(SIGKILL) & ~BIT(SIGSTOP))

/* ---- sig_classify ---- */

static enum sig_action
classify(int signo, int code, pid_t pid, pid_t self)
{
	struct signalfd_siginfo si;

	memset(&si, 0, sizeof(si));
	si.ssi_signo = (uint32_t)signo;
	si.ssi_code = code;
	si.ssi_pid = (uint32_t)pid;
	return sig_classify(&si, self);
}

Test(sig, classify_sigchld_reaps)
{
	cr_assert_eq(classify(SIGCHLD, CLD_EXITED, 77, 1), SIG_ACT_REAP);
	cr_assert_eq(classify(SIGCHLD, CLD_KILLED, 77, 1), SIG_ACT_REAP);
	cr_assert_eq(classify(SIGCHLD, SI_USER, 500, 1), SIG_ACT_REAP);
	cr_assert_eq(classify(SIGCHLD, SI_USER, 1, 1), SIG_ACT_REAP);
	cr_assert_eq(classify(SIGCHLD, SI_KERNEL, 0, 1), SIG_ACT_REAP);
}

/* What ward causes itself is dropped: from itself, or from the kernel. */
Test(sig, classify_own_signals_dropped)
{
	static const int own[] = {SIGPIPE, SIGTTOU, SIGTTIN};
	size_t i;

	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		cr_expect_eq(classify(own[i], SI_USER, 1, 1), SIG_ACT_DROP,
		             "signal %d from self (pid 1)", own[i]);
		cr_expect_eq(classify(own[i], SI_USER, 4321, 4321),
		             SIG_ACT_DROP, "signal %d from self", own[i]);
		cr_expect_eq(classify(own[i], SI_KERNEL, 0, 1), SIG_ACT_DROP,
		             "signal %d from the kernel", own[i]);
		cr_expect_eq(classify(own[i], SI_KERNEL, 0, 4321), SIG_ACT_DROP,
		             "signal %d from the kernel", own[i]);
	}
}

/* The same signals sent by someone else are forwarded. */
Test(sig, classify_others_forwarded)
{
	static const int own[] = {SIGPIPE, SIGTTOU, SIGTTIN};
	size_t i;

	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		cr_expect_eq(classify(own[i], SI_USER, 99, 1), SIG_ACT_FORWARD,
		             "signal %d from pid 99", own[i]);
		cr_expect_eq(classify(own[i], SI_USER, 0, 1), SIG_ACT_FORWARD,
		             "signal %d from outside", own[i]);
		cr_expect_eq(classify(own[i], SI_QUEUE, 99, 1), SIG_ACT_FORWARD,
		             "signal %d queued by 99", own[i]);
		cr_expect_eq(classify(own[i], SI_TKILL, 99, 1), SIG_ACT_FORWARD,
		             "signal %d tkill by 99", own[i]);
	}
}

Test(sig, classify_everything_else_forwarded)
{
	int s;

	for (s = 1; s <= 64; s++) {
		if (s == SIGCHLD)
			continue;
		cr_expect_eq(classify(s, SI_USER, 99, 1), SIG_ACT_FORWARD,
		             "signal %d from 99", s);
		cr_expect_eq(classify(s, SI_USER, 0, 1), SIG_ACT_FORWARD,
		             "signal %d from outside", s);
		cr_expect_eq(classify(s, SI_QUEUE, 99, 1), SIG_ACT_FORWARD,
		             "signal %d queued", s);
		if (s == SIGPIPE || s == SIGTTOU || s == SIGTTIN ||
		    s == SIGXFSZ)
			continue;
		cr_expect_eq(classify(s, SI_KERNEL, 0, 1), SIG_ACT_FORWARD,
		             "signal %d from the kernel", s);
		cr_expect_eq(classify(s, SI_USER, 1, 1), SIG_ACT_FORWARD,
		             "signal %d from self", s);
	}
	/* Ctrl-C and a resize come from the kernel and go to the child. */
	cr_assert_eq(classify(SIGINT, SI_KERNEL, 0, 1), SIG_ACT_FORWARD);
	cr_assert_eq(classify(SIGWINCH, SI_KERNEL, 0, 1), SIG_ACT_FORWARD);
	cr_assert_eq(classify(SIGTSTP, SI_KERNEL, 0, 1), SIG_ACT_FORWARD);
}

/* ---- sig_setup, sig_read, sig_restore in a forked process ----
 *
 * Criterion's worker has a second thread with signals unblocked, and
 * sig_setup blocks signals for the calling thread only (as in ward, which
 * has one). So each test forks: the child is single-threaded, plays ward,
 * and reports facts through a pipe.
 */

/* Sig* lines of /proc/self/status. */
struct sigmasks {
	uint64_t blk; /* SigBlk */
	uint64_t ign; /* SigIgn */
	uint64_t cgt; /* SigCgt */
};

static int
parse_masks(const char *text, struct sigmasks *m)
{
	const char *p;
	int n = 0;

	if ((p = strstr(text, "\nSigBlk:")))
		n += sscanf(p + 8, "%" SCNx64, &m->blk);
	if ((p = strstr(text, "\nSigIgn:")))
		n += sscanf(p + 8, "%" SCNx64, &m->ign);
	if ((p = strstr(text, "\nSigCgt:")))
		n += sscanf(p + 8, "%" SCNx64, &m->cgt);
	return n == 3 ? 0 : -1;
}

/* Read fd to its end into buf (NUL-terminated). */
static size_t
read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size &&
	       ((n = read(fd, buf + len, size - 1 - len)) > 0 ||
	        (n < 0 && errno == EINTR)))
		if (n > 0)
			len += (size_t)n;
	buf[len] = '\0';
	return len;
}

static int
self_masks(struct sigmasks *m)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	read_all(fd, buf, sizeof(buf));
	close(fd);
	return parse_masks(buf, m);
}

/* The masks a program exec'd after sig_restore sees (cat reads its own
 * /proc/self/status), or -1. */
static int
restored_masks(const struct sig_saved *sv, struct sigmasks *m)
{
	char buf[4096];
	int fds[2];
	pid_t pid;
	int st;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		sig_restore(sv);
		dup2(fds[1], 1);
		execl("/bin/cat", "cat", "/proc/self/status", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	read_all(fds[0], buf, sizeof(buf));
	close(fds[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		return -1;
	return parse_masks(buf, m);
}

/* Facts the ward-like child reports. */
struct facts {
	int err; /* line of the first failure in the child, or 0 */
	struct sigmasks before;   /* at launch */
	struct sig_saved sv;      /* what sig_setup saved */
	int fd;                   /* sig_setup's return */
	int fd_flags;             /* F_GETFL of it */
	int fd_fdflags;           /* F_GETFD of it */
	struct sigmasks after;    /* after sig_setup */
	struct sigmasks restored; /* of a program started after sig_restore */
	int nread;                /* signals read */
	struct signalfd_siginfo si[8]; /* them */
	int empty;                     /* poll on an empty signalfd */
	pid_t self;                    /* the child's pid */
	pid_t helper;                  /* a grandchild that sent signals */
};

static struct facts fx;

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c) && !f->err)                                           \
			f->err = __LINE__;                                     \
	} while (0)

/* Run fn in a forked child; its facts land in fx. Returns its status. */
static int
in_child(void (*fn)(struct facts *))
{
	int fds[2];
	pid_t pid;
	int st;
	ssize_t n;

	memset(&fx, 0, sizeof(fx));
	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		struct facts f;

		close(fds[0]);
		memset(&f, 0, sizeof(f));
		f.self = getpid();
		fn(&f);
		n = write(fds[1], &f, sizeof(f));
		_exit(n == (ssize_t)sizeof(f) ? 0 : 3);
	}
	close(fds[1]);
	n = read(fds[0], &fx, sizeof(fx));
	close(fds[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		cr_assert_eq(n, (ssize_t)sizeof(fx));
	return st;
}

/* Block some signals (libc's own 32 and 33 too) and ignore SIGCHLD and
 * SIGTRAP, as a launcher might. */
static void
launcher_state(struct facts *f)
{
	uint64_t mask =
	    BIT(SIGUSR1) | BIT(32) | BIT(33) | BIT(35) | BIT(64) | BIT(SIGHUP);

	CHECK(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, 8) == 0);
	CHECK(signal(SIGCHLD, SIG_IGN) != SIG_ERR);
	CHECK(signal(SIGTRAP, SIG_IGN) != SIG_ERR);
	CHECK(signal(SIGWINCH, SIG_IGN) != SIG_ERR);
}

static void
setup_and_restore(struct facts *f)
{
	launcher_state(f);
	CHECK(self_masks(&f->before) == 0);
	f->fd = sig_setup(&f->sv);
	CHECK(f->fd >= 0);
	f->fd_flags = fcntl(f->fd, F_GETFL);
	f->fd_fdflags = fcntl(f->fd, F_GETFD);
	CHECK(self_masks(&f->after) == 0);
	CHECK(restored_masks(&f->sv, &f->restored) == 0);
}

Test(sig, setup_saves_blocks_and_restores)
{
	int st = in_child(setup_and_restore);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x",
	          st);
	cr_assert_eq(fx.err, 0, "failed at line %d", fx.err);
	/* What was saved: the launcher's mask and its ignored SIGCHLD and
	 * SIGTRAP (SIGWINCH is left ignored, so it needs no saving). */
	cr_assert_eq(fx.sv.mask, fx.before.blk, "saved %#llx, launched %#llx",
	             (unsigned long long)fx.sv.mask,
	             (unsigned long long)fx.before.blk);
	cr_assert_eq(fx.sv.ignored, BIT(SIGCHLD) | BIT(SIGTRAP), "%#llx",
	             (unsigned long long)fx.sv.ignored);
	/* ward itself: everything blocked but the faults; SIGCHLD and the
	 * faults no longer ignored. */
	cr_assert_eq(fx.after.blk, ALL_BUT_FAULTS, "SigBlk %#llx",
	             (unsigned long long)fx.after.blk);
	cr_assert_eq(fx.after.ign & (BIT(SIGCHLD) | FAULTS), 0, "SigIgn %#llx",
	             (unsigned long long)fx.after.ign);
	cr_assert_eq(fx.after.ign & BIT(SIGWINCH), BIT(SIGWINCH));
	cr_assert_eq(fx.after.cgt & FAULTS, FAULTS, "SigCgt %#llx",
	             (unsigned long long)fx.after.cgt);
	/* The signalfd. */
	cr_assert_geq(fx.fd, 0);
	/* Blocking: the loop reads it after poll, or sleeps in read. */
	cr_assert(!(fx.fd_flags & O_NONBLOCK));
	cr_assert(fx.fd_fdflags & FD_CLOEXEC);
	/* The program started after sig_restore: exactly the launcher's. */
	cr_assert_eq(fx.restored.blk, fx.before.blk,
	             "child SigBlk %#llx, launcher %#llx",
	             (unsigned long long)fx.restored.blk,
	             (unsigned long long)fx.before.blk);
	cr_assert_eq(fx.restored.ign, fx.before.ign,
	             "child SigIgn %#llx, launcher %#llx",
	             (unsigned long long)fx.restored.ign,
	             (unsigned long long)fx.before.ign);
	cr_assert_eq(fx.restored.cgt, 0);
}

static void
setup_plain(struct facts *f)
{
	uint64_t none = 0;

	CHECK(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, 8) == 0);
	CHECK(signal(SIGCHLD, SIG_DFL) != SIG_ERR);
	CHECK(self_masks(&f->before) == 0);
	f->fd = sig_setup(&f->sv);
	CHECK(f->fd >= 0);
	CHECK(self_masks(&f->after) == 0);
	CHECK(restored_masks(&f->sv, &f->restored) == 0);
}

/* Nothing blocked or ignored at launch: nothing is in the child either. */
Test(sig, setup_from_a_clean_launcher)
{
	int st = in_child(setup_plain);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cr_assert_eq(fx.err, 0, "failed at line %d", fx.err);
	cr_assert_eq(fx.sv.mask, 0);
	cr_assert_eq(fx.sv.ignored, 0);
	cr_assert_eq(fx.restored.blk, 0);
	cr_assert_eq(fx.restored.ign, fx.before.ign);
	cr_assert_eq(fx.after.blk, ALL_BUT_FAULTS);
}

/* Wait up to 5 s for the signalfd, then read one signal. */
static int
read_one(int fd, struct signalfd_siginfo *si)
{
	struct pollfd pfd = {fd, POLLIN, 0};

	if (poll(&pfd, 1, 5000) != 1)
		return -1;
	return sig_read(fd, si, 1);
}

static void
read_signals(struct facts *f)
{
	static const int sigs[] = {SIGUSR1, SIGTERM, 34, 64, SIGWINCH};
	struct signalfd_siginfo si;
	size_t i;

	f->fd = sig_setup(&f->sv);
	CHECK(f->fd >= 0);
	{
		struct pollfd p = {f->fd, POLLIN, 0};

		f->empty = poll(&p, 1, 0); /* nothing pending: not readable */
	}
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		CHECK(kill(getpid(), sigs[i]) == 0);
		if (read_one(f->fd, &f->si[i]) == 1)
			f->nread++;
	}
}

Test(sig, read_signals_sent_to_ward)
{
	static const int sigs[] = {SIGUSR1, SIGTERM, 34, 64, SIGWINCH};
	int st = in_child(read_signals);
	int i;

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	cr_assert_eq(fx.err, 0, "failed at line %d", fx.err);
	cr_assert_eq(fx.empty, 0, "poll on an empty signalfd: %d", fx.empty);
	cr_assert_eq(fx.nread, 5);
	for (i = 0; i < 5; i++) {
		cr_expect_eq(fx.si[i].ssi_signo, (uint32_t)sigs[i]);
		cr_expect_eq(fx.si[i].ssi_code, SI_USER);
		cr_expect_eq(fx.si[i].ssi_pid, (uint32_t)fx.self);
	}
}

static void
sigchld_from_child(struct facts *f)
{
	struct signalfd_siginfo si;
	pid_t pid;

	CHECK(signal(SIGCHLD, SIG_IGN) != SIG_ERR);
	f->fd = sig_setup(&f->sv);
	CHECK(f->fd >= 0);
	pid = fork();
	if (pid == 0)
		_exit(5);
	f->helper = pid;
	if (read_one(f->fd, &si) == 1)
		f->si[f->nread++] = si;
	CHECK(waitpid(pid, NULL, 0) == pid);
}

/* SIGCHLD is not lost to a launcher's SIG_IGN: ward gets it to reap. */
Test(sig, sigchld_arrives_despite_launcher_ignore)
{
	int st = in_child(sigchld_from_child);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	cr_assert_eq(fx.err, 0, "failed at line %d", fx.err);
	cr_assert_eq(fx.nread, 1);
	cr_assert_eq(fx.si[0].ssi_signo, SIGCHLD);
	cr_assert_eq(fx.si[0].ssi_pid, (uint32_t)fx.helper);
	cr_assert_eq(fx.si[0].ssi_code, CLD_EXITED);
	cr_assert_eq(sig_classify(&fx.si[0], fx.self), SIG_ACT_REAP);
}

/*
 * SEGV, BUS, ABRT... sent with kill(2) from another process reach the
 * signalfd like any other signal, sender included (SPEC 2), and ward lives.
 */
static void
faults_from_outside(struct facts *f)
{
	static const int faults[] = {SIGSEGV, SIGBUS,  SIGABRT, SIGFPE,
	                             SIGILL,  SIGTRAP, SIGSYS};
	struct signalfd_siginfo si;
	pid_t ward = getpid();
	pid_t pid;
	size_t i;

	f->fd = sig_setup(&f->sv);
	CHECK(f->fd >= 0);
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		pid = fork();
		if (pid == 0)
			_exit(kill(ward, faults[i]) == 0 ? 0 : 1);
		f->helper = pid;
		memset(&si, 0, sizeof(si));
		/* Skip the helpers' SIGCHLD. */
		while (read_one(f->fd, &si) == 1 && si.ssi_signo == SIGCHLD)
			;
		if (si.ssi_signo == (uint32_t)faults[i])
			f->si[f->nread++] = si;
		CHECK(si.ssi_pid == (uint32_t)pid);
		CHECK(waitpid(pid, NULL, 0) == pid);
	}
}

Test(sig, fault_signals_from_outside_are_read, .timeout = 30)
{
	static const int faults[] = {SIGSEGV, SIGBUS,  SIGABRT, SIGFPE,
	                             SIGILL,  SIGTRAP, SIGSYS};
	int st = in_child(faults_from_outside);
	int i;

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	          "ward-like child died: status %#x", st);
	cr_assert_eq(fx.err, 0, "failed at line %d", fx.err);
	cr_assert_eq(fx.nread, 7);
	for (i = 0; i < 7; i++) {
		cr_expect_eq(fx.si[i].ssi_signo, (uint32_t)faults[i]);
		cr_expect_eq(fx.si[i].ssi_code, SI_USER);
		cr_expect_eq(sig_classify(&fx.si[i], fx.self), SIG_ACT_FORWARD);
	}
}

/* A real fault inside ward still kills it with that signal. */
static void
real_segv(struct facts *f)
{
	volatile char *p;

	f->fd = sig_setup(&f->sv);
	p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(4);
	*p = 1;
	_exit(5);
}

Test(sig, real_fault_still_crashes)
{
	int st = in_child(real_segv);

	cr_assert(WIFSIGNALED(st), "status %#x", st);
	cr_assert_eq(WTERMSIG(st), SIGSEGV);
}

/* abort() inside ward, and a fault signal ward sends itself, kill it. */
static void
self_abort(struct facts *f)
{
	f->fd = sig_setup(&f->sv);
	abort();
}

static void
self_kill_segv(struct facts *f)
{
	f->fd = sig_setup(&f->sv);
	kill(getpid(), SIGSEGV);
	_exit(5);
}

Test(sig, own_abort_crashes)
{
	int st = in_child(self_abort);

	cr_assert(WIFSIGNALED(st), "status %#x", st);
	cr_assert_eq(WTERMSIG(st), SIGABRT);
}

Test(sig, own_kill_of_a_fault_signal_crashes)
{
	int st = in_child(self_kill_segv);

	cr_assert(WIFSIGNALED(st), "status %#x", st);
	cr_assert_eq(WTERMSIG(st), SIGSEGV);
}

Test(sig, read_short_or_bad_fd)
{
	struct signalfd_siginfo si;
	int fds[2];

	cr_assert_eq(sig_read(-1, &si, 1), -1);
	cr_assert_eq(pipe2(fds, O_NONBLOCK), 0);
	cr_assert_eq(sig_read(fds[0], &si, 1), 0);
	cr_assert_eq(write(fds[1], "abc", 3), 3);
	errno = 0;
	cr_assert_eq(sig_read(fds[0], &si, 1), -1);
	cr_assert_eq(errno, EIO);
	close(fds[0]);
	close(fds[1]);
}

/* Readable within 0 ms? */
static int
readable(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void
chld_left_out(struct facts *f)
{
	struct signalfd_siginfo si;
	pid_t pid;

	f->fd = sig_setup(&f->sv);
	CHECK(f->fd >= 0);
	sig_chld(f->fd, false);
	pid = fork();
	if (pid == 0)
		_exit(0);
	CHECK(waitid(P_PID, (id_t)pid, &(siginfo_t){0}, WEXITED | WNOWAIT) ==
	      0);
	CHECK(!readable(f->fd)); /* pending, but wakes no one */
	kill(getpid(), SIGUSR1);
	CHECK(readable(f->fd)); /* other signals still do */
	CHECK(read_one(f->fd, &si) == 1 && si.ssi_signo == SIGUSR1);
	sig_chld(f->fd, true); /* discards the pending SIGCHLD */
	CHECK(!readable(f->fd));
	CHECK(waitpid(pid, NULL, 0) == pid);
	pid = fork();
	if (pid == 0)
		_exit(0);
	CHECK(waitpid(pid, NULL, 0) == pid);
	CHECK(readable(f->fd)); /* and the next SIGCHLD is read again */
	CHECK(read_one(f->fd, &si) == 1 && si.ssi_signo == SIGCHLD);
}

/* A burst of exits: SIGCHLD can be left pending without waking ward. */
Test(sig, chld_left_out_and_taken_back)
{
	int st = in_child(chld_left_out);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	cr_assert_eq(fx.err, 0, "failed at line %d", fx.err);
}
