/* check.h: ward --check: one blocking probe, and the line it prints. */
#ifndef WARD_CHECK_H
#define WARD_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "probe.h"

/*
 * One blocking probe of u, with its own poll loop; fills *r. Returns 0 if
 * healthy, 1 if not.
 */
int check_once(const struct url *u, int64_t timeout_ms, struct probe_result *r);

/* Write the --check line ("ok: HTTP 200 in 3 ms") for r into buf. */
void check_format(const struct probe_result *r, char *buf, size_t size);

#endif
