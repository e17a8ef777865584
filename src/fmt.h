/* fmt.h: a small snprintf for ward's messages (no floating point, no locale).
 */
#ifndef WARD_FMT_H
#define WARD_FMT_H

#include <stdarg.h>
#include <stddef.h>

/*
 * snprintf and vsnprintf for the conversions ward uses: %d %i %u %x %c %s
 * %%, the length modifiers l, ll and z, a width with the 0 and - flags, and
 * a precision for %s ("%.*s"). Same return as C: the length the whole
 * output would have; buf always ends in NUL when size > 0. An unknown
 * conversion character is copied without its '%'. (libc's printf brings its
 * floating point formatter into the static binary: 10 KB of ward's 64 KiB
 * budget.)
 */
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
