/* test_url.c: unit tests of probe URLs and --listen addresses (src/url.c). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "guard.h"
#include "url.h"

/* Parse s, NUL included, placed right before a PROT_NONE page. */
static int
parse(const char *s, struct url *u, const char **why)
{
	*why = NULL;
	return url_parse(guard_copy(s, strlen(s) + 1), u, why);
}

static int
listen_on(const char *s, struct sockaddr_storage *ss, socklen_t *len, int *any,
          const char **why)
{
	*why = NULL;
	return url_parse_listen(guard_copy(s, strlen(s) + 1), ss, len, any,
	                        why);
}

/* Address i of u as "ip:port" text. */
static const char *
addr(const struct url *u, int i)
{
	static char buf[2][64];

	return url_addr_str(&u->addr[i], buf[i], sizeof(buf[i]));
}

/* s is refused, with a reason that contains want. */
static void
refused(const char *s, const char *want)
{
	struct url u;
	const char *why;

	cr_assert_eq(parse(s, &u, &why), -1, "%s accepted", s);
	cr_assert_not_null(why, "%s: no reason", s);
	cr_assert_not_null(strstr(why, want), "%s: \"%s\" lacks \"%s\"", s, why,
	                   want);
}

Test(url, ipv4_port_path)
{
	struct url u;
	const char *why;
	const struct sockaddr_in *sin = (const void *)&u.addr[0];

	cr_assert_eq(parse("http://127.0.0.1:8080/healthz", &u, &why), 0);
	cr_assert_eq(u.scheme, URL_HTTP);
	cr_assert_eq(u.naddr, 1);
	cr_assert_eq(sin->sin_family, AF_INET);
	cr_assert_eq(ntohs(sin->sin_port), 8080);
	cr_assert_eq(u.addrlen[0], sizeof(struct sockaddr_in));
	cr_assert_str_eq(u.host, "127.0.0.1:8080");
	cr_assert_str_eq(u.path, "/healthz");
	cr_assert_str_eq(addr(&u, 0), "127.0.0.1:8080");
}

Test(url, defaults)
{
	struct url u;
	const char *why;

	cr_assert_eq(parse("http://10.0.0.1", &u, &why), 0);
	cr_assert_str_eq(addr(&u, 0), "10.0.0.1:80");
	cr_assert_str_eq(u.host, "10.0.0.1");
	cr_assert_str_eq(u.path, "/");
	cr_assert_eq(parse("HTTP://10.0.0.1/", &u, &why), 0);
	cr_assert_str_eq(u.path, "/");
}

Test(url, query_kept_fragment_dropped)
{
	struct url u;
	const char *why;

	cr_assert_eq(parse("http://127.0.0.1:8080/h?x=1&y=%20", &u, &why), 0);
	cr_assert_str_eq(u.path, "/h?x=1&y=%20");
	cr_assert_eq(parse("http://127.0.0.1?ready", &u, &why), 0);
	cr_assert_str_eq(u.path, "/?ready");
	cr_assert_str_eq(u.host, "127.0.0.1");
	cr_assert_eq(parse("http://127.0.0.1/a#frag", &u, &why), 0);
	cr_assert_str_eq(u.path, "/a");
	cr_assert_eq(parse("http://127.0.0.1#frag", &u, &why), 0);
	cr_assert_str_eq(u.path, "/");
}

Test(url, ipv6_literals)
{
	struct url u;
	const char *why;

	cr_assert_eq(parse("http://[::1]:9000/x", &u, &why), 0);
	cr_assert_eq(u.naddr, 1);
	cr_assert_eq(u.addr[0].ss_family, AF_INET6);
	cr_assert_eq(u.addrlen[0], sizeof(struct sockaddr_in6));
	cr_assert_str_eq(addr(&u, 0), "[::1]:9000");
	cr_assert_str_eq(u.host, "[::1]:9000");
	cr_assert_eq(parse("http://[fd00::a:1]", &u, &why), 0);
	cr_assert_str_eq(addr(&u, 0), "[fd00::a:1]:80");
	cr_assert_eq(parse("tcp://[::ffff:127.0.0.1]:5432", &u, &why), 0);
	cr_assert_str_eq(addr(&u, 0), "[::ffff:127.0.0.1]:5432");
}

Test(url, localhost_is_both_loopbacks)
{
	struct url u;
	const char *why;

	cr_assert_eq(parse("http://localhost:3000/ready", &u, &why), 0);
	cr_assert_eq(u.naddr, 2);
	cr_assert_str_eq(addr(&u, 0), "[::1]:3000");
	cr_assert_str_eq(addr(&u, 1), "127.0.0.1:3000");
	cr_assert_str_eq(u.host, "localhost:3000");
	cr_assert_eq(parse("tcp://LocalHost:6379", &u, &why), 0);
	cr_assert_eq(u.naddr, 2);
	cr_assert_str_eq(addr(&u, 1), "127.0.0.1:6379");
	cr_assert_eq(parse("http://localhost", &u, &why), 0);
	cr_assert_str_eq(addr(&u, 0), "[::1]:80");
}

Test(url, tcp)
{
	struct url u;
	const char *why;

	cr_assert_eq(parse("tcp://127.0.0.1:5432", &u, &why), 0);
	cr_assert_eq(u.scheme, URL_TCP);
	cr_assert_str_eq(addr(&u, 0), "127.0.0.1:5432");
	refused("tcp://127.0.0.1", "port");
	refused("tcp://localhost", "port");
	refused("tcp://127.0.0.1:80/x", "path");
	refused("tcp://127.0.0.1:80/", "path");
}

Test(url, https_refused)
{
	refused("https://127.0.0.1/", "TLS (https, grpcs) is not supported");
	refused("https://127.0.0.1/", "plain-HTTP port on loopback");
	refused("HTTPS://localhost:8443/", "https");
}

Test(url, grpc)
{
	struct url u;
	const char *why;

	cr_assert_eq(parse("grpc://127.0.0.1:50051", &u, &why), 0);
	cr_assert_eq(u.scheme, URL_GRPC);
	cr_assert_str_eq(addr(&u, 0), "127.0.0.1:50051");
	cr_assert_str_eq(u.host, "127.0.0.1:50051");
	cr_assert_str_eq(u.path, "");
	cr_assert_str_eq(url_scheme_name(&u), "grpc");
	cr_assert_eq(parse("GRPC://[::1]:9/my.pkg.Svc", &u, &why), 0);
	cr_assert_eq(u.scheme, URL_GRPC);
	cr_assert_str_eq(u.path, "/my.pkg.Svc");
	cr_assert_str_eq(addr(&u, 0), "[::1]:9");
	cr_assert_eq(parse("grpc://localhost:9/", &u, &why), 0);
	cr_assert_str_eq(u.path, "/");
	cr_assert_eq(u.naddr, 2);
	refused("grpc://127.0.0.1", "needs a port");
	refused("grpc://localhost/svc", "grpc://HOST:PORT[/SERVICE]");
	refused("grpc://127.0.0.1:1/svc?x=1", "no ? or #");
	refused("grpc://127.0.0.1:1/svc#x", "no ? or #");
	refused("grpc://127.0.0.1:1?x", "no ? or #");
	refused("grpc://127.0.0.1:1/a b", "bad byte");
	refused("grpc://grpc.internal:50051", "no DNS");
	refused("grpcs://127.0.0.1:443/", "plain-HTTP port on loopback");
	refused("GRPCS://127.0.0.1:443", "grpcs");
}

Test(url, scheme_names)
{
	struct url u;
	const char *why;

	cr_assert_eq(parse("http://127.0.0.1/", &u, &why), 0);
	cr_assert_str_eq(url_scheme_name(&u), "http");
	cr_assert_eq(parse("tcp://127.0.0.1:1", &u, &why), 0);
	cr_assert_str_eq(url_scheme_name(&u), "tcp");
	cr_assert_str_eq(u.path, "");
	refused("ftp://127.0.0.1/", "grpc://HOST:PORT[/SERVICE]");
}

Test(url, host_names_refused)
{
	refused("http://example.com/", "plain-HTTP port on loopback");
	refused("http://db:5432/", "no DNS");
	refused("tcp://redis:6379", "no DNS");
	refused("http://localhost.localdomain/", "no DNS");
	refused("http://127.1/", "no DNS");
	refused("http://0x7f.0.0.1/", "no DNS");
}

Test(url, bad_ports)
{
	static const char *bad[] = {
	    "http://127.0.0.1:0/",     "http://127.0.0.1:65536/",
	    "http://127.0.0.1:99999/", "http://127.0.0.1:/",
	    "http://127.0.0.1:80a/",   "http://127.0.0.1:-1/",
	    "http://127.0.0.1:+80/",   "http://127.0.0.1: 80/",
	    "http://127.0.0.1:123456", "http://[::1]:/",
	    "tcp://127.0.0.1:",        "http://localhost:http/",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(bad[i], "port");
}

Test(url, port_bounds)
{
	struct url u;
	const char *why;

	cr_assert_eq(parse("http://127.0.0.1:1/", &u, &why), 0);
	cr_assert_eq(parse("http://127.0.0.1:65535/", &u, &why), 0);
	cr_assert_str_eq(addr(&u, 0), "127.0.0.1:65535");
	cr_assert_eq(parse("http://127.0.0.1:00080/", &u, &why), 0);
	cr_assert_str_eq(addr(&u, 0), "127.0.0.1:80");
}

Test(url, bad_hosts_and_schemes)
{
	refused("", "http://");
	refused("127.0.0.1:8080", "http://");
	refused("ftp://127.0.0.1/", "http://");
	refused("http:/127.0.0.1/", "http://");
	refused("http://", "missing host");
	refused("http:///x", "missing host");
	refused("http://:80/", "missing host");
	refused("http://[]:80/", "missing host");
	refused("http://1.2.3/", "no DNS");
	refused("http://256.1.1.1/", "no DNS");
	refused("http://[::1/", "]");
	refused("http://[1.2.3.4]/", "IPv6");
	refused("http://[::g]/", "IPv6");
	refused("http://[fe80::1%25eth0]/", "IPv6");
	refused("http://::1/", "brackets");
	refused("http://::1:80/", "brackets");
	refused("http://[::1]x/", "bad host");
	refused("http://user@127.0.0.1/", "user info");
	refused("http://user:pw@127.0.0.1/", "user info");
}

Test(url, bad_path_bytes)
{
	refused("http://127.0.0.1/a b", "path");
	refused("http://127.0.0.1/a\tb", "path");
	refused("http://127.0.0.1/a\r\nX-Injected: 1", "path");
	refused("http://127.0.0.1/\x7f", "path");
	refused("http://127.0.0.1/caf\xc3\xa9", "path");
}

Test(url, overlong)
{
	char s[URL_PATH_MAX + 64];
	struct url u;
	const char *why;
	int n;

	/* A path of URL_PATH_MAX - 1 bytes fits, one more does not. */
	n = snprintf(s, sizeof(s), "http://127.0.0.1/");
	memset(s + n, 'a', URL_PATH_MAX - 2);
	s[n + URL_PATH_MAX - 2] = '\0';
	cr_assert_eq(parse(s, &u, &why), 0, "%s", why);
	cr_assert_eq(strlen(u.path), URL_PATH_MAX - 1);
	s[n + URL_PATH_MAX - 2] = 'a';
	s[n + URL_PATH_MAX - 1] = '\0';
	refused(s, "too long");
	/* Far too long: refused without reading it all. */
	{
		static char big[1 << 16];

		memset(big, 'a', sizeof(big) - 1);
		memcpy(big, "http://127.0.0.1/", 17);
		refused(big, "too long");
		memcpy(big, "http://", 7);
		refused(big, "too long");
	}
	memset(s, 'a', sizeof(s) - 1);
	memcpy(s, "http://", 7);
	s[7 + URL_HOST_MAX] = '\0';
	refused(s, "host too long");
}

Test(url, addr_str_ipv6_text)
{
	static const char *const c[][2] = {
	    {"http://[::]/", "[::]:80"},
	    {"http://[::1]/", "[::1]:80"},
	    {"http://[1::]/", "[1::]:80"},
	    {"http://[1:0:0:1:0:0:0:1]/", "[1:0:0:1::1]:80"},
	    {"http://[1:0:0:2:0:0:3:4]/", "[1::2:0:0:3:4]:80"},
	    {"http://[1:0:2:3:4:5:6:7]/", "[1:0:2:3:4:5:6:7]:80"},
	    {"http://[2001:DB8:0:0:0:0:0:FF]/", "[2001:db8::ff]:80"},
	    {"http://[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535/",
	     "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"},
	    {"http://[::ffff:10.1.2.3]/", "[::ffff:10.1.2.3]:80"},
	    {"http://[fe80::0a0b:0:0:1]/", "[fe80::a0b:0:0:1]:80"},
	};
	struct url u;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		cr_assert_eq(parse(c[i][0], &u, &why), 0, "%s", c[i][0]);
		cr_assert_str_eq(addr(&u, 0), c[i][1]);
	}
}

Test(url, addr_str_truncates)
{
	struct url u;
	const char *why;
	char buf[8];

	cr_assert_eq(parse("http://192.168.100.200:8080/", &u, &why), 0);
	cr_assert_str_eq(url_addr_str(&u.addr[0], buf, sizeof(buf)), "192.168");
	memset(&u.addr[0], 0, sizeof(u.addr[0]));
	cr_assert_str_eq(url_addr_str(&u.addr[0], buf, sizeof(buf)), "?");
}

/* s is a --listen address of family fam, port, and *any as given. */
static void
listens(const char *s, int fam, const char *text, int want_any)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	const char *why;
	char buf[64];
	int any = -1;

	cr_assert_eq(listen_on(s, &ss, &len, &any, &why), 0, "%s: %s", s, why);
	cr_assert_eq(ss.ss_family, fam, "%s", s);
	cr_assert_eq(len, fam == AF_INET ? sizeof(struct sockaddr_in)
	                                 : sizeof(struct sockaddr_in6));
	cr_assert_eq(any, want_any, "%s", s);
	cr_assert_str_eq(url_addr_str(&ss, buf, sizeof(buf)), text);
}

Test(url, listen_forms)
{
	listens("9000", AF_INET6, "[::]:9000", 1);
	listens(":9000", AF_INET6, "[::]:9000", 1);
	listens("127.0.0.1:9000", AF_INET, "127.0.0.1:9000", 0);
	listens("0.0.0.0:80", AF_INET, "0.0.0.0:80", 0);
	listens("[::]:9000", AF_INET6, "[::]:9000", 0);
	listens("[::1]:65535", AF_INET6, "[::1]:65535", 0);
}

Test(url, listen_bad)
{
	static const char *bad[] = {
	    "",
	    ":",
	    "0",
	    "65536",
	    "abc",
	    "localhost:9000",
	    "1.2.3.4",
	    "1.2.3.4:",
	    "[::1]",
	    "::1:9000",
	    "[::1:9000",
	    "127.0.0.1:9000x",
	    "host:80",
	    "[]:80",
	    "[::g]:80",
	    " 9000",
	    "9000 ",
	    "1.2.3.4:0",
	    "[1.2.3.4]:80",
	};
	struct sockaddr_storage ss;
	socklen_t len;
	const char *why;
	int any;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(listen_on(bad[i], &ss, &len, &any, &why), -1,
		             "%s accepted", bad[i]);
		cr_assert_not_null(why);
	}
}

Test(url, listen_names_say_why)
{
	struct sockaddr_storage ss;
	socklen_t len;
	const char *why;
	int any;

	cr_assert_eq(listen_on("localhost:9000", &ss, &len, &any, &why), -1);
	cr_assert_not_null(strstr(why, "IP literal"));
	cr_assert_eq(listen_on("::1:9000", &ss, &len, &any, &why), -1);
	cr_assert_not_null(strstr(why, "brackets"));
}
