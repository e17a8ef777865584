/* usage.h: --help, --version, --license and the usage error. */
#ifndef WARD_USAGE_H
#define WARD_USAGE_H

#include <stdbool.h>

/* Print the help text on stdout. */
void usage_help(void);

/* Print the version line; tini's form when tini_name is set. */
void usage_version(bool tini_name);

/* Print the license on stdout. */
void usage_license(void);

/* Print "ward: MSG" and "Try 'ward --help'" on stderr. */
void usage_error(const char *msg);

#endif
