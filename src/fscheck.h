/* fscheck.h: start-up facts about / and the required paths (SPEC section 4). */
#ifndef WARD_FSCHECK_H
#define WARD_FSCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "defs.h"

/* One PATH[:MINSIZE] of --require-tmpfs or PATH of --require-writable. */
struct path_req {
	const char *path; /* not NUL-terminated: points into argv or environ */
	size_t path_len;  /* its length */
	uint64_t min_size; /* bytes; 0 when not given */
};

/* What the configuration asks to check. */
struct check_conf {
	bool readonly_root;			/* --require-readonly-root */
	struct path_req tmpfs[CFG_MAX_PATHS];	/* --require-tmpfs */
	int ntmpfs;				/* how many */
	struct path_req writable[CFG_MAX_PATHS]; /* --require-writable */
	int nwritable;				 /* how many */
};

/* Facts found for one path. */
struct fscheck_path {
	char path[256];	    /* the path, NUL-terminated */
	bool want_tmpfs;    /* from --require-tmpfs (else --require-writable) */
	uint64_t min_size;  /* required total size in bytes, 0 = any */
	bool exists;	    /* statfs succeeded */
	char fstype[16];    /* "tmpfs", "ext4", "overlay", ... */
	uint64_t size;	    /* total size in bytes */
	bool writable;	    /* a file was really created and removed */
	int err;	    /* errno of the failing step, 0 if none */
	bool ok;	    /* every requirement met */
};

/* Facts for the whole configuration. */
struct fscheck_report {
	bool root_checked;  /* --require-readonly-root given */
	bool root_readonly; /* statvfs("/") has ST_RDONLY */
	struct fscheck_path paths[2 * CFG_MAX_PATHS]; /* tmpfs then writable */
	int npaths;				       /* how many */
	int nfailed; /* failed checks, root included */
};

/* Run every check c asks for; fill r with the facts. Never exits. */
void fscheck_run(const struct check_conf *c, struct fscheck_report *r);

/*
 * Write failure number i (0-based, i < r->nfailed) as one line without the
 * "ward: " prefix, e.g. "/tmp is ext4, expected tmpfs". Returns buf.
 */
char *fscheck_failure(const struct fscheck_report *r, int i, char *buf,
		      size_t size);

/* Write r as a JSON array (for /status "checks"). Returns bytes or -1. */
int fscheck_json(const struct fscheck_report *r, char *buf, size_t size);

#endif
