/* value.h: the value syntaxes of options: signals, durations, sizes, booleans.
 */
#ifndef WARD_VALUE_H
#define WARD_VALUE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Signal name or number to a number 1..64: "TERM", "SIGTERM", "term", "15",
 * "RTMIN+3" (RTMIN is 34, as in glibc, kill(1) and Docker), "RTMAX-1".
 * Returns -1 if unknown.
 */
int value_signal(const char *s, size_t len);

/* Name of signal n ("SIGTERM", "SIGRTMIN+3") into buf; returns buf. */
const char *value_signame(int n, char *buf, size_t size);

/* Duration ("500ms", "5s", "2m", "1h", "7" = 7 s) in ms; -1 if malformed. */
int64_t value_duration(const char *s, size_t len);

/* Size ("64M", "1G", "4096") in bytes (K, M, G are powers of 1024); -1 if
 * malformed. */
int64_t value_size(const char *s, size_t len);

/* Unsigned decimal no larger than max; -1 if malformed. */
int64_t value_uint(const char *s, size_t len, int64_t max);

/* Boolean: 1/true/yes -> 1, 0/false/no/"" -> 0, else -1. */
int value_bool(const char *s);

#endif
