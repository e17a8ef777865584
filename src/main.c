/* main.c: wire ward together: parse, check, spawn, loop, exit code. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cgroup.h"
#include "check.h"
#include "cli.h"
#include "defs.h"
#include "fscheck.h"
#include "log.h"
#include "loop.h"
#include "probe.h"
#include "state.h"
#include "status.h"
#include "super.h"
#include "tree.h"
#include "trim.h"
#include "usage.h"

/* ward --check URL: one probe, one line on stdout, exit 0 or 1. */
WARD_COLD static int
check_main(const struct config *c)
{
	struct probe_result r;
	char line[160];
	int rc = check_once(&c->check, c->check_timeout_ms, &r);
	size_t n;

	check_format(&r, line, sizeof(line) - 1);
	n = strlen(line);
	line[n++] = '\n';
	if (write(1, line, n) < 0)
		return WEXIT_UNHEALTHY;
	return rc == 0 ? WEXIT_OK : WEXIT_UNHEALTHY;
}

/* Start-up checks: one line per failure, exit 78 before any child. */
WARD_COLD static void
checks_main(struct init *in)
{
	const struct check_conf *cc = &in->cfg.checks;
	char line[320];
	int i;

	if (!cc->readonly_root && !cc->ntmpfs && !cc->nwritable)
		return;
	fscheck_run(cc, &in->checks);
	for (i = 0; i < in->checks.nfailed; i++)
		log_error("%s",
		          fscheck_failure(&in->checks, i, line, sizeof(line)));
	if (in->checks.nfailed > 0)
		exit(WEXIT_CHECKS);
}

WARD_COLD static void
setup(struct init *in)
{
	int i;

	log_open();
	in->self = getpid();
	in->exit_code = -1;
	in->listen_fd = -1;
	in->backoff_ms = BACKOFF_MIN_MS;
	for (i = 0; i < STATUS_MAX_CLIENTS; i++)
		in->clients[i].fd = -1;
	probe_init(&in->probe);
	if ((in->sigfd = sig_setup(&in->sigsaved)) < 0)
		fatal(WEXIT_OSERR, "cannot set up signals");
	if (in->self != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		log_warn("cannot become a child subreaper");
	if (in->cfg.pdeathsig && prctl(PR_SET_PDEATHSIG, in->cfg.pdeathsig) < 0)
		log_warn("cannot set the parent-death signal");
	checks_main(in);
	if (in->cfg.has_listen && status_listen(in) < 0)
		fatal(WEXIT_OSERR, "cannot listen for --listen");
	if (in->cfg.has_listen) /* find the cgroup now, not at a scrape */
		cgroup_read(&in->cgroup, &(struct cgroup_mem){0});
	in->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (tree_setup(in) < 0)
		log_warn("no room to track the shutdown's SIGTERMs");
}

/*
 * Everything before the loop, apart from main so that its frames are dead
 * once the loop runs (trim_stack gives them back). Returns -1 when the
 * loop is to run, else ward's exit code.
 */
WARD_COLD __attribute__((noinline)) static int
start(struct init *in, int argc, char **argv, char **envp)
{
	char err[256];

	log_init(LOG_LVL_NOTICE);
	if (cli_parse(&in->cfg, argc, argv, envp, err, sizeof(err)) < 0) {
		usage_error(err);
		return WEXIT_USAGE;
	}
	log_init(in->cfg.verbosity);
	switch (in->cfg.mode) {
	case MODE_HELP:
		usage_help();
		return WEXIT_OK;
	case MODE_VERSION:
		usage_version(in->cfg.tini_name);
		return WEXIT_OK;
	case MODE_LICENSE:
		usage_license();
		return WEXIT_OK;
	case MODE_CHECK:
		return check_main(&in->cfg);
	case MODE_RUN:
		break;
	}
	if (in->cfg.warn[0])
		log_warnx("%s", in->cfg.warn);
	setup(in);
	in->started_ms = loop_now();
	if (super_spawn(in, in->started_ms) < 0)
		fatal(WEXIT_OSERR, "cannot start %s", in->cfg.argv[0]);
	return -1;
}

int
main(int argc, char **argv, char **envp)
{
	static struct init in;
	int rc = start(&in, argc, argv, envp);

	if (rc >= 0)
		return rc;
	trim_text();
	trim_stack();
	return loop_run(&in);
}
