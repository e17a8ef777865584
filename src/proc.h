/* proc.h: what /proc says of processes: their stat, children lists. */
#ifndef WARD_PROC_H
#define WARD_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "state.h"

/* What /proc/PID/stat says of one process. */
struct proc_info {
	pid_t ppid;     /* parent */
	pid_t pgrp;     /* process group */
	char state;     /* R, S, Z, ... */
	uint64_t start; /* start time, clock ticks after boot */
};

/* Read /proc/PID/stat of pid into *pi; 0, or -1 if it is gone. */
int proc_stat(pid_t pid, struct proc_info *pi);

/* Is /proc the proc of ward's own PID namespace (self is getpid())? Else
 * the pids in it mean other processes. */
bool proc_ours(pid_t self);

/* Call fn for each pid listed in the file at path, a /proc/.../children
 * list (decimal pids, each followed by a space). */
void proc_list(struct init *in, const char *path,
               void (*fn)(struct init *, pid_t));

/* Call fn for each child of pid, of any of its threads (the children list
 * of each /proc/PID/task/TID). Holds two descriptors at most. */
void proc_children(struct init *in, pid_t pid,
                   void (*fn)(struct init *, pid_t));

#endif
