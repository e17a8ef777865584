/* tree.h: the sweeps of a shutdown: signal the rest of ward's tree once. */
#ifndef WARD_TREE_H
#define WARD_TREE_H

#include "state.h"

/*
 * At start-up: size the per-pid tables from /proc/sys/kernel/pid_max (in
 * memory mapped now, touched only when used). Returns -1 if they cannot be
 * had: sweeps then still run, but without step 3 (SPEC section 2).
 */
int tree_setup(struct init *in);

/*
 * Start a sweep of sig to every process ward can reach: as PID 1 every
 * process of the namespace, as a subreaper every descendant. A SIGTERM
 * sweep (step 1) skips the main child while it runs and every process that
 * has had a SIGTERM from a sweep; with -g it skips the child's process
 * group, which had the forwarded signal fwd. The first chunk runs now.
 */
void tree_start(struct init *in, int sig, int fwd);

/* Run the next chunk of the sweep in progress; true while more is left. */
bool tree_step(struct init *in);

/*
 * Step 3: SIGTERM to each of ward's own children that has had none (read
 * from /proc/thread-self/children). Returns true when more is left for the
 * next turn.
 */
bool tree_orphans(struct init *in);

/* pid was reaped: forget that it had a SIGTERM (the pid may be reused). */
void tree_forget(struct init *in, pid_t pid);

#endif
