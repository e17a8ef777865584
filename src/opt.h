/* opt.h: one option's value (or flag) into a struct config. */
#ifndef WARD_OPT_H
#define WARD_OPT_H

#include <stddef.h>

#include "cli.h"

/* Every option, in the order of cli.c's table. */
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
	O_DRAIN,
	O_LISTEN,
	O_CHECK,
	O_CHECKTIMEOUT,
	O_ROROOT,
	O_TMPFS,
	O_WRITABLE,
	O_VERSION,
	O_HELP
};

/* Parsing context: the config being filled and the error buffer. */
struct opt_ctx {
	struct config *c;   /* the result */
	char *err;          /* one-line message on failure */
	size_t errlen;      /* its size */
	int vcount;         /* -v given this many times */
	int quiet;          /* -q */
	unsigned long seen; /* options already given on the command line */
	char src[48];       /* "--grace" or "WARD_GRACE", for messages */
};

/* Write a one-line message into p->err; returns -1. */
int opt_fail(struct opt_ctx *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Format one line into buf, control characters shown as '?'. */
void opt_line(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Apply one value of option id (from argv or one item of a WARD_ list). */
int opt_apply(struct opt_ctx *p, int id, const char *v, size_t len);

/* Turn flag id on or off. */
void opt_flag(struct opt_ctx *p, int id, int on);

/* The first time option id comes on the command line, forget what the
 * environment gave it: a flag replaces the variable, lists included. */
void opt_reset(struct opt_ctx *p, int id);

#endif
