/* fmt.c: a small snprintf for ward's messages (no floating point, no locale).
 */
#include "fmt.h"

#include <stdint.h>
#include <string.h>

/* Output being written: bytes beyond the buffer are only counted. */
struct sink {
	char *buf;   /* destination */
	size_t size; /* its size */
	size_t len;  /* bytes the full output has so far */
};

static void
put(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void
put_field(struct sink *s, const char *p, size_t n, int width, int left,
          char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (pad == '0' && n > 0 && *p == '-') {
		put(s, *p++);
		n--;
	}
	while (!left && fill-- > 0)
		put(s, pad);
	while (n-- > 0)
		put(s, *p++);
	while (left && fill-- > 0)
		put(s, ' ');
}

/* Digits of v in base into the end of tmp; returns where they start. */
static char *
digits(char *end, uint64_t v, unsigned base, int neg)
{
	char *p = end;

	do {
		*--p = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		*--p = '-';
	return p;
}

/* One integer conversion with length modifier len (0, 'l', 'L', 'z'). */
static char *
conv_int(char *end, char conv, int len, va_list *ap)
{
	int64_t v;
	uint64_t u;

	if (conv == 'd' || conv == 'i') {
		if (len == 'L')
			v = va_arg(*ap, long long);
		else if (len == 'l' || len == 'z')
			v = va_arg(*ap, long);
		else
			v = va_arg(*ap, int);
		return digits(end, v < 0 ? -(uint64_t)v : (uint64_t)v, 10,
		              v < 0);
	}
	if (len == 'L')
		u = va_arg(*ap, unsigned long long);
	else if (len == 'l' || len == 'z')
		u = va_arg(*ap, unsigned long);
	else
		u = va_arg(*ap, unsigned);
	return digits(end, u, conv == 'x' ? 16 : 10, 0);
}

int
fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = {buf, size, 0};
	char tmp[24];
	const char *p;
	int width, prec, left, len;
	char pad;
	va_list aq;

	va_copy(aq, ap);
	for (; *fmt; fmt++) {
		if (*fmt != '%' || !fmt[1]) {
			put(&s, *fmt);
			continue;
		}
		left = fmt[1] == '-';
		fmt += left;
		pad = fmt[1] == '0' ? '0' : ' ';
		for (width = 0; fmt[1] >= '0' && fmt[1] <= '9'; fmt++)
			width = width * 10 + (fmt[1] - '0');
		prec = -1;
		if (fmt[1] == '.' && fmt[2] == '*') {
			prec = va_arg(aq, int);
			fmt += 2;
		} else if (fmt[1] == '.') {
			for (prec = 0, fmt++; fmt[1] >= '0' && fmt[1] <= '9';
			     fmt++)
				prec = prec * 10 + (fmt[1] - '0');
		}
		len = 0;
		if (fmt[1] == 'z' || fmt[1] == 'l')
			len = (unsigned char)*++fmt;
		if (len == 'l' && fmt[1] == 'l') {
			len = 'L';
			fmt++;
		}
		switch (*++fmt) {
		case 's':
			p = va_arg(aq, const char *);
			if (!p)
				p = "(null)";
			put_field(&s, p,
			          prec >= 0 ? strnlen(p, (size_t)prec)
			                    : strlen(p),
			          width, left, ' ');
			break;
		case 'c':
			tmp[0] = (char)va_arg(aq, int);
			put_field(&s, tmp, 1, width, left, ' ');
			break;
		case 'd':
		case 'i':
		case 'u':
		case 'x':
			p = conv_int(tmp + sizeof(tmp), *fmt, len, &aq);
			put_field(&s, p, (size_t)(tmp + sizeof(tmp) - p), width,
			          left, left ? ' ' : pad);
			break;
		default:
			put(&s, *fmt);
		}
	}
	va_end(aq);
	if (size > 0)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int
fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
