/* guard.h: place test input right before a PROT_NONE page, so any read past
 * its end crashes the test (picohttpparser's habit). */
#ifndef WARD_TEST_GUARD_H
#define WARD_TEST_GUARD_H

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <criterion/criterion.h>

/*
 * Copy len bytes of s so that they end exactly at a PROT_NONE page and
 * return the copy. Each call maps fresh pages (leaked: tests are short).
 */
static inline char *
guard_copy(const void *s, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t n = (len + pg - 1) / pg * pg;
	char *m = mmap(NULL, n + pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert(m != MAP_FAILED);
	cr_assert(mprotect(m + n, pg, PROT_NONE) == 0);
	memcpy(m + n - len, s, len);
	return m + n - len;
}

#endif
