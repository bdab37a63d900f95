/* An LD_PRELOAD library for tests: once the file named by $TEND_FAULT_TRIGGER exists, every
 * pwrite() to the first two pages of an LMDB data file (data.mdb: its two meta pages) fails
 * with EIO — what a dying disk does to a commit at its last step. LMDB then marks the
 * environment failed and answers MDB_PANIC from then on. Nothing else is touched: data pages,
 * the lock file and every other file are written as usual. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);

/* Whether fd is open on a file called data.mdb. */
static int is_lmdb_data(int fd)
{
        char link[64], path[PATH_MAX];
        ssize_t n;
        static const char name[] = "/data.mdb";

        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, path, sizeof(path) - 1);
        if (n < (ssize_t)sizeof(name) - 1)
                return 0;
        path[n] = '\0';
        return strcmp(path + n - (sizeof(name) - 1), name) == 0;
}

static int should_fail(int fd, off_t off)
{
        const char *trigger = getenv("TEND_FAULT_TRIGGER");
        long page = sysconf(_SC_PAGESIZE);

        return trigger && off < 2 * (off_t)page && access(trigger, F_OK) == 0 && is_lmdb_data(fd);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
        static pwrite_fn real;

        if (!real)
                real = (pwrite_fn)dlsym(RTLD_NEXT, "pwrite");
        if (should_fail(fd, off)) {
                errno = EIO;
                return -1;
        }
        return real(fd, buf, n, off);
}
