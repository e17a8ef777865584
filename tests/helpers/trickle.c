/* trickle.c: a child for tests/e2e whose orphans exit one by one. */

/*
 * usage: trickle N STEP_US REPORT
 *
 * Forks N processes through a parent that exits at once, so they become
 * orphans of the init. Orphan i exits at T + 1 s + i * STEP_US, on an
 * absolute clock: a slow fork does not spread the exits further. Once the
 * orphans exist trickle appends "ready\n" to REPORT and waits for a
 * signal (SIGTERM ends it).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

static void
add_us(struct timespec *t, long long us)
{
	long long ns = t->tv_nsec + (us % 1000000) * 1000;

	t->tv_sec += (time_t)(us / 1000000 + ns / 1000000000);
	t->tv_nsec = (long)(ns % 1000000000);
}

int
main(int argc, char **argv)
{
	struct timespec t0, at;
	long n, step, i;
	pid_t mid;
	int fd;

	if (argc != 4)
		return 2;
	n = atol(argv[1]);
	step = atol(argv[2]);
	fd = open(argv[3], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || n <= 0 || step < 0)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	mid = fork();
	if (mid < 0)
		return 1;
	if (mid == 0) {
		for (i = 0; i < n; i++) {
			pid_t c = fork();

			if (c < 0)
				_exit(1);
			if (c == 0) {
				at = t0;
				add_us(&at, 1000000 + i * step);
				while (clock_nanosleep(
				    CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL))
					;
				_exit(0);
			}
		}
		_exit(0);
	}
	if (waitpid(mid, NULL, 0) != mid)
		return 1;
	report_write(fd, "ready\n");
	for (;;)
		pause();
}
