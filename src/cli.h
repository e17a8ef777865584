/* cli.h: argv and environment into a struct config, with no side effects. */
#ifndef WARD_CLI_H
#define WARD_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "defs.h"
#include "fscheck.h"
#include "url.h"

enum cli_mode {
	MODE_RUN,     /* supervise a program */
	MODE_CHECK,   /* --check URL */
	MODE_VERSION, /* --version */
	MODE_HELP,    /* --help */
	MODE_LICENSE  /* --license */
};

enum on_unhealthy {
	UNHEALTHY_NONE,    /* only report it */
	UNHEALTHY_RESTART, /* stop and start the child again */
	UNHEALTHY_EXIT     /* shut down as on SIGTERM */
};

struct config {
	enum cli_mode mode;      /* what to do */
	char *const *argv;       /* PROGRAM [ARGS...], NULL-terminated */
	bool tini_name;          /* argv[0] is docker-init or tini */
	bool pgroup;             /* -g: signal the child's process group */
	bool warn_reaped;        /* -w */
	int verbosity;           /* enum log_level */
	int pdeathsig;           /* -p, 0 if none */
	unsigned char remap[32]; /* -e: bit n set = exit code n becomes 0 */
	signed char rewrite[WARD_NSIG]; /* -r: signal n becomes rewrite[n] */
	uint64_t shutdown_sigs;    /* bit n-1 set = signal n starts shutdown */
	int64_t grace_ms;          /* --grace */
	bool has_probe;            /* --probe given */
	struct url probe;          /* --probe URL */
	int64_t probe_interval_ms; /* --probe-interval */
	int64_t probe_timeout_ms;  /* --probe-timeout */
	int64_t probe_start_ms;    /* --probe-start-period */
	int probe_retries;         /* --probe-retries */
	enum on_unhealthy on_unhealthy; /* --on-unhealthy */
	int64_t drain_ms;               /* --drain-delay */
	bool has_listen;                /* --listen given */
	struct sockaddr_storage listen; /* --listen address */
	socklen_t listen_len;           /* its length */
	int listen_any;                 /* no address given: dual-stack */
	struct url check;               /* --check URL */
	int64_t check_timeout_ms;       /* --check-timeout */
	struct check_conf checks;       /* --require-* */
	char warn[96];                  /* warning for main.c to log, or "" */
};

/*
 * Fill c from argv and envp. Returns 0, or -1 with a one-line message in
 * err (no "ward: " prefix). Touches nothing but c and err.
 */
int cli_parse(struct config *c, int argc, char **argv, char **envp, char *err,
              size_t errlen);

#endif
