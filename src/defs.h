/* defs.h: every size limit and exit code of ward, in one place. */
#ifndef WARD_DEFS_H
#define WARD_DEFS_H

/* Exit codes of ward itself (see ward(1), EXIT STATUS). */
enum ward_exit {
	WEXIT_OK = 0,              /* success */
	WEXIT_UNHEALTHY = 1,       /* --check: the probe failed */
	WEXIT_USAGE = 2,           /* bad command line or environment */
	WEXIT_SOFTWARE = 70,       /* internal error */
	WEXIT_UNHEALTHY_STOP = 69, /* --on-unhealthy exit stopped the app */
	WEXIT_OSERR = 71,          /* fork, signalfd, bind, ... failed */
	WEXIT_NOEXEC = 126,        /* program found but not executable */
	WEXIT_NOTFOUND = 127,      /* program not found */
	WEXIT_CHECKS = 78          /* a start-up check failed (EX_CONFIG) */
};

#define WARD_NSIG 65                  /* signals 1..64 */
#define CFG_MAX_PATHS 8               /* --require-tmpfs / --require-writable */
#define CFG_MAX_LIST 64               /* items in one repeatable option */
#define LOG_LINE_MAX 512              /* one log line, prefix included */
#define STATUS_MAX_CLIENTS 8          /* status server client slots */
#define STATUS_CLIENT_TIMEOUT_MS 1000 /* a request head arrives within */
#define HTTP_REQ_MAX 4096             /* request buffer of the status server */
#define HTTP_RESP_MAX 4096    /* response buffer (status server, probe) */
#define HTTP_MAX_HEADERS 16   /* headers a parser accepts */
#define PROBE_DRAIN_MAX 65536 /* body bytes a probe drains at most */
#define PROBE_TURN_MAX 4096   /* bytes a probe reads per loop turn */
#define PROBE_INTERIM_MAX 5   /* interim 1xx responses skipped at most */
#define PROBE_FALLBACK_MS 250 /* localhost: ::1 alone, then 127.0.0.1 too */
/* A waitpid(-1) scan walks every live child: at most one per this many ms
 * (the main child is collected at once). */
#define REAP_SCAN_GAP_MS 5
#define BACKOFF_MIN_MS 1000  /* restart back-off start */
#define BACKOFF_MAX_MS 30000 /* restart back-off cap */

/* The status server against hostile peers (SPEC section 3). */
#define STATUS_DEFER_S 1    /* TCP_DEFER_ACCEPT: no client before a byte */
#define STATUS_FD_RESERVE 5 /* fds left to ward: probe 2, /proc 2, cgroup 1 */
/* listen(2) backlog: the kernel caps it at net.core.somaxconn (4096 since
 * Linux 5.4); musl's SOMAXCONN is 128, which deferred connections fill. */
#define STATUS_BACKLOG 65535

/*
 * Code that only start-up, shutdown, a restart, --check or a probe runs.
 * The linker puts it apart (.text.unlikely), so that the pages the idle
 * loop and the status server run are few and together (src/trim.c).
 */
#define WARD_COLD __attribute__((cold, section(".text.unlikely.ward")))

#endif
