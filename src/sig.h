/* sig.h: block every signal, read them from a signalfd, give them back. */
#ifndef WARD_SIG_H
#define WARD_SIG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/signalfd.h>
#include <sys/types.h>

/* What ward was started with, so the child gets exactly that back. */
struct sig_saved {
	uint64_t mask;    /* blocked signals: bit n-1 for signal n */
	uint64_t ignored; /* signals ward un-ignored for itself */
};

/* What the loop does with a signal that arrived. */
enum sig_action {
	SIG_ACT_REAP,    /* SIGCHLD: reap */
	SIG_ACT_FORWARD, /* send on to the child */
	SIG_ACT_DROP     /* caused by ward itself: SIGPIPE, SIGTTOU, ... */
};

/*
 * Save the mask and dispositions ward was started with, block all signals,
 * catch the synchronous-fault ones, and return a signalfd for all (a
 * blocking one: read it only when poll says so, or when there is nothing
 * else to wait for); -1 with errno on failure.
 */
int sig_setup(struct sig_saved *sv);

/* Leave SIGCHLD out of signalfd fd (it stays pending, and wakes no one)
 * or, watch, take it back, discarding a pending one: the caller collects
 * every exited child right after. */
void sig_chld(int fd, bool watch);

/* Read up to max pending signals into si (blocks until one is there):
 * how many, or -1 on error. */
int sig_read(int fd, struct signalfd_siginfo *si, int max);

/* What to do with si; self is ward's own pid. */
enum sig_action sig_classify(const struct signalfd_siginfo *si, pid_t self);

/* In the child before exec: the launcher's dispositions and mask again. */
void sig_restore(const struct sig_saved *sv);

#endif
