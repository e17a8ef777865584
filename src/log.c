/* log.c: "ward: " lines on stderr that never block PID 1. */
#include "log.h"
#include "fmt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "defs.h"

/*
 * The only file-static state of ward (STYLE.md 4): the verbosity, the fd
 * lines go to, how they are written, and how many were dropped.
 */
static struct {
	int verbosity;         /* enum log_level */
	int fd;                /* where lines go */
	int how;               /* LOG_WRITE, LOG_SEND, LOG_POLL or LOG_DEAD */
	unsigned long dropped; /* lines dropped on a full stderr */
} lg = {0, 2, 0, 0};

enum {
	LOG_WRITE, /* own non-blocking description, or a regular file */
	LOG_SEND,  /* a socket: send(MSG_DONTWAIT) */
	LOG_POLL,  /* a tty or other: write only when poll says it fits */
	LOG_DEAD   /* the reader is gone (EPIPE): drop every line */
};

/*
 * fstat(2) of fd 2. Where the kernel's struct stat is libc's (x86_64,
 * aarch64), the system call itself: musl's fstat goes through fstatat and
 * its conversions, 546 bytes of the static binary.
 */
WARD_COLD static int
log_fstat(struct stat *st)
{
#if (defined(__x86_64__) || defined(__aarch64__)) && defined(SYS_fstat)
	return (int)syscall(SYS_fstat, 2, st);
#else
	return fstat(2, st);
#endif
}

WARD_COLD void
log_init(int verbosity)
{
	lg.verbosity = verbosity;
}

/*
 * Pick a way to write stderr that cannot block. O_NONBLOCK on fd 2 itself
 * would change the file description the child shares, so a pipe is opened
 * again through /proc as a description of ward's own. Only for the loop:
 * a one-shot ward --check does without (three system calls less).
 */
WARD_COLD void
log_open(void)
{
	struct stat st;
	int fd;

	if (lg.fd != 2 || lg.how != LOG_WRITE || log_fstat(&st) < 0)
		return; /* already set up, or nothing to set up */
	if (S_ISSOCK(st.st_mode)) {
		lg.how = LOG_SEND;
	} else if (S_ISFIFO(st.st_mode)) {
		fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			lg.fd = fd;
			lg.how = LOG_WRITE;
		} else {
			lg.how = LOG_POLL;
		}
	} else if (!S_ISREG(st.st_mode)) {
		lg.how = LOG_POLL;
	}
}

int
log_verbosity(void)
{
	return lg.verbosity;
}

unsigned long
log_dropped(void)
{
	return lg.dropped;
}

static void
log_emit(const char *buf, size_t len)
{
	struct pollfd pfd = {lg.fd, POLLOUT, 0};
	ssize_t n;

	if (lg.how == LOG_DEAD ||
	    (lg.how == LOG_POLL &&
	     (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLOUT)))) {
		lg.dropped++;
		return;
	}
	do {
		if (lg.how == LOG_SEND)
			n = send(lg.fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		else
			n = write(lg.fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0 || (size_t)n != len)
		lg.dropped++;
	/* Nobody reads stderr any more: each write would only raise another
	 * SIGPIPE and wake the loop again. */
	if (n < 0 && errno == EPIPE)
		lg.how = LOG_DEAD;
}

/* Append at most what fits, keeping room for the newline. */
static size_t
log_fit(size_t used, int n, size_t size)
{
	if (n < 0)
		return used;
	return used + (size_t)n >= size - 1 ? size - 2 : used + (size_t)n;
}

static void
log_vline(const char *fmt, va_list ap, int err)
{
	char buf[LOG_LINE_MAX];
	size_t n;

	n = log_fit(0, fmt_snprintf(buf, sizeof(buf), "ward: "), sizeof(buf));
	n = log_fit(n, fmt_vsnprintf(buf + n, sizeof(buf) - n, fmt, ap),
	            sizeof(buf));
	if (err)
		n = log_fit(n,
		            fmt_snprintf(buf + n, sizeof(buf) - n, ": %s",
		                         strerror(err)),
		            sizeof(buf));
	buf[n++] = '\n';
	log_emit(buf, n);
}

#define LOG_BODY(min, err)                                                     \
	do {                                                                   \
		int saved = errno;                                             \
		va_list ap;                                                    \
		if (lg.verbosity >= (min)) {                                   \
			va_start(ap, fmt);                                     \
			log_vline(fmt, ap, (err));                             \
			va_end(ap);                                            \
		}                                                              \
		errno = saved;                                                 \
	} while (0)

void
log_error(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_ERROR, 0);
}

void
log_warn(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_NOTICE, errno);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_NOTICE, 0);
}

void
log_notice(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_NOTICE, 0);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_INFO, 0);
}

void
log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_LVL_DEBUG, 0);
}

WARD_COLD void
fatal(int code, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vline(fmt, ap, err);
	va_end(ap);
	exit(code);
}

WARD_COLD void
fatalx(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(fmt, ap, 0);
	va_end(ap);
	exit(code);
}
