/* log.h: one line per message on stderr, "ward: " first, never blocking. */
#ifndef WARD_LOG_H
#define WARD_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_ERROR = -1, /* -q: only errors */
	LOG_LVL_NOTICE = 0, /* default: warnings, errors, the exit line */
	LOG_LVL_INFO = 1,   /* -v */
	LOG_LVL_DEBUG = 2   /* -vv */
};

void log_init(int verbosity);
/* How to write stderr from the loop on: a pipe of its own, non-blocking
 * (lines that do not fit are dropped and counted), a socket, or poll. */
void log_open(void);
int log_verbosity(void);
unsigned long log_dropped(void);
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatal(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
_Noreturn void fatalx(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
