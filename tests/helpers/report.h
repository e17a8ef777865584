/* report.h: how the test helpers tell a test what happened: lines written
 * to a report file with write(2) alone, so signal handlers may use it. */
#ifndef WARD_TEST_REPORT_H
#define WARD_TEST_REPORT_H

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Write s[0..n) to fd, retrying on EINTR; give up on any other error. */
static inline void
report_writen(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t r = write(fd, s, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		s += r;
		n -= (size_t)r;
	}
}

/* Write the string s to fd. */
static inline void
report_write(int fd, const char *s)
{
	report_writen(fd, s, strlen(s));
}

#endif
