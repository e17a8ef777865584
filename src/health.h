/* health.h: when to probe, and what the results mean (SPEC section 3). */
#ifndef WARD_HEALTH_H
#define WARD_HEALTH_H

#include <stdint.h>

#include "state.h"

enum health_act {
	HEALTH_ACT_NONE,    /* nothing to do */
	HEALTH_ACT_RESTART, /* became unhealthy; --on-unhealthy restart */
	HEALTH_ACT_EXIT     /* became unhealthy; --on-unhealthy exit */
};

/* The child was (re)started: the start period begins, probing starts. */
void health_reset(struct init *in, int64_t now);

/* Probe socket i (0, or 1 for Happy Eyeballs) and the events to wait
 * for; -1 if none. */
int health_pollfd(const struct init *in, int i, short *events);

/* The next probe deadline (monotonic ms), or -1. */
int64_t health_deadline(const struct init *in);

/* Run or advance the probe; returns what the supervisor must do. */
enum health_act health_step(struct init *in, int64_t now, short revents);

/* Ready: the child runs, and the probe (if any) passed and is healthy. */
bool health_ready(const struct init *in);

/* Live: false only when unhealthy with --on-unhealthy none. */
bool health_live(const struct init *in);

#endif
