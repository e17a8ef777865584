/* http.c: pure HTTP/1.x request and response head parsers (see http.h). */
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "defs.h"
#include "http.h"

/* A token byte (RFC 9110 5.6.2): methods and header names. */
static bool
is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A byte of a field value or reason phrase: HTAB, SP, VCHAR, obs-text. */
static bool
is_text(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* A byte of a request target: VCHAR only (no SP, CTL, DEL or 8-bit). */
static bool
is_target(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

/* Set *r to code; the NULL every step below returns on failure. */
static const char *
fail(int *r, int code)
{
	*r = code;
	return NULL;
}

/* Length of s[0..n) without trailing SP and HTAB. */
static size_t
rtrim(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

/*
 * With last_len from a previous HTTP_PARTIAL call, tell whether the bytes
 * added since could end the head: a LF followed by CR or LF (a blank line).
 * If not, the head is still incomplete and is not parsed again.
 */
static bool
head_may_end(const char *buf, size_t len, size_t last_len)
{
	size_t i;

	if (last_len == 0 || last_len >= len)
		return true;
	for (i = last_len < 3 ? 0 : last_len - 3; i + 1 < len; i++)
		if (buf[i] == '\n' &&
		    (buf[i + 1] == '\n' || buf[i + 1] == '\r'))
			return true;
	return false;
}

/*
 * Each step below parses one piece at p, never reading at or past end. It
 * returns the byte after the piece, or NULL with *r set: HTTP_PARTIAL when
 * buf ends inside the piece, HTTP_BAD when the piece is malformed.
 */

/* One byte c. */
static const char *
parse_char(const char *p, const char *end, char c, int *r)
{
	if (p == end)
		return fail(r, HTTP_PARTIAL);
	if (*p != c)
		return fail(r, HTTP_BAD);
	return p + 1;
}

/* A line end: CRLF or a bare LF. A CR alone is malformed. */
static const char *
parse_eol(const char *p, const char *end, int *r)
{
	if (p == end)
		return fail(r, HTTP_PARTIAL);
	if (*p == '\r' && ++p == end)
		return fail(r, HTTP_PARTIAL);
	return parse_char(p, end, '\n', r);
}

/* A non-empty token; what follows it must be checked by the caller. */
static const char *
parse_token(const char *p, const char *end, int *r)
{
	const char *s = p;

	while (p < end && is_tchar((unsigned char)*p))
		p++;
	if (p == end)
		return fail(r, HTTP_PARTIAL);
	if (p == s)
		return fail(r, HTTP_BAD);
	return p;
}

/* Text up to the line end (not included), which the caller parses. */
static const char *
parse_text(const char *p, const char *end, int *r)
{
	while (p < end && is_text((unsigned char)*p))
		p++;
	if (p == end)
		return fail(r, HTTP_PARTIAL);
	return p;
}

/* "HTTP/1.0" or "HTTP/1.1"; the minor version goes to *minor. */
static const char *
parse_version(const char *p, const char *end, int *minor, int *r)
{
	static const char v[] = "HTTP/1.";
	size_t i;

	for (i = 0; i < sizeof(v) - 1; i++)
		if ((p = parse_char(p, end, v[i], r)) == NULL)
			return NULL;
	if (p == end)
		return fail(r, HTTP_PARTIAL);
	if (*p != '0' && *p != '1')
		return fail(r, HTTP_BAD);
	*minor = *p - '0';
	return p + 1;
}

/* A three-digit status code, 100..999. */
WARD_COLD static const char *
parse_status(const char *p, const char *end, int *status, int *r)
{
	int i;

	*status = 0;
	for (i = 0; i < 3; i++, p++) {
		if (p == end)
			return fail(r, HTTP_PARTIAL);
		if (*p < '0' || *p > '9' || (i == 0 && *p == '0'))
			return fail(r, HTTP_BAD);
		*status = *status * 10 + (*p - '0');
	}
	return p;
}

/* One "Name: value" line; the value loses its surrounding SP and HTAB. */
static const char *
parse_header(const char *p, const char *end, struct http_header *h, int *r)
{
	const char *s = p;

	if ((p = parse_token(p, end, r)) == NULL)
		return NULL;
	h->name = s;
	h->name_len = (size_t)(p - s);
	if ((p = parse_char(p, end, ':', r)) == NULL)
		return NULL;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	s = p;
	if ((p = parse_text(p, end, r)) == NULL)
		return NULL;
	h->value = s;
	h->value_len = rtrim(s, (size_t)(p - s));
	return parse_eol(p, end, r);
}

/*
 * Header lines up to and including the blank line. A line that is not the
 * blank one after HTTP_MAX_HEADERS headers is HTTP_TOO_MANY at once: its
 * first byte is enough to know. A line folded onto the previous one (it
 * starts with SP or HTAB) is malformed (RFC 9112 5.2 allows rejecting it).
 */
static const char *
parse_headers(const char *p, const char *end, struct http_header *h, size_t *n,
              int *r)
{
	for (*n = 0;; (*n)++) {
		if (p == end)
			return fail(r, HTTP_PARTIAL);
		if (*p == '\r' || *p == '\n')
			return parse_eol(p, end, r);
		if (*n == HTTP_MAX_HEADERS)
			return fail(r, HTTP_TOO_MANY);
		if ((p = parse_header(p, end, &h[*n], r)) == NULL)
			return NULL;
	}
}

WARD_COLD int
http_parse_response(const char *buf, size_t len, size_t last_len,
                    struct http_resp *out)
{
	const char *p = buf, *end, *s;
	int r, status;

	if (!head_may_end(buf, len, last_len))
		return HTTP_PARTIAL;
	memset(out, 0, sizeof(*out));
	if (len == 0)
		return HTTP_PARTIAL;
	end = buf + (len > INT_MAX ? INT_MAX : len);
	if ((p = parse_version(p, end, &out->minor_version, &r)) == NULL ||
	    (p = parse_char(p, end, ' ', &r)) == NULL ||
	    (p = parse_status(p, end, &status, &r)) == NULL)
		return r;
	if (p == end)
		return HTTP_PARTIAL;
	s = p;
	if (*p == ' ') {
		s = p + 1;
		if ((p = parse_text(s, end, &r)) == NULL)
			return r;
	}
	out->reason = s;
	out->reason_len = rtrim(s, (size_t)(p - s));
	if ((p = parse_eol(p, end, &r)) == NULL)
		return r;
	out->status = status;
	if ((p = parse_headers(p, end, out->headers, &out->num_headers, &r)) ==
	    NULL)
		return r;
	return (int)(p - buf);
}

int
http_parse_request(const char *buf, size_t len, size_t last_len,
                   struct http_req *out)
{
	const char *p = buf, *end, *s;
	int r;

	if (!head_may_end(buf, len, last_len))
		return HTTP_PARTIAL;
	memset(out, 0, sizeof(*out));
	if (len == 0)
		return HTTP_PARTIAL;
	end = buf + (len > INT_MAX ? INT_MAX : len);
	if ((p = parse_token(p, end, &r)) == NULL)
		return r;
	out->method = buf;
	out->method_len = (size_t)(p - buf);
	if ((p = parse_char(p, end, ' ', &r)) == NULL)
		return r;
	for (s = p; p < end && is_target((unsigned char)*p); p++)
		;
	if (p == s && p < end)
		return HTTP_BAD;
	out->path = s;
	out->path_len = (size_t)(p - s);
	if ((p = parse_char(p, end, ' ', &r)) == NULL ||
	    (p = parse_version(p, end, &out->minor_version, &r)) == NULL ||
	    (p = parse_eol(p, end, &r)) == NULL ||
	    (p = parse_headers(p, end, out->headers, &out->num_headers, &r)) ==
	        NULL)
		return r;
	return (int)(p - buf);
}
