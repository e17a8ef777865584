/* census.h: how many processes ward's tree holds (ward_processes). */
#ifndef WARD_CENSUS_H
#define WARD_CENSUS_H

#include <stdint.h>

struct init;

#define CENSUS_PERIOD_MS 1000 /* a count is served this long */

/* The last count. */
struct census {
	int64_t at; /* monotonic ms of the last /proc walk, 0 never */
	int n;      /* processes it found, -1 when /proc could not tell */
};

/*
 * Processes in ward's tree, ward excluded: as PID 1 of the /proc it sees,
 * every process there (one readdir of /proc); otherwise its descendants
 * (orphans re-parented to it included), found through the kernel's
 * children lists, breadth first in the free end of the sweep's queue.
 * Walks at most once per CENSUS_PERIOD_MS and serves that count in
 * between; -1 when there is no usable /proc (or, as a subreaper, no
 * queue). Holds two descriptors at most while it walks.
 */
int census_count(struct init *in, int64_t now);

#endif
