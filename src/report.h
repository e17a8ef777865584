/* report.h: what the status server answers: routes, JSON, Prometheus text. */
#ifndef WARD_REPORT_H
#define WARD_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

/*
 * The whole response to the request bytes req[0..len). No I/O, but for
 * /metrics: it counts the processes (census, at most once a second) and
 * reads the memory cgroup.
 * Returns its length in out, -2 when the request head is not complete yet,
 * or -1 if the response did not fit: out needs 256 bytes for the head
 * plus the body.
 */
int report_respond(struct init *in, const char *req, size_t len, int64_t now,
                   char *out, size_t size);

#endif
