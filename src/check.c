/* check.c: ward --check: one blocking probe, and the line it prints. */
#include "check.h"
#include "defs.h"
#include "fmt.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>

#include "loop.h"

WARD_COLD int
check_once(const struct url *u, int64_t timeout_ms, struct probe_result *r)
{
	struct probe p;
	struct pollfd pfd[2];
	int64_t now = loop_now(), wait;
	bool done;
	int i;

	probe_init(&p);
	done = probe_start(&p, u, now, timeout_ms) != 0;
	while (!done) {
		for (i = 0; i < 2; i++) {
			pfd[i].fd = probe_pollfd(&p, i, &pfd[i].events);
			pfd[i].revents = 0;
		}
		wait = probe_wake(&p) > now ? probe_wake(&p) - now : 0;
		if (poll(pfd, 2, wait > INT_MAX ? INT_MAX : (int)wait) < 0 &&
		    errno != EINTR)
			done = probe_fail(&p, loop_now(), strerror(errno));
		else
			done = probe_step(&p, now = loop_now(),
			                  pfd[0].revents | pfd[1].revents);
	}
	*r = p.last;
	return r->ok ? 0 : 1;
}

WARD_COLD void
check_format(const struct probe_result *r, char *buf, size_t size)
{
	if (!r->ok)
		fmt_snprintf(buf, size, "fail: %s", r->error);
	else if (r->grpc)
		fmt_snprintf(buf, size, "ok: %s in %lld ms", r->error,
		             (long long)r->duration_ms);
	else if (r->status != 0)
		fmt_snprintf(buf, size, "ok: HTTP %d in %lld ms", r->status,
		             (long long)r->duration_ms);
	else
		fmt_snprintf(buf, size, "ok: TCP connect in %lld ms",
		             (long long)r->duration_ms);
}
