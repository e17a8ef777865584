/* cli.c: argv and environment into a struct config, with no side effects. */
#include "cli.h"
#include "defs.h"
#include "fmt.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "opt.h"
#include "value.h"

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
    [O_DRAIN] = {"drain-delay", 0, K_VALUE, 1},
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

/* Value of NAME in envp, or NULL. */
WARD_COLD static const char *
env_get(char **envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* WARD_VERBOSE: a count of -v, or a boolean (one -v or none). It replaces
 * what TINI_VERBOSITY said, quiet included. */
WARD_COLD static int
env_verbose(struct opt_ctx *p, const char *v)
{
	int64_t n = value_uint(v, strlen(v), 1000);

	if (n < 0 && (n = value_bool(v)) < 0)
		return opt_fail(p,
		                "%s: bad count '%s' (want a number of -v, or "
		                "a boolean)",
		                p->src, v);
	p->vcount = (int)n;
	p->quiet = 0;
	return 0;
}

/* Apply WARD_<NAME> of option id, if set. */
WARD_COLD static int
env_option(struct opt_ctx *p, char **envp, int id)
{
	const struct opt *o = &opts[id];
	const char *v;
	size_t i;
	size_t j;
	int b;

	fmt_snprintf(p->src, sizeof(p->src), "WARD_");
	for (i = 0; o->name[i] && i + 6 < sizeof(p->src); i++)
		p->src[5 + i] =
		    o->name[i] == '-' ? '_' : o->name[i] - 'a' + 'A';
	p->src[5 + i] = '\0';
	if (!(v = env_get(envp, p->src)))
		return 0;
	if (o->kind == K_VALUE)
		return *v ? opt_apply(p, id, v, strlen(v)) : 0;
	if (o->kind == K_LIST) {
		for (i = 0; v[i]; i = v[j] ? j + 1 : j) {
			j = i + strcspn(v + i, ",");
			if (j > i && opt_apply(p, id, v + i, j - i) < 0)
				return -1;
		}
		return 0;
	}
	if (id == O_VERBOSE)
		return env_verbose(p, v);
	if ((b = value_bool(v)) < 0)
		return opt_fail(p,
		                "%s: bad boolean '%s' (want 1/true/yes or "
		                "0/false/no)",
		                p->src, v);
	opt_flag(p, id, b);
	return 0;
}

/*
 * tini's variables, with tini's meaning: set = on; TINI_VERBOSITY 0 quiet,
 * 1 default, 2 info, 3 and more (tini's debug, trace) debug. tini starts
 * whatever the level says, so a value that is no number is ignored with a
 * warning for main.c; an empty one is the same as none.
 */
WARD_COLD static void
env_tini(struct opt_ctx *p, char **envp, int verbosity)
{
	const char *v;
	int64_t n;

	if (env_get(envp, "TINI_KILL_PROCESS_GROUP"))
		p->c->pgroup = true;
	if (!verbosity || !(v = env_get(envp, "TINI_VERBOSITY")) || !*v)
		return;
	if ((n = value_uint(v, strlen(v), INT64_MAX)) < 0)
		opt_line(
		    p->c->warn, sizeof(p->c->warn),
		    "TINI_VERBOSITY: '%.40s' is not a level (0-3), ignored", v);
	else if (n == 0)
		p->quiet = 1;
	else
		p->vcount = n > 3 ? 2 : (int)n - 1;
}

/*
 * The variables, but none of an option the command line gives (the flag
 * replaces it; -v and -q replace all that set the verbosity). A mode reads
 * none: --version, --help and --license work whatever the environment
 * holds, and --check reads only WARD_CHECK_TIMEOUT.
 */
WARD_COLD static int
env_all(struct opt_ctx *p, char **envp, int mode, unsigned long argv_seen)
{
	unsigned long loud = 1UL << O_VERBOSE | 1UL << O_QUIET;
	int id;

	if (argv_seen & loud)
		argv_seen |= loud;
	if (mode == MODE_CHECK && !(argv_seen & 1UL << O_CHECKTIMEOUT))
		return env_option(p, envp, O_CHECKTIMEOUT);
	if (mode != MODE_RUN)
		return 0;
	env_tini(p, envp, !(argv_seen & loud));
	for (id = 0; id < NOPTS; id++)
		if (opts[id].env && !(argv_seen & 1UL << id) &&
		    env_option(p, envp, id) < 0)
			return -1;
	return 0;
}

/* Option id named by "--name" (len bytes), or -1. */
WARD_COLD static int
find_long(const char *name, size_t len)
{
	int id;

	for (id = 0; id < NOPTS; id++)
		if (strlen(opts[id].name) == len &&
		    memcmp(opts[id].name, name, len) == 0)
			return id;
	return -1;
}

WARD_COLD static int
find_short(char ch)
{
	int id;

	for (id = 0; id < NOPTS; id++)
		if (opts[id].sh == ch)
			return id;
	return -1;
}

/* Give option id its value: inline (after = or the letter) or next arg. */
WARD_COLD static int
take(struct opt_ctx *p, int id, const char *inl, char **argv, int *i)
{
	const char *v = inl;

	if (opts[id].kind == K_FLAG || opts[id].kind == K_COUNT) {
		if (inl)
			return opt_fail(p, "%s takes no value", p->src);
		opt_reset(p, id);
		opt_flag(p, id, 1);
		return 0;
	}
	if (!v && !(v = argv[++*i]))
		return opt_fail(p, "%s needs a value", p->src);
	opt_reset(p, id);
	return opt_apply(p, id, v, strlen(v));
}

WARD_COLD static int
arg_long(struct opt_ctx *p, char **argv, int *i)
{
	const char *a = argv[*i] + 2;
	const char *eq = strchr(a, '=');
	size_t len = eq ? (size_t)(eq - a) : strlen(a);
	int id = find_long(a, len);

	fmt_snprintf(p->src, sizeof(p->src), "--%.*s", (int)len, a);
	if (id < 0)
		return opt_fail(p, "unknown option '%s'", p->src);
	return take(p, id, eq ? eq + 1 : NULL, argv, i);
}

WARD_COLD static int
arg_short(struct opt_ctx *p, char **argv, int *i)
{
	const char *a = argv[*i] + 1;
	int id;

	for (; *a; a++) {
		fmt_snprintf(p->src, sizeof(p->src), "-%c", *a);
		if ((id = find_short(*a)) < 0)
			return opt_fail(p, "unknown option '%s'", p->src);
		if (opts[id].kind == K_VALUE || opts[id].kind == K_LIST)
			return take(p, id, a[1] ? a + 1 : NULL, argv, i);
		if (take(p, id, NULL, argv, i) < 0)
			return -1;
	}
	return 0;
}

/* Options stop at "--" or the first non-option; returns its index. */
WARD_COLD static int
args_all(struct opt_ctx *p, int argc, char **argv)
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

WARD_COLD static void
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

/* A first pass over argv alone, into a scratch config: the mode and the
 * options given (up to a bad one, which the real pass reports). */
WARD_COLD static enum cli_mode
argv_scan(int argc, char **argv, unsigned long *seen)
{
	struct config scratch;
	char err[8];
	struct opt_ctx p = {&scratch, err, sizeof(err), 0, 0, 0, ""};

	defaults(&scratch, argc > 0 ? argv[0] : "ward");
	args_all(&p, argc, argv);
	*seen = p.seen;
	return scratch.mode;
}

WARD_COLD int
cli_parse(struct config *c, int argc, char **argv, char **envp, char *err,
          size_t errlen)
{
	struct opt_ctx p = {c, err, errlen, 0, 0, 0, ""};
	unsigned long seen;
	enum cli_mode mode = argv_scan(argc, argv, &seen);
	int i;

	defaults(c, argc > 0 ? argv[0] : "ward");
	if (env_all(&p, envp, mode, seen) < 0)
		return -1;
	if ((i = args_all(&p, argc, argv)) < 0)
		return -1;
	c->verbosity = p.quiet ? LOG_LVL_ERROR : p.vcount;
	c->argv = argv + i;
	if (c->mode == MODE_CHECK && i < argc)
		return opt_fail(&p, "--check takes no program: '%s'", argv[i]);
	if (c->mode == MODE_RUN && i >= argc)
		return opt_fail(&p, "missing program to run");
	return 0;
}
