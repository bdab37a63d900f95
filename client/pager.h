/* Output longer than the screen goes through a pager: the command's output is held back in
 * memory and, at the end, either written out (it fits, or paging is off) or piped into the
 * pager, which writes to the terminal itself. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct pager {
        FILE *real; /* where the output goes in the end */
        FILE *held; /* what the command writes to, until pager_finish/pager_release */
        char *data; /* held's contents */
        size_t len;
        size_t rows, cols;   /* the terminal's size; cols 0 when unknown */
        const char *command; /* run with sh -c, its standard input the held output */
};

/** Start holding output meant for real. Returns 0 with p->held to write to, or -ENOMEM. */
int pager_start(struct pager *p, FILE *real, size_t rows, size_t cols, const char *command);

/** Stop holding: what was held is written to real now, and real is what to write to after. */
void pager_release(struct pager *p);

/** The end of the output: page it when use and it is longer than rows - 1 lines (a line wider
 * than cols counts as the lines it takes on the screen), else write it to real. A pager that
 * cannot be started, or a command that is not found, writes it to real instead. Returns 0 or
 * -EIO (real could not be written). Accepts a pager never started or released. */
int pager_finish(struct pager *p, bool use);

/** Lines text takes on a screen cols wide (0: one per newline). */
size_t pager_screen_lines(const char *text, size_t len, size_t cols);
