/* fscheck.c: facts about / and the required paths, for the start-up checks. */
#include "fscheck.h"
#include "defs.h"
#include "fmt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

/*
 * statfs(2) f_type magic numbers. musl-gcc does not see <linux/magic.h>,
 * so the ones we name are copied from it here.
 */
#define TMPFS_MAGIC 0x01021994u

static const struct {
	uint32_t magic;   /* f_type */
	const char *name; /* what messages call it */
} fs_names[] = {
    {TMPFS_MAGIC, "tmpfs"},    /* TMPFS_MAGIC */
    {0xEF53u, "ext4"},         /* EXT4_SUPER_MAGIC, ext2 and ext3 too */
    {0x794C7630u, "overlay"},  /* OVERLAYFS_SUPER_MAGIC */
    {0x58465342u, "xfs"},      /* XFS_SUPER_MAGIC */
    {0x9123683Eu, "btrfs"},    /* BTRFS_SUPER_MAGIC */
    {0x2FC12FC1u, "zfs"},      /* ZFS_SUPER_MAGIC (OpenZFS) */
    {0x9FA0u, "proc"},         /* PROC_SUPER_MAGIC */
    {0x62656572u, "sysfs"},    /* SYSFS_MAGIC */
    {0x6969u, "nfs"},          /* NFS_SUPER_MAGIC */
    {0x858458F6u, "ramfs"},    /* RAMFS_MAGIC */
    {0x73717368u, "squashfs"}, /* SQUASHFS_MAGIC */
    {0x65735546u, "fuse"},     /* FUSE_SUPER_MAGIC */
    {0x01021997u, "9p"},       /* V9FS_MAGIC */
    {0x4D44u, "vfat"},         /* MSDOS_SUPER_MAGIC */
};

/* Name of filesystem magic m into buf ("unknown (0x...)" if not known). */
WARD_COLD static void
fs_name(uint32_t m, char *buf, size_t size)
{
	size_t i;

	for (i = 0; i < sizeof(fs_names) / sizeof(fs_names[0]); i++) {
		if (fs_names[i].magic == m) {
			fmt_snprintf(buf, size, "%s", fs_names[i].name);
			return;
		}
	}
	fmt_snprintf(buf, size, "unknown (0x%lx)", (unsigned long)m);
}

/*
 * Create and remove a file in directory path, the only honest answer to
 * "can this user write here": access(2) asks for the real uid and trusts the
 * mode bits, while NFS root squash, FUSE, LSMs or a full inode table only
 * show when a file is made. As PID 1 the pid is always 1, so a name left by
 * an earlier crash is skipped, never removed. A non-directory is opened for
 * writing instead, leaving it unchanged. Returns 0 or an errno.
 */
WARD_COLD static int
write_test(const char *path)
{
	char name[FSCHECK_PATH_MAX + 48];
	int fd = -1;
	int i;
	int n;

	for (i = 0; i < 8 && fd < 0; i++) {
		n = fmt_snprintf(name, sizeof(name), "%s/.ward-check-%ld-%d",
		                 path, (long)getpid(), i);
		if (n < 0 || (size_t)n >= sizeof(name))
			return ENAMETOOLONG;
		fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0 && errno == ENOTDIR)
		fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	else if (fd >= 0)
		unlink(name);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* Whether p meets what it was asked for. */
WARD_COLD static bool
path_ok(const struct fscheck_path *p)
{
	if (!p->exists || !p->writable)
		return false;
	if (!p->want_tmpfs)
		return true;
	if (strcmp(p->fstype, "tmpfs") != 0)
		return false;
	return p->unlimited || p->size >= p->min_size;
}

/* Gather the facts about one required path q into p. */
WARD_COLD static void
check_path(const struct path_req *q, bool tmpfs, struct fscheck_path *p)
{
	struct statfs st;
	uint64_t unit;

	memset(p, 0, sizeof(*p));
	p->want_tmpfs = tmpfs;
	p->min_size = q->min_size;
	p->uid = geteuid();
	if (q->path_len >= sizeof(p->path)) {
		memcpy(p->path, q->path, sizeof(p->path) - 1);
		p->err = ENAMETOOLONG;
		return;
	}
	memcpy(p->path, q->path, q->path_len);
	if (statfs(p->path, &st) < 0) {
		p->err = errno;
		return;
	}
	p->exists = true;
	/* f_type is a signed long in glibc: keep the low 32 bits. */
	fs_name((uint32_t)st.f_type, p->fstype, sizeof(p->fstype));
	/* f_blocks counts f_frsize units (statvfs(3)); old kernels leave 0. */
	unit = st.f_frsize ? (uint64_t)st.f_frsize : (uint64_t)st.f_bsize;
	p->size = (uint64_t)st.f_blocks * unit;
	/* tmpfs size=0 means no limit and reports 0 blocks (tmpfs(5)). */
	p->unlimited = (uint32_t)st.f_type == TMPFS_MAGIC && st.f_blocks == 0;
	p->err = write_test(p->path);
	p->writable = p->err == 0;
}

WARD_COLD void
fscheck_run(const struct check_conf *c, struct fscheck_report *r)
{
	struct statvfs vfs;
	int i;

	memset(r, 0, sizeof(*r));
	if (c->readonly_root) {
		r->root_checked = true;
		if (statvfs("/", &vfs) < 0)
			r->root_err = errno;
		else
			r->root_readonly = (vfs.f_flag & ST_RDONLY) != 0;
		if (!r->root_readonly)
			r->nfailed++;
	}
	for (i = 0; i < c->ntmpfs && i < CFG_MAX_PATHS; i++)
		check_path(&c->tmpfs[i], true, &r->paths[r->npaths++]);
	for (i = 0; i < c->nwritable && i < CFG_MAX_PATHS; i++)
		check_path(&c->writable[i], false, &r->paths[r->npaths++]);
	for (i = 0; i < r->npaths; i++) {
		r->paths[i].ok = path_ok(&r->paths[i]);
		if (!r->paths[i].ok)
			r->nfailed++;
	}
}

/* Append printf output at buf + *len, never past size; keeps *len honest. */
__attribute__((format(printf, 4, 5))) static void
put(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size)
		return;
	va_start(ap, fmt);
	n = fmt_vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*len = (size_t)n < size - *len ? *len + (size_t)n : size;
}

/* Bytes as "64.0 MiB" (one decimal, truncated) into buf; returns buf. */
WARD_COLD static char *
fmt_size(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	uint64_t div = 1;
	size_t u = 0;

	while (u + 1 < sizeof(units) / sizeof(units[0]) && n / div >= 1024) {
		div *= 1024;
		u++;
	}
	if (u == 0)
		fmt_snprintf(buf, size, "%llu B", (unsigned long long)n);
	else
		fmt_snprintf(
		    buf, size, "%llu.%llu %s", (unsigned long long)(n / div),
		    (unsigned long long)(n % div * 10 / div), units[u]);
	return buf;
}

/* "is 1.0 MiB, expected at least 64.0 MiB" (exact bytes if they look equal) */
WARD_COLD static void
put_size(const struct fscheck_path *p, char *buf, size_t size, size_t *len)
{
	char have[32];
	char want[32];

	fmt_size(p->size, have, sizeof(have));
	fmt_size(p->min_size, want, sizeof(want));
	if (strcmp(have, want) == 0) {
		fmt_snprintf(have, sizeof(have), "%llu bytes",
		             (unsigned long long)p->size);
		fmt_snprintf(want, sizeof(want), "%llu bytes",
		             (unsigned long long)p->min_size);
	}
	put(buf, size, len, "is %s, expected at least %s", have, want);
}

/* The one line for failed path p: every problem found, joined by "; ". */
WARD_COLD static void
path_failure(const struct fscheck_path *p, char *buf, size_t size)
{
	const char *sep = "";
	size_t len = 0;

	if (!p->exists) {
		if (p->err == ENOENT)
			put(buf, size, &len, "%s does not exist", p->path);
		else
			put(buf, size, &len, "cannot check %s: %s", p->path,
			    strerror(p->err));
		return;
	}
	put(buf, size, &len, "%s ", p->path);
	if (p->want_tmpfs && strcmp(p->fstype, "tmpfs") != 0) {
		put(buf, size, &len, "is %s, expected tmpfs", p->fstype);
		sep = "; ";
	} else if (p->want_tmpfs && !p->unlimited && p->size < p->min_size) {
		put_size(p, buf, size, &len);
		sep = "; ";
	}
	if (!p->writable)
		put(buf, size, &len, "%sis not writable by uid %lu: %s", sep,
		    (unsigned long)p->uid, strerror(p->err));
}

WARD_COLD char *
fscheck_failure(const struct fscheck_report *r, int i, char *buf, size_t size)
{
	size_t len = 0;
	int k;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (r->root_checked && !r->root_readonly && i-- == 0) {
		if (r->root_err)
			put(buf, size, &len, "cannot check /: %s",
			    strerror(r->root_err));
		else
			put(buf, size, &len,
			    "/ is writable, expected read-only");
		return buf;
	}
	for (k = 0; k < r->npaths; k++) {
		if (!r->paths[k].ok && i-- == 0) {
			path_failure(&r->paths[k], buf, size);
			break;
		}
	}
	return buf;
}

/* Append s as a JSON string, quotes included. */
static void
put_str(char *buf, size_t size, size_t *len, const char *s)
{
	put(buf, size, len, "\"");
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			put(buf, size, len, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			put(buf, size, len, "\\u%04x", ch);
		else
			put(buf, size, len, "%c", ch);
	}
	put(buf, size, len, "\"");
}

/* Append one path's facts as a JSON object. */
static void
put_path(const struct fscheck_path *p, char *buf, size_t size, size_t *len)
{
	put(buf, size, len, "{\"check\":\"%s\",\"path\":",
	    p->want_tmpfs ? "tmpfs" : "writable");
	put_str(buf, size, len, p->path);
	put(buf, size, len,
	    ",\"ok\":%s,\"exists\":%s,\"fstype\":", p->ok ? "true" : "false",
	    p->exists ? "true" : "false");
	if (p->exists)
		put_str(buf, size, len, p->fstype);
	else
		put(buf, size, len, "null");
	put(buf, size, len, ",\"size_bytes\":%llu",
	    (unsigned long long)p->size);
	if (p->want_tmpfs)
		put(buf, size, len, ",\"unlimited\":%s,\"min_size_bytes\":%llu",
		    p->unlimited ? "true" : "false",
		    (unsigned long long)p->min_size);
	put(buf, size, len,
	    ",\"writable\":%s,\"error\":", p->writable ? "true" : "false");
	if (p->err)
		put_str(buf, size, len, strerror(p->err));
	else
		put(buf, size, len, "null");
	put(buf, size, len, "}");
}

int
fscheck_json(const struct fscheck_report *r, char *buf, size_t size)
{
	const char *sep = "";
	size_t len = 0;
	int i;

	put(buf, size, &len, "[");
	if (r->root_checked) {
		put(buf, size, &len,
		    "{\"check\":\"readonly_root\",\"ok\":%s,\"readonly\":%s",
		    r->root_readonly ? "true" : "false",
		    r->root_readonly ? "true" : "false");
		if (r->root_err) {
			put(buf, size, &len, ",\"error\":");
			put_str(buf, size, &len, strerror(r->root_err));
		}
		put(buf, size, &len, "}");
		sep = ",";
	}
	for (i = 0; i < r->npaths; i++) {
		put(buf, size, &len, "%s", sep);
		put_path(&r->paths[i], buf, size, &len);
		sep = ",";
	}
	put(buf, size, &len, "]");
	if (len >= size) {
		errno = ENOSPC;
		return -1;
	}
	return (int)len;
}
