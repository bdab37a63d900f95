/* Where tend keeps its files.
 *
 * Decisions beyond the header:
 *  - An XDG_* variable that is unset, empty or not absolute is ignored (XDG Base Directory
 *    spec); so is a HOME that is empty or relative, in which case the passwd entry is used.
 *  - A pre-existing /tmp/tend-UID that is ours but group/other accessible is refused with
 *    -EPERM, never chmod'ed: someone may already have had access to it (planted a socket,
 *    kept a directory fd open), so it cannot be trusted after the fact. Remove it by hand.
 *  - Trailing slashes of XDG values are dropped: `/x/` gives `/x/tend`.
 *  - mkdir_parents respects the umask (like mkdir -p), and dir_ensure_private creates
 *    missing parents with 0700 as the XDG spec asks. */
#include "paths.h"

#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#define RUNTIME_FALLBACK_FMT "/tmp/tend-%u"

static bool is_private_dir_of_ours(const struct stat *st)
{
        return S_ISDIR(st->st_mode) && st->st_uid == getuid() && (st->st_mode & 077) == 0;
}

/* An absolute environment value, or NULL when unset, empty or relative. */
static const char *getenv_abs(const char *name)
{
        const char *e = getenv(name);

        return e && e[0] == '/' ? e : NULL;
}

/* Copy of s without trailing slashes (but "/" stays "/"). */
static char *strdup_trim_slash(const char *s)
{
        size_t n = strlen(s);

        while (n > 1 && s[n - 1] == '/')
                n--;
        return strndup(s, n);
}

static int path_join(const char *dir, const char *suffix, char **ret)
{
        _cleanup_free_ char *base = strdup_trim_slash(dir);
        char *p;

        if (!base)
                return -ENOMEM;
        if (asprintf(&p, "%s%s", streq(base, "/") ? "" : base, suffix) < 0)
                return -ENOMEM;
        *ret = p;
        return 0;
}

static int home_dir(char **ret)
{
        const char *e = getenv_abs("HOME");
        _cleanup_free_ char *buf = NULL;
        struct passwd pw, *result = NULL;
        long sz;
        size_t bufsize;
        char *h;
        int r;

        if (e) {
                h = strdup_trim_slash(e);
                if (!h)
                        return -ENOMEM;
                *ret = h;
                return 0;
        }

        sz = sysconf(_SC_GETPW_R_SIZE_MAX);
        bufsize = sz > 0 ? (size_t)sz : 4096;
        for (;;) {
                free(buf);
                buf = malloc(bufsize);
                if (!buf)
                        return -ENOMEM;
                r = getpwuid_r(getuid(), &pw, buf, bufsize, &result);
                if (r != ERANGE)
                        break;
                if (bufsize > 1024 * 1024)
                        return -ERANGE;
                bufsize *= 2;
        }
        if (r != 0)
                return -r;
        if (!result || !pw.pw_dir || pw.pw_dir[0] != '/')
                return -ENOENT;
        h = strdup_trim_slash(pw.pw_dir);
        if (!h)
                return -ENOMEM;
        *ret = h;
        return 0;
}

int paths_runtime_dir(bool create, char **ret)
{
        const char *e = getenv_abs("XDG_RUNTIME_DIR");
        char path[64];
        struct stat st;
        char *p;

        if (e) {
                p = strdup_trim_slash(e);
                if (!p)
                        return -ENOMEM;
                *ret = p;
                return 0;
        }

        snprintf(path, sizeof(path), "/run/user/%u", (unsigned)getuid());
        if (lstat(path, &st) == 0 && is_private_dir_of_ours(&st)) {
                p = strdup(path);
                if (!p)
                        return -ENOMEM;
                *ret = p;
                return 0;
        }

        /* /tmp is shared: anyone could have made this name first, as a directory, a symlink
         * or anything else. mkdir never follows a symlink at the final component, and the
         * lstat afterwards decides, whoever created it. */
        snprintf(path, sizeof(path), RUNTIME_FALLBACK_FMT, (unsigned)getuid());
        if (create && mkdir(path, 0700) < 0 && errno != EEXIST)
                return -errno;
        if (lstat(path, &st) < 0)
                return -errno;
        if (!is_private_dir_of_ours(&st))
                return -EPERM;
        p = strdup(path);
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

/* Besides the errors of paths_runtime_dir: -ENAMETOOLONG when the path does not fit
 * sockaddr_un.sun_path. The tend/ directory itself is not created here. */
int paths_socket(bool create_runtime, char **ret)
{
        _cleanup_free_ char *dir = NULL;
        char *p;
        int r;

        r = paths_runtime_dir(create_runtime, &dir);
        if (r < 0)
                return r;
        r = path_join(dir, "/tend/tendd.sock", &p);
        if (r < 0)
                return r;
        if (strlen(p) >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
                free(p);
                return -ENAMETOOLONG;
        }
        *ret = p;
        return 0;
}

static int xdg_path(const char *env, const char *home_default, const char *suffix, char **ret)
{
        const char *e = getenv_abs(env);
        _cleanup_free_ char *home = NULL, *base = NULL;
        int r;

        if (e)
                return path_join(e, suffix, ret);
        r = home_dir(&home);
        if (r < 0)
                return r;
        r = path_join(home, home_default, &base);
        if (r < 0)
                return r;
        return path_join(base, suffix, ret);
}

int paths_data_dir(char **ret)
{
        return xdg_path("XDG_DATA_HOME", "/.local/share", "/tend", ret);
}

int paths_config_file(char **ret)
{
        return xdg_path("XDG_CONFIG_HOME", "/.config", "/tend/tendd.conf", ret);
}

int paths_backup_dir(char **ret)
{
        return xdg_path("XDG_STATE_HOME", "/.local/state", "/tend/backups", ret);
}

/* mkdir, treating "already there as a directory" as success. */
static int mkdir_one(const char *path, unsigned mode)
{
        struct stat st;
        int saved;

        if (mkdir(path, (mode_t)mode) == 0)
                return 0;
        saved = errno;
        /* EEXIST, but also EACCES/EROFS on a component that already exists. */
        if (stat(path, &st) == 0)
                return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
        return -saved;
}

int mkdir_parents(const char *path, unsigned mode)
{
        _cleanup_free_ char *copy = NULL;
        char *p;
        int r;

        if (!path || !*path)
                return -EINVAL;
        copy = strdup(path);
        if (!copy)
                return -ENOMEM;

        /* Each prefix ending before a slash, skipping the root and repeated slashes. */
        for (p = copy + 1; *p; p++) {
                if (*p != '/' || p[-1] == '/')
                        continue;
                *p = '\0';
                r = mkdir_one(copy, mode);
                *p = '/';
                if (r < 0)
                        return r;
        }
        if (p[-1] == '/')
                return 0;
        return mkdir_one(copy, mode);
}

static int check_private_fd(int fd)
{
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode) || st.st_uid != getuid())
                return -EPERM;
        if ((st.st_mode & 077) != 0 && fchmod(fd, 0700) < 0)
                return -errno;
        return 0;
}

int dir_ensure_private(const char *path)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *parent = NULL;
        struct stat st;
        char *slash;
        int r;

        if (!path || !*path)
                return -EINVAL;

        if (mkdir(path, 0700) < 0) {
                if (errno == ENOENT) {
                        parent = strdup_trim_slash(path);
                        if (!parent)
                                return -ENOMEM;
                        slash = strrchr(parent, '/');
                        if (slash && slash != parent) {
                                *slash = '\0';
                                r = mkdir_parents(parent, 0700);
                                if (r < 0)
                                        return r;
                        }
                        if (mkdir(path, 0700) < 0 && errno != EEXIST)
                                return -errno;
                } else if (errno != EEXIST && errno != EACCES && errno != EROFS)
                        return -errno;
        }

        /* Decide on what we opened, not on the name, so nothing can be swapped in between. */
        fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0)
                return check_private_fd(fd);
        if (errno == ELOOP || errno == ENOTDIR)
                return -EPERM;
        if (errno != EACCES)
                return -errno;

        /* Unreadable even though it may be ours (mode 0300, say): look at the name. */
        if (lstat(path, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode) || st.st_uid != getuid())
                return -EPERM;
        if ((st.st_mode & 077) != 0 && chmod(path, 0700) < 0)
                return -errno;
        return 0;
}
