#include "util.h"

#include <ctype.h>
#include <stdint.h>
#include <strings.h>

size_t strv_length(char *const *v)
{
        size_t n = 0;

        if (!v)
                return 0;
        while (v[n])
                n++;
        return n;
}

char **strv_free(char **v)
{
        if (!v)
                return NULL;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
        return NULL;
}

int strv_push(char ***v, const char *s)
{
        size_t n = strv_length(*v);
        char *copy = strdup(s);
        char **nv;

        if (!copy)
                return -ENOMEM;
        nv = realloc(*v, (n + 2) * sizeof(char *));
        if (!nv) {
                free(copy);
                return -ENOMEM;
        }
        nv[n] = copy;
        nv[n + 1] = NULL;
        *v = nv;
        return 0;
}

static bool str_match(const char *a, const char *b, bool icase)
{
        return icase ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

size_t strv_remove(char **v, const char *s, bool icase)
{
        size_t removed = 0, w = 0;

        if (!v)
                return 0;
        for (size_t r = 0; v[r]; r++) {
                if (str_match(v[r], s, icase)) {
                        free(v[r]);
                        removed++;
                } else
                        v[w++] = v[r];
        }
        v[w] = NULL;
        return removed;
}

bool strv_contains(char *const *v, const char *s, bool icase)
{
        if (!v)
                return false;
        for (; *v; v++)
                if (str_match(*v, s, icase))
                        return true;
        return false;
}

int strv_copy(char *const *v, char ***ret)
{
        char **c = NULL;

        if (v)
                for (; *v; v++)
                        if (strv_push(&c, *v) < 0) {
                                strv_free(c);
                                return -ENOMEM;
                        }
        *ret = c;
        return 0;
}

int strdup_null(const char *s, char **ret)
{
        char *c = NULL;

        if (s) {
                c = strdup(s);
                if (!c)
                        return -ENOMEM;
        }
        *ret = c;
        return 0;
}

int free_and_strdup(char **dst, const char *src)
{
        char *c;
        int r = strdup_null(src, &c);

        if (r < 0)
                return r;
        free(*dst);
        *dst = c;
        return 0;
}

char *ascii_strlower(char *s)
{
        for (char *p = s; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                        *p = (char)(*p - 'A' + 'a');
        return s;
}

/* Whether all 8 bytes of w are printable ASCII (0x20..0x7e): no high bit, no byte below
 * 0x20 (has-less-than), no 0x7f (has-zero-byte of w ^ 0x7f…). A borrow only crosses into a
 * higher byte from a byte that is itself caught, so the answer is exact. */
static bool word_is_printable_ascii(uint64_t w)
{
        const uint64_t ones = UINT64_C(0x0101010101010101), highs = ones * 0x80;
        uint64_t del = w ^ (ones * 0x7f);

        return ((w | ((w - ones * 0x20) & ~w) | ((del - ones) & ~del)) & highs) == 0;
}

/* Has-zero-byte of w ^ '"' and w ^ '\\', has-less-than 0x20: exact as a yes/no, since a
 * borrow only crosses into a higher byte from a byte that is caught itself. */
size_t json_plain_run(const char *p, size_t n)
{
        const uint64_t ones = UINT64_C(0x0101010101010101), highs = ones * 0x80;
        size_t i = 0;

        for (; n - i >= 8; i += 8) {
                uint64_t w, q, bs;

                memcpy(&w, p + i, sizeof(w));
                q = w ^ (ones * '"');
                bs = w ^ (ones * '\\');
                if ((((q - ones) & ~q) | ((bs - ones) & ~bs) | ((w - ones * 0x20) & ~w)) & highs)
                        break;
        }
        while (i < n && p[i] != '"' && p[i] != '\\' && (unsigned char)p[i] >= 0x20)
                i++;
        return i;
}

bool utf8_is_clean_text(const char *s, size_t len, bool allow_newline)
{
        const unsigned char *p = (const unsigned char *)s, *end = p + len;

        while (p < end) {
                unsigned char c = *p;
                size_t n;
                uint32_t cp;

                /* Runs of printable ASCII (nearly all of any text here), a word at a time. */
                while ((size_t)(end - p) >= 8) {
                        uint64_t w;

                        memcpy(&w, p, sizeof(w));
                        if (!word_is_printable_ascii(w))
                                break;
                        p += 8;
                }
                if (p == end)
                        break;
                c = *p;
                if (c < 0x80) {
                        if (c == 0 || c == 0x7f ||
                            (c < 0x20 && c != '\t' && !(allow_newline && c == '\n')))
                                return false;
                        p++;
                        continue;
                }
                if ((c & 0xe0) == 0xc0) {
                        n = 2;
                        cp = c & 0x1f;
                } else if ((c & 0xf0) == 0xe0) {
                        n = 3;
                        cp = c & 0x0f;
                } else if ((c & 0xf8) == 0xf0) {
                        n = 4;
                        cp = c & 0x07;
                } else
                        return false;
                if ((size_t)(end - p) < n)
                        return false;
                for (size_t i = 1; i < n; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (p[i] & 0x3f);
                }
                /* Reject overlong forms, surrogates and values past U+10FFFF. */
                if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
                    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
                        return false;
                p += n;
        }
        return true;
}
