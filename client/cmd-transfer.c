/* tend import, export, backup and restore (issue 6).
 *
 * Import reads the user's file here, in the client (a path or stdin), detects and parses the
 * format (common/vcard.c, common/csv.c, JSON lines) and sends tend records to tendd as JSON
 * lines in io.tend.Transfer.Upload calls that stay far below the 1 MiB message limit; Import
 * then applies them in one write transaction. So the daemon never reads a path a client names,
 * stdin works like a file, and a progress bar can follow the reading on a terminal.
 *
 * Export asks for every record in one consistent read (io.tend.Transfer.Export) and writes
 * vCard 4.0 (one stream, or one UID.vcf per contact in a directory: the khard/vdirsyncer
 * layout), iCalendar VTODOs for follow-ups, or JSON lines (keys sorted, so the same store always
 * gives the same bytes). Files are written to a temporary name, synced and renamed.
 *
 * Restore works on the files directly: tendd must not hold the target store (its tendd.lock). */
#include <ctype.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "conn.h"
#include "csv.h"
#include "ical.h"
#include "jsonfast.h"
#include "jsonline.h"
#include "model.h"
#include "paths.h"
#include "strbuf.h"
#include "timeutil.h"
#include "vcard.h"

#define INPUT_MAX              ((size_t)1 << 30) /* largest file import reads */
#define IMPORT_RECORDS_PER_SEC 5000         /* the slowest an import may be before tend gives up */
#define CHUNK_BYTES            (768u << 10) /* records per Upload: under the 1 MiB limit */
#define PROGRESS_BYTES         (1u << 20)   /* show a progress bar from this size on */

const struct option_help cmd_import_options[] = {
    {"format", CLI_OPT_FORMAT, "FORMAT", "vcard, linkedin or json (default: from the content)",
     "vcard linkedin json"},
    {"network", CLI_OPT_NETWORK, "NETWORK",
     "put everyone imported in this network (repeatable; LinkedIn default: strategic)",
     "operational personal strategic"},
    {"tag", CLI_OPT_TAG, "TAG", "tag everyone imported (repeatable)", NULL},
    {"dry-run", CLI_OPT_DRY_RUN, NULL,
     "show what would be added, merged and skipped; change nothing", NULL},
    {"strict", CLI_OPT_STRICT, NULL, "import nothing when any card or row is broken", NULL},
    {0},
};

const struct option_help cmd_export_options[] = {
    {"format", CLI_OPT_FORMAT, "FORMAT", "vcard, ics or json (default: json)", "vcard ics json"},
    {"out", CLI_OPT_OUT, "PATH",
     "write to PATH instead of stdout; for vcard a directory gets one UID.vcf per contact", NULL},
    {0},
};

const struct option_help cmd_restore_options[] = {
    {"data-dir", CLI_OPT_DATA_DIR, "DIR", "restore into DIR (default: $XDG_DATA_HOME/tend)", NULL},
    {"force", CLI_OPT_FORCE, NULL,
     "replace a store that is there (it is kept as data.mdb.before-restore)", NULL},
    {0},
};

const char cmd_import_help[] =
    "FILE is a vCard file (2.1, 3.0 or 4.0: phones, Google, Apple, Outlook), LinkedIn's\n"
    "Connections.csv, or a 'tend export --format json' file; '-' reads stdin. People already\n"
    "here are matched by UID, then email, then exact name, and merged: new emails, phones,\n"
    "urls and tags are added and empty fields filled; nothing of yours is overwritten.\n"
    "Everything happens in one transaction: all or nothing. A broken card or row is reported\n"
    "with its line number and skipped (with --strict the import stops).";

const char cmd_export_help[] =
    "vcard: vCard 4.0 with tend's own fields as X-TEND-* properties; '--out DIR' writes one\n"
    "UID.vcf per person (what khard and vdirsyncer read).\n"
    "ics: one VTODO per follow-up date, due in UTC with a reminder, for calendars and calcurse.\n"
    "json: JSON lines with everything (contacts, interactions, deletions); 'tend import' of it\n"
    "into an empty store restores it exactly.";

const struct option_help cmd_backup_options[] = {
    {"list", CLI_OPT_LIST, NULL, "list the rolling backups tendd keeps (size, time, verified)",
     NULL},
    {0},
};

const char cmd_backup_help[] =
    "A compacted copy of the LMDB store, consistent to one moment, written while tendd keeps\n"
    "serving (on a thread of its own, to a temporary file read back before it is renamed).\n"
    "Without FILE, a rolling backup now into tendd's backup folder (tendd.conf [backup]; it\n"
    "writes one a day on its own). Bring one back with 'tend restore FILE'.";

const char cmd_restore_help[] =
    "Puts FILE (from 'tend backup') in place as the store. tendd must not be running on that\n"
    "store: stop it first (systemctl --user stop tendd.socket tendd.service), or restore into\n"
    "another directory with --data-dir and start a tendd there. An existing store is only\n"
    "replaced with --force, and is then kept as data.mdb.before-restore.";

/* ---- reading the input ---- */

static int read_all(int fd, char **ret, size_t *ret_len)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;

        for (;;) {
                ssize_t n;

                if (cap - len < 65536) {
                        size_t ncap = cap ? cap * 2 : 1 << 20;
                        char *p;

                        if (ncap > INPUT_MAX + 65536)
                                ncap = INPUT_MAX + 65536;
                        if (ncap <= cap)
                                return -EFBIG;
                        p = realloc(buf, ncap + 1);
                        if (!p)
                                return -ENOMEM;
                        buf = p;
                        cap = ncap;
                }
                n = read(fd, buf + len, cap - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > INPUT_MAX)
                        return -EFBIG;
        }
        if (!buf) {
                buf = strdup("");
                if (!buf)
                        return -ENOMEM;
        }
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

enum format {
        FORMAT_VCARD,
        FORMAT_LINKEDIN,
        FORMAT_JSON,
        FORMAT_ICS,
        _FORMAT_INVALID = -EINVAL,
};

static enum format format_from_string(const char *s)
{
        static const char *const names[] = {"vcard", "linkedin", "json", "ics"};

        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                if (strcasecmp(s, names[i]) == 0)
                        return (enum format)i;
        if (strcasecmp(s, "vcf") == 0)
                return FORMAT_VCARD;
        if (strcasecmp(s, "csv") == 0)
                return FORMAT_LINKEDIN;
        if (strcasecmp(s, "ical") == 0 || strcasecmp(s, "icalendar") == 0)
                return FORMAT_ICS;
        return _FORMAT_INVALID;
}

static enum format detect(const char *data, size_t len)
{
        size_t i = 0;

        if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
                i = 3;
        while (i < len && isspace((unsigned char)data[i]))
                i++;
        if (len - i >= 11 && strncasecmp(data + i, "BEGIN:VCARD", 11) == 0)
                return FORMAT_VCARD;
        if (i < len && data[i] == '{')
                return FORMAT_JSON;
        if (linkedin_detect(data, len))
                return FORMAT_LINKEDIN;
        return _FORMAT_INVALID;
}

/* ---- the progress bar ---- */

struct progress {
        FILE *f; /* NULL: no bar */
        const char *label;
        size_t total;
        int last_percent;
        double last_time;
};

static double now_mono(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress_show(struct progress *p, size_t done, size_t records)
{
        int percent, width = 30, fill;
        double t;

        if (!p->f || p->total == 0)
                return;
        percent = (int)(done * 100 / p->total);
        t = now_mono();
        if (percent == p->last_percent || (t - p->last_time < 0.1 && percent < 100))
                return;
        p->last_percent = percent;
        p->last_time = t;
        fill = percent * width / 100;
        fprintf(p->f, "\r%s [", p->label);
        for (int i = 0; i < width; i++)
                fputc(i < fill ? '#' : '.', p->f);
        fprintf(p->f, "] %3d%%  %zu %s", percent, records,
                output_plural((long long)records, "record", "records"));
        fflush(p->f);
}

static void progress_say(struct progress *p, const char *what)
{
        if (!p->f)
                return;
        fprintf(p->f, "\r\033[K%s", what);
        fflush(p->f);
}

static void progress_clear(struct progress *p)
{
        if (!p->f)
                return;
        fputs("\r\033[K", p->f);
        fflush(p->f);
}

/* ---- sending records ----
 *
 * Each record is serialised once, into the text of the next Upload call. One Upload stays in
 * flight while the next piece is parsed: its reply is read just before the following piece goes
 * out, so tendd stages one piece while we parse the next. Replies come in order; the first one
 * names the upload the later pieces join. */

struct sender {
        struct cli *cli;
        struct strbuf records; /* records not sent yet: JSON lines, escaped as a JSON string */
        struct strbuf esc;     /* scratch: a record that moves to the next piece */
        struct strbuf msg;     /* scratch: the call message */
        size_t n_chunk;        /* records in .records */
        char *upload;          /* id once the first Upload was answered */
        bool in_flight;        /* an Upload was sent and its reply not read yet */
        size_t sent;           /* Upload calls sent */
        size_t records_total;  /* records queued so far */
        struct progress progress;
};

static void sender_done(struct sender *s)
{
        strbuf_done(&s->records);
        strbuf_done(&s->esc);
        strbuf_done(&s->msg);
        free(s->upload);
}

/* Read the reply of the Upload in flight; the first one names the upload. */
static int sender_wait(struct sender *s)
{
        _cleanup_(json_decrefp) json_t *reply = NULL;
        const char *id;
        int r;

        if (!s->in_flight)
                return 0;
        s->in_flight = false;
        r = cli_receive(s->cli, &reply);
        if (r < 0)
                return r;
        if (!s->upload) {
                id = cmd_jstr(reply, "upload");
                /* It goes into the next calls' text as it is: hex digits only. */
                if (!id || !*id || strspn(id, "0123456789abcdef") != strlen(id))
                        return cli_fail(s->cli, -EBADMSG, "tendd did not name the upload");
                s->upload = strdup(id);
                if (!s->upload)
                        return cmd_oom(s->cli);
        }
        return 0;
}

/* Send the queued records in an Upload call and leave it in flight. */
static int sender_flush(struct sender *s)
{
        int r;

        if (s->n_chunk == 0)
                return 0;
        r = sender_wait(s);
        if (r < 0)
                return r;
        strbuf_reset(&s->msg);
        strbuf_puts(&s->msg, "{\"method\":\"io.tend.Transfer.Upload\",\"parameters\":{");
        if (s->upload) {
                /* Our own id from tendd's reply: hex digits, nothing to escape. */
                strbuf_puts(&s->msg, "\"upload\":\"");
                strbuf_puts(&s->msg, s->upload);
                strbuf_puts(&s->msg, "\",");
        }
        strbuf_puts(&s->msg, "\"lines\":\"");
        strbuf_append(&s->msg, s->records.data, s->records.len);
        strbuf_puts(&s->msg, "\"}}");
        if (s->msg.error || s->records.error)
                return cmd_oom(s->cli);
        r = cli_send(s->cli, s->msg.data, s->msg.len);
        if (r < 0)
                return r;
        s->in_flight = true;
        s->sent++;
        strbuf_reset(&s->records);
        s->n_chunk = 0;
        return 0;
}

/* Queue one record (borrowed): written as a JSON line straight into the text of the next call
 * (common/jsonline.c). When it overfills the piece, it moves to the next one. */
static int sender_add(struct sender *s, json_t *rec)
{
        size_t mark = s->records.len, start = mark + (s->n_chunk > 0 ? 2 : 0);
        int r;

        if (s->n_chunk > 0)
                strbuf_append(&s->records, "\\n", 2);
        r = jsonline_put(&s->records, rec);
        if (r < 0 || s->records.error)
                return cmd_oom(s->cli);
        if (s->n_chunk > 0 && s->records.len > CHUNK_BYTES) {
                strbuf_reset(&s->esc);
                strbuf_append(&s->esc, s->records.data + start, s->records.len - start);
                if (s->esc.error)
                        return cmd_oom(s->cli);
                s->records.len = mark;
                s->records.data[mark] = 0;
                r = sender_flush(s);
                if (r < 0)
                        return r;
                strbuf_append(&s->records, s->esc.data, s->esc.len);
                if (s->records.error)
                        return cmd_oom(s->cli);
        }
        s->n_chunk++;
        s->records_total++;
        return 0;
}

static int sender_error(struct sender *s, size_t line, const char *reason)
{
        _cleanup_(json_decrefp) json_t *rec =
            json_pack("{s:s,s:I,s:s}", "type", "error", "line", (json_int_t)line, "reason", reason);

        if (!rec)
                return cmd_oom(s->cli);
        return sender_add(s, rec);
}

static int on_card(const struct vcard *card, void *userdata)
{
        struct sender *s = userdata;
        _cleanup_(json_decrefp) json_t *rec = NULL;
        const char *reason = NULL;
        int r;

        r = vcard_to_record(card, &rec, &reason);
        if (r == -EINVAL)
                r = sender_error(s, card->line, reason);
        else if (r < 0)
                return cmd_oom(s->cli);
        else
                r = sender_add(s, rec);
        progress_show(&s->progress, card->end_offset, s->records_total);
        return r;
}

static int on_vcard_error(size_t line, const char *reason, void *userdata)
{
        return sender_error(userdata, line, reason);
}

static int on_linkedin(json_t *rec, size_t end, void *userdata)
{
        struct sender *s = userdata;
        int r = sender_add(s, rec);

        progress_show(&s->progress, end, s->records_total);
        return r;
}

/* JSON lines: each line is a record; its line number goes with it. */
static int parse_json_lines(struct sender *s, const char *data, size_t len)
{
        size_t pos = 0, line = 0;
        int r;

        while (pos < len) {
                const char *start = data + pos, *nl = memchr(start, '\n', len - pos);
                size_t n = nl ? (size_t)(nl - start) : len - pos;
                _cleanup_(json_decrefp) json_t *o = NULL;
                json_error_t err;

                pos += n + (nl ? 1 : 0);
                line++;
                if (line == 1 && n >= 3 && memcmp(start, "\xef\xbb\xbf", 3) == 0)
                        start += 3, n -= 3;
                while (n > 0 && isspace((unsigned char)start[n - 1]))
                        n--;
                if (n == 0)
                        continue;
                o = jsonfast_load(start, n, &err);
                if (!json_is_object(o)) {
                        char reason[200];

                        snprintf(reason, sizeof(reason), "not a JSON object: %s",
                                 o ? "another JSON value" : err.text);
                        r = sender_error(s, line, reason);
                } else {
                        if (json_object_set_new(o, "line", json_integer((json_int_t)line)) < 0)
                                return cmd_oom(s->cli);
                        r = sender_add(s, o);
                }
                if (r < 0)
                        return r;
                progress_show(&s->progress, pos, s->records_total);
        }
        return 0;
}

/* Records the report counts as brought in or looked at, broken ones aside. */
static long long records_taken(json_t *report)
{
        json_t *c = json_object_get(report, "contacts"),
               *in = json_object_get(report, "interactions");
        long long n = 0;

        for (const char *const *k =
                 (const char *const[]){"added", "merged", "unchanged", "skipped", NULL};
             *k; k++)
                n += json_integer_value(json_object_get(c, *k)) +
                     json_integer_value(json_object_get(in, *k));
        return n;
}

static long long records_broken(json_t *report)
{
        return json_integer_value(json_object_get(report, "errors"));
}

/* The summary line starts with lead ("Dry run (nothing was changed): " or ""). */
static void print_report(struct cli *cli, json_t *report, const char *lead, bool verbose)
{
        json_t *c = json_object_get(report, "contacts"),
               *in = json_object_get(report, "interactions"),
               *items = json_object_get(report, "items"), *it;
        long long errors = json_integer_value(json_object_get(report, "errors"));
        size_t i, shown = 0;

#define N(o, k) ((long long)json_integer_value(json_object_get(o, k)))
        fprintf(cli->out, "%s%lld added, %lld merged, %lld unchanged, %lld skipped, %lld broken",
                lead, N(c, "added"), N(c, "merged"), N(c, "unchanged"), N(c, "skipped"), errors);
        if (N(in, "added") || N(in, "unchanged") || N(in, "skipped"))
                fprintf(cli->out, "; interactions: %lld added, %lld already there, %lld skipped",
                        N(in, "added"), N(in, "unchanged"), N(in, "skipped"));
        fputs(".\n", cli->out);
#undef N
        json_array_foreach(items, i, it)
        {
                const char *action = strempty(cmd_jstr(it, "action"));
                json_t *w = json_object_get(it, "warnings"), *wi;
                long long line = json_integer_value(json_object_get(it, "line"));
                bool quiet = streq(action, "added") || streq(action, "unchanged");
                size_t k;

                if (quiet && !verbose && json_array_size(w) == 0)
                        continue;
                shown++;
                if (line)
                        fprintf(cli->out, "  line %-6lld ", line);
                else
                        fputs("  ", cli->out);
                if (streq(action, "error"))
                        fprintf(cli->out, "%-9s %s", "broken", strempty(cmd_jstr(it, "reason")));
                else {
                        fprintf(cli->out, "%-9s %s", action,
                                cmd_jstr(it, "name") ? cmd_jstr(it, "name")
                                                     : strempty(cmd_jstr(it, "type")));
                        if (cmd_jstr(it, "reason"))
                                fprintf(cli->out, ": %s", cmd_jstr(it, "reason"));
                }
                fputc('\n', cli->out);
                json_array_foreach(w, k, wi) fprintf(cli->out, "              warning: %s\n",
                                                     strempty(json_string_value(wi)));
        }
        if (json_is_true(json_object_get(report, "items_truncated")))
                fputs("  (only the first 10000 records are listed)\n", cli->out);
}

static bool refused_parameter(json_t *reply, const char *name)
{
        return streq_ptr(cmd_jstr(reply, "error"), "org.varlink.service.InvalidParameter") &&
               streq_ptr(cmd_jstr(json_object_get(reply, "parameters"), "parameter"), name);
}

static int import_message(struct sender *s, json_t *opts);

/* Seconds the Import reply may take: the usual wait, and a second more for every 5,000
 * records (a generous bound: imports run at 10,000-90,000 records a second). */
static unsigned import_timeout(size_t records)
{
        size_t extra = records / IMPORT_RECORDS_PER_SEC;

        return TEND_CONN_TIMEOUT_SEC + (extra > 86400 ? 86400 : (unsigned)extra);
}

/* Send the Import call and read its report. A tendd from before `quiet` (still running after
 * a package upgrade) refuses the call before touching the upload: it is sent again without. */
static int import_call(struct sender *s, json_t *opts, json_t **ret_report)
{
        json_t *reply = NULL;
        int r;

        for (;;) {
                r = import_message(s, opts);
                if (r < 0)
                        return cmd_oom(s->cli);
                r = cli_send(s->cli, s->msg.data, s->msg.len);
                /* Import is one transaction: the more records, the longer tendd may take
                 * before it answers (a million take about a minute on two cores). */
                if (r >= 0)
                        r = tend_conn_set_timeout(s->cli->conn, import_timeout(s->records_total));
                if (r >= 0)
                        r = cli_receive_raw(s->cli, &reply);
                if (r < 0)
                        return r;
                if (streq_ptr(cmd_jstr(reply, "error"), "io.tend.Transfer.ImportRejected")) {
                        json_t *params = json_object_get(reply, "parameters");
                        json_t *report = json_object_get(params, "report");
                        long long n = records_broken(report);

                        /* People see which records; --json has them in the error's report. */
                        if (!s->cli->json)
                                print_report(
                                    s->cli, report,
                                    "Nothing was imported (--strict). Without it: ", false);
                        r = cli_fail_named(s->cli, -EINVAL, "io.tend.Transfer.ImportRejected",
                                           params,
                                           "%lld broken record%s; with --strict nothing was "
                                           "imported",
                                           n, n == 1 ? "" : "s");
                        json_decref(reply);
                        return r;
                }
                if (!json_object_get(opts, "quiet") || !refused_parameter(reply, "quiet"))
                        return cli_reply_params(s->cli, reply, ret_report);
                json_decref(reply);
                reply = NULL;
                json_object_del(opts, "quiet");
        }
}

/* The Import call: opts, and the records not uploaded (all of them when nothing was). */
static int import_message(struct sender *s, json_t *opts)
{
        _cleanup_free_ char *text = json_dumps(opts, JSON_COMPACT);
        size_t len;

        if (!text)
                return -ENOMEM;
        len = strlen(text);
        if (len < 2 || text[len - 1] != '}') /* opts is an object */
                return -EINVAL;
        strbuf_reset(&s->msg);
        strbuf_puts(&s->msg, "{\"method\":\"io.tend.Transfer.Import\",\"parameters\":");
        strbuf_append(&s->msg, text, len - 1);
        if (s->n_chunk > 0) {
                strbuf_puts(&s->msg, len > 2 ? ",\"lines\":\"" : "\"lines\":\"");
                strbuf_append(&s->msg, s->records.data, s->records.len);
                strbuf_putc(&s->msg, '"');
        }
        strbuf_puts(&s->msg, "}}");
        return s->msg.error || s->records.error ? -ENOMEM : 0;
}

int commands_import(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *opts = json_object(), *reply = NULL;
        json_t *report;
        _cleanup_free_ char *data = NULL;
        _cleanup_close_ int fd = -1;
        _cleanup_(sender_done) struct sender s = {.cli = cli};
        enum format format = _FORMAT_INVALID;
        const char *arg, *path, *reason = NULL;
        bool dry_run = false, strict = false;
        size_t len = 0;
        int r;

        if (!opts)
                return cmd_oom(cli);
        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0) {
                switch (r) {
                case CLI_OPT_FORMAT:
                        format = format_from_string(arg);
                        if (format < 0 || format == FORMAT_ICS)
                                return cli_usage(cli,
                                                 "unknown import format '%s'; use vcard, "
                                                 "linkedin or json",
                                                 arg);
                        break;
                case CLI_OPT_NETWORK:
                        r = cmd_parse_networks(cli, "--network", arg, opts, "networks", false);
                        if (r < 0)
                                return r;
                        break;
                case CLI_OPT_TAG:
                        r = cmd_append_string(cli, "--tag", opts, "tags", arg);
                        if (r < 0)
                                return r;
                        break;
                case CLI_OPT_DRY_RUN:
                        dry_run = true;
                        break;
                case CLI_OPT_STRICT:
                        strict = true;
                        break;
                }
        }
        if (r < 0)
                return r;
        path = p.pos[0];
        if (streq(path, "-"))
                r = read_all(STDIN_FILENO, &data, &len);
        else {
                struct stat st;

                fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return cli_fail(cli, -errno, "cannot open %s: %s", path, strerror(errno));
                if (fstat(fd, &st) < 0)
                        return cli_fail(cli, -errno, "cannot read %s: %s", path, strerror(errno));
                if (S_ISDIR(st.st_mode))
                        return cli_fail(cli, -EISDIR, "%s is a directory; import one file", path);
                r = read_all(fd, &data, &len);
        }
        if (r == -EFBIG)
                return cli_fail(cli, r, "%s is larger than 1 GiB", path);
        if (r < 0)
                return cli_fail(cli, r, "cannot read %s: %s", path, strerror(-r));
        if (format < 0) {
                format = detect(data, len);
                if (format < 0)
                        return cli_fail(cli, -EINVAL,
                                        "cannot tell what %s is: not a vCard, a LinkedIn "
                                        "Connections.csv or JSON lines; use --format",
                                        path);
        }
        if (format == FORMAT_LINKEDIN && !json_object_get(opts, "networks") &&
            json_object_set_new(opts, "networks", json_pack("[s]", "strategic")) < 0)
                return cmd_oom(cli);

        if (len >= PROGRESS_BYTES && isatty(fileno(cli->err)) && !cli->json)
                s.progress = (struct progress){
                    .f = cli->err, .label = "Reading", .total = len, .last_percent = -1};
        if (format == FORMAT_VCARD) {
                const struct vcard_callbacks cb = {.card = on_card, .error = on_vcard_error};

                r = vcard_parse(data, len, &cb, &s);
        } else if (format == FORMAT_LINKEDIN) {
                const struct linkedin_callbacks cb = {.record = on_linkedin,
                                                      .error = on_vcard_error};

                r = linkedin_parse(data, len, &cb, &s, &reason);
                if (r == -EINVAL) {
                        progress_clear(&s.progress);
                        r = cli_fail(cli, r, "%s is not a LinkedIn connections export: %s", path,
                                     reason);
                        goto out;
                }
        } else
                r = parse_json_lines(&s, data, len);
        if (r < 0) {
                progress_clear(&s.progress);
                if (r == -ENOMEM)
                        cmd_oom(cli);
                goto out;
        }
        free(TAKE_PTR(data));

        if (s.records_total == 0) {
                progress_clear(&s.progress);
                r = cli_fail(cli, -ENODATA, "%s holds no %s", path,
                             format == FORMAT_VCARD      ? "vCards"
                             : format == FORMAT_LINKEDIN ? "connections"
                                                         : "records");
                goto out;
        }
        if (dry_run)
                json_object_set_new(opts, "dry_run", json_true());
        else if (!cli->json) /* print_report shows only what needs a look */
                json_object_set_new(opts, "quiet", json_true());
        if (strict)
                json_object_set_new(opts, "strict", json_true());
        /* The last piece goes with the Import call itself when nothing was uploaded yet. */
        if (s.sent > 0) {
                r = sender_flush(&s);
                if (r >= 0)
                        r = sender_wait(&s);
                if (r < 0)
                        goto out;
                if (json_object_set_new(opts, "upload", json_string(s.upload)) < 0) {
                        r = cmd_oom(cli);
                        goto out;
                }
        }
        progress_say(&s.progress, "Importing…");
        r = import_call(&s, opts, &reply);
        progress_clear(&s.progress);
        if (r < 0)
                goto out;
        report = json_object_get(reply, "report");
        if (cli->json)
                r = cli_print_json(cli, report);
        else
                print_report(cli, report, dry_run ? "Dry run (nothing was changed): " : "",
                             dry_run);
        /* Nothing came in because every record was broken: a failure a script can see. A
         * partial import succeeds; the summary says how many were broken. */
        if (r >= 0 && records_broken(report) > 0 && records_taken(report) == 0) {
                _cleanup_(json_decrefp) json_t *broken =
                    json_pack("{s:I}", "broken", (json_int_t)records_broken(report));

                r = cli_fail_named(cli, -EINVAL, "io.tend.Client.NothingImported", broken,
                                   "every record was broken (%lld); nothing %s",
                                   records_broken(report),
                                   dry_run ? "would be imported" : "was imported");
        }
out:
        return r;
}

/* ---- export ---- */

static bool is_dir(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Write data to path through a temporary file and a rename, without an fsync: an export
 * of many files syncs them all once at its end (export_sync_dir), before it says it is
 * done. */
static int write_file_renamed(const char *path, const char *data, size_t len)
{
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -1;
        size_t done = 0;
        int r;

        if (asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        while (done < len) {
                ssize_t n = write(fd, data + done, len - done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        goto fail;
                }
                done += (size_t)n;
        }
        if (rename(tmp, path) < 0) {
                r = -errno;
                goto fail;
        }
        return 0;
fail:
        unlink(tmp);
        return r;
}

/* One vCard file per contact of a piece of records, UUID.vcf in dir. Adds to *ret_n. */
static int export_vcard_dir(struct cli *cli, json_t *records, const char *dir, size_t *ret_n)
{
        _cleanup_(strbuf_donep) struct strbuf b = {0};
        size_t i, n = 0;
        json_t *rec;
        int r;

        json_array_foreach(records, i, rec)
        {
                _cleanup_free_ char *path = NULL;
                const char *uuid = cmd_jstr(rec, "uuid");

                if (!streq_ptr(cmd_jstr(rec, "type"), "contact") || !uuid || !uuid_is_valid(uuid))
                        continue;
                b.len = 0;
                r = vcard_write_record(&b, rec);
                if (r < 0)
                        return cli_fail(cli, r, "cannot write the vCard of %s",
                                        strempty(cmd_jstr(rec, "name")));
                if (asprintf(&path, "%s/%s.vcf", dir, uuid) < 0)
                        return cmd_oom(cli);
                r = write_file_renamed(path, b.data, b.len);
                if (r < 0)
                        return cli_fail(cli, r, "cannot write %s: %s", path, strerror(-r));
                n++;
        }
        *ret_n += n;
        return 0;
}

/* The files of a directory export on disk: one syncfs for all of them (an fsync each would
 * cost more than writing them), then the directory itself. */
static int export_sync_dir(struct cli *cli, const char *dir)
{
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0 || syncfs(fd) < 0 || fsync(fd) < 0)
                return cli_fail(cli, -errno, "cannot write %s: %m", dir);
        return 0;
}

/* The DESCRIPTION of a follow-up: who they are and what happened last. */
static void todo_description(json_t *rec, struct strbuf *d)
{
        const char *org = cmd_jstr(rec, "org"), *title = cmd_jstr(rec, "title"),
                   *kind = cmd_jstr(rec, "last_kind"), *last = cmd_jstr(rec, "last_interaction"),
                   *notes = cmd_jstr(rec, "notes");
        json_t *emails = json_object_get(rec, "emails"), *phones = json_object_get(rec, "phones");

        if (title || org)
                strbuf_printf(d, "%s%s%s\n", strempty(title), title && org ? ", " : "",
                              strempty(org));
        if (json_array_size(emails))
                strbuf_printf(d, "Email: %s\n",
                              strempty(json_string_value(json_array_get(emails, 0))));
        if (json_array_size(phones))
                strbuf_printf(d, "Phone: %s\n",
                              strempty(json_string_value(json_array_get(phones, 0))));
        if (last)
                strbuf_printf(d, "Last: %s on %.10s\n", kind ? kind : "contact", last);
        if (notes) {
                size_t n = strcspn(notes, "\n");

                strbuf_printf(d, "Notes: %.*s%s\n", (int)(n > 200 ? 200 : n), notes,
                              n > 200 || notes[n] ? "…" : "");
        }
        strbuf_printf(d, "Log it: tend log %lld KIND", (long long)cmd_jid(rec));
}

/* One VEVENT for date (the birthday or one of "dates") of contact rec. Returns 1 when written. */
static size_t export_ics_date(json_t *rec, const char *label, const char *date,
                              const char *uid_tail, bool yearly, int remind_days, int64_t now,
                              struct strbuf *out)
{
        _cleanup_free_ char *summary = NULL, *uid = NULL;
        int y = 0, m = 0, d = 0;
        const char *name = strempty(cmd_jstr(rec, "name"));

        if (!date || (sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3 &&
                      (y = 0, sscanf(date, "--%2d-%2d", &m, &d) != 2)))
                return 0;
        if (streq(label, "birthday") ? asprintf(&summary, "%s's birthday", name) < 0
                                     : asprintf(&summary, "%s: %s", name, label) < 0)
                return 0;
        if (asprintf(&uid, "%s-%s@tend", strempty(cmd_jstr(rec, "uuid")), uid_tail) < 0)
                return 0;
        return ical_add_date(out,
                             &(struct ical_date){
                                 .uid = uid,
                                 .dtstamp = now,
                                 .year = y,
                                 .month = m,
                                 .day = d,
                                 .yearly = yearly,
                                 .remind_days = remind_days,
                                 .summary = summary,
                                 .categories = "tend-date",
                             }) == 0
                   ? 1
                   : 0;
}

/* The important dates of contact rec as VEVENTs. Returns how many. */
static size_t export_ics_dates(json_t *rec, int64_t now, struct strbuf *out)
{
        json_t *dates = json_object_get(rec, "dates"), *d;
        size_t n = 0, i;

        n += export_ics_date(rec, "birthday", cmd_jstr(rec, "birthday"), "birthday", true, 0, now,
                             out);
        json_array_foreach(dates, i, d)
        {
                char tail[32];

                snprintf(tail, sizeof(tail), "date-%lld",
                         (long long)json_integer_value(json_object_get(d, "id")));
                n += export_ics_date(rec, strempty(cmd_jstr(d, "label")), cmd_jstr(d, "date"), tail,
                                     json_is_true(json_object_get(d, "yearly")),
                                     (int)json_integer_value(json_object_get(d, "remind_days")),
                                     now, out);
        }
        return n;
}

/* The follow-ups and dates of a piece of records as VTODOs and VEVENTs (between ical_begin and
 * ical_end). Adds to *ret_n how many. */
static int export_ics(struct cli *cli, json_t *records, struct strbuf *out, size_t *ret_n)
{
        int64_t now = cli->now ? cli->now : time_now();
        size_t i, n = 0;
        json_t *rec;

        json_array_foreach(records, i, rec)
        {
                _cleanup_(strbuf_donep) struct strbuf desc = {0}, cats = {0};
                _cleanup_free_ char *summary = NULL, *uid = NULL;
                json_t *nets = json_object_get(rec, "networks"), *v;
                int64_t due = cmd_jtime(rec, "next_due");
                size_t k;

                if (!streq_ptr(cmd_jstr(rec, "type"), "contact"))
                        continue;
                n += export_ics_dates(rec, now, out);
                if (!due)
                        continue;
                if (asprintf(&summary, "Follow up with %s", strempty(cmd_jstr(rec, "name"))) < 0 ||
                    asprintf(&uid, "%s@tend", strempty(cmd_jstr(rec, "uuid"))) < 0)
                        return cmd_oom(cli);
                todo_description(rec, &desc);
                json_array_foreach(nets, k, v)
                {
                        if (k)
                                strbuf_putc(&cats, ',');
                        strbuf_puts(&cats, strempty(json_string_value(v)));
                }
                if (desc.error || cats.error)
                        return cmd_oom(cli);
                ical_add_todo(out, &(struct ical_todo){
                                       .uid = uid,
                                       .dtstamp = now,
                                       .due = due,
                                       .summary = summary,
                                       .description = desc.data,
                                       .categories = cats.data,
                                   });
                n++;
        }
        *ret_n += n;
        return out->error ? cmd_oom(cli) : 0;
}

/* An export as it arrives: tendd sends the records in pieces (Export with "more") and each
 * piece is written out before the next is read, so the client never holds the store. A file
 * (--out) is written to a temporary file next to it and renamed when complete. */
struct export_run {
        enum format format;
        const char *out;
        bool dir;         /* --format vcard into a directory: a file per contact */
        FILE *f;          /* where the text goes: stdout or the temporary file */
        char *tmp;        /* the temporary file, renamed to out at the end */
        struct strbuf b;  /* one piece's text */
        size_t n;         /* what was exported (contacts, follow-ups or records) */
        bool header_seen; /* JSON lines: the export's first record, its header, went by */
};

static int export_piece(struct cli *cli, json_t *params, void *userdata)
{
        struct export_run *x = userdata;
        json_t *records = json_object_get(params, "records"), *rec;
        json_t *lines = json_object_get(params, "lines");
        size_t i;
        int r = 0;

        if (json_is_string(lines)) {
                /* JSON lines as tendd wrote them (compact, keys sorted): written out verbatim.
                 * The first record of an export is its header. */
                size_t len = json_string_length(lines);
                json_int_t count = json_integer_value(json_object_get(params, "count"));

                x->n += (size_t)count - (x->n == 0 && !x->header_seen && count > 0);
                x->header_seen |= count > 0;
                if (len && fwrite(json_string_value(lines), 1, len, x->f) != len)
                        return cli_fail(cli, -EIO, "cannot write %s",
                                        x->out ? x->out : "the output");
                return 0;
        }
        x->b.len = 0;
        if (x->dir)
                return export_vcard_dir(cli, records, x->out, &x->n);
        if (x->format == FORMAT_VCARD) {
                json_array_foreach(records, i, rec)
                {
                        if (!streq_ptr(cmd_jstr(rec, "type"), "contact"))
                                continue;
                        r = vcard_write_record(&x->b, rec);
                        if (r == -ENOMEM)
                                return cmd_oom(cli);
                        x->n += r >= 0;
                }
        } else if (x->format == FORMAT_ICS) {
                r = export_ics(cli, records, &x->b, &x->n);
                if (r < 0)
                        return r;
        } else {
                json_array_foreach(records, i, rec)
                {
                        _cleanup_free_ char *line =
                            json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

                        if (!line)
                                return cmd_oom(cli);
                        strbuf_puts(&x->b, line);
                        strbuf_putc(&x->b, '\n');
                        x->n += !streq_ptr(cmd_jstr(rec, "type"), "tend");
                }
        }
        if (x->b.error)
                return cmd_oom(cli);
        if (x->b.len && fwrite(x->b.data, 1, x->b.len, x->f) != x->b.len)
                return cli_fail(cli, -EIO, "cannot write %s", x->out ? x->out : "the output");
        return 0;
}

/* Start the output: a directory, a temporary file, or stdout. */
static int export_open(struct cli *cli, struct export_run *x)
{
        int fd, r;

        if (x->dir) {
                r = mkdir_parents(x->out, 0700);
                return r < 0 ? cli_fail(cli, r, "cannot create %s: %s", x->out, strerror(-r)) : 0;
        }
        if (!x->out) {
                x->f = cli->out;
                return 0;
        }
        if (asprintf(&x->tmp, "%s.tmp-XXXXXX", x->out) < 0)
                return cmd_oom(cli);
        fd = mkostemp(x->tmp, O_CLOEXEC);
        if (fd < 0 || !(x->f = fdopen(fd, "w"))) {
                r = -errno;
                if (fd >= 0)
                        close(fd);
                free(x->tmp);
                x->tmp = NULL;
                return cli_fail(cli, r, "cannot write %s: %s", x->out, strerror(-r));
        }
        return 0;
}

/* Everything is there: make it durable and give it its name. */
static int export_close(struct cli *cli, struct export_run *x)
{
        FILE *f = x->f;

        if (x->dir)
                return export_sync_dir(cli, x->out);
        if (!x->tmp)
                return fflush(x->f) == 0 ? 0 : cli_fail(cli, -EIO, "cannot write the output");
        x->f = NULL;
        if (fflush(f) != 0 || fsync(fileno(f)) < 0) {
                int r = -errno;

                fclose(f);
                return cli_fail(cli, r, "cannot write %s: %s", x->out, strerror(-r));
        }
        if (fclose(f) != 0 || rename(x->tmp, x->out) < 0)
                return cli_fail(cli, -errno, "cannot write %s: %m", x->out);
        free(x->tmp);
        x->tmp = NULL;
        return 0;
}

static void export_run_done(struct export_run *x)
{
        if (x->f && x->tmp)
                fclose(x->f);
        if (x->tmp)
                unlink(x->tmp); /* an export that did not complete leaves nothing behind */
        free(x->tmp);
        strbuf_done(&x->b);
}

int commands_export(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = NULL;
        struct export_run x = {.format = FORMAT_JSON};
        const char *arg;
        int r;

        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0) {
                switch (r) {
                case CLI_OPT_FORMAT:
                        x.format = format_from_string(arg);
                        if (x.format < 0 || x.format == FORMAT_LINKEDIN)
                                return cli_usage(cli,
                                                 "unknown export format '%s'; use vcard, ics "
                                                 "or json",
                                                 arg);
                        break;
                case CLI_OPT_OUT:
                        if (!*arg)
                                return cli_usage(cli, "--out needs a path");
                        x.out = arg;
                        break;
                }
        }
        if (r < 0)
                return r;
        /* JSON: the records as tendd writes them, in one string a piece (no objects built on
         * either side); other formats need the records as objects. */
        params = x.format == FORMAT_JSON ? json_pack("{s:b}", "lines", 1)
                                         : json_pack("{s:[s]}", "types", "contact");
        if (!params)
                return cmd_oom(cli);
        x.dir =
            x.format == FORMAT_VCARD && x.out && (is_dir(x.out) || x.out[strlen(x.out) - 1] == '/');
        r = export_open(cli, &x);
        if (r >= 0 && x.format == FORMAT_ICS) {
                ical_begin(&x.b);
                if (x.b.error || fwrite(x.b.data, 1, x.b.len, x.f) != x.b.len)
                        r = cli_fail(cli, -EIO, "cannot write the output");
        }
        if (r >= 0)
                r = cli_call_more(cli, "io.tend.Transfer.Export", json_incref(params), export_piece,
                                  &x);
        if (r >= 0 && x.format == FORMAT_ICS) {
                x.b.len = 0;
                if (ical_end(&x.b) < 0 || fwrite(x.b.data, 1, x.b.len, x.f) != x.b.len)
                        r = cli_fail(cli, -EIO, "cannot write the output");
        }
        if (r >= 0)
                r = export_close(cli, &x);
        export_run_done(&x);
        if (r < 0)
                return r;
        if (x.out) {
                if (cli->json) {
                        _cleanup_(json_decrefp) json_t *o =
                            json_pack("{s:s,s:s,s:I}", "path", x.out, "format",
                                      x.format == FORMAT_VCARD ? "vcard"
                                      : x.format == FORMAT_ICS ? "ics"
                                                               : "json",
                                      "records", (json_int_t)x.n);

                        return o ? cli_print_json(cli, o) : cmd_oom(cli);
                }
                fprintf(cli->out, "Exported %zu %s to %s.\n", x.n,
                        x.format == FORMAT_ICS
                            ? output_plural((long long)x.n, "follow-up", "follow-ups")
                        : x.format == FORMAT_VCARD
                            ? output_plural((long long)x.n, "contact", "contacts")
                            : output_plural((long long)x.n, "record", "records"),
                        x.out);
        }
        return 0;
}

/* ---- backup and restore ---- */

/* An absolute path for a file that may not exist yet: its directory made absolute. */
static int absolute_path(const char *path, char **ret)
{
        _cleanup_free_ char *d = strdup(path), *b = strdup(path), *real = NULL;
        const char *base;

        if (!d || !b)
                return -ENOMEM;
        base = basename(b);
        if (!*base || streq(base, ".") || streq(base, "..") || path[strlen(path) - 1] == '/')
                return -EISDIR;
        real = realpath(dirname(d), NULL);
        if (!real)
                return -errno;
        if (asprintf(ret, "%s/%s", streq(real, "/") ? "" : real, base) < 0)
                return -ENOMEM;
        return 0;
}

static int backup_list(struct cli *cli)
{
        _cleanup_(json_decrefp) json_t *reply = NULL;
        json_t *list, *x;
        size_t i;
        int r;

        r = cli_call(cli, "io.tend.Transfer.BackupList", NULL, &reply);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, reply);
        list = json_object_get(reply, "backups");
        if (json_array_size(list) == 0) {
                fprintf(cli->out, "No backups in %s yet.\n", strempty(cmd_jstr(reply, "dir")));
                return 0;
        }
        fprintf(cli->out, "Backups in %s, newest first:\n", strempty(cmd_jstr(reply, "dir")));
        json_array_foreach(list, i, x)
        {
                char when[64];
                int64_t t = cmd_jtime(x, "time");

                fprintf(cli->out, "  %s  %10lld KiB  %s  %s\n", strempty(cmd_jstr(x, "name")),
                        (long long)(json_integer_value(json_object_get(x, "size")) + 1023) / 1024,
                        time_format_local(t, when, sizeof(when)),
                        json_is_true(json_object_get(x, "verified")) ? "verified" : "not verified");
        }
        return 0;
}

int commands_backup(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *reply = NULL, *call = NULL;
        _cleanup_free_ char *path = NULL, *msg = NULL;
        bool list = false;
        const char *arg;
        int r;

        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0)
                if (r == CLI_OPT_LIST)
                        list = true;
        if (r < 0)
                return r;
        if (list) {
                if (p.n_pos > 0)
                        return cli_usage(cli, "--list takes no FILE");
                return backup_list(cli);
        }
        if (p.n_pos > 0) {
                if (is_dir(p.pos[0]))
                        return cli_fail(cli, -EISDIR, "%s is a directory; name the backup file",
                                        p.pos[0]);
                r = absolute_path(p.pos[0], &path);
                if (r < 0)
                        return cli_fail(cli, r, "cannot write a backup to %s: %s", p.pos[0],
                                        strerror(-r));
        }
        /* tendd answers once the copy is written and read back: minutes for a big store, so
         * this reply may take as long as it takes (tendd serves everyone else meanwhile). */
        call = json_pack("{s:s,s:o}", "method", "io.tend.Transfer.Backup", "parameters",
                         path ? json_pack("{s:s}", "path", path) : json_object());
        msg = call ? json_dumps(call, JSON_COMPACT) : NULL;
        if (!msg)
                return cmd_oom(cli);
        r = cli_send(cli, msg, strlen(msg));
        if (r < 0)
                return r;
        r = tend_conn_set_timeout(cli->conn, 0);
        if (r < 0)
                return cli_fail(cli, r, "cannot wait for tendd: %s", strerror(-r));
        r = cli_receive(cli, &reply);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, reply);
        fprintf(cli->out, "Backed up the store to %s (%lld KiB, read back: %lld contacts).\n",
                strempty(cmd_jstr(reply, "path")),
                (long long)(json_integer_value(json_object_get(reply, "size")) + 1023) / 1024,
                (long long)json_integer_value(json_object_get(reply, "contacts")));
        return 0;
}

/* LMDB's meta page: the magic number sits after the 16-byte page header. */
static int check_lmdb_file(int fd)
{
        unsigned char head[32];
        ssize_t n = pread(fd, head, sizeof(head), 0);
        static const unsigned char magic[4] = {0xde, 0xc0, 0xef, 0xbe};

        if (n < 0)
                return -errno;
        if (n < (ssize_t)sizeof(head) || memcmp(head + 16, magic, 4) != 0)
                return -EBADMSG;
        return 0;
}

static int copy_fd(int in, int out)
{
        char buf[65536];

        for (;;) {
                ssize_t n = read(in, buf, sizeof(buf)), w = 0;

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                while (w < n) {
                        ssize_t k = write(out, buf + w, (size_t)(n - w));

                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k < 0)
                                return -errno;
                        w += k;
                }
        }
}

int commands_restore(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_free_ char *dir = NULL, *lock = NULL, *data = NULL, *tmp = NULL, *old = NULL,
                            *lockmdb = NULL;
        _cleanup_close_ int in = -1, lock_fd = -1, out = -1, dfd = -1;
        const char *arg;
        bool force = false, existing;
        struct stat st;
        int r;

        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0) {
                if (r == CLI_OPT_FORCE)
                        force = true;
                else if (r == CLI_OPT_DATA_DIR) {
                        free(dir);
                        dir = strdup(arg);
                        if (!dir)
                                return cmd_oom(cli);
                }
        }
        if (r < 0)
                return r;
        in = open(p.pos[0], O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (in < 0)
                return cli_fail(cli, -errno, "cannot open %s: %s", p.pos[0], strerror(errno));
        if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode))
                return cli_fail(cli, -EINVAL, "%s is not a file", p.pos[0]);
        r = check_lmdb_file(in);
        if (r < 0)
                return cli_fail(cli, r, "%s is not a tend backup (an LMDB data file)", p.pos[0]);
        if (!dir && (r = paths_data_dir(&dir)) < 0)
                return cli_fail(cli, r, "cannot find the data directory: %s", strerror(-r));
        r = dir_ensure_private(dir);
        if (r < 0)
                return cli_fail(cli, r, "cannot use %s: %s", dir, strerror(-r));
        if (asprintf(&lock, "%s/tendd.lock", dir) < 0 || asprintf(&data, "%s/data.mdb", dir) < 0 ||
            asprintf(&tmp, "%s/data.mdb.restore-XXXXXX", dir) < 0 ||
            asprintf(&old, "%s/data.mdb.before-restore", dir) < 0 ||
            asprintf(&lockmdb, "%s/lock.mdb", dir) < 0)
                return cmd_oom(cli);
        /* Hold tendd's own lock while we work: no daemon can open the store meanwhile. */
        lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (lock_fd < 0)
                return cli_fail(cli, -errno, "cannot open %s: %s", lock, strerror(errno));
        if (flock(lock_fd, LOCK_EX | LOCK_NB) < 0)
                return cli_fail(cli, -EBUSY,
                                "tendd is running on %s; stop it first (systemctl --user stop "
                                "tendd.socket tendd.service), or restore into another --data-dir",
                                dir);
        existing = access(data, F_OK) == 0;
        if (existing && !force)
                return cli_fail(cli, -EEXIST,
                                "%s already holds a store; use --force to replace it (it is kept "
                                "as data.mdb.before-restore)",
                                dir);
        out = mkostemp(tmp, O_CLOEXEC);
        if (out < 0)
                return cli_fail(cli, -errno, "cannot write in %s: %s", dir, strerror(errno));
        r = copy_fd(in, out);
        if (r >= 0 && fsync(out) < 0)
                r = -errno;
        if (r >= 0 && existing && rename(data, old) < 0)
                r = -errno;
        if (r >= 0 && rename(tmp, data) < 0)
                r = -errno;
        if (r < 0) {
                unlink(tmp);
                return cli_fail(cli, r, "cannot restore into %s: %s", dir, strerror(-r));
        }
        /* The reader table belongs to the old file; LMDB makes a new one. */
        (void)unlink(lockmdb);
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
                (void)fsync(dfd);
        if (cli->json) {
                _cleanup_(json_decrefp) json_t *o = json_pack(
                    "{s:s,s:s,s:b}", "data_dir", dir, "restored", p.pos[0], "replaced", existing);

                return o ? cli_print_json(cli, o) : cmd_oom(cli);
        }
        fprintf(cli->out, "Restored %s into %s%s. Start tendd to use it.\n", p.pos[0], dir,
                existing ? " (the previous store is data.mdb.before-restore)" : "");
        return 0;
}
