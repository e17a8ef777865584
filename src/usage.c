/* usage.c: --help, --version, --license and the usage error. */
#include "usage.h"
#include "defs.h"
#include "fmt.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

WARD_COLD static void
usage_put(int fd, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;

	while (len > 0 && (n = write(fd, s, len)) > 0) {
		s += n;
		len -= (size_t)n;
	}
}

WARD_COLD void
usage_help(void)
{
	usage_put(
	    1,
	    "usage: ward [-sgvwq] [-e code] [-p signal] [-r from:to] [--grace "
	    "d]\n"
	    "            [--probe url] [--listen port] [--] program [arg ...]\n"
	    "       ward --check url [--check-timeout d]\n"
	    "       ward --version | --help | --license\n"
	    "\n"
	    "Supervision:\n"
	    "  -s, --subreaper            accepted; ward is always a "
	    "subreaper\n"
	    "  -g, --process-group        signal the child's process group\n"
	    "  -e, --remap-exit CODE      exit code CODE becomes 0 "
	    "(repeatable)\n"
	    "  -p, --pdeathsig SIG        signal ward gets when its parent "
	    "dies\n"
	    "  -r, --rewrite FROM:TO      rewrite signal FROM to TO, 0 drops "
	    "it\n"
	    "  -v, --verbose              more messages (repeatable)\n"
	    "  -q, --quiet                errors only\n"
	    "  -w, --warn-reaped          a line for each reaped zombie\n"
	    "      --grace D              shutdown grace period (5s)\n"
	    "      --shutdown-signals L   signals that stop the tree "
	    "(TERM,INT)\n"
	    "Health:\n"
	    "      --probe URL            http://HOST[:PORT][/PATH], "
	    "tcp://HOST:PORT,\n"
	    "                             grpc://HOST:PORT[/SERVICE]\n"
	    "      --probe-interval D     (10s)\n"
	    "      --probe-timeout D      (1s)\n"
	    "      --probe-start-period D failures in it do not count (0s)\n"
	    "      --probe-retries N      failures in a row = unhealthy (3)\n"
	    "      --on-unhealthy ACTION  none, restart or exit (none)\n"
	    "      --drain-delay D        hold a shutdown signal, /readyz 503 "
	    "(0s)\n"
	    "      --listen [ADDR:]PORT   serve /livez /readyz /status "
	    "/metrics\n"
	    "      --check URL            probe once, print the result, exit "
	    "0/1\n"
	    "      --check-timeout D      (2s)\n"
	    "Start-up checks (exit 78 when one fails):\n"
	    "      --require-readonly-root     / is mounted read-only\n"
	    "      --require-tmpfs PATH[:MIN]  PATH is a writable tmpfs of "
	    "MIN\n"
	    "      --require-writable PATH     PATH is writable\n"
	    "\n"
	    "Each --long-option also reads WARD_LONG_OPTION from the "
	    "environment.\n"
	    "Durations: 500ms, 5s, 2m, 1h, or seconds. Sizes: 64M, 1G.\n");
}

/*
 * As docker-init or tini: tini's line. dockerd shows only the word after
 * "git." as "init version", and only when it holds no dot, so the version
 * goes there with its dots as underscores (curl's tags: curl-8_5_0).
 */
WARD_COLD void
usage_version(bool tini_name)
{
	char tini[] =
	    "tini version " WARD_VERSION " - git.ward-" WARD_VERSION "\n";
	char *p = tini + sizeof("tini version " WARD_VERSION " - git.") - 1;

	if (!tini_name) {
		usage_put(1, "ward version " WARD_VERSION "\n");
		return;
	}
	for (; *p != '\0'; p++)
		if (*p == '.')
			*p = '_';
	usage_put(1, tini);
}

WARD_COLD void
usage_license(void)
{
	usage_put(
	    1,
	    "ward " WARD_VERSION " is released under the MIT License.\n\n"
	    "Permission is hereby granted, free of charge, to any person "
	    "obtaining a copy\nof this software and associated documentation "
	    "files (the \"Software\"), to deal\nin the Software without "
	    "restriction, including without limitation the rights\nto use, "
	    "copy, modify, merge, publish, distribute, sublicense, and/or "
	    "sell\ncopies of the Software, and to permit persons to whom the "
	    "Software is\nfurnished to do so, subject to the following "
	    "conditions:\n\nThe above copyright notice and this permission "
	    "notice shall be included in all\ncopies or substantial portions "
	    "of the Software.\n\nTHE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT "
	    "WARRANTY OF ANY KIND.\n");
}

WARD_COLD void
usage_error(const char *msg)
{
	char buf[384];
	int n = fmt_snprintf(buf, sizeof(buf),
	                     "ward: %s\nward: Try 'ward --help'\n", msg);

	if (n > 0)
		usage_put(2, buf);
}
