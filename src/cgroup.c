/* cgroup.c: memory figures of ward's own cgroup (v2, or v1's memory). */
#include "cgroup.h"
#include "defs.h"

#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "io.h"
#include "value.h"

#define CGROUP_SELF_MAX 1536  /* bytes of /proc/self/cgroup read */
#define CGROUP_CHUNK 1024     /* mountinfo chunks; longer lines are skipped */
#define CGROUP_FIGURE_MAX 256 /* bytes of one memory.* file read */

/* The paths /proc/self/cgroup names, NULL where it names none. */
struct cgroup_self {
	const char *path[2]; /* v1 memory hierarchy, cgroup2 */
	size_t len[2];       /* their lengths */
};

/* Does the comma-separated list s[0..n) hold word? */
static bool
cgroup_has(const char *s, size_t n, const char *word)
{
	size_t w = strlen(word);
	size_t i = 0;
	size_t j;

	while (i < n) {
		for (j = i; j < n && s[j] != ','; j++)
			;
		if (j - i == w && memcmp(s + i, word, w) == 0)
			return true;
		i = j + 1;
	}
	return false;
}

/* Lines "0::/path" (cgroup2) and "N:...,memory,...:/path" (v1). */
WARD_COLD static void
cgroup_self_paths(const char *s, size_t n, struct cgroup_self *cs)
{
	const char *end = s + n;
	const char *nl;
	const char *c1;
	const char *c2;
	int v;

	memset(cs, 0, sizeof(*cs));
	for (; s < end; s = nl + 1) {
		if (!(nl = memchr(s, '\n', (size_t)(end - s))))
			nl = end;
		c1 = memchr(s, ':', (size_t)(nl - s));
		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(nl - c1 - 1)) : NULL;
		if (!c2)
			continue;
		if (c1 == s + 1 && *s == '0' && c2 == c1 + 1)
			v = 1;
		else if (cgroup_has(c1 + 1, (size_t)(c2 - c1 - 1), "memory"))
			v = 0;
		else
			continue;
		cs->path[v] = c2 + 1;
		cs->len[v] = (size_t)(nl - c2 - 1);
	}
}

/* The next field of a mountinfo line at *p, before end, into *f; *p moves
 * past it and its space. Returns its length. */
static size_t
cgroup_field(const char **p, const char *end, const char **f)
{
	*f = *p;
	while (*p < end && **p != ' ')
		(*p)++;
	return (size_t)((*p)++ - *f);
}

/*
 * A mountinfo line "ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS...] - TYPE
 * SOURCE SUPER": if it mounts the memory hierarchy (cgroup2, or a v1
 * cgroup with the memory controller; cgroup2 not after v1, best) at a root
 * that holds ward's cgroup,
 * the directory (mount point plus ward's path below the root) into dir
 * and the version; else 0. Fields are compared as mountinfo escapes them
 * (\040 for a space): a path with a space is not found, never wrong.
 */
WARD_COLD static int
cgroup_mount(const char *l, size_t n, const struct cgroup_self *cs, int best,
             char *dir, size_t size)
{
	const char *end = l + n;
	const char *root;
	const char *point;
	const char *f;
	size_t rl;
	size_t pl;
	size_t fl;
	int v;

	cgroup_field(&l, end, &f);
	cgroup_field(&l, end, &f);
	cgroup_field(&l, end, &f);
	rl = cgroup_field(&l, end, &root);
	pl = cgroup_field(&l, end, &point);
	do
		fl = cgroup_field(&l, end, &f);
	while (l < end && !(fl == 1 && *f == '-'));
	fl = cgroup_field(&l, end, &f);
	v = fl == 7 && !memcmp(f, "cgroup2", 7)  ? 2
	    : fl == 6 && !memcmp(f, "cgroup", 6) ? 1
	                                         : 0;
	cgroup_field(&l, end, &f);
	fl = cgroup_field(&l, end, &f);
	if (!v || (v == 1 && !cgroup_has(f, fl, "memory")) ||
	    (v == 2 && best == 1) || !(f = cs->path[v - 1]))
		return 0;
	n = cs->len[v - 1];
	if (rl == 1)
		rl = 0; /* "/": the whole hierarchy */
	/* The root must be ward's cgroup or one of its ancestors. */
	if (n < rl || memcmp(f, root, rl) != 0 || (n > rl && f[rl] != '/'))
		return 0;
	n -= rl;
	if (n == 1)
		n = 0; /* ward's cgroup is the root itself */
	if (pl + n >= size)
		return 0;
	memcpy(dir, point, pl);
	memcpy(dir + pl, f + rl, n);
	dir[pl + n] = '\0';
	return v;
}

/* Whole lines of mountinfo; best is the version found so far. */
WARD_COLD static int
cgroup_scan(const char *s, size_t n, const struct cgroup_self *cs, int best,
            char *dir, size_t size)
{
	const char *end = s + n;
	const char *nl;
	int v;

	for (; s < end; s = nl + 1) {
		if (!(nl = memchr(s, '\n', (size_t)(end - s))))
			nl = end;
		if ((v = cgroup_mount(s, (size_t)(nl - s), cs, best, dir,
		                      size)))
			best = v;
	}
	return best;
}

WARD_COLD int
cgroup_resolve(const char *mountinfo, size_t mlen, const char *self,
               size_t slen, char *dir, size_t size)
{
	struct cgroup_self cs;

	cgroup_self_paths(self, slen, &cs);
	return cgroup_scan(mountinfo, mlen, &cs, -1, dir, size);
}

/* Up to size - 1 bytes of a file, NUL-terminated; the length or -1. */
static ssize_t
cgroup_slurp(const char *path, char *buf, size_t size)
{
	ssize_t n;
	ssize_t len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while ((size_t)len < size - 1 &&
	       (n = io_read(fd, buf + len, size - 1 - (size_t)len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return len;
}

/* Look ward's memory cgroup up: mountinfo in chunks of whole lines. */
WARD_COLD static void
cgroup_find(struct cgroup *cg)
{
	char self[CGROUP_SELF_MAX];
	char buf[CGROUP_CHUNK];
	struct cgroup_self cs;
	ssize_t n;
	size_t used = 0;
	char *last;
	char *s;
	bool skip = false;
	int fd;

	cg->version = -1;
	if ((n = cgroup_slurp("/proc/self/cgroup", self, sizeof(self))) < 0 ||
	    (fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)) < 0)
		return;
	cgroup_self_paths(self, (size_t)n, &cs);
	while ((n = io_read(fd, buf + used, sizeof(buf) - used)) > 0) {
		used += (size_t)n;
		if (!(last = memrchr(buf, '\n', used))) {
			skip = used == sizeof(buf); /* a line too long: drop */
			used = skip ? 0 : used;
			continue;
		}
		s = buf;
		if (skip)
			s = (char *)memchr(buf, '\n', used) + 1;
		skip = false;
		if (s <= last)
			cg->version =
			    cgroup_scan(s, (size_t)(last + 1 - s), &cs,
			                cg->version, cg->dir, sizeof(cg->dir));
		used -= (size_t)(last + 1 - buf);
		memmove(buf, last + 1, used);
	}
	close(fd);
}

/* The number in file name of the cgroup (after "oom_kill " if keyed): -1
 * if the file, the key or a number is not there. v1 says "no limit" with
 * 9223372036854771712, too long for value_uint: no figure either. */
static int64_t
cgroup_figure(const struct cgroup *cg, const char *name, bool keyed)
{
	char path[CGROUP_PATH_MAX + 32];
	char buf[CGROUP_FIGURE_MAX];
	char *p = buf;
	size_t n;

	fmt_snprintf(path, sizeof(path), "%s/%s", cg->dir, name);
	if (cgroup_slurp(path, buf, sizeof(buf)) < 0)
		return -1;
	while (keyed && p && strncmp(p, "oom_kill ", 9) != 0)
		if ((p = strchr(p, '\n')))
			p++;
	if (!p)
		return -1;
	p += keyed ? 9 : 0;
	for (n = 0; p[n] >= '0' && p[n] <= '9'; n++)
		;
	return value_uint(p, n, INT64_MAX);
}

void
cgroup_read(struct cgroup *cg, struct cgroup_mem *m)
{
	static const char *const files[2][3] = {
	    {"memory.usage_in_bytes", "memory.limit_in_bytes",
	     "memory.oom_control"},
	    {"memory.current", "memory.max", "memory.events"}};
	const char *const *f;

	m->bytes = m->limit = m->ooms = -1;
	if (cg->version == 0)
		cgroup_find(cg);
	if (cg->version <= 0)
		return; /* none */
	f = files[cg->version - 1];
	m->bytes = cgroup_figure(cg, f[0], false);
	m->limit = cgroup_figure(cg, f[1], false);
	m->ooms = cgroup_figure(cg, f[2], true);
}
