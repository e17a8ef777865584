/* h2.h: pure, bounded HTTP/2 frame and HPACK parser (for the gRPC probe). */
#ifndef WARD_H2_H
#define WARD_H2_H

#include <stddef.h>
#include <stdint.h>

/*
 * The contract, picohttpparser's: no I/O, no allocation, no state kept
 * between calls, nothing read outside buf[0..len). Outputs point into the
 * input (or into the caller's tmp for Huffman-coded strings).
 *
 * h2_parse_frame parses the one frame at the start of buf[0..len). It
 * returns the bytes the frame takes (9 + its length) when it is whole,
 * H2_PARTIAL when more bytes are needed, H2_TOO_LONG when its length is
 * over max (known from the 9-byte header alone), H2_BAD when it is
 * malformed: padding longer than the payload, a SETTINGS, PING,
 * RST_STREAM or GOAWAY of the wrong size (the sizes of the frames the
 * probe ignores, PRIORITY and WINDOW_UPDATE, are not checked). For DATA
 * and HEADERS, f->data and f->len give the payload without padding (PADDED)
 * and priority fields (PRIORITY).
 *
 * h2_hpack_decode decodes a whole header block blk[0..len) with no dynamic
 * table (the peer was sent SETTINGS_HEADER_TABLE_SIZE 0): indexed fields
 * of the static table, the three literal forms, raw and Huffman strings.
 * A table size update must be 0 and come first. Each field goes to cb;
 * Huffman strings are decoded into tmp[0..tmp_size), valid until cb
 * returns. Returns 0 when the block is done, what cb returned when it is
 * negative, H2_DYNAMIC for a dynamic-table index or a size update above
 * 0, H2_TOO_LONG when strings do not fit tmp, H2_BAD when malformed.
 */

enum h2_result {
	H2_BAD = -1,     /* malformed */
	H2_PARTIAL = -2, /* need more bytes */
	H2_DYNAMIC = -3, /* dynamic table used */
	H2_TOO_LONG = -4 /* over a bound */
};

enum h2_type {
	H2_DATA = 0x0,
	H2_HEADERS = 0x1,
	H2_PRIORITY = 0x2,
	H2_RST_STREAM = 0x3,
	H2_SETTINGS = 0x4,
	H2_PUSH_PROMISE = 0x5,
	H2_PING = 0x6,
	H2_GOAWAY = 0x7,
	H2_WINDOW_UPDATE = 0x8,
	H2_CONTINUATION = 0x9
};

#define H2_END_STREAM 0x1  /* DATA, HEADERS */
#define H2_ACK 0x1         /* SETTINGS, PING */
#define H2_END_HEADERS 0x4 /* HEADERS, CONTINUATION */
#define H2_PADDED 0x8      /* DATA, HEADERS */
#define H2_PRIO 0x20       /* HEADERS: PRIORITY flag */

struct h2_frame {
	unsigned type;             /* enum h2_type, or unknown */
	unsigned flags;            /* H2_* flags */
	uint32_t stream;           /* stream id, reserved bit cleared */
	const unsigned char *data; /* payload (DATA, HEADERS: no padding) */
	size_t len;                /* its length */
};

struct h2_field {
	const char *name;  /* lower-case for a valid peer; not NUL-ended */
	size_t name_len;   /* its length */
	const char *value; /* not NUL-ended */
	size_t value_len;  /* its length */
};

int h2_parse_frame(const unsigned char *buf, size_t len, size_t max,
                   struct h2_frame *f);

int h2_hpack_decode(const unsigned char *blk, size_t len, char *tmp,
                    size_t tmp_size,
                    int (*cb)(void *arg, const struct h2_field *f), void *arg);

#endif
