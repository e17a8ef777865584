/* loop.h: the one event loop: poll over a fixed fd set, real deadlines. */
#ifndef WARD_LOOP_H
#define WARD_LOOP_H

#include <stdint.h>

#include "state.h"

/* CLOCK_MONOTONIC in milliseconds. */
int64_t loop_now(void);

/* Run until the tree is gone; returns ward's exit code. Never fails. */
int loop_run(struct init *in);

#endif
