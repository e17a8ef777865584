/* fuzz_h2.c: libFuzzer target of the HTTP/2 frame and HPACK parser
 * (src/h2.c) and of the gRPC exchange that consumes it (src/grpc.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grpc.h"
#include "h2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Each decoded string lies in the block, in tmp, or is an entry of the
 * static table (a C string of that length). */
struct span {
	const unsigned char *blk; /* the block */
	size_t len;               /* its length */
	const char *tmp;          /* Huffman output */
	size_t tmp_size;          /* its size */
};

static void
check_in(const struct span *s, const char *p, size_t n)
{
	const char *b = (const char *)s->blk;

	if (p == NULL)
		abort();
	if ((p >= b && p + n <= b + s->len) ||
	    (p >= s->tmp && p + n <= s->tmp + s->tmp_size))
		return;
	if (strlen(p) != n)
		abort();
}

static int
on_field(void *arg, const struct h2_field *f)
{
	check_in(arg, f->name, f->name_len);
	check_in(arg, f->value, f->value_len);
	return 0;
}

/* Frames over the whole input: each inside it, payload inside the frame. */
static void
frames(const unsigned char *buf, size_t n)
{
	struct h2_frame f;
	size_t off = 0;
	int r;

	while ((r = h2_parse_frame(buf + off, n - off, 16384, &f)) > 0) {
		if ((size_t)r > n - off || (size_t)r < 9 || f.stream >> 31 ||
		    f.data < buf + off + 9 || f.data + f.len > buf + off + r)
			abort();
		off += (size_t)r;
	}
	if (r != H2_PARTIAL && r != H2_BAD && r != H2_TOO_LONG)
		abort();
}

/* The gRPC exchange fed the input in chunks of the first byte's size. */
static void
exchange(const unsigned char *data, size_t size)
{
	static struct grpc g;
	static struct url u = {.scheme = URL_GRPC, .host = "127.0.0.1:1"};
	size_t step = size ? data[0] % 64 + 1 : 1, i, k, room;
	unsigned char *dst;
	int r = 0;

	if (grpc_start(&g, &u) < 0)
		abort();
	for (i = 1; i < size && r == 0; i += k) {
		room = grpc_room(&g, &dst);
		k = size - i < step ? size - i : step;
		k = k < room ? k : room;
		if (k == 0)
			abort();
		memcpy(dst, data + i, k);
		r = grpc_input(&g, k);
	}
	if (r == 0)
		r = grpc_input(&g, 0); /* the peer closes */
	if (r != 1 || g.why[0] == '\0' || !memchr(g.why, '\0', sizeof(g.why)) ||
	    g.out_len > sizeof(g.out) || g.out_sent > g.out_len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf = malloc(size ? size : 1);
	char tmp[256];
	struct span s = {buf, size, tmp, sizeof(tmp)};

	if (buf == NULL)
		abort();
	memcpy(buf, data, size); /* exact size: ASan sees any overread */
	frames(buf, size);
	h2_hpack_decode(buf, size, tmp, sizeof(tmp), on_field, &s);
	free(buf);
	exchange(data, size);
	return 0;
}
