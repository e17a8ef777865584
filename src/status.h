/* status.h: the tiny status server: /livez /readyz /status /metrics. */
#ifndef WARD_STATUS_H
#define WARD_STATUS_H

#include <poll.h>
#include <stdint.h>

#include "state.h"

/* Open the --listen socket into in->listen_fd; -1 with errno. */
int status_listen(struct init *in);

/* The nearest client deadline (monotonic ms), or -1. */
int64_t status_deadline(const struct init *in);

/*
 * Accept (when listen_revents says so), read, answer and close clients,
 * and drop the ones past their deadline. revents[i] is what poll said of
 * in->clients[i]. Never blocks.
 */
void status_step(struct init *in, short listen_revents, const short *revents,
                 int64_t now);

#endif
