/* trim.c: give back the text pages start-up touched and the loop never uses. */
#include "trim.h"
#include "defs.h"

#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * A read-only segment of ward's own file, [a, a + n): every other page gets
 * MADV_RANDOM, so that no two neighbouring pages can merge back into one
 * mapping, then all of it is unmapped (MADV_DONTNEED keeps the page cache).
 * Fault-around (fault_around_bytes, 64 KiB by default) and the read-ahead of
 * executable mappings (which, on Linux 6.18, ignores MADV_RANDOM) both stop
 * at the end of a mapping, so each later fault maps the one page ward runs
 * or reads, not the whole binary. Only read-only segments are touched: they
 * hold no private changes (no text relocations in a static or -fPIE build;
 * a debugger's breakpoints set before this point are lost).
 */
WARD_COLD static void
trim_segment(char *a, size_t n, size_t pg)
{
	char *end = a + n;
	char *p;

	end += (pg - (uintptr_t)end % pg) % pg;
	a -= (uintptr_t)a % pg;
	for (p = a + pg; p < end; p += 2 * pg)
		madvise(p, pg, MADV_RANDOM);
	madvise(a, (size_t)(end - a), MADV_DONTNEED);
}

/* The ELF header, where the linker put the start of ward's own file. */
extern const char __executable_start[];

#define TRIM_MAX 4 /* read-only segments handled (GNU ld makes up to 3) */

void
trim_text(void)
{
	char *base = (char *)__executable_start;
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)base;
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)(base + eh->e_phoff);
	/* Where the lowest segment was linked: 0 in a PIE, else the address
	 * it was loaded at, the ELF header's. */
	uintptr_t low = eh->e_type == ET_DYN ? 0 : (uintptr_t)base;
	size_t pg = (size_t)getpagesize();
	char *seg[TRIM_MAX];
	size_t len[TRIM_MAX];
	int i;
	int n = 0;

	/* All read first: the headers are in the first page trimmed. */
	for (i = 0; i < eh->e_phnum && n < TRIM_MAX; i++)
		if (ph[i].p_type == PT_LOAD && !(ph[i].p_flags & PF_W)) {
			seg[n] = base + (ph[i].p_vaddr - low);
			len[n++] = ph[i].p_memsz;
		}
	for (i = 0; i < n; i++)
		trim_segment(seg[i], len[i], pg);
}

#define TRIM_STACK_KEEP 4096  /* below this frame: madvise's own frame */
#define TRIM_STACK_SPAN 65536 /* deeper than start-up ever went */

/*
 * Below the caller's frame the stack holds only the dead frames of
 * start-up (the option parser, the cgroup search): they are zeroed and
 * unmapped, to be faulted in again, one page at a time, as the loop needs.
 * The span may reach below the stack's mapping, into the guard gap the
 * kernel keeps free (stack_guard_gap): madvise(2) skips what is unmapped.
 */
__attribute__((noinline)) void
trim_stack(void)
{
	char *end = (char *)__builtin_frame_address(0) - TRIM_STACK_KEEP;
	size_t pg = (size_t)getpagesize();

	end -= (uintptr_t)end % pg;
	madvise(end - TRIM_STACK_SPAN, TRIM_STACK_SPAN, MADV_DONTNEED);
}
