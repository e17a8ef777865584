/* test_status.c: unit tests of the status server's slots (src/status.c):
 * who is dropped when all are busy, who needs none, and the descriptor
 * ceiling. Real sockets on loopback; the test is the client. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "status.h"

TestSuite(status, .timeout = 15);

static struct init in;

/* A status server on 127.0.0.1, port chosen by the kernel; deferral off,
 * so that the test can hand it empty connections at once. */
static int
setup_server(void)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&in.cfg.listen;
	socklen_t len = sizeof(*sin);
	int i;

	memset(&in, 0, sizeof(in));
	in.spare_fd = -1;
	for (i = 0; i < STATUS_MAX_CLIENTS; i++)
		in.clients[i].fd = -1;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	in.cfg.listen_len = sizeof(*sin);
	in.cfg.has_listen = true;
	cr_assert_eq(status_listen(&in), 0, "%s", strerror(errno));
	setsockopt(in.listen_fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &(int){0},
	           sizeof(int));
	cr_assert_eq(getsockname(in.listen_fd, (struct sockaddr *)sin, &len),
	             0);
	return ntohs(sin->sin_port);
}

/* A client that has sent s (maybe nothing), accepted and read by ward. */
static int
client(int port, const char *s, int64_t now)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
	                        .sin_port = htons((uint16_t)port),
	                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	short none[STATUS_MAX_CLIENTS] = {0};
	struct pollfd p = {in.listen_fd, POLLIN, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	if (*s)
		cr_assert_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	cr_assert_eq(poll(&p, 1, 5000), 1);
	usleep(20000); /* the bytes are in before ward reads */
	status_step(&in, POLLIN, none, now);
	return fd;
}

/* True once the server has closed fd (EOF or a reset). */
static bool
dropped(int fd)
{
	char b[512];
	struct pollfd p = {fd, POLLIN, 0};

	if (poll(&p, 1, 0) != 1)
		return false;
	return read(fd, b, sizeof(b)) <= 0;
}

static int
busy(void)
{
	int i, n = 0;

	for (i = 0; i < STATUS_MAX_CLIENTS; i++)
		n += in.clients[i].fd >= 0;
	return n;
}

#define PART "GET /livez HTTP/1.1\r\nHost: x\r\n"

Test(status, empty_first_then_the_oldest_never_the_newcomer)
{
	int port = setup_server();
	int fds[STATUS_MAX_CLIENTS];
	int empty, n1, n2, i;

	cr_assert_eq(in.client_cap, STATUS_MAX_CLIENTS);
	empty = client(port, "", 100);
	for (i = 1; i < STATUS_MAX_CLIENTS; i++)
		fds[i] = client(port, PART, 100 + i);
	cr_assert_eq(busy(), STATUS_MAX_CLIENTS);
	n1 = client(port, PART, 200); /* the empty one goes first */
	cr_assert(dropped(empty));
	for (i = 1; i < STATUS_MAX_CLIENTS; i++)
		cr_assert_not(dropped(fds[i]), "client %d", i);
	n2 = client(port, PART, 201); /* then the oldest unfinished */
	cr_assert(dropped(fds[1]));
	for (i = 2; i < STATUS_MAX_CLIENTS; i++)
		cr_assert_not(dropped(fds[i]), "client %d", i);
	cr_assert_not(dropped(n1));
	cr_assert_not(dropped(n2));
	cr_assert_eq(busy(), STATUS_MAX_CLIENTS);
}

Test(status, a_whole_request_needs_no_slot)
{
	int port = setup_server();
	int fds[STATUS_MAX_CLIENTS];
	char b[512];
	ssize_t n;
	int fd, i;

	for (i = 0; i < STATUS_MAX_CLIENTS; i++)
		fds[i] = client(port, PART, 100 + i);
	fd = client(port, "GET /nope HTTP/1.1\r\n\r\n", 300);
	n = read(fd, b, sizeof(b) - 1);
	cr_assert_gt(n, 12);
	b[n] = '\0';
	cr_assert(strncmp(b, "HTTP/1.1 404 ", 13) == 0, "%s", b);
	for (i = 0; i < STATUS_MAX_CLIENTS; i++)
		cr_assert_not(dropped(fds[i]), "client %d", i);
}

Test(status, head_deadline)
{
	short none[STATUS_MAX_CLIENTS] = {0};
	int port = setup_server();
	int fd = client(port, PART, 1000);

	cr_assert_eq(status_deadline(&in), 1000 + STATUS_CLIENT_TIMEOUT_MS);
	status_step(&in, 0, none, 1000 + STATUS_CLIENT_TIMEOUT_MS - 1);
	cr_assert_not(dropped(fd));
	status_step(&in, 0, none, 1000 + STATUS_CLIENT_TIMEOUT_MS);
	cr_assert(dropped(fd));
	cr_assert_eq(status_deadline(&in), -1);
}

Test(status, slots_leave_descriptors_in_reserve)
{
	struct rlimit rl;
	int want;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = 12;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	setup_server();
	want = 12 - (in.listen_fd + 2) - STATUS_FD_RESERVE - 1;
	cr_assert_eq(in.client_cap, want < 1 ? 1 : want);
	rl.rlim_cur = 40;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	close(in.listen_fd);
	setup_server();
	want = 40 - (in.listen_fd + 2) - STATUS_FD_RESERVE - 1;
	cr_assert_eq(in.client_cap,
	             want > STATUS_MAX_CLIENTS ? STATUS_MAX_CLIENTS : want);
}
