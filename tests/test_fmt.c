/* test_fmt.c: unit tests of ward's small snprintf (src/fmt.c), against the C
 * library's. */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "fmt.h"

/* Both formatters on the same arguments: same return, same bytes. */
#define SAME(...)                                                              \
	do {                                                                   \
		char a_[256];                                                  \
		char b_[256];                                                  \
		int ra_ = fmt_snprintf(a_, sizeof(a_), __VA_ARGS__);           \
		int rb_ = snprintf(b_, sizeof(b_), __VA_ARGS__);               \
		cr_expect_eq(ra_, rb_, "%s: returned %d, libc %d",             \
		             #__VA_ARGS__, ra_, rb_);                          \
		cr_expect_str_eq(a_, b_, "%s: \"%s\", libc \"%s\"",            \
		                 #__VA_ARGS__, a_, b_);                        \
	} while (0)

/*
 * Both formatters into every buffer size from 0 to the full length + 2:
 * same return, same bytes, and nothing written past size.
 */
#define SAME_TRUNC(...)                                                        \
	do {                                                                   \
		char a_[128];                                                  \
		char b_[128];                                                  \
		size_t n_;                                                     \
		size_t full_ = (size_t)snprintf(NULL, 0, __VA_ARGS__);         \
		int ra_;                                                       \
		int rb_;                                                       \
		cr_assert_lt(full_ + 3, sizeof(a_));                           \
		for (n_ = 0; n_ <= full_ + 2; n_++) {                          \
			memset(a_, 'Z', sizeof(a_));                           \
			memset(b_, 'Z', sizeof(b_));                           \
			ra_ = fmt_snprintf(a_, n_, __VA_ARGS__);               \
			rb_ = snprintf(b_, n_, __VA_ARGS__);                   \
			cr_expect_eq(ra_, rb_, "%s size %zu", #__VA_ARGS__,    \
			             n_);                                      \
			cr_expect_eq(memcmp(a_, b_, sizeof(a_)), 0,            \
			             "%s size %zu: \"%.*s\" vs \"%.*s\"",      \
			             #__VA_ARGS__, n_, (int)n_, a_, (int)n_,   \
			             b_);                                      \
		}                                                              \
	} while (0)

Test(fmt, plain_text)
{
	SAME("%s", "");
	SAME("hello");
	SAME("ward: child 12 exited");
	SAME("100%%");
	SAME("%%d");
	SAME("%%%d%%", 5);
}

Test(fmt, empty_format)
{
	char buf[4] = "xyz";

	cr_assert_eq(fmt_snprintf(buf, sizeof(buf), "%s", ""), 0);
	cr_assert_str_eq(buf, "");
}

Test(fmt, signed_ints)
{
	SAME("%d", 0);
	SAME("%d", 1);
	SAME("%d", -1);
	SAME("%d", 42);
	SAME("%d", -42);
	SAME("%d", INT_MAX);
	SAME("%d", INT_MIN);
	SAME("%i", 123);
	SAME("%i", -123);
	SAME("%i", INT_MIN);
	SAME("pid=%d!", 4194304);
}

Test(fmt, unsigned_ints)
{
	SAME("%u", 0u);
	SAME("%u", 7u);
	SAME("%u", UINT_MAX);
	SAME("%u", (unsigned)-1);
	SAME("%x", 0u);
	SAME("%x", 255u);
	SAME("%x", 0x1021994u);
	SAME("%x", UINT_MAX);
	SAME("%x", 0xdeadbeefu);
}

Test(fmt, long_modifiers)
{
	SAME("%ld", 0L);
	SAME("%ld", LONG_MAX);
	SAME("%ld", LONG_MIN);
	SAME("%ld", -1L);
	SAME("%li", -5000000000L);
	SAME("%lu", 0UL);
	SAME("%lu", ULONG_MAX);
	SAME("%lx", ULONG_MAX);
	SAME("%lx", 0x123456789abcUL);
	SAME("%lld", 0LL);
	SAME("%lld", LLONG_MAX);
	SAME("%lld", LLONG_MIN);
	SAME("%lld", -1234567890123LL);
	SAME("%llu", ULLONG_MAX);
	SAME("%llx", ULLONG_MAX);
	SAME("%llx", 0x8000000000000000ULL);
	SAME("%zu", (size_t)0);
	SAME("%zu", SIZE_MAX);
	SAME("%zu", (size_t)4096);
	SAME("%zx", (size_t)0xabc);
}

Test(fmt, chars_and_strings)
{
	SAME("%c", 'a');
	SAME("%c%c%c", 'w', 'r', 'd');
	SAME("[%c]", ' ');
	SAME("%s", "abc");
	SAME("%s", "");
	SAME("%s=%s", "key", "value");
	SAME("\"%s\"", "with \"quotes\" and \\");
	SAME("%s", "\x80\xff high bytes");
}

Test(fmt, null_string)
{
	char buf[16];

	cr_assert_eq(fmt_snprintf(buf, sizeof(buf), "%s", (char *)NULL), 6);
	cr_assert_str_eq(buf, "(null)");
}

Test(fmt, widths)
{
	SAME("%5d", 42);
	SAME("%5d", -42);
	SAME("%1d", 12345);
	SAME("%3d", -12345);
	SAME("%10u", 3000000000u);
	SAME("%8x", 0xbeefu);
	SAME("%20lld", LLONG_MIN);
	SAME("%5s", "ab");
	SAME("%5s", "abcdefg");
	SAME("%3c", 'x');
	SAME("%0d", 7);
	SAME("%12zu", (size_t)99);
}

Test(fmt, zero_flag)
{
	SAME("%05d", 42);
	SAME("%05d", -42);
	SAME("%05d", 0);
	SAME("%02d", 123);
	SAME("%03d", -1);
	SAME("%08x", 0xbeefu);
	SAME("%08x", 0u);
	SAME("%04u", 9u);
	SAME("%03lld", 7LL);
	SAME("%03lld", 999LL);
	SAME("%020ld", LONG_MIN);
	SAME("%04zu", (size_t)12);
	SAME("%lld.%03lld", 1LL, 234LL);
	SAME("%lld.%03lld", 0LL, 5LL);
	SAME("%lld.%03lld", 12LL, 0LL);
	SAME("\\u%04x", 0x1fu);
	SAME("\\u%04x", 0u);
}

Test(fmt, minus_flag)
{
	SAME("%-5d|", 42);
	SAME("%-5d|", -42);
	SAME("%-1d|", 12345);
	SAME("%-8x|", 0xabu);
	SAME("%-6s|", "ab");
	SAME("%-2s|", "abcdef");
	SAME("%-3c|", 'q');
	SAME("%-10lu|", 12345UL);
	SAME("%-12lld|", LLONG_MIN);
}

/* Formats gcc would reject at compile time are passed as variables. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* libc ignores 0 with -; gcc warns about the format, so compare by hand. */
Test(fmt, minus_and_zero)
{
	char buf[32];
	const char *f = "%-05d|";

	cr_assert_eq(fmt_snprintf(buf, sizeof(buf), f, 42), 6);
	cr_assert_str_eq(buf, "42   |");
}

#pragma GCC diagnostic pop

Test(fmt, string_precision)
{
	SAME("%.*s", 3, "abcdef");
	SAME("%.*s", 0, "abcdef");
	SAME("%.*s", 10, "abc");
	SAME("%.*s", 6, "abcdef");
	SAME("%.*s", -1, "abcdef");
	SAME("[%.*s]", 2, "");
	SAME("%.3s", "abcdef");
	SAME("%.0s", "abc");
	SAME("%.10s", "abc");
	SAME("%8.3s|", "abcdef");
	SAME("%-8.3s|", "abcdef");
	SAME("%-8.*s|", 2, "abcdef");
	SAME("'%.*s'", 5, "GET /livez HTTP/1.1");
}

/* Precision stops at n bytes: the string need not be terminated. */
Test(fmt, string_precision_reads_only_n)
{
	char buf[16];
	char raw[4] = {'a', 'b', 'c', 'd'};

	cr_assert_eq(fmt_snprintf(buf, sizeof(buf), "%.*s", 4, raw), 4);
	cr_assert_str_eq(buf, "abcd");
	cr_assert_eq(fmt_snprintf(buf, sizeof(buf), "%.*s", 2, raw), 2);
	cr_assert_str_eq(buf, "ab");
}

Test(fmt, mixed)
{
	SAME("%s: bad %s '%.*s'", "--grace", "duration", 2, "5xyz");
	SAME("HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n", 503,
	     "Service Unavailable", (size_t)5);
	SAME("%s %lu\n", "ward_zombies_reaped_total", 12345678UL);
	SAME("child %d %s", 12, "exited with status 3");
	SAME("{\"pid\": %d, \"uptime_seconds\": %lld, \"restarts\": %lu}", 7,
	     86400LL, 3UL);
	SAME("%d%s%c%u%x%ld%lu%lld%zu%%", -1, "s", 'c', 2u, 255u, -3L, 4UL,
	     -5LL, (size_t)6);
	SAME("%5d|%-5d|%05d|%5s|%-5s|", 1, 2, 3, "a", "b");
}

Test(fmt, truncation_matches_libc)
{
	SAME_TRUNC("hello, world");
	SAME_TRUNC("%d", -12345);
	SAME_TRUNC("%s/%s", "abc", "defgh");
	SAME_TRUNC("%05d|%-6s|", -42, "xy");
	SAME_TRUNC("%lld.%03lld", 12LL, 7LL);
	SAME_TRUNC("%.*s!", 3, "abcdef");
	SAME_TRUNC("%c%c", 'a', 'b');
	SAME_TRUNC("%zu bytes", (size_t)65536);
	SAME_TRUNC("%x", 0xdeadbeefu);
	SAME_TRUNC("a%cb", '\0');
}

Test(fmt, size_zero_writes_nothing)
{
	char buf[4] = {'Z', 'Z', 'Z', 'Z'};

	cr_assert_eq(fmt_snprintf(buf, 0, "%s %d", "abc", 12345), 9);
	cr_assert_eq(buf[0], 'Z');
	cr_assert_eq(fmt_snprintf(NULL, 0, "%s", "abcdef"), 6);
}

Test(fmt, size_one_is_just_nul)
{
	char buf[4] = {'Z', 'Z', 'Z', 'Z'};

	cr_assert_eq(fmt_snprintf(buf, 1, "%d", 123), 3);
	cr_assert_eq(buf[0], '\0');
	cr_assert_eq(buf[1], 'Z');
}

Test(fmt, always_nul_terminated)
{
	char buf[8];
	size_t n;

	for (n = 1; n <= sizeof(buf); n++) {
		memset(buf, 'Z', sizeof(buf));
		cr_assert_eq(fmt_snprintf(buf, n, "%s", "0123456789"), 10);
		cr_assert_eq(strlen(buf), n - 1);
		cr_assert_eq(memcmp(buf, "0123456789", n - 1), 0);
	}
}

/* The va_list form, as log.c and report.c call it. */
static int vf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
vf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

Test(fmt, vsnprintf)
{
	char buf[64];

	cr_assert_eq(vf(buf, sizeof(buf), "%s=%d %lu", "a", -7, 9UL), 6);
	cr_assert_str_eq(buf, "a=-7 9");
	cr_assert_eq(vf(buf, 4, "%05d", 12), 5);
	cr_assert_str_eq(buf, "000");
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* A % at the very end of the format is copied. */
Test(fmt, trailing_percent)
{
	char buf[8];
	const char *f = "ab%";

	cr_assert_eq(fmt_snprintf(buf, sizeof(buf), f, 0), 3);
	cr_assert_str_eq(buf, "ab%");
}

#pragma GCC diagnostic pop
