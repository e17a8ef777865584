/* trim.h: give back the text pages start-up touched and the loop never uses. */
#ifndef WARD_TRIM_H
#define WARD_TRIM_H

/*
 * Unmap ward's own read-only segments (text and constants), page by page
 * apart, so that from now on only the pages ward really uses are mapped
 * (its RSS). Call once, when start-up is over; errors are ignored.
 */
void trim_text(void);

/*
 * Give back the stack pages below the caller's frame that start-up used
 * (they hold dead frames only). Call once, just before the loop.
 */
void trim_stack(void);

#endif
