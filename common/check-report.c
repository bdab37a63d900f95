/* The words for a store check report; see check-report.h. */
#include "check-report.h"

#include <stdbool.h>

static json_int_t num(const json_t *o, const char *key)
{
        return json_integer_value(json_object_get(o, key));
}

/* "1 goal", "2 goals" */
static void count(FILE *f, const char *sep, json_int_t n, const char *one, const char *many)
{
        fprintf(f, "%s%lld %s", sep, (long long)n, n == 1 ? one : many);
}

void check_report_print(FILE *f, const json_t *report, const char *hint)
{
        const json_t *records = json_object_get(report, "records"), *x;
        json_int_t problems = num(report, "problems"), remaining = num(report, "remaining");
        bool repaired = json_is_true(json_object_get(report, "repaired"));
        size_t i;

        count(f, "Checked ", num(records, "contacts"), "contact", "contacts");
        count(f, ", ", num(records, "interactions"), "interaction", "interactions");
        count(f, ", ", num(records, "goals"), "goal", "goals");
        count(f, ", ", num(records, "goal_links"), "goal link", "goal links");
        count(f, " and ", num(records, "intros"), "introduction", "introductions");
        fprintf(f, " (store schema %lld).\n", (long long)num(report, "schema"));
        if (problems == 0) {
                fprintf(f, "No problems found.\n");
                return;
        }
        if (!json_is_true(json_object_get(report, "schema_known")))
                fprintf(f, "  schema version %lld is not the one this tendd knows\n",
                        (long long)num(report, "schema"));
        json_array_foreach(json_object_get(report, "indexes"), i, x)
        {
                if (num(x, "missing") + num(x, "extra") + num(x, "wrong") == 0)
                        continue;
                fprintf(f, "  %-18s %lld missing, %lld extra, %lld wrong (of %lld entries)\n",
                        json_string_value(json_object_get(x, "name")), (long long)num(x, "missing"),
                        (long long)num(x, "extra"), (long long)num(x, "wrong"),
                        (long long)num(x, "entries"));
        }
        if (num(report, "unreadable"))
                count(f, "  ", num(report, "unreadable"),
                      "record that does not decode (a repair "
                      "leaves it alone)\n",
                      "records that do not decode (a repair leaves them "
                      "alone)\n");
        if (num(report, "shadowing_tombstones"))
                count(f, "  ", num(report, "shadowing_tombstones"),
                      "tombstone of a record that is live\n",
                      "tombstones of records that are live\n");
        if (num(report, "dangling"))
                count(f, "  ", num(report, "dangling"),
                      "link, introduction or interaction of a record that is gone\n",
                      "links, introductions or interactions of a record that is gone\n");
        if (num(report, "counters"))
                count(f, "  ", num(report, "counters"), "id counter behind the ids in use\n",
                      "id counters behind the ids in use\n");
        if (num(json_object_get(report, "journal"), "problems"))
                count(f, "  ", num(json_object_get(report, "journal"), "problems"),
                      "problem in the undo journal (a repair empties it)\n",
                      "problems in the undo journal (a repair empties it)\n");
        count(f, "", problems, "problem found", "problems found");
        if (repaired)
                fputs("; repaired: every index rebuilt from the records", f);
        else if (hint)
                fprintf(f, "; %s", hint);
        fputs(".\n", f);
        if (repaired && remaining > 0)
                count(f, "", remaining, "problem remains (see tendd's log).\n",
                      "problems remain (see tendd's log).\n");
}
