/* fuzz_http_response.c: libFuzzer target of http_parse_response. */
#include "fuzz_common.h"

static int
parse_one(const char *buf, size_t n, size_t last_len)
{
	struct http_resp q;
	int r;

	memset(&q, 0, sizeof(q));
	r = http_parse_response(buf, n, last_len, &q);
	/* The probe's fallback: a status, once known, is a valid one. */
	if (last_len == 0 && q.status != 0 &&
	    (q.status < 100 || q.status > 999))
		abort();
	if (r <= 0)
		return r;
	if (q.status < 100 || q.status > 999)
		abort();
	check_span(buf, r, q.reason, q.reason_len);
	check_headers(buf, r, q.headers, q.num_headers, q.minor_version);
	return r;
}
