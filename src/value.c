/* value.c: parse and name option values (signals, durations, sizes). */
#include "value.h"
#include "fmt.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "defs.h"

#define RTMIN 34 /* SIGRTMIN as glibc, kill(1) and Docker number it */
#define RTMAX 64

/* Names inline, not pointers: half the bytes of the table. */
static const struct {
	char name[7];
	unsigned char num;
} signames[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},       {"QUIT", SIGQUIT},
    {"ILL", SIGILL},       {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},
    {"IOT", SIGIOT},       {"BUS", SIGBUS},       {"FPE", SIGFPE},
    {"KILL", SIGKILL},     {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},
    {"TERM", SIGTERM},     {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},
    {"CLD", SIGCHLD},      {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},
    {"URG", SIGURG},       {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},     {"WINCH", SIGWINCH},
    {"IO", SIGIO},         {"POLL", SIGPOLL},     {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

int64_t
value_uint(const char *s, size_t len, int64_t max)
{
	int64_t v = 0;
	size_t i;

	if (len == 0 || len > 18)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v > max ? -1 : v;
}

WARD_COLD static int
rt_signal(const char *s, size_t len)
{
	int base;
	int64_t off;

	if (len >= 5 && strncasecmp(s, "RTMIN", 5) == 0)
		base = RTMIN;
	else if (len >= 5 && strncasecmp(s, "RTMAX", 5) == 0)
		base = RTMAX;
	else
		return -1;
	if (len == 5)
		return base;
	if ((s[5] != '+' && s[5] != '-') ||
	    (off = value_uint(s + 6, len - 6, RTMAX)) < 0)
		return -1;
	base += s[5] == '+' ? (int)off : -(int)off;
	return base >= RTMIN && base <= RTMAX ? base : -1;
}

WARD_COLD int
value_signal(const char *s, size_t len)
{
	int64_t n;
	size_t i;

	if ((n = value_uint(s, len, RTMAX)) >= 0)
		return n >= 1 ? (int)n : -1;
	if (len > 3 && strncasecmp(s, "SIG", 3) == 0) {
		s += 3;
		len -= 3;
	}
	for (i = 0; i < sizeof(signames) / sizeof(signames[0]); i++)
		if (strlen(signames[i].name) == len &&
		    strncasecmp(s, signames[i].name, len) == 0)
			return signames[i].num;
	return rt_signal(s, len);
}

const char *
value_signame(int n, char *buf, size_t size)
{
	size_t i;

	for (i = 0; i < sizeof(signames) / sizeof(signames[0]); i++)
		if (signames[i].num == n) {
			fmt_snprintf(buf, size, "SIG%s", signames[i].name);
			return buf;
		}
	if (n >= RTMIN && n <= RTMAX)
		fmt_snprintf(buf, size, "SIGRTMIN+%d", n - RTMIN);
	else
		fmt_snprintf(buf, size, "signal %d", n);
	return buf;
}

/* Split "123unit" into a number and a unit; the unit may be empty. */
WARD_COLD static int64_t
split_unit(const char *s, size_t len, const char **unit, size_t *ulen)
{
	size_t i = 0;

	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	*unit = s + i;
	*ulen = len - i;
	return value_uint(s, i, INT64_C(1) << 40);
}

WARD_COLD int64_t
value_duration(const char *s, size_t len)
{
	static const struct {
		const char *u;
		int64_t ms;
	} units[] = {
	    {"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
	const char *u;
	size_t ulen;
	size_t i;
	int64_t v = split_unit(s, len, &u, &ulen);

	if (v < 0)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].u) == ulen &&
		    memcmp(u, units[i].u, ulen) == 0)
			return v * units[i].ms;
	return -1;
}

WARD_COLD int64_t
value_size(const char *s, size_t len)
{
	const char *u;
	size_t ulen;
	int64_t v = split_unit(s, len, &u, &ulen);
	int shift;

	if (v < 0 || ulen > 1)
		return -1;
	if (ulen == 0)
		return v;
	switch (*u) {
	case 'K':
	case 'k':
		shift = 10;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'G':
	case 'g':
		shift = 30;
		break;
	default:
		return -1;
	}
	return v > (INT64_MAX >> shift) ? -1 : v << shift;
}

WARD_COLD int
value_bool(const char *s)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"", "0", "false", "no", "off"};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -1;
}
