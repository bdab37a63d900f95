#include "log.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

/* Logging state is process-wide by nature (one stderr); it is set once at start-up. */
static int max_level = LOG_INFO;
static int journal_state = -1;              /* -1 unknown, 0 no, 1 yes */
static const char *journal_socket_override; /* tests only */

#define JOURNAL_SOCKET  "/run/systemd/journal/socket"
#define LOG_MESSAGE_MAX 2048
#define LOG_ENTRY_MAX   (64 * 1024)

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
        static const char *const labels[] = {"emerg",   "alert",  "crit", "error",
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

void log_set_journal_socket(const char *path)
{
        journal_socket_override = path;
}

static bool field_name_valid(const char *name)
{
        size_t n = 0;

        if (!name || name[0] == '_' || name[0] == '\0')
                return false;
        for (const char *p = name; *p; p++, n++)
                if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
                        return false;
        return n <= 64;
}

/* Append one field in journald's native format: NAME=value\n, or for values containing a
 * newline NAME\n<le64 length>value\n. Returns false when buf is full. */
static bool append_field(char *buf, size_t *len, const char *name, const char *value)
{
        size_t n = strlen(name), v = strlen(value), need;
        bool binary = memchr(value, '\n', v) != NULL;

        need = n + 1 + (binary ? 8 : 0) + v + 1;
        if (need > LOG_ENTRY_MAX - *len)
                return false;
        memcpy(buf + *len, name, n);
        *len += n;
        if (binary) {
                uint64_t le = v;

                buf[(*len)++] = '\n';
                for (int i = 0; i < 8; i++)
                        buf[(*len)++] = (char)((le >> (8 * i)) & 0xff);
        } else
                buf[(*len)++] = '=';
        memcpy(buf + *len, value, v);
        *len += v;
        buf[(*len)++] = '\n';
        return true;
}

static int journal_send(int priority, const struct log_field *fields, const char *msg)
{
        const char *path = journal_socket_override ? journal_socket_override : JOURNAL_SOCKET;
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        _cleanup_free_ char *buf = malloc(LOG_ENTRY_MAX);
        _cleanup_close_ int fd = -1;
        char prio[4];
        size_t len = 0;

        if (!buf)
                return -ENOMEM;
        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        snprintf(prio, sizeof(prio), "%d", priority);
        if (!append_field(buf, &len, "MESSAGE", msg) ||
            !append_field(buf, &len, "PRIORITY", prio) ||
            !append_field(buf, &len, "SYSLOG_IDENTIFIER", "tendd"))
                return -E2BIG;
        for (const struct log_field *f = fields; f && f->name; f++)
                if (f->value && field_name_valid(f->name) &&
                    !append_field(buf, &len, f->name, f->value))
                        return -E2BIG;

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (sendto(fd, buf, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return -errno;
        return 0;
}

int log_struct(int priority, const struct log_field *fields, const char *fmt, ...)
{
        int saved = errno, r = 0;
        char msg[LOG_MESSAGE_MAX];
        va_list ap;

        if (priority > max_level)
                return 0;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);

        if (journal_socket_override || log_to_journal()) {
                r = journal_send(priority, fields, msg);
                if (r >= 0) {
                        errno = saved;
                        return 0;
                }
        }
        if (max_level >= LOG_DEBUG && fields && fields[0].name) {
                char line[LOG_MESSAGE_MAX * 2];
                size_t len = (size_t)snprintf(line, sizeof(line), "%s [", msg);

                for (const struct log_field *f = fields; f->name && len < sizeof(line); f++)
                        if (f->value)
                                len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%s=%s",
                                                        f == fields ? "" : " ", f->name, f->value);
                if (len < sizeof(line))
                        snprintf(line + len, sizeof(line) - len, "]");
                log_internal(priority, 0, "%s", line);
        } else
                log_internal(priority, 0, "%s", msg);
        errno = saved;
        return r;
}
