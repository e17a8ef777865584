/* fscheck.h: start-up facts about / and the required paths (SPEC section 4). */
#ifndef WARD_FSCHECK_H
#define WARD_FSCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "defs.h"

#define FSCHECK_PATH_MAX 256 /* longest path checked, NUL included */

/* One PATH[:MINSIZE] of --require-tmpfs or PATH of --require-writable. */
struct path_req {
	const char *path;  /* not NUL-terminated: points into argv or environ */
	size_t path_len;   /* its length */
	uint64_t min_size; /* bytes; 0 when not given */
};

/* What the configuration asks to check. */
struct check_conf {
	bool readonly_root;                      /* --require-readonly-root */
	struct path_req tmpfs[CFG_MAX_PATHS];    /* --require-tmpfs */
	int ntmpfs;                              /* how many */
	struct path_req writable[CFG_MAX_PATHS]; /* --require-writable */
	int nwritable;                           /* how many */
};

/*
 * Facts found for one path. A --require-tmpfs path is ok when it exists, is
 * a tmpfs, is at least min_size big (or has no size limit) and is writable;
 * a --require-writable path when it exists and is writable.
 */
struct fscheck_path {
	char path[FSCHECK_PATH_MAX]; /* the path, NUL-terminated */
	bool want_tmpfs;   /* from --require-tmpfs (else --require-writable) */
	uint64_t min_size; /* required total size in bytes, 0 = any */
	bool exists;       /* statfs succeeded */
	char fstype[24];   /* "tmpfs", "ext4", "overlay", "unknown (0x...)" */
	uint64_t size;     /* total size in bytes (f_blocks * f_frsize) */
	bool unlimited;    /* a tmpfs mounted with size=0: no limit */
	bool writable;     /* a file was really created and removed */
	uid_t uid;         /* effective uid the write test ran as */
	int err;           /* errno of statfs if !exists, else of the write */
	bool ok;           /* every requirement met */
};

/* Facts for the whole configuration. */
struct fscheck_report {
	bool root_checked;  /* --require-readonly-root given */
	bool root_readonly; /* statvfs("/") has ST_RDONLY */
	int root_err;       /* errno of statvfs("/"), 0 if it worked */
	struct fscheck_path paths[2 * CFG_MAX_PATHS]; /* tmpfs then writable */
	int npaths;                                   /* how many */
	int nfailed; /* failed checks, root included */
};

/*
 * Run every check c asks for; fill r with the facts. Never exits, never
 * logs. The write test creates and removes ".ward-check-<pid>" in each
 * directory (a non-directory is opened for writing, not changed).
 */
void fscheck_run(const struct check_conf *c, struct fscheck_report *r);

/*
 * Write failure number i (0-based, i < r->nfailed) as one line without the
 * "ward: " prefix, e.g. "/tmp is ext4, expected tmpfs"; every problem of one
 * path goes on its line, joined by "; ". Returns buf ("" if i is out of
 * range). The line is truncated to size.
 */
char *fscheck_failure(const struct fscheck_report *r, int i, char *buf,
                      size_t size);

/*
 * Write r as a JSON array (for /status "checks"), e.g.
 * [{"check":"readonly_root","ok":true,"readonly":true},
 *  {"check":"tmpfs","path":"/tmp","ok":true,"exists":true,"fstype":"tmpfs",
 *   "size_bytes":67108864,"unlimited":false,"min_size_bytes":0,
 *   "writable":true,"error":null}]
 * ("check":"writable" entries have no min_size_bytes and no unlimited).
 * Returns the length written (NUL not counted), or -1 with errno ENOSPC
 * when buf is too small.
 */
int fscheck_json(const struct fscheck_report *r, char *buf, size_t size);

#endif
