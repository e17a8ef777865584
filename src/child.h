/* child.h: start the program, send it signals. */
#ifndef WARD_CHILD_H
#define WARD_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

#include "sig.h"
#include "state.h"

/*
 * Fork and exec argv in a process group of its own, with the launcher's
 * signal mask and dispositions. When stdin is a terminal and ward's own
 * group is its foreground group, the child's group takes that place. A
 * file without #! is run by /bin/sh. A failed exec prints one line and
 * exits 127 (not found) or 126. Returns the pid, or -1 with errno if fork
 * failed.
 */
pid_t child_spawn(char *const *argv, const struct sig_saved *sv);

/* Send signo to pid, or to its process group pgid when group is set.
 * Returns 0, or -1 with errno. */
int child_signal(pid_t pid, pid_t pgid, bool group, int signo);

/*
 * The main child was stopped by signo. Under a shell with job control
 * (ward not PID 1, its parent in another process group of its session),
 * TSTP, TTIN and TTOU stop ward too, so the shell prompts again.
 */
void child_stopped(struct init *in, int signo);

/*
 * ward got SIGCONT (before it is forwarded): if ward's group is the
 * terminal's foreground group again (`fg`), the child's group gets it;
 * if ward had stopped itself with the child, the child's group is
 * continued.
 */
void child_cont(struct init *in);

/*
 * The main child is gone: if its group (or a group with no process left)
 * has the terminal, hand it back to the group ward was started in.
 */
void child_tty_back(const struct init *in);

#endif
