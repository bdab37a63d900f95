#include "pager.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "output.h"
#include "util.h"

extern char **environ;

/* sh -c: "command not found" and friends. */
#define SHELL_NOT_FOUND 127

int pager_start(struct pager *p, FILE *real, size_t rows, size_t cols, const char *command)
{
        *p = (struct pager){.real = real, .rows = rows, .cols = cols, .command = command};
        p->held = open_memstream(&p->data, &p->len);
        return p->held ? 0 : -ENOMEM;
}

static int write_all(FILE *f, const char *data, size_t len)
{
        if (len > 0 && fwrite(data, 1, len, f) != len)
                return -EIO;
        return fflush(f) == 0 ? 0 : -EIO;
}

static void drop_held(struct pager *p)
{
        if (p->held)
                fclose(p->held);
        p->held = NULL;
        free(p->data);
        p->data = NULL;
        p->len = 0;
}

void pager_release(struct pager *p)
{
        if (!p->held)
                return;
        fflush(p->held);
        (void)write_all(p->real, p->data, p->len);
        drop_held(p);
}

size_t pager_screen_lines(const char *text, size_t len, size_t cols)
{
        size_t lines = 0, start = 0;

        for (size_t i = 0; i <= len; i++) {
                _cleanup_free_ char *line = NULL;
                size_t w;

                if (i < len && text[i] != '\n')
                        continue;
                if (i == len && start == len) /* nothing after the last newline */
                        break;
                line = cols > 0 ? strndup(text + start, i - start) : NULL;
                w = line ? output_text_width(line) : 0;
                lines += w > cols && cols > 0 ? (w + cols - 1) / cols : 1;
                start = i + 1;
        }
        return lines;
}

/* Run the pager with data on its standard input and real's file descriptor as its output.
 * Returns its wait status, or a negative errno when it could not be started. */
static int run_pager(const struct pager *p)
{
        posix_spawn_file_actions_t fa;
        struct sigaction ignore = {.sa_handler = SIG_IGN}, old_pipe, old_int, old_quit;
        char *argv[] = {(char *)"sh", (char *)"-c", (char *)p->command, NULL};
        int fds[2], out = fileno(p->real), status = 0, r;
        pid_t pid;

        if (out < 0 || pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        r = posix_spawn_file_actions_init(&fa);
        if (r == 0) {
                posix_spawn_file_actions_adddup2(&fa, fds[0], STDIN_FILENO);
                if (out != STDOUT_FILENO)
                        posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO);
                r = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
                posix_spawn_file_actions_destroy(&fa);
        }
        close(fds[0]);
        if (r != 0) {
                close(fds[1]);
                return -r;
        }
        /* Quitting the pager early closes the pipe: that is not an error of ours. Ctrl-C on
         * the terminal is the pager's to handle; tend waits for it rather than leaving it
         * behind with the shell prompt. */
        sigaction(SIGPIPE, &ignore, &old_pipe);
        sigaction(SIGINT, &ignore, &old_int);
        sigaction(SIGQUIT, &ignore, &old_quit);
        for (size_t off = 0; off < p->len;) {
                ssize_t n = write(fds[1], p->data + off, p->len - off);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                off += (size_t)n;
        }
        close(fds[1]);
        sigaction(SIGPIPE, &old_pipe, NULL);
        while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
                ;
        r = r < 0 ? -errno : status;
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGQUIT, &old_quit, NULL);
        return r;
}

int pager_finish(struct pager *p, bool use)
{
        int r = 0, status;

        if (!p->held)
                return 0;
        if (fflush(p->held) != 0) {
                drop_held(p);
                return -EIO;
        }
        if (use && p->command && p->command[0] && p->rows > 0 &&
            pager_screen_lines(p->data, p->len, p->cols) >= p->rows) {
                if (fflush(p->real) != 0)
                        r = -EIO;
                status = run_pager(p);
                if (status >= 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == SHELL_NOT_FOUND))
                        goto done;
        }
        if (write_all(p->real, p->data, p->len) < 0)
                r = -EIO;
done:
        drop_held(p);
        return r;
}
