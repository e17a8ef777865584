/*
 * http.h: pure HTTP/1.x request and response head parsers.
 *
 * Contract (picohttpparser-style): the parsers read at most len bytes of
 * buf, do no I/O and no allocation, and fill *out with pointer+length pairs
 * into buf. last_len is the length of buf at the previous call for the same
 * message (0 the first time), a hint that lets a parser skip what it saw:
 * when the bytes added since cannot end the head, the call returns
 * HTTP_PARTIAL at once and leaves *out as it was.
 * Return: bytes consumed up to and including the blank line ending the
 * head (> 0); HTTP_PARTIAL (-2) when more bytes are needed; HTTP_BAD (-1)
 * for a malformed head (NUL, CTL or DEL bytes, a bad request or status
 * line, a bad header); HTTP_TOO_MANY (-3) for more than HTTP_MAX_HEADERS
 * headers. Lines end in CRLF or a bare LF.
 *
 * Errors are found as early as the bytes allow: with last_len 0, the result
 * for a prefix of a message is HTTP_PARTIAL or the result for the whole.
 * Accepted: HTTP/1.0 and HTTP/1.1 only; single SP separators; a status of
 * three digits 100..999 with the reason phrase optional ("HTTP/1.1 200",
 * "HTTP/1.1 200 "); a request target of visible ASCII; header names that
 * are tokens followed at once by ':'; values of HTAB, SP, visible ASCII
 * and bytes >= 0x80. Folded header lines (obs-fold) are malformed.
 *
 * http_parse_response, called with last_len 0, sets out->status as soon as
 * the status line is complete, whatever it returns (0 before), and on
 * HTTP_TOO_MANY out->headers holds the first HTTP_MAX_HEADERS headers:
 * the probe still learns the status of a head too large to keep.
 */
#ifndef WARD_HTTP_H
#define WARD_HTTP_H

#include <stddef.h>

#include "defs.h"

#define HTTP_BAD (-1)
#define HTTP_PARTIAL (-2)
#define HTTP_TOO_MANY (-3)

struct http_header {
	const char *name;  /* header name, as sent */
	size_t name_len;   /* its length */
	const char *value; /* value, without surrounding spaces */
	size_t value_len;  /* its length */
};

struct http_resp {
	int minor_version;  /* 0 or 1 of HTTP/1.x */
	int status;         /* 100..999 */
	const char *reason; /* reason phrase, may be empty */
	size_t reason_len;  /* its length */
	struct http_header headers[HTTP_MAX_HEADERS]; /* the headers */
	size_t num_headers;                           /* how many */
};

struct http_req {
	const char *method; /* "GET", ... */
	size_t method_len;  /* its length */
	const char *path;   /* request target, query included */
	size_t path_len;    /* its length */
	int minor_version;  /* 0 or 1 of HTTP/1.x */
	struct http_header headers[HTTP_MAX_HEADERS]; /* the headers */
	size_t num_headers;                           /* how many */
};

int http_parse_response(const char *buf, size_t len, size_t last_len,
                        struct http_resp *out);
int http_parse_request(const char *buf, size_t len, size_t last_len,
                       struct http_req *out);

#endif
