#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* Logging state is process-wide by nature (one stderr); it is set once at start-up. */
static int max_level = LOG_INFO;
static int journal_state = -1; /* -1 unknown, 0 no, 1 yes */

void log_set_max_level(int level)
{
        max_level = level;
}

bool log_to_journal(void)
{
        const char *e;
        unsigned long long dev, ino;
        struct stat st;

        if (journal_state >= 0)
                return journal_state;
        journal_state = 0;
        e = getenv("JOURNAL_STREAM");
        if (e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
            (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino)
                journal_state = 1;
        return journal_state;
}

int log_internal(int priority, int error, const char *fmt, ...)
{
        static const char *const labels[] = {"emerg", "alert", "crit", "error",
                                             "warning", "notice", "info", "debug"};
        int saved = errno;
        char msg[2048];
        va_list ap;

        if (priority > max_level)
                return error;
        if (error < 0)
                errno = -error;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (log_to_journal())
                fprintf(stderr, "<%d>%s\n", priority, msg);
        else
                fprintf(stderr, "tendd: %s%s%s\n", priority <= LOG_WARNING ? labels[priority] : "",
                        priority <= LOG_WARNING ? ": " : "", msg);
        errno = saved;
        return error;
}
