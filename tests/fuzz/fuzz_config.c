/* libFuzzer target: tendd.conf parsing (daemon/core/config.c). Any text either parses or gives
 * one or more "NAME:LINE: message" errors, never a crash. What parses dumps (config_dump) to a
 * complete tendd.conf that parses again and dumps to the same text: the effective settings
 * survive a round trip. One known exception: the dump quotes a command argument holding quotes
 * longer than it may have been written, so a dumped line can pass the parser's 199-byte line
 * limit (libinih's); that line must then be the only thing refused. A parsed notify command
 * template expands with hostile values into exactly one argument per template argument. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *dump(const struct config *c)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        if (!f)
                abort();
        config_dump(c, f);
        if (fclose(f) != 0)
                abort();
        return text;
}

static bool only_long_lines(char **errors)
{
        if (strv_length(errors) == 0)
                return false;
        for (char **e = errors; *e; e++)
                if (!strstr(*e, ": the line is longer than 199 bytes"))
                        return false;
        return true;
}

static void check_expand(char *const *tmpl)
{
        const char *vars[_CONFIG_VAR_MAX] = {"<b>$(touch x)</b>", "a\nb;c", NULL, "42", "", "-1"};
        char **argv = NULL;

        if (!tmpl)
                return;
        if (config_expand_command(tmpl, vars, &argv) < 0)
                abort();
        if (strv_length(argv) != strv_length(tmpl))
                abort(); /* one argument per template argument, whatever the values hold */
        strv_free(argv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = malloc(size + 1), *first = NULL, *second = NULL, **errors = NULL;
        struct config c, again, copy;
        int r;

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;
        config_init(&c);
        config_init(&again);
        config_init(&copy);

        r = config_parse_string(text, "fuzz.conf", &c, &errors);
        if (r == -EINVAL) {
                if (strv_length(errors) == 0)
                        abort();
                /* Each names its line; after the cap, one last line says more were cut. */
                for (char **e = errors; *e; e++)
                        if (strncmp(*e, "fuzz.conf:", 10) != 0 &&
                            !(e[1] == NULL && strcmp(*e, "(further errors not shown)") == 0))
                                abort();
        } else if (r == 0) {
                if (errors)
                        abort();
                first = dump(&c);
                if (config_parse_string(first, "dump.conf", &again, &errors) == 0) {
                        second = dump(&again);
                        if (strcmp(first, second) != 0)
                                abort();
                } else if (!only_long_lines(errors)) {
                        abort();
                }
                if (config_copy(&copy, &c) < 0)
                        abort();
                config_default_cadence(&c, UINT32_MAX);
                check_expand(c.command);
                check_expand(c.open_command);
        }
        strv_free(errors);
        free(first);
        free(second);
        config_done(&c);
        config_done(&again);
        config_done(&copy);
        free(text);
        return 0;
}
