/* Folding of index keys (common/fold.c): one corpus of names and words in several scripts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fold.h"

static void fold_eq(const char *in, const char *want)
{
        char buf[512];
        size_t n = text_fold(in, strlen(in), buf, sizeof(buf) - 1);

        buf[n] = '\0';
        assert_string_equal(buf, want);
}

static void test_fold_latin(void **state)
{
        fold_eq("Jane DOE", "jane doe");
        fold_eq("René", "rene");
        fold_eq("RENÉ", "rene");
        fold_eq("Siobhán Ní Bhriain", "siobhan ni bhriain");
        fold_eq("Café", "cafe");
        fold_eq("ÖRJAN Åström", "orjan astrom");
        fold_eq("ŁUKASZ ŻÓŁW", "łukasz zołw"); /* ł has no decomposition: kept, lower-cased */
        fold_eq("ČEŠKA", "ceska");
        fold_eq("Straße", "strasse");
        fold_eq("STRASSE", "strasse");
        fold_eq("ẞ", "ss");
        fold_eq("ﬁle", "file");      /* compatibility ligature */
        fold_eq("ＡＢＣ１", "abc1"); /* full-width forms */
        /* a decomposed accent (e + U+0301) folds like the composed one */
        fold_eq("Rene\xcc\x81", "rene");
        fold_eq("×", "×");
}

static void test_fold_turkish(void **state)
{
        fold_eq("Işık", "isik");
        fold_eq("IŞIK", "isik");
        fold_eq("İstanbul", "istanbul");
        fold_eq("istanbul", "istanbul");
}

static void test_fold_other_scripts(void **state)
{
        fold_eq("ΣΩΚΡΑΤΗΣ", "σωκρατησ");
        fold_eq("Σωκράτης", "σωκρατησ"); /* final sigma and tonos */
        fold_eq("ИВАН ЁЖИКОВ", "иван ежиков");
        fold_eq("محمد", "محمد");
        fold_eq("مُحَمَّد", "محمد"); /* harakat are combining marks */
        fold_eq("日本 😀", "日本 😀");
}

static void test_fold_hangul(void **state)
{
        char a[64], b[64];
        /* Hangul syllables decompose to jamo (NFKD): a syllable still prefixes the name. */
        size_t la = text_fold("김민준", strlen("김민준"), a, sizeof(a));
        size_t lb = text_fold("김", strlen("김"), b, sizeof(b));

        assert_true(lb > 0 && lb < la);
        assert_memory_equal(a, b, lb);
}

static void test_fold_limits(void **state)
{
        char buf[8];
        /* "é" is 2 bytes in NFC but cut at a boundary after folding */
        size_t n = text_fold("ÉÉÉÉÉÉÉÉ", strlen("ÉÉÉÉÉÉÉÉ"), buf, 5);

        assert_int_equal(n, 5);
        assert_memory_equal(buf, "eeeee", 5);
        n = text_fold("日本語", strlen("日本語"), buf, 7);
        assert_int_equal(n, 6); /* never half a character */
        /* broken UTF-8 still gives a stable key */
        fold_eq("A\xc3", "a\xc3");
        fold_eq("\xc3(", "\xc3(");
}

static void words_eq(const char *s, const char *const *want)
{
        size_t pos = 0, start, len, i = 0;

        while (text_next_word(s, strlen(s), &pos, &start, &len)) {
                assert_non_null(want[i]);
                assert_int_equal(len, strlen(want[i]));
                assert_memory_equal(s + start, want[i], len);
                i++;
        }
        assert_null(want[i]);
}

static void test_words(void **state)
{
        words_eq("Ana  Smith-Jones", (const char *const[]){"Ana", "Smith", "Jones", NULL});
        words_eq("coffee—at Café Nero, 3pm",
                 (const char *const[]){"coffee", "at", "Café", "Nero", "3pm", NULL});
        words_eq("«Привет», мир!", (const char *const[]){"Привет", "мир", NULL});
        words_eq("東京、大阪", (const char *const[]){"東京", "大阪", NULL});
        words_eq("ana@example.org", (const char *const[]){"ana", "example", "org", NULL});
        words_eq("Rene\xcc\x81 x", (const char *const[]){"Rene\xcc\x81", "x", NULL});
        words_eq("", (const char *const[]){NULL});
}

static void test_equal_and_dup(void **state)
{
        char *s = text_fold_dup("Siobhán");

        assert_string_equal(s, "siobhan");
        free(s);
        assert_true(text_fold_equal("René Girard", "rene girard"));
        assert_true(text_fold_equal("Örjan", "ORJAN"));
        assert_false(text_fold_equal("René", "Renée"));
        s = text_lower_dup("CAFÉ Ærø");
        assert_string_equal(s, "café ærø");
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_fold_latin),         cmocka_unit_test(test_fold_turkish),
            cmocka_unit_test(test_fold_other_scripts), cmocka_unit_test(test_fold_limits),
            cmocka_unit_test(test_fold_hangul),        cmocka_unit_test(test_words),
            cmocka_unit_test(test_equal_and_dup),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
