/* grpc.h: the gRPC health check (grpc.health.v1.Health/Check) over h2c. */
#ifndef WARD_GRPC_H
#define WARD_GRPC_H

#include <stdbool.h>
#include <stddef.h>

#include "url.h"

#define GRPC_FRAME_MAX (16384 + 9) /* one frame, header included */
#define GRPC_BLOCK_MAX 16384       /* one header block (HEADERS + CONT.) */
#define GRPC_OUT_MAX 1536          /* request, SETTINGS and PING acks */
#define GRPC_TMP_MAX 4096          /* Huffman-decoded strings of a field */
#define GRPC_MSG_MAX 64            /* the response message, prefix included */

/*
 * One exchange on stream 1. The small fields come first: grpc_start sets
 * only them, so the buffers' pages stay untouched until a gRPC probe runs.
 */
struct grpc {
	size_t out_len;  /* bytes in out */
	size_t out_sent; /* of which sent */
	size_t used;     /* bytes in in */
	size_t blk_len;  /* bytes in blk */
	size_t msg_len;  /* bytes in msg */
	int http_status; /* :status of the response, 0 none yet */
	int grpc_status; /* grpc-status, -1 none yet */
	int blocks;      /* header blocks done on stream 1 */
	bool settings;   /* the server's SETTINGS came */
	bool cont;       /* a header block waits for CONTINUATION */
	bool end;        /* that block ends the stream */
	bool ok;         /* the result: SERVING */
	char why[96];    /* the result: "gRPC SERVING", "grpc-status 5 ..." */
	unsigned char msg[GRPC_MSG_MAX];   /* the response message */
	unsigned char out[GRPC_OUT_MAX];   /* bytes to send */
	unsigned char in[GRPC_FRAME_MAX];  /* received, up to one frame */
	unsigned char blk[GRPC_BLOCK_MAX]; /* the header block being read */
	char tmp[GRPC_TMP_MAX];            /* decoded strings */
};

/*
 * Set up g for a Check of u (grpc://, u->path "/SERVICE" or ""): the
 * preface, SETTINGS (header table 0, no push), HEADERS and DATA go to
 * g->out. Returns 0, or -1 if they do not fit.
 */
int grpc_start(struct grpc *g, const struct url *u);

/* Where the next received bytes go, and how many fit (> 0). */
size_t grpc_room(struct grpc *g, unsigned char **dst);

/*
 * Take n bytes just placed at grpc_room's pointer (0: the peer closed).
 * Returns 0 while the response is incomplete (answers to SETTINGS and
 * PING may wait in g->out), 1 when g->ok and g->why hold the result.
 */
int grpc_input(struct grpc *g, size_t n);

/* Bytes waiting in g->out to be sent. */
bool grpc_want_write(const struct grpc *g);

/*
 * One turn on the connected, non-blocking socket fd after poll said ev:
 * read once, max bytes at most (when ev has POLLIN, POLLHUP or POLLERR),
 * then send what waits. Returns 0 in progress, 1 with the result in g, -1
 * with *err on a socket error.
 */
int grpc_io(struct grpc *g, int fd, short ev, size_t max, int *err);

#endif
