/* The store's check and repair as a whole operation: run in a read transaction (check) or in
 * one write transaction (repair), with the report as the JSON object of io.tend.Service.Check
 * and as text. Shared by the varlink method and `tendd --check-store`. */
#pragma once

#include "check-report.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "store.h"

/** Check the store (repair: and rebuild it, see store-check.h). On success *ret is the report
 * (what was found, before a repair; "remaining": what is still wrong after it) and the return
 * value is the number of problems remaining (>= 0).
 * Returns -errno when the store could not be read or written. */
int check_store(struct store *s, bool repair, json_t **ret);
