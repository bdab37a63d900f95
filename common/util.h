/* Small helpers shared by every module: cleanup attributes, string vectors, errno helpers. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* qsort for arrays that may be empty: qsort's base must not be NULL even with no elements
 * (UBSan rejects it), and an empty vector's pointer often is. */
static inline void qsort_safe(void *base, size_t n, size_t size,
                              int (*cmp)(const void *, const void *))
{
        if (n > 1)
                qsort(base, n, size, cmp);
}

static inline bool streq(const char *a, const char *b)
{
        return strcmp(a, b) == 0;
}

static inline bool streq_ptr(const char *a, const char *b)
{
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}

static inline const char *strempty(const char *s)
{
        return s ? s : "";
}

static inline void freep(void *p)
{
        free(*(void **)p);
}

static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}

/* Take ownership out of a cleanup-managed variable. */
#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                __typeof__(p) _p = (p);                                                            \
                (p) = NULL;                                                                        \
                _p;                                                                                \
        })
#define TAKE_FD(fd)                                                                                \
        ({                                                                                         \
                int _fd = (fd);                                                                    \
                (fd) = -1;                                                                         \
                _fd;                                                                               \
        })

#define _cleanup_(f)    __attribute__((cleanup(f)))
#define _cleanup_free_  _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_strv_  _cleanup_(strv_freep)
#define _unused_        __attribute__((unused))
#define _printf_(a, b)  __attribute__((format(printf, a, b)))

/* A string vector is a NULL-terminated array of heap strings; NULL is the empty vector. */
typedef char **strv_t;

/** Number of entries in a NULL-terminated vector (NULL counts as empty). */
size_t strv_length(char *const *v);

/** Free every string and the vector itself; accepts NULL. Returns NULL. */
char **strv_free(char **v);

static inline void strv_freep(char ***v)
{
        strv_free(*v);
}

/** Append a copy of s to *v. Returns 0 or -ENOMEM (then *v is unchanged). */
int strv_push(char ***v, const char *s);

/** Remove every entry equal to s (compared case-insensitively when icase). Returns how many. */
size_t strv_remove(char **v, const char *s, bool icase);

/** Whether v holds s (case-insensitively when icase). */
bool strv_contains(char *const *v, const char *s, bool icase);

/** Deep copy; NULL stays NULL. Returns 0 or -ENOMEM. */
int strv_copy(char *const *v, char ***ret);

/** strdup that keeps NULL as NULL; sets *ret, returns 0 or -ENOMEM. */
int strdup_null(const char *s, char **ret);

/** Replace *dst with a copy of src (NULL clears). Returns 0 or -ENOMEM (then *dst unchanged). */
int free_and_strdup(char **dst, const char *src);

/** Lower-case ASCII letters in place; UTF-8 bytes above 0x7f are left alone. */
char *ascii_strlower(char *s);

/** The value of a hexadecimal digit (either case), or -1. */
static inline int hex_digit_value(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/** How many bytes from p on (at most n) need no JSON escape: no '"', no backslash, no control
 * character below 0x20. Scans a word at a time; JSON readers and writers call it per run. */
size_t json_plain_run(const char *p, size_t n);

/** Whether s is valid UTF-8 without NUL bytes and without C0 control characters except tab. */
bool utf8_is_clean_text(const char *s, size_t len, bool allow_newline);
