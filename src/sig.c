/* sig.c: block every signal, read them from a signalfd, give them back. */
#include "sig.h"
#include "defs.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "io.h"

/*
 * Raw syscalls: libc's sigset_t helpers refuse signals 32-34, which libc
 * keeps for threads, but ward must forward those too.
 */
#define KSIGSET 8 /* sizeof the kernel's sigset, in bytes */

/* Signals the kernel raises synchronously: a block cannot stop them. */
static const int faults[] = {SIGFPE,  SIGILL,  SIGSEGV, SIGBUS,
                             SIGABRT, SIGTRAP, SIGSYS};
#define NFAULTS (sizeof(faults) / sizeof(faults[0]))

/*
 * A fault signal arrived. If it was sent with kill(2) from elsewhere
 * (si_code <= 0), queue it again for ourselves and leave the handler with
 * it blocked: it then waits in the signalfd like every other signal, sender
 * included. A real fault, or abort() inside ward, restores the default
 * action so it stays visible (the faulting instruction runs again).
 */
WARD_COLD static void
sig_fault(int signo, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	pid_t self = (pid_t)syscall(SYS_getpid);
	struct sigaction sa;

	if (si->si_code <= 0 && si->si_pid != self) {
		sigaddset(&uc->uc_sigmask, signo);
		syscall(SYS_rt_sigqueueinfo, self, signo, si);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(signo, &sa, NULL);
	if (si->si_code <= 0)
		syscall(SYS_tkill, (pid_t)syscall(SYS_gettid), signo);
}

WARD_COLD static int
sig_ignored(int signo)
{
	struct sigaction sa;

	return sigaction(signo, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
}

WARD_COLD int
sig_setup(struct sig_saved *sv)
{
	uint64_t all = ~UINT64_C(0);
	struct sigaction sa;
	size_t i;

	memset(sv, 0, sizeof(*sv));
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &sv->mask, KSIGSET) <
	    0)
		return -1;
	/* A launcher's SIG_IGN on SIGCHLD would make the kernel reap for us. */
	if (sig_ignored(SIGCHLD)) {
		sv->ignored |= UINT64_C(1) << (SIGCHLD - 1);
		signal(SIGCHLD, SIG_DFL);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sig_fault;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < NFAULTS; i++) {
		if (sig_ignored(faults[i]))
			sv->ignored |= UINT64_C(1) << (faults[i] - 1);
		if (sigaction(faults[i], &sa, NULL) < 0)
			return -1;
	}
	/* Leave the faults unblocked for sig_fault; the signalfd takes all. */
	for (i = 0; i < NFAULTS; i++)
		all &= ~(UINT64_C(1) << (faults[i] - 1));
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, KSIGSET) < 0)
		return -1;
	all = ~UINT64_C(0);
	return (int)syscall(SYS_signalfd4, -1, &all, KSIGSET, SFD_CLOEXEC);
}

void
sig_chld(int fd, bool watch)
{
	uint64_t chld = UINT64_C(1) << (SIGCHLD - 1);
	uint64_t mask = ~UINT64_C(0);
	struct timespec now = {0, 0};

	if (fd < 0)
		return;
	if (watch)
		syscall(SYS_rt_sigtimedwait, &chld, NULL, &now, KSIGSET);
	else
		mask &= ~chld;
	syscall(SYS_signalfd4, fd, &mask, KSIGSET, 0);
}

int
sig_read(int fd, struct signalfd_siginfo *si, int max)
{
	ssize_t n = io_read(fd, si, sizeof(*si) * (size_t)max);

	if (n < 0)
		return -1;
	if ((size_t)n % sizeof(*si) != 0) {
		errno = EIO; /* signalfd never returns part of a record */
		return -1;
	}
	return (int)((size_t)n / sizeof(*si));
}

enum sig_action
sig_classify(const struct signalfd_siginfo *si, pid_t self)
{
	int s = (int)si->ssi_signo;

	if (s == SIGCHLD)
		return SIG_ACT_REAP;
	/* Our own doing: SIGPIPE of a write(2) to a closed stderr comes
	 * "from" ourselves; SIGTTOU/SIGTTIN of a tty write from the kernel. */
	if (si->ssi_code == SI_USER && (pid_t)si->ssi_pid == self &&
	    (s == SIGPIPE || s == SIGTTOU || s == SIGTTIN || s == SIGXFSZ))
		return SIG_ACT_DROP;
	if (si->ssi_code == SI_KERNEL &&
	    (s == SIGPIPE || s == SIGTTOU || s == SIGTTIN || s == SIGXFSZ))
		return SIG_ACT_DROP;
	return SIG_ACT_FORWARD;
}

WARD_COLD void
sig_restore(const struct sig_saved *sv)
{
	struct sigaction sa;
	int s;

	memset(&sa, 0, sizeof(sa));
	for (s = 1; s < 64; s++) {
		if (!(sv->ignored & (UINT64_C(1) << (s - 1))))
			continue;
		sa.sa_handler = SIG_IGN;
		sigaction(s, &sa, NULL);
	}
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &sv->mask, NULL, KSIGSET);
}
