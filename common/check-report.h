/* The words for a store check report (io.tend.Service.Check's JSON, the same for `tend check`
 * and `tendd --check-store`), so both say the same thing. */
#pragma once

#include <jansson.h>
#include <stdio.h>

/** Print report for people. hint: a line for what to do about problems (NULL: none). */
void check_report_print(FILE *f, const json_t *report, const char *hint);
