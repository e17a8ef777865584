/* url.h: probe URLs and --listen addresses, numeric only (no resolver). */
#ifndef WARD_URL_H
#define WARD_URL_H

#include <stddef.h>
#include <sys/socket.h>

#define URL_PATH_MAX 512    /* path + query of an http:// URL */
#define URL_HOST_MAX 64     /* HOST[:PORT] as written, for Host: and messages */
#define URL_SERVICE_MAX 127 /* a grpc:// service name (one varint byte) */

enum url_scheme {
	URL_HTTP, /* http://HOST[:PORT][/PATH] */
	URL_TCP,  /* tcp://HOST:PORT */
	URL_GRPC  /* grpc://HOST:PORT[/SERVICE] */
};

struct url {
	enum url_scheme scheme;          /* http, tcp or grpc */
	int naddr;                       /* 1, or 2 for localhost (::1 first) */
	struct sockaddr_storage addr[2]; /* numeric addresses, port set */
	socklen_t addrlen[2];            /* length of each address */
	char host[URL_HOST_MAX];         /* "HOST[:PORT]" as written */
	char path[URL_PATH_MAX];         /* "/" by default; query kept;
	                                    grpc: "/SERVICE", "" for none */
};

/*
 * Parse an http://, tcp:// or grpc:// URL into u. HOST is an IPv4 literal, an
 * [IPv6] literal or "localhost" (::1, then 127.0.0.1). The scheme is matched
 * without regard to case; http:// defaults to port 80 and path "/", keeps
 * the query ("http://h?x" has path "/?x") and drops a #fragment; the path
 * must be visible ASCII (%XX escapes pass as they are); tcp:// needs a port
 * and takes no path; grpc:// needs a port and takes a service name of
 * visible ASCII, URL_SERVICE_MAX bytes at most (no query, no fragment;
 * empty: the server's overall health); ports are 1..65535. Returns 0, or -1
 * with *why set to a static one-line reason (https, grpcs, host names, bad
 * port, too long, ...).
 */
int url_parse(const char *s, struct url *u, const char **why);

/* The scheme of u as written in a URL: "http", "tcp" or "grpc". */
const char *url_scheme_name(const struct url *u);

/*
 * Parse a --listen value: "PORT", ":PORT", "IPv4:PORT", "[IPv6]:PORT";
 * port 1..65535, no host names. With no address, *any is set to 1 and ss
 * holds [::]:PORT (callers fall back to 0.0.0.0 where IPv6 is missing).
 * Returns 0 or -1 with *why.
 */
int url_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len,
                     int *any, const char **why);

/* Format addr as "1.2.3.4:80" or "[::1]:80" into buf; returns buf. */
char *url_addr_str(const struct sockaddr_storage *addr, char *buf, size_t size);

#endif
