/*
 * status.c: the tiny status server: /livez /readyz /status /metrics.
 *
 * No peer can starve it (SPEC section 3): a connection holds no slot
 * before its first byte (TCP_DEFER_ACCEPT), a request that arrives whole
 * is answered as it is accepted, the oldest unfinished client makes room
 * for a newcomer (one still empty first), a head has 1 s to arrive, and
 * the slots never take the descriptors ward keeps for itself.
 */
#include "status.h"
#include "defs.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "http.h"
#include "io.h"
#include "log.h"
#include "report.h"

#define STATUS_ACCEPT_MAX 64 /* accepts per loop turn, so signals go first */

WARD_COLD static int
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

/*
 * The slots the descriptor limit allows: what is open (every fd up to the
 * listener, and the spare opened after it), STATUS_FD_RESERVE for ward's
 * own use and one for a newcomer being read are left out; 1 at least.
 */
WARD_COLD static int
status_cap(int listen_fd)
{
	struct rlimit rl;
	rlim_t n;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return STATUS_MAX_CLIENTS;
	n = (rlim_t)listen_fd + 2 + STATUS_FD_RESERVE + 1;
	if (rl.rlim_cur <= n)
		return 1;
	n = rl.rlim_cur - n;
	return n < STATUS_MAX_CLIENTS ? (int)n : STATUS_MAX_CLIENTS;
}

/* [::] dual-stack by default; 0.0.0.0 where the kernel has no IPv6. */
WARD_COLD int
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
	    listen(fd, STATUS_BACKLOG) < 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &(int){STATUS_DEFER_S},
	           sizeof(int));
	in->listen_fd = fd;
	in->client_cap = status_cap(fd);
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
WARD_COLD static void
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

/* Answer the request in buf if it is complete (or bad), and close fd.
 * Returns false when more bytes are needed. */
static bool
status_answer(struct init *in, int fd, const char *buf, size_t used,
              int64_t now)
{
	char out[8192];
	int len = report_respond(in, buf, used, now, out, sizeof(out));

	if (len == -2)
		return false;
	if (len > 0 && io_send(fd, out, (size_t)len) < len)
		log_debug("status client: short send");
	close(fd);
	return true;
}

/* A slot for a newcomer: a free one, else the one still empty that came
 * first, else the oldest unfinished client, which is dropped. */
static struct status_client *
status_slot(struct init *in)
{
	struct status_client *cl = in->clients, *v = NULL;
	int i;

	for (i = 0; i < in->client_cap; i++, cl++) {
		if (cl->fd < 0)
			return cl;
		if (v == NULL || (cl->used == 0 && v->used != 0) ||
		    ((cl->used == 0) == (v->used == 0) &&
		     cl->deadline < v->deadline))
			v = cl;
	}
	if (v != NULL)
		status_close(v);
	return v;
}

/* A new connection: read at once, answer if the request is all there,
 * else keep it in a slot. */
static void
status_new(struct init *in, int fd, int64_t now)
{
	char buf[HTTP_REQ_MAX];
	struct status_client *cl;
	ssize_t n = io_read(fd, buf, sizeof(buf));

	if (n < 0) {
		close(fd);
		return;
	}
	if (n > 0 && status_answer(in, fd, buf, (size_t)n, now))
		return;
	if ((cl = status_slot(in)) == NULL) {
		close(fd);
		return;
	}
	cl->fd = fd;
	cl->used = (size_t)n;
	cl->deadline = now + STATUS_CLIENT_TIMEOUT_MS;
	memcpy(in->client_buf[cl - in->clients], buf, (size_t)n);
}

static void
status_accept(struct init *in, int64_t now)
{
	int n;
	int fd;

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
		status_new(in, fd, now);
	}
}

/* Read what client i sent; answer once the head is complete or bad. */
static void
status_read(struct init *in, int i, int64_t now)
{
	struct status_client *cl = &in->clients[i];
	ssize_t n;

	n = io_read(cl->fd, in->client_buf[i] + cl->used,
	            HTTP_REQ_MAX - cl->used);
	if (n == 0)
		return;
	if (n < 0) {
		status_close(cl);
		return;
	}
	cl->used += (size_t)n;
	if (status_answer(in, cl->fd, in->client_buf[i], cl->used, now)) {
		cl->fd = -1;
		cl->used = 0;
	}
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
