/* fuzz_http_request.c: libFuzzer target of http_parse_request. */
#include "fuzz_common.h"

static int
parse_one(const char *buf, size_t n, size_t last_len)
{
	struct http_req q;
	int r;

	memset(&q, 0, sizeof(q));
	r = http_parse_request(buf, n, last_len, &q);
	if (r <= 0)
		return r;
	if (q.method_len == 0 || q.path_len == 0)
		abort();
	check_span(buf, r, q.method, q.method_len);
	check_span(buf, r, q.path, q.path_len);
	check_headers(buf, r, q.headers, q.num_headers, q.minor_version);
	return r;
}
