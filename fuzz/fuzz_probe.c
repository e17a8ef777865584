/* fuzz_probe.c: libFuzzer target of the probe client's receive path
 * (probe_http_room and probe_http_input), the code that turns the bytes a
 * server sends into a result. The first input byte picks the read sizes,
 * so the same response also arrives in pieces, as recv(2) may cut it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "defs.h"
#include "probe.h"
#include "url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Invariants of a probe over: sockets closed, a result that says why. */
static void
check_done(const struct probe *p)
{
	const struct probe_result *r = &p->last;

	if (p->state != PROBE_DONE || p->fd != -1 || p->fd2 != -1)
		abort();
	if (r->ok != (r->status >= 200 && r->status <= 399))
		abort();
	if (!r->ok && memchr(r->error, '\0', sizeof(r->error)) == NULL)
		abort();
	if (!r->ok && r->error[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct url u;
	static struct probe p;
	const char *why;
	size_t step, n, room, off = 1;
	char *dst;
	bool done = false;

	if (size < 1)
		return 0;
	if (u.naddr == 0 && url_parse("http://127.0.0.1:9/", &u, &why) < 0)
		abort();
	step = (size_t)data[0] * 17 + 1;
	probe_init(&p);
	p.url = &u;
	p.state = PROBE_RECEIVING;
	p.cur.duration_ms = -1;
	while (!done && off < size) {
		room = probe_http_room(&p, &dst);
		if (room == 0 || room > PROBE_TURN_MAX || dst < p.buf ||
		    dst + room > p.buf + sizeof(p.buf))
			abort();
		n = size - off < step ? size - off : step;
		n = n < room ? n : room;
		memcpy(dst, data + off, n);
		off += n;
		done = probe_http_input(&p, 0, n);
		if (p.used > sizeof(p.buf))
			abort();
		/* One interim response too many ends it, as a failure. */
		if (p.interim > PROBE_INTERIM_MAX &&
		    (!done || p.last.ok || p.interim > PROBE_INTERIM_MAX + 1))
			abort();
	}
	if (!done)
		done = probe_http_input(&p, 0, 0); /* the peer closes */
	if (!done)
		abort();
	check_done(&p);
	return 0;
}
