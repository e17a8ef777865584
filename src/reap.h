/* reap.h: collect exited processes; turn a wait status into an exit code. */
#ifndef WARD_REAP_H
#define WARD_REAP_H

#include "state.h"

/*
 * Collect exited processes (sigchld: a SIGCHLD was read this turn). The
 * main child first, by its own constant-time waitpid. The rest take
 * waitpid(-1), whose every call walks the kernel's list of live children:
 * a SIGCHLD within REAP_SCAN_GAP_MS of the last scan starts a burst, in
 * which SIGCHLD is left out of the signalfd and ward scans once per gap
 * for as long as the scans find something. A storm of exits costs ward a
 * bounded number of scans and no wake-up per exit. Records the main
 * child's status, counts and logs the others; sets in->gone when ward has
 * no child left (ECHILD).
 */
void reap_turn(struct init *in, bool sigchld, int64_t now);

/* When the next scan is due; -1 if none. */
int64_t reap_deadline(const struct init *in);

/* Exit code for wait status st: the code, or 128+N for signal N; codes
 * set in remap (a 256-bit set) become 0. */
int reap_exit_code(int st, const unsigned char remap[32]);

/* Describe wait status st ("exited with status 3", "killed by SIGTERM"). */
const char *reap_describe(int st, char *buf, size_t size);

#endif
