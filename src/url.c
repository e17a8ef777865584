/* url.c: probe URLs and --listen addresses, numeric only (no resolver). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "defs.h"
#include "fmt.h"
#include "url.h"

#define URL_MAX (URL_HOST_MAX + URL_PATH_MAX + 16) /* a whole URL */

/*
 * PID 1 does no DNS (and musl's resolver alone would cost ~20 KB), so a
 * probe goes to an address literal; TLS is not worth its size either.
 */
static const char why_https[] = "TLS (https, grpcs) is not supported: probe "
                                "the plain-HTTP port on loopback";
static const char why_name[] = "only IP literals and localhost are "
                               "supported (no DNS): probe the plain-HTTP "
                               "port on loopback";
static const char why_brackets[] = "put IPv6 addresses in brackets: [::1]";

/* Set *why to msg and fail. */
WARD_COLD static int
refuse(const char **why, const char *msg)
{
	*why = msg;
	return -1;
}

/* Fill an IPv4 socket address. */
WARD_COLD static void
set_in4(struct sockaddr_storage *ss, socklen_t *len, const void *ip,
        unsigned port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)port);
	memcpy(&sin->sin_addr, ip, sizeof(sin->sin_addr));
	*len = sizeof(*sin);
}

/* Fill an IPv6 socket address. */
WARD_COLD static void
set_in6(struct sockaddr_storage *ss, socklen_t *len, const void *ip,
        unsigned port)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((unsigned short)port);
	memcpy(&sin6->sin6_addr, ip, sizeof(sin6->sin6_addr));
	*len = sizeof(*sin6);
}

/* A port of s[0..n): 1..5 digits, 1..65535. */
WARD_COLD static int
parse_port(const char *s, size_t n, unsigned *port, const char **why)
{
	size_t i;

	*port = 0;
	if (n == 0 || n > 5)
		return refuse(why, "bad port: expected 1-65535");
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return refuse(why, "bad port: expected 1-65535");
		*port = *port * 10 + (unsigned)(s[i] - '0');
	}
	if (*port < 1 || *port > 65535)
		return refuse(why, "bad port: expected 1-65535");
	return 0;
}

/*
 * Split "HOST[:PORT]" or "[IPv6][:PORT]" of s[0..n): the address goes to
 * ip (brackets removed, NUL-terminated), the port part (after the colon,
 * NULL if none) to *port, and *v6 says whether brackets were used.
 */
WARD_COLD static int
split_host(const char *s, size_t n, char *ip, const char **port, bool *v6,
           const char **why)
{
	const char *e = s + n, *hend;

	if (n >= URL_HOST_MAX)
		return refuse(why, "host too long");
	*v6 = n > 0 && s[0] == '[';
	if (*v6) {
		if ((hend = memchr(s, ']', n)) == NULL)
			return refuse(why, "bad IPv6 literal: missing ']'");
		s++;
	} else if ((hend = memchr(s, ':', n)) == NULL)
		hend = e;
	if (!*v6 && hend < e && memchr(hend + 1, ':', (size_t)(e - hend - 1)))
		return refuse(why, why_brackets);
	memcpy(ip, s, (size_t)(hend - s));
	ip[hend - s] = '\0';
	if (*v6)
		hend++;
	if (ip[0] == '\0')
		return refuse(why, "missing host");
	if (hend < e && *hend != ':')
		return refuse(why, "bad host");
	*port = hend < e ? hend + 1 : NULL;
	return 0;
}

/* The address(es) of the host ip of a URL, with port. */
WARD_COLD static int
set_addrs(struct url *u, const char *ip, bool v6, unsigned port,
          const char **why)
{
	unsigned char a[16];

	u->naddr = 1;
	if (v6) {
		if (inet_pton(AF_INET6, ip, a) != 1)
			return refuse(why, "bad IPv6 address");
		set_in6(&u->addr[0], &u->addrlen[0], a, port);
	} else if (strcasecmp(ip, "localhost") == 0) {
		u->naddr = 2;
		set_in6(&u->addr[0], &u->addrlen[0], &in6addr_loopback, port);
		inet_pton(AF_INET, "127.0.0.1", a);
		set_in4(&u->addr[1], &u->addrlen[1], a, port);
	} else if (inet_pton(AF_INET, ip, a) == 1) {
		set_in4(&u->addr[0], &u->addrlen[0], a, port);
	} else {
		return refuse(why, why_name);
	}
	return 0;
}

/* The authority s[0..n) of a URL: host, port, addresses. */
WARD_COLD static int
parse_authority(const char *s, size_t n, struct url *u, const char **why)
{
	char ip[URL_HOST_MAX];
	const char *p;
	unsigned port = 80;
	bool v6;

	if (n == 0)
		return refuse(why, "missing host");
	if (memchr(s, '@', n) != NULL)
		return refuse(why, "user info in URLs is not supported");
	if (split_host(s, n, ip, &p, &v6, why) < 0)
		return -1;
	if (p == NULL && u->scheme != URL_HTTP)
		return refuse(why, "needs a port: tcp://HOST:PORT, "
		                   "grpc://HOST:PORT[/SERVICE]");
	if (p != NULL && parse_port(p, (size_t)(s + n - p), &port, why) < 0)
		return -1;
	memcpy(u->host, s, n);
	u->host[n] = '\0';
	return set_addrs(u, ip, v6, port, why);
}

/* The path and query of an http:// URL ("/" if none; a fragment is cut),
 * or "/SERVICE" of a grpc:// one. */
WARD_COLD static int
parse_path(const char *s, struct url *u, const char **why)
{
	size_t i, n = strcspn(s, "#");
	const char *slash = s[0] == '?' ? "/" : "";

	if (u->scheme == URL_TCP)
		return s[0] == '\0' ? 0 : refuse(why, "tcp:// takes no path");
	if (u->scheme == URL_GRPC && s[strcspn(s, "?#")] != '\0')
		return refuse(why, "grpc:// takes a service name: no ? or #");
	if (n == 0 && u->scheme == URL_HTTP)
		slash = "/";
	for (i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return refuse(why, "bad byte in path: use %XX escapes");
	if (strlen(slash) + n >=
	    (u->scheme == URL_GRPC ? URL_SERVICE_MAX + 2 : sizeof(u->path)))
		return refuse(why, "path too long");
	fmt_snprintf(u->path, sizeof(u->path), "%s%.*s", slash, (int)n, s);
	return 0;
}

WARD_COLD int
url_parse(const char *s, struct url *u, const char **why)
{
	size_t n;

	memset(u, 0, sizeof(*u));
	if (strnlen(s, URL_MAX + 1) > URL_MAX)
		return refuse(why, "URL too long");
	if (strncasecmp(s, "http://", 7) == 0) {
		u->scheme = URL_HTTP;
		s += 7;
	} else if (strncasecmp(s, "tcp://", 6) == 0) {
		u->scheme = URL_TCP;
		s += 6;
	} else if (strncasecmp(s, "grpc://", 7) == 0) {
		u->scheme = URL_GRPC;
		s += 7;
	} else if (strncasecmp(s, "https://", 8) == 0 ||
	           strncasecmp(s, "grpcs://", 8) == 0) {
		return refuse(why, why_https);
	} else {
		return refuse(why,
		              "expected http://HOST[:PORT][/PATH], "
		              "tcp://HOST:PORT or grpc://HOST:PORT[/SERVICE]");
	}
	n = strcspn(s, "/?#");
	if (parse_authority(s, n, u, why) < 0)
		return -1;
	return parse_path(s + n, u, why);
}

const char *
url_scheme_name(const struct url *u)
{
	return u->scheme == URL_TCP    ? "tcp"
	       : u->scheme == URL_GRPC ? "grpc"
	                               : "http";
}

WARD_COLD int
url_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len,
                 int *any, const char **why)
{
	char ip[URL_HOST_MAX];
	const char *colon = strrchr(s, ':'), *p = colon ? colon + 1 : s;
	unsigned char a[16];
	unsigned port;
	size_t n = colon ? (size_t)(colon - s) : 0;

	*any = 0;
	if (parse_port(p, strlen(p), &port, why) < 0)
		return -1;
	if (n == 0) {
		*any = 1;
		set_in6(ss, len, &in6addr_any, port);
		return 0;
	}
	if (n >= sizeof(ip))
		return refuse(why, "address too long");
	if (s[0] == '[' && s[n - 1] == ']' && n > 2) {
		fmt_snprintf(ip, sizeof(ip), "%.*s", (int)(n - 2), s + 1);
		if (inet_pton(AF_INET6, ip, a) != 1)
			return refuse(why, "bad IPv6 address");
		set_in6(ss, len, a, port);
		return 0;
	}
	fmt_snprintf(ip, sizeof(ip), "%.*s", (int)n, s);
	if (inet_pton(AF_INET, ip, a) == 1) {
		set_in4(ss, len, a, port);
		return 0;
	}
	if (strchr(ip, ':') != NULL || ip[0] == '[')
		return refuse(why, why_brackets);
	return refuse(why, "expected [ADDR:]PORT with an IP literal: "
	                   "127.0.0.1:9000, [::]:9000");
}

/*
 * Text of an IPv6 address, as RFC 5952 says: the first longest run of two
 * or more zero groups becomes "::", IPv4-mapped ones end in dotted decimal.
 * (musl's inet_ntop would bring its printf into the static binary.)
 */
WARD_COLD static void
ip6_str(const unsigned char *a, char *buf, size_t size)
{
	static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
	unsigned g[8];
	int i, best = -1, bestlen = 1, run = 0;
	size_t n = 0;

	if (memcmp(a, mapped, sizeof(mapped)) == 0) {
		fmt_snprintf(buf, size, "::ffff:%u.%u.%u.%u", a[12], a[13],
		             a[14], a[15]);
		return;
	}
	for (i = 0; i < 8; i++) {
		g[i] = (unsigned)a[0] << 8 | a[1];
		a += 2;
		run = g[i] == 0 ? run + 1 : 0;
		if (run > bestlen) {
			best = i - run + 1;
			bestlen = run;
		}
	}
	for (i = 0; i < 8 && n < size; i++) {
		if (i == best) {
			n += (size_t)fmt_snprintf(buf + n, size - n, "::");
			i += bestlen - 1;
		} else {
			n += (size_t)fmt_snprintf(
			    buf + n, size - n, "%s%x",
			    i > 0 && i != best + bestlen ? ":" : "", g[i]);
		}
	}
}

WARD_COLD char *
url_addr_str(const struct sockaddr_storage *addr, char *buf, size_t size)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;
	const unsigned char *a = (const unsigned char *)&sin->sin_addr;
	char ip[48];

	if (addr->ss_family == AF_INET6) {
		ip6_str(sin6->sin6_addr.s6_addr, ip, sizeof(ip));
		fmt_snprintf(buf, size, "[%s]:%u", ip,
		             (unsigned)ntohs(sin6->sin6_port));
	} else if (addr->ss_family == AF_INET) {
		fmt_snprintf(buf, size, "%u.%u.%u.%u:%u", a[0], a[1], a[2],
		             a[3], (unsigned)ntohs(sin->sin_port));
	} else {
		fmt_snprintf(buf, size, "?");
	}
	return buf;
}
