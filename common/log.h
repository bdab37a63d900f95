/* Daemon logging. Lines go to stderr; under systemd (JOURNAL_STREAM set and matching our
 * stderr) each line carries a "<N>" priority prefix that journald turns into the priority
 * field. Library modules do not log; daemon code logs once, where it decides. */
#pragma once

#include <stdbool.h>
#include <syslog.h>

#include "util.h"

/** Set the most verbose priority printed (LOG_INFO by default, LOG_DEBUG with --verbose). */
void log_set_max_level(int level);

/** Whether stderr is connected to the journal (decided once at first use). */
bool log_to_journal(void);

/** Log at priority; when error < 0, errno is set to -error first so %m describes it.
 * Returns error unchanged, so `return log_error_errno(r, "...: %m")` works. */
int log_internal(int priority, int error, const char *fmt, ...) _printf_(3, 4);

/* One structured journal field: name is [A-Z0-9_]{1,64} not starting with '_'. */
struct log_field {
        const char *name;
        const char *value; /* any bytes up to a NUL; NULL skips the field */
};

/* A field list for log_struct, ended for you:
 *   log_struct(LOG_NOTICE, LOG_FIELDS({"TEND_EVENT", "fired"}, {"TEND_CONTACT_ID", id}),
 *              "Follow up with %s.", name); */
#define LOG_FIELDS(...) ((const struct log_field[]){__VA_ARGS__, {NULL, NULL}})

/** Log a message with structured fields. When stderr is the journal, the entry is sent with
 * journald's native protocol: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER=tendd and every field (invalid
 * names are dropped), so `journalctl --user -u tendd TEND_EVENT=fired` finds it. Otherwise (or
 * when the journal socket cannot be reached) it is an ordinary log line at priority, with the
 * fields appended as NAME=value when debug logging is on. fields may be NULL. Returns 0, or
 * -errno when the journal could not take the entry (it was then written to stderr). */
int log_struct(int priority, const struct log_field *fields, const char *fmt, ...) _printf_(3, 4);

/** For tests: send structured entries to the datagram socket at path as if journald were the
 * target (NULL restores the default: decided by $JOURNAL_STREAM, /run/systemd/journal/socket). */
void log_set_journal_socket(const char *path);

#define log_debug(...)            log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)             log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)           log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...)          log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)            log_internal(LOG_ERR, 0, __VA_ARGS__)
#define log_error_errno(r, ...)   log_internal(LOG_ERR, (r), __VA_ARGS__)
#define log_warning_errno(r, ...) log_internal(LOG_WARNING, (r), __VA_ARGS__)
#define log_debug_errno(r, ...)   log_internal(LOG_DEBUG, (r), __VA_ARGS__)
