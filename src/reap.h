/* reap.h: collect exited processes; turn a wait status into an exit code. */
#ifndef WARD_REAP_H
#define WARD_REAP_H

#include "state.h"

/*
 * waitpid(-1, WNOHANG) until nothing is left to collect. Records the main
 * child's status, counts and logs the others. Returns true when ward has
 * no child left at all (ECHILD).
 */
bool reap_children(struct init *in);

/* Exit code for wait status st: the code, or 128+N for signal N; codes
 * set in remap (a 256-bit set) become 0. */
int reap_exit_code(int st, const unsigned char remap[32]);

/* Describe wait status st ("exited with status 3", "killed by SIGTERM"). */
const char *reap_describe(int st, char *buf, size_t size);

#endif
