/* Folding for matching keys: see fold.h. */
#include "fold.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

static bool is_ascii(const uint8_t *p, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if (p[i] >= 0x80)
                        return false;
        return true;
}

static size_t ascii_fold(const uint8_t *p, size_t len, char *out, size_t max)
{
        size_t n = len < max ? len : max;

        for (size_t i = 0; i < n; i++)
                out[i] = (char)((p[i] >= 'A' && p[i] <= 'Z') ? p[i] - 'A' + 'a' : p[i]);
        return n;
}

/* Copy the folded code points of f into out, without combining marks, ı as i. */
static size_t strip_marks(const uint8_t *f, size_t flen, char *out, size_t max)
{
        size_t o = 0, i = 0;

        while (i < flen) {
                ucs4_t uc;
                int n = u8_mbtouc(&uc, f + i, flen - i);

                if (n <= 0)
                        break;
                if (uc == 0x131) { /* Turkish dotless ı: no case or decomposition maps it */
                        if (o + 1 > max)
                                break;
                        out[o++] = 'i';
                } else if (!uc_is_general_category(uc, UC_CATEGORY_Mn) &&
                           !uc_is_general_category(uc, UC_CATEGORY_Me)) {
                        if (o + (size_t)n > max)
                                break;
                        memcpy(out + o, f + i, (size_t)n);
                        o += (size_t)n;
                }
                i += (size_t)n;
        }
        return o;
}

size_t text_fold(const char *s, size_t len, char *out, size_t max)
{
        const uint8_t *p = (const uint8_t *)s;
        uint8_t stack[1024];
        size_t flen = sizeof(stack), o;
        uint8_t *f;

        if (is_ascii(p, len) || u8_check(p, len))
                return ascii_fold(p, len, out, max);
        f = u8_casefold(p, len, NULL, UNINORM_NFKD, stack, &flen);
        if (!f) /* EILSEQ or ENOMEM: still a stable key, ASCII folded */
                return ascii_fold(p, len, out, max);
        o = strip_marks(f, flen, out, max);
        if (f != stack)
                free(f);
        return o;
}

char *text_fold_dup(const char *s)
{
        size_t len = strlen(s);
        /* NFKD and full case folding expand a code point to at most 18 code points (ﷺ). */
        size_t max = len * 18 + 1;
        char *out = malloc(max);
        size_t n;

        if (!out)
                return NULL;
        n = text_fold(s, len, out, max - 1);
        out[n] = '\0';
        return out;
}

static bool is_word_cp(ucs4_t uc)
{
        if (uc < 0x80)
                return (uc >= '0' && uc <= '9') || (uc >= 'a' && uc <= 'z') ||
                       (uc >= 'A' && uc <= 'Z');
        return uc_is_general_category(uc, UC_CATEGORY_L) ||
               uc_is_general_category(uc, UC_CATEGORY_N) ||
               uc_is_general_category(uc, UC_CATEGORY_M);
}

/* Decode one code point at p (n bytes left); an invalid byte counts as one word byte. */
static size_t next_cp(const uint8_t *p, size_t n, bool *word)
{
        ucs4_t uc;
        int k;

        if (p[0] < 0x80) {
                *word = is_word_cp(p[0]);
                return 1;
        }
        k = u8_mbtoucr(&uc, p, n);
        if (k <= 0) {
                *word = true;
                return 1;
        }
        *word = is_word_cp(uc);
        return (size_t)k;
}

bool text_next_word(const char *s, size_t len, size_t *pos, size_t *ret_start, size_t *ret_len)
{
        const uint8_t *p = (const uint8_t *)s;
        size_t i = *pos, start;
        bool word = false;

        while (i < len) {
                size_t k = next_cp(p + i, len - i, &word);

                if (word)
                        break;
                i += k;
        }
        if (i >= len) {
                *pos = len;
                return false;
        }
        start = i;
        while (i < len) {
                size_t k = next_cp(p + i, len - i, &word);

                if (!word)
                        break;
                i += k;
        }
        *pos = i;
        *ret_start = start;
        *ret_len = i - start;
        return true;
}

bool text_fold_equal(const char *a, const char *b)
{
        char *fa = text_fold_dup(a), *fb = text_fold_dup(b);
        bool eq = fa && fb && strcmp(fa, fb) == 0;

        free(fa);
        free(fb);
        return eq;
}

char *text_lower_dup(const char *s)
{
        size_t len = strlen(s), n = 0;
        uint8_t *l = u8_tolower((const uint8_t *)s, len, NULL, UNINORM_NFC, NULL, &n);
        char *out;

        if (!l) {
                out = strdup(s);
                if (out)
                        ascii_fold((const uint8_t *)s, len, out, len);
                return out;
        }
        out = malloc(n + 1);
        if (out) {
                memcpy(out, l, n);
                out[n] = '\0';
        }
        free(l);
        return out;
}
