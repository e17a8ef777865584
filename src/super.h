/* super.h: the supervision state machine: run, restart, shut down, exit. */
#ifndef WARD_SUPER_H
#define WARD_SUPER_H

#include <signal.h>
#include <stdint.h>
#include <sys/signalfd.h>

#include "state.h"

/* Start the main child; 0, or -1 with errno when fork failed. */
int super_spawn(struct init *in, int64_t now);

/* A signal to forward (after -r) arrived; may start the shutdown. */
void super_signal(struct init *in, const struct signalfd_siginfo *si,
                  int64_t now);

/*
 * Start the graceful shutdown of the whole tree: signo (0 when the main
 * child exited) came from pid (ward itself for --on-unhealthy exit); fwd is
 * the signal forwarded to the child for it (after -r), 0 if none.
 */
void super_shutdown(struct init *in, int signo, pid_t pid, int fwd,
                    int64_t now);

/* The probe says stop (--on-unhealthy exit): shut down as on SIGTERM
 * (drain delay included); ward then exits 69. */
void super_unhealthy_exit(struct init *in, int64_t now);

/* The probe says restart: stop the child, then start it again. */
void super_restart(struct init *in, int64_t now);

/*
 * After reaping or a deadline: move the machine on. Returns true when ward
 * should exit now.
 */
bool super_step(struct init *in, int64_t now);

/* The nearest deadline of the machine (monotonic ms), or -1. */
int64_t super_deadline(const struct init *in);

/* Log the last line and return ward's exit code. */
int super_exit(struct init *in);

#endif
