/* h2.c: pure, bounded HTTP/2 frame and HPACK parser (for the gRPC probe). */
#include <stdbool.h>
#include <string.h>

#include "defs.h"
#include "h2.h"

#define H2_STATIC_MAX 61 /* entries of the HPACK static table */

/* RFC 7541 Appendix A, entries 1..61, each as "name\0value\0"; an empty
 * name is the one before. */
static const char static_table[] = ":authority\000\000"
                                   ":method\000GET\000"
                                   "\000POST\000"
                                   ":path\000/\000"
                                   "\000/index.html\000"
                                   ":scheme\000http\000"
                                   "\000https\000"
                                   ":status\000200\000"
                                   "\000204\000"
                                   "\000206\000"
                                   "\000304\000"
                                   "\000400\000"
                                   "\000404\000"
                                   "\000500\000"
                                   "accept-charset\000\000"
                                   "accept-encoding\000gzip, deflate\000"
                                   "accept-language\000\000"
                                   "accept-ranges\000\000"
                                   "accept\000\000"
                                   "access-control-allow-origin\000\000"
                                   "age\000\000"
                                   "allow\000\000"
                                   "authorization\000\000"
                                   "cache-control\000\000"
                                   "content-disposition\000\000"
                                   "content-encoding\000\000"
                                   "content-language\000\000"
                                   "content-length\000\000"
                                   "content-location\000\000"
                                   "content-range\000\000"
                                   "content-type\000\000"
                                   "cookie\000\000"
                                   "date\000\000"
                                   "etag\000\000"
                                   "expect\000\000"
                                   "expires\000\000"
                                   "from\000\000"
                                   "host\000\000"
                                   "if-match\000\000"
                                   "if-modified-since\000\000"
                                   "if-none-match\000\000"
                                   "if-range\000\000"
                                   "if-unmodified-since\000\000"
                                   "last-modified\000\000"
                                   "link\000\000"
                                   "location\000\000"
                                   "max-forwards\000\000"
                                   "proxy-authenticate\000\000"
                                   "proxy-authorization\000\000"
                                   "range\000\000"
                                   "referer\000\000"
                                   "refresh\000\000"
                                   "retry-after\000\000"
                                   "server\000\000"
                                   "set-cookie\000\000"
                                   "strict-transport-security\000\000"
                                   "transfer-encoding\000\000"
                                   "user-agent\000\000"
                                   "vary\000\000"
                                   "via\000\000"
                                   "www-authenticate\000\000";

/*
 * The Huffman code of RFC 7541 Appendix B is canonical: the codes of one
 * length are consecutive, in symbol order. The number of codes of each
 * length (5 to 30 bits) and the symbols in code order rebuild it; EOS
 * (256) is the last code and not in huff_sym.
 */
static const unsigned char huff_count[26] = {10, 26, 32, 6,  0,  5,  3, 2,  6,
                                             2,  3,  0,  0,  0,  3,  8, 13, 26,
                                             29, 12, 4,  15, 19, 29, 0, 4};
static const char huff_sym[] =
    "012aceiost %-./3456789=A_bdfghlmnpru:BCDEFGHIJKLMNOPQRSTUVWYjkqvwxyz"
    "&*,;XZ!\042()\077'+|#>\000$@[]~^}<`{\134\303\320\200\202\203\242\270"
    "\302\340\342\231\241\247\254\260\261\263\321\330\331\343\345\346\201"
    "\204\205\206\210\222\232\234\240\243\244\251\252\255\262\265\271\272"
    "\273\275\276\304\306\344\350\351\001\207\211\212\213\214\215\217\223"
    "\225\226\227\230\233\235\236\245\246\250\256\257\264\266\267\274\277"
    "\305\347\357\011\216\220\221\224\237\253\316\327\341\354\355\307\317"
    "\352\353\300\301\310\311\312\315\322\325\332\333\356\360\362\363\377"
    "\313\314\323\324\326\335\336\337\361\364\365\366\367\370\372\373\374"
    "\375\376\002\003\004\005\006\007\010\013\014\016\017\020\021\022\023"
    "\024\025\027\030\031\032\033\034\035\036\037\177\334\371\012\015\026";

WARD_COLD int
h2_parse_frame(const unsigned char *b, size_t len, size_t max,
               struct h2_frame *f)
{
	size_t n, pad = 0, skip = 0;
	unsigned t, fl;
	bool padded;

	if (len < 9)
		return H2_PARTIAL;
	n = (size_t)b[0] << 16 | (size_t)b[1] << 8 | b[2];
	if (n > max)
		return H2_TOO_LONG;
	if (len < 9 + n)
		return H2_PARTIAL;
	f->type = t = b[3];
	f->flags = fl = b[4];
	f->stream = (uint32_t)(b[5] & 0x7f) << 24 | (uint32_t)b[6] << 16 |
	            (uint32_t)b[7] << 8 | b[8];
	padded = t <= H2_HEADERS && (fl & H2_PADDED);
	skip = padded + (t == H2_HEADERS && (fl & H2_PRIO) ? 5 : 0);
	if (skip > n || (padded && (pad = b[9]) > n - skip) ||
	    (t == H2_PING && n != 8) || (t == H2_RST_STREAM && n != 4) ||
	    (t == H2_GOAWAY && n < 8) || (t == H2_SETTINGS && n % 6 != 0))
		return H2_BAD;
	f->data = b + 9 + skip;
	f->len = n - skip - pad;
	return (int)(9 + n);
}

/* An integer with an n-bit prefix (RFC 7541 5.1), at most 2^28 or so. */
WARD_COLD static int
read_int(const unsigned char **p, const unsigned char *end, unsigned n,
         uint32_t *v)
{
	unsigned max = (1u << n) - 1, shift = 0, b;

	if (*p >= end)
		return H2_BAD;
	*v = *(*p)++ & max;
	if (*v < max)
		return 0;
	do {
		if (*p >= end || shift > 21)
			return H2_BAD;
		b = *(*p)++;
		*v += (uint32_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	return 0;
}

/*
 * Decode the Huffman string s[0..n) into out[0..*size); *size becomes its
 * length. The padding must be the 0..7 high bits of EOS (RFC 7541 5.2).
 */
WARD_COLD static int
huff_decode(const unsigned char *s, size_t n, char *out, size_t *size)
{
	uint32_t code = 0, first = 0, cnt;
	unsigned len = 0, idx = 0;
	size_t i, o = 0;

	for (i = 0; i < n * 8; i++) {
		code = code << 1 | (s[i / 8] >> (7 - i % 8) & 1);
		cnt = ++len >= 5 ? huff_count[len - 5] : 0;
		if (code - first < cnt) {
			idx += code - first;
			if (idx >= 256)
				return H2_BAD; /* EOS inside a string */
			if (o >= *size)
				return H2_TOO_LONG;
			out[o++] = huff_sym[idx];
			code = first = 0;
			len = idx = 0;
			continue;
		}
		if (len >= 30)
			return H2_BAD;
		idx += cnt;
		first = (first + cnt) << 1;
	}
	if (len > 7 || code != (1u << len) - 1)
		return H2_BAD;
	*size = o;
	return 0;
}

/* A string literal at *p: raw, pointing into the block, or decoded into
 * the room left in *tmp. */
WARD_COLD static int
read_str(const unsigned char **p, const unsigned char *end, char **tmp,
         size_t *room, const char **s, size_t *n)
{
	uint32_t len;
	bool huff = *p < end && (**p & 0x80);
	int r;

	if (read_int(p, end, 7, &len) < 0 || len > (size_t)(end - *p))
		return H2_BAD;
	*s = (const char *)*p;
	*n = len;
	if (huff) {
		*n = *room;
		if ((r = huff_decode(*p, len, *tmp, n)) < 0)
			return r;
		*s = *tmp;
		*tmp += *n;
		*room -= *n;
	}
	*p += len;
	return 0;
}

/* Entry i (1..61) of the static table. */
WARD_COLD static void
static_entry(uint32_t i, struct h2_field *f)
{
	const char *s = static_table, *name = s;

	for (;;) {
		name = *s ? s : name;
		s += strlen(s) + 1;
		if (--i == 0)
			break;
		s += strlen(s) + 1;
	}
	f->name = name;
	f->name_len = strlen(name);
	f->value = s;
	f->value_len = strlen(s);
}

/* One field representation at *p (RFC 7541 6.1-6.2) into *f. */
WARD_COLD static int
read_field(const unsigned char **p, const unsigned char *end, char *tmp,
           size_t room, struct h2_field *f)
{
	unsigned c = **p;
	uint32_t idx;
	int r;

	if (read_int(p, end, c & 0x80 ? 7 : c & 0x40 ? 6 : 4, &idx) < 0)
		return H2_BAD;
	if (idx > H2_STATIC_MAX)
		return H2_DYNAMIC;
	if (c & 0x80) {
		if (idx == 0)
			return H2_BAD;
		static_entry(idx, f);
		return 0;
	}
	if (idx > 0)
		static_entry(idx, f);
	else if ((r = read_str(p, end, &tmp, &room, &f->name, &f->name_len)) <
	         0)
		return r;
	return read_str(p, end, &tmp, &room, &f->value, &f->value_len);
}

WARD_COLD int
h2_hpack_decode(const unsigned char *blk, size_t len, char *tmp,
                size_t tmp_size, int (*cb)(void *arg, const struct h2_field *f),
                void *arg)
{
	const unsigned char *p = blk, *end = blk + len;
	struct h2_field f;
	uint32_t size;
	bool first = true;
	int r;

	while (p < end) {
		if ((*p & 0xe0) == 0x20) {
			/* A table size update: only first, and only to 0. */
			if (!first || read_int(&p, end, 5, &size) < 0)
				return H2_BAD;
			if (size != 0)
				return H2_DYNAMIC;
			continue;
		}
		first = false;
		if ((r = read_field(&p, end, tmp, tmp_size, &f)) < 0 ||
		    (r = cb(arg, &f)) < 0)
			return r;
	}
	return 0;
}
