/* status.c: the tiny status server: /livez /readyz /status /metrics. */
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "io.h"
#include "log.h"
#include "report.h"

#define STATUS_ACCEPT_MAX 64 /* accepts per loop turn, so signals go first */

static int
status_socket(struct init *in, int family)
{
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	int zero = 0;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6 && in->cfg.listen_any)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	return fd;
}

/* [::] dual-stack by default; 0.0.0.0 where the kernel has no IPv6. */
int
status_listen(struct init *in)
{
	struct config *c = &in->cfg;
	struct sockaddr_in sin;
	int fd = status_socket(in, c->listen.ss_family);

	if (fd < 0 && c->listen_any && c->listen.ss_family == AF_INET6) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = ((struct sockaddr_in6 *)&c->listen)->sin6_port;
		memcpy(&c->listen, &sin, sizeof(sin));
		c->listen_len = sizeof(sin);
		fd = status_socket(in, AF_INET);
	}
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&c->listen, c->listen_len) < 0 ||
	    listen(fd, 64) < 0) {
		close(fd);
		return -1;
	}
	in->listen_fd = fd;
	return 0;
}

int64_t
status_deadline(const struct init *in)
{
	int64_t d = -1;
	int i;

	for (i = 0; i < STATUS_MAX_CLIENTS; i++)
		if (in->clients[i].fd >= 0 &&
		    (d < 0 || in->clients[i].deadline < d))
			d = in->clients[i].deadline;
	return d;
}

static void
status_close(struct status_client *cl)
{
	close(cl->fd);
	cl->fd = -1;
	cl->used = 0;
}

/* Out of descriptors: give up the spare one to accept and drop a client,
 * so the backlog never keeps poll busy (libev's and nginx's trick). */
static void
status_shed(struct init *in)
{
	int fd;

	if (in->spare_fd >= 0)
		close(in->spare_fd);
	fd = accept(in->listen_fd, NULL, NULL);
	if (fd >= 0)
		close(fd);
	in->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void
status_accept(struct init *in, int64_t now)
{
	int n;
	int fd;
	int i;

	for (n = 0; n < STATUS_ACCEPT_MAX; n++) {
		if ((fd = io_accept(in->listen_fd)) == -2)
			return;
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				status_shed(in);
			else if (errno != ECONNABORTED)
				log_warn("accept");
			return;
		}
		for (i = 0; i < STATUS_MAX_CLIENTS; i++)
			if (in->clients[i].fd < 0)
				break;
		if (i == STATUS_MAX_CLIENTS) {
			close(fd); /* every slot busy */
			continue;
		}
		in->clients[i].fd = fd;
		in->clients[i].used = 0;
		in->clients[i].deadline = now + STATUS_CLIENT_TIMEOUT_MS;
	}
}

/* Read what client i sent; answer once the head is complete or bad. */
static void
status_read(struct init *in, int i, int64_t now)
{
	struct status_client *cl = &in->clients[i];
	char *buf = in->client_buf[i];
	char out[8192];
	ssize_t n;
	int len;

	n = io_read(cl->fd, buf + cl->used, HTTP_REQ_MAX - cl->used);
	if (n == 0)
		return;
	if (n < 0) {
		status_close(cl);
		return;
	}
	cl->used += (size_t)n;
	len = report_respond(in, buf, cl->used, now, out, sizeof(out));
	if (len == -2)
		return;
	if (len > 0 && io_send(cl->fd, out, (size_t)len) < len)
		log_debug("status client: short send");
	status_close(cl);
}

void
status_step(struct init *in, short listen_revents, const short *revents,
            int64_t now)
{
	int i;

	if (in->listen_fd < 0)
		return;
	for (i = 0; i < STATUS_MAX_CLIENTS; i++) {
		if (in->clients[i].fd < 0)
			continue;
		if (revents[i])
			status_read(in, i, now);
		if (in->clients[i].fd >= 0 && now >= in->clients[i].deadline)
			status_close(&in->clients[i]);
	}
	if (listen_revents & POLLIN)
		status_accept(in, now);
}
