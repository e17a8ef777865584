/* test_value.c: unit tests of the option value syntaxes (src/value.c). */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "guard.h"
#include "value.h"

/* Each parser gets its input right before a PROT_NONE page, unterminated. */
static int
sig(const char *s)
{
	size_t n = strlen(s);

	return value_signal(guard_copy(s, n), n);
}

static int64_t
dur(const char *s)
{
	size_t n = strlen(s);

	return value_duration(guard_copy(s, n), n);
}

static int64_t
size(const char *s)
{
	size_t n = strlen(s);

	return value_size(guard_copy(s, n), n);
}

static int64_t
uint_max(const char *s, int64_t max)
{
	size_t n = strlen(s);

	return value_uint(guard_copy(s, n), n, max);
}

Test(value, signal_names)
{
	static const struct {
		const char *s;
		int n;
	} t[] = {
	    {"HUP", SIGHUP},
	    {"INT", SIGINT},
	    {"QUIT", SIGQUIT},
	    {"ILL", SIGILL},
	    {"TRAP", SIGTRAP},
	    {"ABRT", SIGABRT},
	    {"IOT", SIGABRT},
	    {"BUS", SIGBUS},
	    {"FPE", SIGFPE},
	    {"KILL", SIGKILL},
	    {"USR1", SIGUSR1},
	    {"SEGV", SIGSEGV},
	    {"USR2", SIGUSR2},
	    {"PIPE", SIGPIPE},
	    {"ALRM", SIGALRM},
	    {"TERM", SIGTERM},
	    {"STKFLT", SIGSTKFLT},
	    {"CHLD", SIGCHLD},
	    {"CONT", SIGCONT},
	    {"STOP", SIGSTOP},
	    {"TSTP", SIGTSTP},
	    {"TTIN", SIGTTIN},
	    {"TTOU", SIGTTOU},
	    {"URG", SIGURG},
	    {"XCPU", SIGXCPU},
	    {"XFSZ", SIGXFSZ},
	    {"VTALRM", SIGVTALRM},
	    {"PROF", SIGPROF},
	    {"WINCH", SIGWINCH},
	    {"IO", SIGIO},
	    {"PWR", SIGPWR},
	    {"SYS", SIGSYS},
	    {"TERM", 15},
	    {"SIGTERM", 15},
	    {"term", 15},
	    {"sigterm", 15},
	    {"SigTerm", 15},
	    {"SIGWINCH", 28},
	    {"SIGKILL", 9},
	    {"15", 15},
	    {"1", 1},
	    {"9", 9},
	    {"64", 64},
	    {"32", 32},
	    {"015", 15},
	    {"RTMIN", 34},
	    {"RTMIN+3", 37},
	    {"SIGRTMIN+3", 37},
	    {"rtmin+3", 37},
	    {"RTMAX", 64},
	    {"SIGRTMAX", 64},
	    {"RTMAX-1", 63},
	    {"RTMIN+30", 64},
	    {"RTMAX-30", 34},
	    {"RTMIN+0", 34},
	    {"SIGRTMIN", 34},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		cr_expect_eq(sig(t[i].s), t[i].n,
		             "value_signal(\"%s\") = %d, "
		             "want %d",
		             t[i].s, sig(t[i].s), t[i].n);
}

Test(value, signal_bad)
{
	static const char *const bad[] = {
	    "",         "0",
	    "65",       "100",
	    "FOO",      "SIGFOO",
	    "SIG",      "S",
	    "RTMIN+40", "RTMIN+31",
	    "RTMIN-1",  "RTMAX+1",
	    "RTMAX-31", "RTMIN+",
	    "RTMIN3",   "RTMINX",
	    "RTM",      "TERM ",
	    " TERM",    "15x",
	    "+15",      "-15",
	    "1.5",      "SIGSIGTERM",
	    "TERMX",    "99999999999999999999",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(sig(bad[i]), -1,
		             "value_signal(\"%s\") = %d, "
		             "want -1",
		             bad[i], sig(bad[i]));
}

Test(value, signal_reads_only_len_bytes)
{
	cr_assert_eq(value_signal("TERMINATE", 4), SIGTERM);
	cr_assert_eq(value_signal("15,2", 2), 15);
	cr_assert_eq(value_signal("RTMIN+3,TERM", 7), 37);
	cr_assert_eq(value_signal("HUP:0", 3), SIGHUP);
}

Test(value, signame_known)
{
	char buf[32];

	cr_assert_str_eq(value_signame(SIGTERM, buf, sizeof(buf)), "SIGTERM");
	cr_assert_str_eq(value_signame(SIGHUP, buf, sizeof(buf)), "SIGHUP");
	cr_assert_str_eq(value_signame(SIGKILL, buf, sizeof(buf)), "SIGKILL");
	cr_assert_str_eq(value_signame(SIGABRT, buf, sizeof(buf)), "SIGABRT");
	cr_assert_str_eq(value_signame(SIGCHLD, buf, sizeof(buf)), "SIGCHLD");
	cr_assert_str_eq(value_signame(SIGIO, buf, sizeof(buf)), "SIGIO");
	cr_assert_str_eq(value_signame(SIGSYS, buf, sizeof(buf)), "SIGSYS");
	cr_assert_str_eq(value_signame(37, buf, sizeof(buf)), "SIGRTMIN+3");
	cr_assert_str_eq(value_signame(34, buf, sizeof(buf)), "SIGRTMIN+0");
	cr_assert_str_eq(value_signame(64, buf, sizeof(buf)), "SIGRTMIN+30");
	/* 32 and 33 belong to the C library's threads: no name. */
	cr_assert_str_eq(value_signame(32, buf, sizeof(buf)), "signal 32");
	cr_assert_str_eq(value_signame(33, buf, sizeof(buf)), "signal 33");
	cr_assert_str_eq(value_signame(0, buf, sizeof(buf)), "signal 0");
	cr_assert_str_eq(value_signame(65, buf, sizeof(buf)), "signal 65");
}

Test(value, signame_returns_buf_and_truncates)
{
	char buf[8];

	memset(buf, 'Z', sizeof(buf));
	cr_assert_eq(value_signame(SIGTERM, buf, 4), buf);
	cr_assert_str_eq(buf, "SIG");
	cr_assert_eq(buf[4], 'Z');
	cr_assert_str_eq(value_signame(37, buf, sizeof(buf)), "SIGRTMI");
}

/* Every signal with a name parses back to itself. */
Test(value, signame_round_trips)
{
	char buf[32];
	int n;

	for (n = 1; n <= 64; n++) {
		if (n == 32 || n == 33)
			continue;
		value_signame(n, buf, sizeof(buf));
		cr_expect_eq(sig(buf), n, "%d -> \"%s\" -> %d", n, buf,
		             sig(buf));
		cr_expect_eq(sig(buf + 3), n, "%d -> \"%s\" -> %d", n, buf + 3,
		             sig(buf + 3));
	}
}

Test(value, signal_numbers_1_to_64)
{
	char buf[8];
	int n;

	for (n = 1; n <= 64; n++) {
		snprintf(buf, sizeof(buf), "%d", n);
		cr_expect_eq(sig(buf), n, "\"%s\"", buf);
	}
}

Test(value, durations)
{
	cr_assert_eq(dur("500ms"), 500);
	cr_assert_eq(dur("5s"), 5000);
	cr_assert_eq(dur("2m"), 120000);
	cr_assert_eq(dur("1h"), 3600000);
	cr_assert_eq(dur("7"), 7000);
	cr_assert_eq(dur("0"), 0);
	cr_assert_eq(dur("0ms"), 0);
	cr_assert_eq(dur("0s"), 0);
	cr_assert_eq(dur("1ms"), 1);
	cr_assert_eq(dur("007s"), 7000);
	cr_assert_eq(dur("90m"), 5400000);
	cr_assert_eq(dur("48h"), 172800000);
	cr_assert_eq(dur("1099511627776ms"), INT64_C(1099511627776));
	cr_assert_eq(dur("1099511627776h"), INT64_C(1099511627776) * 3600000);
}

Test(value, durations_bad)
{
	static const char *const bad[] = {
	    "",
	    "5x",
	    "-1",
	    "1.5s",
	    "s",
	    "ms",
	    "h",
	    "5 s",
	    " 5s",
	    "5s ",
	    "5sec",
	    "5ms5",
	    "5hh",
	    "+5",
	    "5S",
	    "5MS",
	    "5d",
	    "5us",
	    "5ns",
	    "1e3",
	    "0x10",
	    "5m5s",
	    "s5",
	    "--5s",
	    "5,5s",
	    "99999999999999999999",
	    "99999999999999999999ms",
	    "1099511627777ms",
	    "9223372036854775807",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(dur(bad[i]), -1, "value_duration(\"%s\") = %lld",
		             bad[i], (long long)dur(bad[i]));
}

Test(value, duration_reads_only_len_bytes)
{
	cr_assert_eq(value_duration("5s0", 2), 5000);
	cr_assert_eq(value_duration("5msX", 3), 5);
	cr_assert_eq(value_duration("12", 1), 1000);
	cr_assert_eq(value_duration("5s", 0), -1);
}

Test(value, sizes)
{
	cr_assert_eq(size("4096"), 4096);
	cr_assert_eq(size("0"), 0);
	cr_assert_eq(size("1"), 1);
	cr_assert_eq(size("1K"), 1024);
	cr_assert_eq(size("64K"), 65536);
	cr_assert_eq(size("64M"), INT64_C(64) << 20);
	cr_assert_eq(size("1M"), 1048576);
	cr_assert_eq(size("1G"), INT64_C(1) << 30);
	cr_assert_eq(size("16G"), INT64_C(16) << 30);
	cr_assert_eq(size("0G"), 0);
	cr_assert_eq(size("4294967296"), INT64_C(1) << 32);
	cr_assert_eq(size("1048576M"), INT64_C(1) << 40);
	cr_assert_eq(size("4194304K"), INT64_C(1) << 32);
	cr_assert_eq(size("4294967296G"), INT64_C(1) << 62);
}

Test(value, sizes_bad)
{
	static const char *const bad[] = {
	    "",
	    "64X",
	    "1KB",
	    "1KiB",
	    "-1",
	    "1.5G",
	    "M",
	    "K",
	    "1T",
	    "1 M",
	    " 1M",
	    "1M ",
	    "+1M",
	    "M1",
	    "1MM",
	    "0x10",
	    "99999999999999999999",
	    "1099511627777",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(size(bad[i]), -1, "value_size(\"%s\") = %lld",
		             bad[i], (long long)size(bad[i]));
}

/* A tmpfs of 8 GiB or 1 TiB written in bytes is as valid as "8G". */
Test(value, size_large_byte_counts)
{
	cr_expect_eq(size("8589934592"), INT64_C(8) << 30,
	             "8 GiB in bytes: %lld", (long long)size("8589934592"));
	cr_expect_eq(size("1099511627776"), INT64_C(1) << 40,
	             "1 TiB in bytes: %lld", (long long)size("1099511627776"));
	cr_expect_eq(size("8388608K"), INT64_C(8) << 30, "8 GiB in K: %lld",
	             (long long)size("8388608K"));
}

/*
 * A size whose product does not fit in int64_t is malformed, not wrapped:
 * 2^34 G is 2^64 bytes, which a 64-bit shift turns into 0 ("no minimum"),
 * and 2^33 G into a negative number.
 */
Test(value, size_overflow_is_malformed)
{
	cr_expect_eq(size("8589934592G"), -1, "2^33 G = %lld",
	             (long long)size("8589934592G"));
	cr_expect_eq(size("17179869184G"), -1, "2^34 G = %lld",
	             (long long)size("17179869184G"));
	cr_expect_eq(size("17179869185G"), -1, "2^34+1 G = %lld",
	             (long long)size("17179869185G"));
	cr_expect_eq(size("1099511627776G"), -1, "2^40 G = %lld",
	             (long long)size("1099511627776G"));
}

Test(value, size_reads_only_len_bytes)
{
	cr_assert_eq(value_size("64M,/run", 3), INT64_C(64) << 20);
	cr_assert_eq(value_size("12K", 2), 12);
}

Test(value, uint)
{
	cr_assert_eq(uint_max("0", 255), 0);
	cr_assert_eq(uint_max("255", 255), 255);
	cr_assert_eq(uint_max("256", 255), -1);
	cr_assert_eq(uint_max("143", 255), 143);
	cr_assert_eq(uint_max("", 255), -1);
	cr_assert_eq(uint_max("1a", 255), -1);
	cr_assert_eq(uint_max("-1", 255), -1);
	cr_assert_eq(uint_max(" 1", 255), -1);
	cr_assert_eq(uint_max("999999999999999999", INT64_MAX),
	             INT64_C(999999999999999999));
	cr_assert_eq(uint_max("9999999999999999999", INT64_MAX), -1);
}

Test(value, booleans)
{
	cr_assert_eq(value_bool("1"), 1);
	cr_assert_eq(value_bool("true"), 1);
	cr_assert_eq(value_bool("yes"), 1);
	cr_assert_eq(value_bool("TRUE"), 1);
	cr_assert_eq(value_bool("Yes"), 1);
	cr_assert_eq(value_bool("0"), 0);
	cr_assert_eq(value_bool("false"), 0);
	cr_assert_eq(value_bool("no"), 0);
	cr_assert_eq(value_bool("FALSE"), 0);
	cr_assert_eq(value_bool(""), 0);
	cr_assert_eq(value_bool("2"), -1);
	cr_assert_eq(value_bool("maybe"), -1);
	cr_assert_eq(value_bool("y"), -1);
	cr_assert_eq(value_bool("n"), -1);
	cr_assert_eq(value_bool(" "), -1);
	cr_assert_eq(value_bool("1 "), -1);
	cr_assert_eq(value_bool("yess"), -1);
	cr_assert_eq(value_bool("10"), -1);
}
