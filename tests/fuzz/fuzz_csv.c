/* libFuzzer target: the CSV reader and the LinkedIn Connections.csv mapper (common/csv.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "csv.h"

static int on_row(char **fields, size_t n, size_t line, size_t end, void *userdata)
{
        size_t *len = userdata;

        if (n == 0 || n > CSV_FIELDS_MAX || line == 0)
                abort();
        for (size_t i = 0; i < n; i++)
                *len += fields[i][0] != 0;
        return 0;
}

static int on_record(json_t *rec, size_t end, void *userdata)
{
        if (!json_string_value(json_object_get(rec, "name")))
                abort(); /* a record always has a name */
        return 0;
}

static int on_error(size_t line, const char *reason, void *userdata)
{
        if (!reason || line == 0)
                abort();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const struct csv_callbacks cb = {.row = on_row, .error = on_error};
        const struct linkedin_callbacks lcb = {.record = on_record, .error = on_error};
        const char *reason = NULL;
        size_t n = 0;

        csv_parse((const char *)data, size, &cb, &n);
        linkedin_detect((const char *)data, size);
        linkedin_parse((const char *)data, size, &lcb, NULL, &reason);
        return 0;
}
