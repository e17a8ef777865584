/* cli.c: argv and environment into a struct config, with no side effects. */
#include "cli.h"
#include "fmt.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "value.h"

enum opt_id {
	O_SUBREAPER,
	O_PGROUP,
	O_REMAP,
	O_PDEATH,
	O_VERBOSE,
	O_WARN,
	O_LICENSE,
	O_REWRITE,
	O_QUIET,
	O_GRACE,
	O_SHUTSIG,
	O_PROBE,
	O_PINTERVAL,
	O_PTIMEOUT,
	O_PSTART,
	O_PRETRIES,
	O_ONUNHEALTHY,
	O_LISTEN,
	O_CHECK,
	O_CHECKTIMEOUT,
	O_ROROOT,
	O_TMPFS,
	O_WRITABLE,
	O_VERSION,
	O_HELP
};

enum opt_kind {
	K_FLAG,  /* on when given */
	K_COUNT, /* -v -v */
	K_VALUE, /* one value, the last one wins */
	K_LIST   /* repeatable; a comma-separated list in the environment */
};

/* The option table: long name, short letter, kind, has a WARD_ variable. */
static const struct opt {
	const char *name;
	char sh;
	unsigned char kind;
	unsigned char env;
} opts[] = {
    [O_SUBREAPER] = {"subreaper", 's', K_FLAG, 1},
    [O_PGROUP] = {"process-group", 'g', K_FLAG, 1},
    [O_REMAP] = {"remap-exit", 'e', K_LIST, 1},
    [O_PDEATH] = {"pdeathsig", 'p', K_VALUE, 1},
    [O_VERBOSE] = {"verbose", 'v', K_COUNT, 1},
    [O_WARN] = {"warn-reaped", 'w', K_FLAG, 1},
    [O_LICENSE] = {"license", 'l', K_FLAG, 0},
    [O_REWRITE] = {"rewrite", 'r', K_LIST, 1},
    [O_QUIET] = {"quiet", 'q', K_FLAG, 1},
    [O_GRACE] = {"grace", 0, K_VALUE, 1},
    [O_SHUTSIG] = {"shutdown-signals", 0, K_VALUE, 1},
    [O_PROBE] = {"probe", 0, K_VALUE, 1},
    [O_PINTERVAL] = {"probe-interval", 0, K_VALUE, 1},
    [O_PTIMEOUT] = {"probe-timeout", 0, K_VALUE, 1},
    [O_PSTART] = {"probe-start-period", 0, K_VALUE, 1},
    [O_PRETRIES] = {"probe-retries", 0, K_VALUE, 1},
    [O_ONUNHEALTHY] = {"on-unhealthy", 0, K_VALUE, 1},
    [O_LISTEN] = {"listen", 0, K_VALUE, 1},
    [O_CHECK] = {"check", 0, K_VALUE, 0},
    [O_CHECKTIMEOUT] = {"check-timeout", 0, K_VALUE, 1},
    [O_ROROOT] = {"require-readonly-root", 0, K_FLAG, 1},
    [O_TMPFS] = {"require-tmpfs", 0, K_LIST, 1},
    [O_WRITABLE] = {"require-writable", 0, K_LIST, 1},
    [O_VERSION] = {"version", 'V', K_FLAG, 0},
    [O_HELP] = {"help", 'h', K_FLAG, 0},
};
#define NOPTS (int)(sizeof(opts) / sizeof(opts[0]))

/* Parsing context: the config being filled and the error buffer. */
struct pctx {
	struct config *c;   /* the result */
	char *err;          /* one-line message on failure */
	size_t errlen;      /* its size */
	int vcount;         /* -v given this many times */
	int quiet;          /* -q */
	unsigned long seen; /* options already given on the command line */
	char src[48];       /* "--grace" or "WARD_GRACE", for messages */
};

static int
fail(struct pctx *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int
bad(struct pctx *p, const char *what, const char *v, size_t len)
{
	return fail(p, "%s: bad %s '%.*s'", p->src, what, (int)len, v);
}

static int
set_duration(struct pctx *p, int64_t *out, const char *v, size_t len,
             int positive)
{
	int64_t d = value_duration(v, len);

	if (d < 0 || (positive && d == 0))
		return bad(p, "duration", v, len);
	*out = d;
	return 0;
}

static int
set_signal_list(struct pctx *p, uint64_t *out, const char *v, size_t len)
{
	size_t i = 0;
	size_t j;
	int s;

	*out = 0;
	while (i < len) {
		for (j = i; j < len && v[j] != ','; j++)
			;
		if ((s = value_signal(v + i, j - i)) < 1)
			return bad(p, "signal", v + i, j - i);
		*out |= UINT64_C(1) << (s - 1);
		i = j + 1;
	}
	return 0;
}

static int
set_rewrite(struct pctx *p, const char *v, size_t len)
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
	p->c->rewrite[from] = (signed char)to;
	return 0;
}

static int
set_path(struct pctx *p, struct path_req *reqs, int *n, const char *v,
         size_t len, int sized)
{
	const char *colon = sized ? memrchr(v, ':', len) : NULL;
	int64_t size = 0;

	if (*n >= CFG_MAX_PATHS)
		return fail(p, "%s: more than %d paths", p->src, CFG_MAX_PATHS);
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

static int
set_url(struct pctx *p, struct url *u, const char *v, size_t len)
{
	char buf[URL_PATH_MAX + URL_HOST_MAX + 16];
	const char *why = "";

	if (len >= sizeof(buf))
		return fail(p, "%s: URL too long", p->src);
	memcpy(buf, v, len);
	buf[len] = '\0';
	if (url_parse(buf, u, &why) < 0)
		return fail(p, "%s: %s: %s", p->src, buf, why);
	return 0;
}

static int
set_listen(struct pctx *p, const char *v, size_t len)
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
		return fail(p, "%s: %s: %s", p->src, buf, why);
	c->has_listen = true;
	return 0;
}

static int
set_unhealthy(struct pctx *p, const char *v, size_t len)
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

/* Apply one value (or the flag) of option id to the config. */
static int
apply(struct pctx *p, int id, const char *v, size_t len)
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

/* Turn a flag on or off. */
static void
apply_flag(struct pctx *p, int id, int on)
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
		p->vcount = on ? p->vcount + 1 : 0;
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

/* A repeatable option given on the command line replaces the variable. */
static void
reset(struct pctx *p, int id)
{
	struct config *c = p->c;
	int i;

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
	else if (id == O_VERBOSE)
		p->vcount = 0;
}

/* Value of NAME in envp, or NULL. */
static const char *
env_get(char **envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* Apply WARD_<NAME> of option id, if set. */
static int
env_option(struct pctx *p, char **envp, int id)
{
	const struct opt *o = &opts[id];
	const char *v;
	size_t i;
	size_t j;
	int64_t n;
	int b;

	fmt_snprintf(p->src, sizeof(p->src), "WARD_");
	for (i = 0; o->name[i] && i + 6 < sizeof(p->src); i++)
		p->src[5 + i] =
		    o->name[i] == '-' ? '_' : o->name[i] - 'a' + 'A';
	p->src[5 + i] = '\0';
	if (!(v = env_get(envp, p->src)))
		return 0;
	if (o->kind == K_VALUE)
		return *v ? apply(p, id, v, strlen(v)) : 0;
	if (o->kind == K_LIST) {
		for (i = 0; v[i]; i = v[j] ? j + 1 : j) {
			j = i + strcspn(v + i, ",");
			if (j > i && apply(p, id, v + i, j - i) < 0)
				return -1;
		}
		return 0;
	}
	if (id == O_VERBOSE && (n = value_uint(v, strlen(v), 9)) >= 0) {
		p->vcount = (int)n;
		return 0;
	}
	if ((b = value_bool(v)) < 0)
		return fail(p,
		            "%s: bad boolean '%s' (want 1/true/yes or "
		            "0/false/no)",
		            p->src, v);
	apply_flag(p, id, b);
	return 0;
}

/* tini's variables, with tini's meaning: set = on. */
static int
env_tini(struct pctx *p, char **envp)
{
	const char *v;
	int64_t n;

	if (env_get(envp, "TINI_KILL_PROCESS_GROUP"))
		p->c->pgroup = true;
	if ((v = env_get(envp, "TINI_VERBOSITY"))) {
		if ((n = value_uint(v, strlen(v), 9)) < 0)
			return fail(p, "TINI_VERBOSITY: bad level '%s'", v);
		if (n == 0)
			p->quiet = 1;
		else
			p->vcount = (int)n - 1;
	}
	return 0;
}

static int
env_all(struct pctx *p, char **envp, int check_mode)
{
	int id;

	if (check_mode)
		return env_option(p, envp, O_CHECKTIMEOUT);
	if (env_tini(p, envp) < 0)
		return -1;
	for (id = 0; id < NOPTS; id++)
		if (opts[id].env && env_option(p, envp, id) < 0)
			return -1;
	return 0;
}

/* Option id named by "--name" (len bytes), or -1. */
static int
find_long(const char *name, size_t len)
{
	int id;

	for (id = 0; id < NOPTS; id++)
		if (strlen(opts[id].name) == len &&
		    memcmp(opts[id].name, name, len) == 0)
			return id;
	return -1;
}

static int
find_short(char ch)
{
	int id;

	for (id = 0; id < NOPTS; id++)
		if (opts[id].sh == ch)
			return id;
	return -1;
}

/* Give option id its value: inline (after = or the letter) or next arg. */
static int
take(struct pctx *p, int id, const char *inl, char **argv, int *i)
{
	const char *v = inl;

	if (opts[id].kind == K_FLAG || opts[id].kind == K_COUNT) {
		if (inl)
			return fail(p, "%s takes no value", p->src);
		reset(p, id);
		apply_flag(p, id, 1);
		return 0;
	}
	if (!v && !(v = argv[++*i]))
		return fail(p, "%s needs a value", p->src);
	reset(p, id);
	return apply(p, id, v, strlen(v));
}

static int
arg_long(struct pctx *p, char **argv, int *i)
{
	const char *a = argv[*i] + 2;
	const char *eq = strchr(a, '=');
	size_t len = eq ? (size_t)(eq - a) : strlen(a);
	int id = find_long(a, len);

	fmt_snprintf(p->src, sizeof(p->src), "--%.*s", (int)len, a);
	if (id < 0)
		return fail(p, "unknown option '%s'", p->src);
	return take(p, id, eq ? eq + 1 : NULL, argv, i);
}

static int
arg_short(struct pctx *p, char **argv, int *i)
{
	const char *a = argv[*i] + 1;
	int id;

	for (; *a; a++) {
		fmt_snprintf(p->src, sizeof(p->src), "-%c", *a);
		if ((id = find_short(*a)) < 0)
			return fail(p, "unknown option '%s'", p->src);
		if (opts[id].kind == K_VALUE || opts[id].kind == K_LIST)
			return take(p, id, a[1] ? a + 1 : NULL, argv, i);
		if (take(p, id, NULL, argv, i) < 0)
			return -1;
	}
	return 0;
}

/* Options stop at "--" or the first non-option; returns its index. */
static int
args_all(struct pctx *p, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return i + 1;
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			return i;
		if (argv[i][1] == '-' ? arg_long(p, argv, &i) < 0
		                      : arg_short(p, argv, &i) < 0)
			return -1;
	}
	return i;
}

static void
defaults(struct config *c, char *argv0)
{
	const char *base = strrchr(argv0, '/');
	int i;

	memset(c, 0, sizeof(*c));
	base = base ? base + 1 : argv0;
	c->tini_name =
	    strcmp(base, "tini") == 0 || strcmp(base, "docker-init") == 0;
	for (i = 0; i < WARD_NSIG; i++)
		c->rewrite[i] = (signed char)i;
	c->shutdown_sigs =
	    (UINT64_C(1) << (SIGTERM - 1)) | (UINT64_C(1) << (SIGINT - 1));
	c->grace_ms = 5000;
	c->probe_interval_ms = 10000;
	c->probe_timeout_ms = 1000;
	c->probe_retries = 3;
	c->check_timeout_ms = 2000;
}

/* Is this a --check run? A first pass over argv alone, into a scratch
 * config, so that --check can ignore the environment. */
static int
has_check(int argc, char **argv)
{
	struct config scratch;
	char err[8];
	struct pctx p = {&scratch, err, sizeof(err), 0, 0, 0, ""};

	defaults(&scratch, argc > 0 ? argv[0] : "ward");
	return args_all(&p, argc, argv) >= 0 && scratch.mode == MODE_CHECK;
}

int
cli_parse(struct config *c, int argc, char **argv, char **envp, char *err,
          size_t errlen)
{
	struct pctx p = {c, err, errlen, 0, 0, 0, ""};
	int check = has_check(argc, argv);
	int i;

	defaults(c, argc > 0 ? argv[0] : "ward");
	if (env_all(&p, envp, check) < 0)
		return -1;
	if ((i = args_all(&p, argc, argv)) < 0)
		return -1;
	c->verbosity = p.quiet ? LOG_LVL_ERROR : p.vcount;
	c->argv = argv + i;
	if (c->mode == MODE_CHECK && i < argc)
		return fail(&p, "--check takes no program: '%s'", argv[i]);
	if (c->mode == MODE_RUN && i >= argc)
		return fail(&p, "missing program to run");
	if (c->probe_timeout_ms > c->probe_interval_ms && c->has_probe)
		return fail(&p, "--probe-timeout is longer than "
		                "--probe-interval");
	return 0;
}
