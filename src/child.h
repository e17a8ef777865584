/* child.h: start the program, send it signals. */
#ifndef WARD_CHILD_H
#define WARD_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

#include "sig.h"

/*
 * Fork and exec argv in a process group of its own, the terminal's
 * foreground group when stdin is a terminal, with the launcher's signal
 * mask and dispositions. A failed exec prints one line and exits 127 (not
 * found) or 126. Returns the pid, or -1 with errno if fork failed.
 */
pid_t child_spawn(char *const *argv, const struct sig_saved *sv);

/* Send signo to pid, or to its process group pgid when group is set.
 * Returns 0, or -1 with errno. */
int child_signal(pid_t pid, pid_t pgid, bool group, int signo);

#endif
