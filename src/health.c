/* health.c: when to probe, and what the results mean (SPEC section 3). */
#include "health.h"
#include "defs.h"

#include "log.h"

#define PROBE_BUSY(p) ((p)->state > PROBE_IDLE && (p)->state < PROBE_DONE)

WARD_COLD void
health_reset(struct init *in, int64_t now)
{
	if (!in->cfg.has_probe)
		return;
	probe_abort(&in->probe);
	in->health = HEALTH_STARTING;
	in->consecutive_failures = 0;
	in->next_probe = now;
	in->probe_period_end = now + in->cfg.probe_start_ms;
}

static bool
health_active(const struct init *in)
{
	return in->cfg.has_probe && in->phase == PHASE_RUNNING &&
	       in->child_running;
}

int
health_pollfd(const struct init *in, int i, short *events)
{
	if (!health_active(in))
		return -1;
	return probe_pollfd(&in->probe, i, events);
}

int64_t
health_deadline(const struct init *in)
{
	if (!health_active(in))
		return -1;
	return PROBE_BUSY(&in->probe) ? probe_wake(&in->probe) : in->next_probe;
}

static enum health_act
health_failed(struct init *in, int64_t now)
{
	const struct probe_result *r = &in->probe.last;

	in->probes_failed++;
	if (now < in->probe_period_end) {
		log_info("probe failed in the start period: %s", r->error);
		return HEALTH_ACT_NONE;
	}
	in->consecutive_failures++;
	log_info("probe failed (%d/%d): %s", in->consecutive_failures,
	         in->cfg.probe_retries, r->error);
	if (in->consecutive_failures < in->cfg.probe_retries ||
	    in->health == HEALTH_UNHEALTHY)
		return HEALTH_ACT_NONE;
	in->health = HEALTH_UNHEALTHY;
	log_warnx("child %d is unhealthy: %s", (int)in->child, r->error);
	if (in->cfg.on_unhealthy == UNHEALTHY_RESTART)
		return HEALTH_ACT_RESTART;
	if (in->cfg.on_unhealthy == UNHEALTHY_EXIT)
		return HEALTH_ACT_EXIT;
	return HEALTH_ACT_NONE;
}

/* A probe finished: book its result. */
static enum health_act
health_result(struct init *in, int64_t now)
{
	in->next_probe = in->probe.started + in->cfg.probe_interval_ms;
	if (in->next_probe < now)
		in->next_probe = now;
	if (!in->probe.last.ok)
		return health_failed(in, now);
	in->probes_ok++;
	in->consecutive_failures = 0;
	in->probe_period_end = 0;
	in->backoff_ms = BACKOFF_MIN_MS;
	if (in->health == HEALTH_UNHEALTHY)
		log_notice("child %d is healthy again", (int)in->child);
	else if (in->health != HEALTH_HEALTHY)
		log_info("child %d is healthy", (int)in->child);
	in->health = HEALTH_HEALTHY;
	return HEALTH_ACT_NONE;
}

enum health_act
health_step(struct init *in, int64_t now, short revents)
{
	struct probe *p = &in->probe;

	if (!health_active(in))
		return HEALTH_ACT_NONE;
	if (PROBE_BUSY(p)) {
		if (!revents && now < probe_wake(p))
			return HEALTH_ACT_NONE;
		if (!probe_step(p, now, revents))
			return HEALTH_ACT_NONE;
		return health_result(in, now);
	}
	if (now < in->next_probe)
		return HEALTH_ACT_NONE;
	if (probe_start(p, &in->cfg.probe, now, in->cfg.probe_timeout_ms) == 0)
		return HEALTH_ACT_NONE;
	return health_result(in, now);
}

bool
health_ready(const struct init *in)
{
	return in->phase == PHASE_RUNNING && in->child_running &&
	       (!in->cfg.has_probe || in->health == HEALTH_HEALTHY);
}

bool
health_live(const struct init *in)
{
	return !(in->cfg.has_probe && in->health == HEALTH_UNHEALTHY &&
	         in->cfg.on_unhealthy == UNHEALTHY_NONE);
}
