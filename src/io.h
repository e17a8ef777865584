/* io.h: EINTR-safe, non-blocking-aware read, write and accept. */
#ifndef WARD_IO_H
#define WARD_IO_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/*
 * Read up to n bytes. Returns > 0 bytes read, 0 when it would block, or -1
 * with errno; end of file is -1 with errno EPIPE (skalibs' convention).
 */
ssize_t io_read(int fd, void *buf, size_t n);

/* Write up to n bytes: > 0 written, 0 would block, -1 with errno. */
ssize_t io_write(int fd, const void *buf, size_t n);

/* send(2) with MSG_NOSIGNAL|MSG_DONTWAIT; same returns as io_write. */
ssize_t io_send(int fd, const void *buf, size_t n);

/* accept4 non-blocking, close-on-exec: fd, -2 would block, -1 error. */
int io_accept(int fd);

#endif
