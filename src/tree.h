/* tree.h: find and signal every other process of ward's tree (via /proc). */
#ifndef WARD_TREE_H
#define WARD_TREE_H

#include "state.h"

/* What /proc/PID/stat says of one process. */
struct tree_pinfo {
	pid_t ppid; /* parent */
	pid_t pgrp; /* process group */
	char state; /* R, S, Z, ... */
};

/* Read /proc/PID/stat of pid into *pi; 0, or -1 if it is gone. */
int tree_stat(pid_t pid, struct tree_pinfo *pi);

/*
 * Send SIGTERM to every process ward can reach that has not had one yet:
 * as PID 1 every process of the namespace, as a subreaper every
 * descendant. The main child is skipped while it runs, and so is its
 * process group when the shutdown signal already went to that group.
 */
void tree_term(struct init *in);

/* Send SIGKILL to every process ward can reach, the main child included. */
void tree_kill(struct init *in);

#endif
