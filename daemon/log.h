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

#define log_debug(...)              log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)               log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)             log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...)            log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)              log_internal(LOG_ERR, 0, __VA_ARGS__)
#define log_error_errno(r, ...)     log_internal(LOG_ERR, (r), __VA_ARGS__)
#define log_warning_errno(r, ...)   log_internal(LOG_WARNING, (r), __VA_ARGS__)
#define log_debug_errno(r, ...)     log_internal(LOG_DEBUG, (r), __VA_ARGS__)
