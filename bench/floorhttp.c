/*
 * floorhttp.c: the floor of `ward --check http://...`: a static program that
 * makes one loopback HTTP/1.1 GET, reads the answer to its end and exits 0
 * on a 2xx status, 1 otherwise. No option parsing, no messages, no DNS: the
 * least a separate executable can do for one health check.
 *
 *     floorhttp PORT [PATH]      GET http://127.0.0.1:PORT/PATH
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct timeval tv = {.tv_sec = 2};
	const char *path = argc > 2 ? argv[2] : "/";
	char req[512], buf[4096], head[16];
	size_t hl = 0, i, len;
	ssize_t n;
	int fd;

	if (argc < 2)
		return 2;
	sa.sin_port = htons((unsigned short)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	len = strlen(path);
	if (len > sizeof(req) - 80)
		return 2;
	memcpy(req, "GET ", 4);
	memcpy(req + 4, path, len);
	memcpy(req + 4 + len,
	       " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 49);
	len += 4 + 49;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, req, len) != (ssize_t)len)
		return 1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < (size_t)n && hl < sizeof(head); i++)
			head[hl++] = buf[i];
	/* "HTTP/1.1 2xx" */
	return n == 0 && hl >= 12 && memcmp(head, "HTTP/1.", 7) == 0 &&
	               head[9] == '2'
	           ? 0
	           : 1;
}
