/* probe_grpc.c: the gRPC scheme of the probe (grpc.c's exchange on its fd). */
#include <string.h>

#include "defs.h"
#include "probe.h"

/*
 * One turn of a gRPC check: send what waits (the request, SETTINGS and
 * PING answers), read once (PROBE_TURN_MAX bytes at most), judge.
 */
WARD_COLD bool
probe_grpc_step(struct probe *p, int64_t now, short ev)
{
	int err = 0, r = grpc_io(&p->grpc, p->fd, ev, PROBE_TURN_MAX, &err);

	if (r < 0)
		return probe_fail_errno(p, now, err);
	if (r == 0)
		return false;
	p->cur.grpc = true;
	p->cur.status = p->grpc.http_status;
	memcpy(p->cur.error, p->grpc.why, sizeof(p->cur.error));
	return probe_finish(p, now, p->grpc.ok);
}
