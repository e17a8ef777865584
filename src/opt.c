/* opt.c: one option's value (or flag) into a struct config. */
#include "opt.h"
#include "defs.h"
#include "fmt.h"

#include <signal.h>
#include <stdarg.h>
#include <string.h>

#include "log.h"
#include "value.h"

/* Format into buf; control characters (a newline in a value) become '?'. */
WARD_COLD static void
vline(char *buf, size_t size, const char *fmt, va_list ap)
{
	fmt_vsnprintf(buf, size, fmt, ap);
	for (; size > 0 && *buf; buf++)
		if ((unsigned char)*buf < 0x20 || *buf == 0x7f)
			*buf = '?';
}

WARD_COLD void
opt_line(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(buf, size, fmt, ap);
	va_end(ap);
}

WARD_COLD int
opt_fail(struct opt_ctx *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* KILL and STOP can be neither caught nor blocked (signal(7)): ward never
 * receives them, so listening for one is a mistake worth an error. */
WARD_COLD static int
uncatchable(struct opt_ctx *p, int s)
{
	char name[16];

	if (s != SIGKILL && s != SIGSTOP)
		return 0;
	return opt_fail(p, "%s: %s can never reach ward (it cannot be caught)",
	                p->src, value_signame(s, name, sizeof(name)));
}

WARD_COLD static int
bad(struct opt_ctx *p, const char *what, const char *v, size_t len)
{
	return opt_fail(p, "%s: bad %s '%.*s'", p->src, what, (int)len, v);
}

WARD_COLD static int
set_duration(struct opt_ctx *p, int64_t *out, const char *v, size_t len,
             int positive)
{
	int64_t d = value_duration(v, len);

	if (d < 0 || (positive && d == 0))
		return bad(p, "duration", v, len);
	*out = d;
	return 0;
}

WARD_COLD static int
set_signal_list(struct opt_ctx *p, uint64_t *out, const char *v, size_t len)
{
	size_t i = 0;
	size_t j;
	int s;

	*out = 0;
	do { /* every item, an empty one (or list) included, is a signal */
		for (j = i; j < len && v[j] != ','; j++)
			;
		if ((s = value_signal(v + i, j - i)) < 1)
			return bad(p, "signal", v + i, j - i);
		if (uncatchable(p, s) < 0)
			return -1;
		*out |= UINT64_C(1) << (s - 1);
		i = j + 1;
	} while (j < len);
	return 0;
}

WARD_COLD static int
set_rewrite(struct opt_ctx *p, const char *v, size_t len)
{
	const char *colon = memchr(v, ':', len);
	int from;
	int to;

	if (!colon)
		return bad(p, "rewrite (want FROM:TO)", v, len);
	from = value_signal(v, colon - v);
	to = colon + 2 == v + len && colon[1] == '0'
	         ? 0
	         : value_signal(colon + 1, v + len - colon - 1);
	if (from < 0 || to < 0)
		return bad(p, "rewrite (want FROM:TO)", v, len);
	if (uncatchable(p, from) < 0)
		return -1;
	p->c->rewrite[from] = (signed char)to;
	return 0;
}

WARD_COLD static int
set_path(struct opt_ctx *p, struct path_req *reqs, int *n, const char *v,
         size_t len, int sized)
{
	const char *colon = sized ? memrchr(v, ':', len) : NULL;
	int64_t size = 0;

	if (*n >= CFG_MAX_PATHS)
		return opt_fail(p, "%s: more than %d paths", p->src,
		                CFG_MAX_PATHS);
	if (colon) {
		size = value_size(colon + 1, v + len - colon - 1);
		if (size < 0)
			return bad(p, "size", colon + 1, v + len - colon - 1);
		len = colon - v;
	}
	if (len == 0 || v[0] != '/' || len >= 256)
		return bad(p, "path (want an absolute path)", v, len);
	reqs[*n].path = v;
	reqs[*n].path_len = len;
	reqs[*n].min_size = (uint64_t)size;
	(*n)++;
	return 0;
}

WARD_COLD static int
set_url(struct opt_ctx *p, struct url *u, const char *v, size_t len)
{
	char buf[URL_PATH_MAX + URL_HOST_MAX + 16];
	const char *why = "";

	if (len >= sizeof(buf))
		return opt_fail(p, "%s: URL too long", p->src);
	memcpy(buf, v, len);
	buf[len] = '\0';
	if (url_parse(buf, u, &why) < 0)
		return opt_fail(p, "%s: %s: %s", p->src, buf, why);
	return 0;
}

WARD_COLD static int
set_listen(struct opt_ctx *p, const char *v, size_t len)
{
	struct config *c = p->c;
	char buf[80];
	const char *why = "";

	if (len >= sizeof(buf))
		return bad(p, "address", v, len);
	memcpy(buf, v, len);
	buf[len] = '\0';
	if (url_parse_listen(buf, &c->listen, &c->listen_len, &c->listen_any,
	                     &why) < 0)
		return opt_fail(p, "%s: %s: %s", p->src, buf, why);
	c->has_listen = true;
	return 0;
}

WARD_COLD static int
set_unhealthy(struct opt_ctx *p, const char *v, size_t len)
{
	static const char *const names[] = {"none", "restart", "exit"};
	int i;

	for (i = 0; i < 3; i++)
		if (strlen(names[i]) == len && memcmp(v, names[i], len) == 0) {
			p->c->on_unhealthy = (enum on_unhealthy)i;
			return 0;
		}
	return bad(p, "action (want none, restart or exit)", v, len);
}

WARD_COLD int
opt_apply(struct opt_ctx *p, int id, const char *v, size_t len)
{
	struct config *c = p->c;
	int64_t n;
	int s;

	switch (id) {
	case O_REMAP:
		if ((n = value_uint(v, len, 255)) < 0)
			return bad(p, "exit code", v, len);
		c->remap[n / 8] |= 1 << (n % 8);
		return 0;
	case O_PDEATH:
		if ((s = value_signal(v, len)) < 0)
			return bad(p, "signal", v, len);
		c->pdeathsig = s;
		return 0;
	case O_REWRITE:
		return set_rewrite(p, v, len);
	case O_GRACE:
		return set_duration(p, &c->grace_ms, v, len, 0);
	case O_SHUTSIG:
		return set_signal_list(p, &c->shutdown_sigs, v, len);
	case O_PROBE:
		c->has_probe = true;
		return set_url(p, &c->probe, v, len);
	case O_PINTERVAL:
		return set_duration(p, &c->probe_interval_ms, v, len, 1);
	case O_PTIMEOUT:
		return set_duration(p, &c->probe_timeout_ms, v, len, 1);
	case O_PSTART:
		return set_duration(p, &c->probe_start_ms, v, len, 0);
	case O_PRETRIES:
		if ((n = value_uint(v, len, 1000000)) < 1)
			return bad(p, "count", v, len);
		c->probe_retries = (int)n;
		return 0;
	case O_ONUNHEALTHY:
		return set_unhealthy(p, v, len);
	case O_DRAIN:
		return set_duration(p, &c->drain_ms, v, len, 0);
	case O_LISTEN:
		return set_listen(p, v, len);
	case O_CHECK:
		c->mode = MODE_CHECK;
		return set_url(p, &c->check, v, len);
	case O_CHECKTIMEOUT:
		return set_duration(p, &c->check_timeout_ms, v, len, 1);
	case O_TMPFS:
		return set_path(p, c->checks.tmpfs, &c->checks.ntmpfs, v, len,
		                1);
	case O_WRITABLE:
		return set_path(p, c->checks.writable, &c->checks.nwritable, v,
		                len, 0);
	}
	return 0;
}

WARD_COLD void
opt_flag(struct opt_ctx *p, int id, int on)
{
	struct config *c = p->c;

	switch (id) {
	case O_PGROUP:
		c->pgroup = on;
		break;
	case O_WARN:
		c->warn_reaped = on;
		break;
	case O_QUIET:
		p->quiet = on;
		break;
	case O_VERBOSE:
		p->vcount++;
		break;
	case O_ROROOT:
		c->checks.readonly_root = on;
		break;
	case O_LICENSE:
		c->mode = MODE_LICENSE;
		break;
	case O_VERSION:
		c->mode = MODE_VERSION;
		break;
	case O_HELP:
		c->mode = MODE_HELP;
		break;
	}
}

WARD_COLD void
opt_reset(struct opt_ctx *p, int id)
{
	struct config *c = p->c;
	unsigned long loud = 1UL << O_VERBOSE | 1UL << O_QUIET;
	int i;

	/* -v and -q are one setting: the first replaces what the
	 * environment said of either (WARD_VERBOSE, WARD_QUIET, TINI_*). */
	if ((id == O_VERBOSE || id == O_QUIET) && !(p->seen & loud))
		p->vcount = p->quiet = 0;
	if (p->seen & (1UL << id))
		return;
	p->seen |= 1UL << id;
	if (id == O_REMAP)
		memset(c->remap, 0, sizeof(c->remap));
	else if (id == O_REWRITE)
		for (i = 0; i < WARD_NSIG; i++)
			c->rewrite[i] = (signed char)i;
	else if (id == O_TMPFS)
		c->checks.ntmpfs = 0;
	else if (id == O_WRITABLE)
		c->checks.nwritable = 0;
}
