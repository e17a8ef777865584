/* fuzz_common.h: what both HTTP parser fuzz targets check. A target defines
 * parse_one(buf, n, last_len), which parses buf[0..n) and checks what it
 * can of the result, then includes this file for the driver. */
#ifndef WARD_FUZZ_COMMON_H
#define WARD_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int parse_one(const char *buf, size_t n, size_t last_len);

/* s[0..n) lies within the head buf[0..r) and holds no CR, LF or NUL. */
static void
check_span(const char *buf, int r, const char *s, size_t n)
{
	if (n == 0)
		return;
	if (s < buf || s + n > buf + r || memchr(s, '\r', n) != NULL ||
	    memchr(s, '\n', n) != NULL || memchr(s, '\0', n) != NULL)
		abort();
}

/* The invariants of the headers of a successful parse. */
static void
check_headers(const char *buf, int r, const struct http_header *hs, size_t n,
              int minor_version)
{
	const struct http_header *h;
	size_t i;

	if (n > HTTP_MAX_HEADERS || (minor_version != 0 && minor_version != 1))
		abort();
	for (i = 0; i < n; i++) {
		h = &hs[i];
		if (h->name_len == 0 || memchr(h->name, ':', h->name_len))
			abort();
		check_span(buf, r, h->name, h->name_len);
		check_span(buf, r, h->value, h->value_len);
		if (h->value_len > 0 &&
		    (h->value[0] == ' ' || h->value[0] == '\t' ||
		     h->value[h->value_len - 1] == ' ' ||
		     h->value[h->value_len - 1] == '\t'))
			abort();
	}
}

/* Parse data[0..n) from an exact-size heap copy: ASan sees any overread. */
static int
parse(const uint8_t *data, size_t n, size_t last_len)
{
	char *buf = malloc(n ? n : 1);
	int r;

	if (buf == NULL)
		abort();
	memcpy(buf, data, n);
	r = parse_one(buf, n, last_len);
	if (r > (int)n || r == 0 || r < HTTP_TOO_MANY)
		abort();
	free(buf);
	return r;
}

/*
 * Besides not crashing: a prefix gives HTTP_PARTIAL or the result of the
 * whole (a success only once the head is complete), and the last_len hint
 * never changes a success.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size / 2;
	int r, rp, rh;

	r = parse(data, size, 0);
	rp = parse(data, n, 0);
	if (r > 0 && rp != ((size_t)r <= n ? r : HTTP_PARTIAL))
		abort();
	if (r < 0 && rp != HTTP_PARTIAL && rp != r)
		abort();
	if (rp == HTTP_PARTIAL) {
		rh = parse(data, size, n);
		if (rh != r && !(r < 0 && rh == HTTP_PARTIAL))
			abort();
	}
	return 0;
}

#endif
