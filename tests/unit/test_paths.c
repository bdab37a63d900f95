#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "paths.h"
#include "util.h"

#define ISOLATION_UNAVAILABLE 77

/* Environment variables the tests change, saved once and restored after each test. */
static const char *const env_names[] = {"XDG_RUNTIME_DIR", "XDG_DATA_HOME", "XDG_CONFIG_HOME",
                                        "HOME"};
static char *env_saved[ARRAY_SIZE(env_names)];

static int save_env(void **state)
{
        for (size_t i = 0; i < ARRAY_SIZE(env_names); i++) {
                const char *v = getenv(env_names[i]);

                env_saved[i] = v ? strdup(v) : NULL;
        }
        return 0;
}

static int restore_env(void **state)
{
        for (size_t i = 0; i < ARRAY_SIZE(env_names); i++) {
                if (env_saved[i])
                        setenv(env_names[i], env_saved[i], 1);
                else
                        unsetenv(env_names[i]);
        }
        return 0;
}

static int free_env(void **state)
{
        restore_env(state);
        for (size_t i = 0; i < ARRAY_SIZE(env_names); i++) {
                free(env_saved[i]);
                env_saved[i] = NULL;
        }
        return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        if (flag == FTW_DP)
                return rmdir(path) < 0 ? -1 : 0;
        return unlink(path) < 0 ? -1 : 0;
}

static void rm_rf(const char *path)
{
        nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh private directory under $TMPDIR or /tmp; free and remove with tmpdir_free. */
static char *tmpdir_new(void)
{
        const char *base = getenv("TMPDIR");
        char *p;

        if (!base || base[0] != '/')
                base = "/tmp";
        assert_true(asprintf(&p, "%s/test-paths-XXXXXX", base) > 0);
        assert_non_null(mkdtemp(p));
        return p;
}

static void tmpdir_free(char *p)
{
        rm_rf(p);
        free(p);
}

static char *join(const char *a, const char *b)
{
        char *p;

        assert_true(asprintf(&p, "%s/%s", a, b) > 0);
        return p;
}

static mode_t mode_of(const char *path)
{
        struct stat st;

        assert_int_equal(lstat(path, &st), 0);
        return st.st_mode & 07777;
}

static void check_private(const char *path)
{
        struct stat st;

        assert_int_equal(lstat(path, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(st.st_uid, getuid());
        assert_int_equal(st.st_mode & 077, 0);
}

static char *passwd_home(void)
{
        struct passwd *pw = getpwuid(getuid());

        assert_non_null(pw);
        return strdup(pw->pw_dir);
}

/* Whether we can hand a file to another uid (root outside a user namespace). */
static bool chown_away(const char *path)
{
        uid_t other = getuid() == 65534 ? 65533 : 65534;
        struct stat st;

        return lchown(path, other, other) == 0 && lstat(path, &st) == 0 && st.st_uid != getuid();
}

static void test_runtime_xdg(void **state)
{
        _cleanup_free_ char *p = NULL, *s = NULL;

        setenv("XDG_RUNTIME_DIR", "/nonexistent/run", 1);
        assert_int_equal(paths_runtime_dir(false, &p), 0);
        assert_string_equal(p, "/nonexistent/run");
        assert_int_equal(paths_socket(false, &s), 0);
        assert_string_equal(s, "/nonexistent/run/tend/tendd.sock");
        free(p);
        free(s);

        setenv("XDG_RUNTIME_DIR", "/nonexistent/run//", 1);
        assert_int_equal(paths_runtime_dir(true, &p), 0);
        assert_string_equal(p, "/nonexistent/run");
        assert_int_equal(paths_socket(true, &s), 0);
        assert_string_equal(s, "/nonexistent/run/tend/tendd.sock");
}

static void test_socket_too_long(void **state)
{
        char dir[200];
        char *p = (char *)0x1;

        dir[0] = '/';
        memset(dir + 1, 'x', sizeof(dir) - 2);
        dir[sizeof(dir) - 1] = '\0';
        setenv("XDG_RUNTIME_DIR", dir, 1);
        assert_int_equal(paths_socket(false, &p), -ENAMETOOLONG);
        assert_ptr_equal(p, (char *)0x1);

        /* 107 bytes (the most sun_path holds with its NUL) is fine, 108 is not. */
        const char *suffix = "/tend/tendd.sock";
        size_t n = 107 - strlen(suffix);
        dir[n] = '\0';
        setenv("XDG_RUNTIME_DIR", dir, 1);
        assert_int_equal(paths_socket(false, &p), 0);
        assert_int_equal(strlen(p), 107);
        free(p);
        dir[n] = 'x';
        dir[n + 1] = '\0';
        setenv("XDG_RUNTIME_DIR", dir, 1);
        assert_int_equal(paths_socket(false, &p), -ENAMETOOLONG);
}

/* In a child process with private mounts on /tmp and /run (a user namespace when we are not
 * root), so the hard-coded paths can be set up at will without touching the real ones. cmocka
 * cannot assert in the child: failures print and exit non-zero. */
#define CHILD_CHECK(cond)                                                                          \
        do {                                                                                       \
                if (!(cond)) {                                                                     \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
                        _exit(1);                                                                  \
                }                                                                                  \
        } while (0)

static int write_file(const char *path, const char *text)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = write(fd, text, strlen(text));
        close(fd);
        return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

static int isolate(void)
{
        uid_t uid = getuid();
        gid_t gid = getgid();
        struct stat st;
        char map[64];

        if (unshare(CLONE_NEWNS) < 0) {
                if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
                        return -errno;
                if (write_file("/proc/self/setgroups", "deny") < 0)
                        return -EPERM;
                snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
                if (write_file("/proc/self/uid_map", map) < 0)
                        return -EPERM;
                snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
                if (write_file("/proc/self/gid_map", map) < 0)
                        return -EPERM;
        }
        /* Never let these mounts propagate back to the real system. */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -errno;
        if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
                return -errno;
        if (stat("/run", &st) == 0 &&
            mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
                return -errno;
        return 0;
}

static void run_isolated(void (*fn)(void))
{
        pid_t pid;
        int status;

        fflush(NULL);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (isolate() < 0)
                        _exit(ISOLATION_UNAVAILABLE);
                fn();
                _exit(0);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) == ISOLATION_UNAVAILABLE)
                skip();
        assert_int_equal(WEXITSTATUS(status), 0);
}

/* Without a usable XDG_RUNTIME_DIR (unset, empty or relative: all ignored alike) and without
 * /run/user/UID: the private /tmp/tend-UID. In isolation: the real /tmp/tend-UID may belong to
 * a running tendd or to another test run. */
static void child_runtime_default(void)
{
        const char *values[] = {NULL, "", "relative/run"};
        char fallback[64];

        snprintf(fallback, sizeof(fallback), "/tmp/tend-%u", (unsigned)getuid());
        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
                char *p = NULL;
                struct stat st;

                if (values[i])
                        setenv("XDG_RUNTIME_DIR", values[i], 1);
                else
                        unsetenv("XDG_RUNTIME_DIR");
                CHILD_CHECK(paths_runtime_dir(true, &p) == 0);
                CHILD_CHECK(streq(p, fallback));
                CHILD_CHECK(lstat(p, &st) == 0 && S_ISDIR(st.st_mode));
                CHILD_CHECK(st.st_uid == getuid() && (st.st_mode & 077) == 0);
                free(p);
        }
}

static void test_runtime_default(void **state)
{
        run_isolated(child_runtime_default);
}

static int runtime_dir(bool create, char **ret)
{
        unsetenv("XDG_RUNTIME_DIR");
        return paths_runtime_dir(create, ret);
}

static void child_runtime_fallback(void)
{
        char fallback[64], other[64];
        char *p = NULL;
        struct stat st;

        snprintf(fallback, sizeof(fallback), "/tmp/tend-%u", (unsigned)getuid());
        snprintf(other, sizeof(other), "/tmp/other");
        umask(022);

        /* Missing and not to be created. */
        CHILD_CHECK(runtime_dir(false, &p) == -ENOENT);
        CHILD_CHECK(p == NULL);

        /* Created 0700, then accepted as it is. */
        CHILD_CHECK(runtime_dir(true, &p) == 0);
        CHILD_CHECK(streq(p, fallback));
        free(p);
        p = NULL;
        CHILD_CHECK(lstat(fallback, &st) == 0);
        CHILD_CHECK(S_ISDIR(st.st_mode) && st.st_uid == getuid());
        CHILD_CHECK((st.st_mode & 07777) == 0700);
        CHILD_CHECK(runtime_dir(false, &p) == 0 && streq(p, fallback));
        free(p);
        p = NULL;
        CHILD_CHECK(runtime_dir(true, &p) == 0 && streq(p, fallback));
        free(p);
        p = NULL;

        /* Ours but readable by others: refused, and left alone (not chmod'ed). */
        CHILD_CHECK(chmod(fallback, 0755) == 0);
        CHILD_CHECK(runtime_dir(true, &p) == -EPERM);
        CHILD_CHECK(runtime_dir(false, &p) == -EPERM);
        CHILD_CHECK(lstat(fallback, &st) == 0 && (st.st_mode & 07777) == 0755);
        CHILD_CHECK(chmod(fallback, 0770) == 0);
        CHILD_CHECK(runtime_dir(true, &p) == -EPERM);
        CHILD_CHECK(chmod(fallback, 0701) == 0);
        CHILD_CHECK(runtime_dir(true, &p) == -EPERM);
        CHILD_CHECK(p == NULL);
        CHILD_CHECK(rmdir(fallback) == 0);

        /* A symlink to a private directory of ours: still refused, never followed. */
        CHILD_CHECK(mkdir(other, 0700) == 0);
        CHILD_CHECK(symlink(other, fallback) == 0);
        CHILD_CHECK(runtime_dir(true, &p) == -EPERM);
        CHILD_CHECK(runtime_dir(false, &p) == -EPERM);
        CHILD_CHECK(unlink(fallback) == 0);

        /* A dangling symlink: mkdir must not create its target. */
        CHILD_CHECK(symlink("/tmp/planted", fallback) == 0);
        CHILD_CHECK(runtime_dir(true, &p) == -EPERM);
        CHILD_CHECK(lstat("/tmp/planted", &st) < 0 && errno == ENOENT);
        CHILD_CHECK(unlink(fallback) == 0);

        /* Not a directory. */
        CHILD_CHECK(close(open(fallback, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)) == 0);
        CHILD_CHECK(runtime_dir(true, &p) == -EPERM);
        CHILD_CHECK(unlink(fallback) == 0);

        /* Someone else's directory with the right mode (only testable as real root). */
        CHILD_CHECK(mkdir(fallback, 0700) == 0);
        if (chown_away(fallback)) {
                CHILD_CHECK(runtime_dir(true, &p) == -EPERM);
                CHILD_CHECK(runtime_dir(false, &p) == -EPERM);
        }
        CHILD_CHECK(rmdir(fallback) == 0);
        CHILD_CHECK(p == NULL);

        /* paths_socket goes the same way. */
        CHILD_CHECK(paths_socket(false, &p) == -ENOENT);
        CHILD_CHECK(paths_socket(true, &p) == 0);
        CHILD_CHECK(strncmp(p, fallback, strlen(fallback)) == 0);
        CHILD_CHECK(streq(p + strlen(fallback), "/tend/tendd.sock"));
        free(p);
        p = NULL;
        CHILD_CHECK(rmdir(fallback) == 0);
}

static void test_runtime_fallback(void **state)
{
        run_isolated(child_runtime_fallback);
}

static void child_runtime_run_user(void)
{
        char run_user[64], fallback[64];
        char *p = NULL;

        snprintf(run_user, sizeof(run_user), "/run/user/%u", (unsigned)getuid());
        snprintf(fallback, sizeof(fallback), "/tmp/tend-%u", (unsigned)getuid());
        umask(022);

        CHILD_CHECK(mkdir("/run/user", 0755) == 0);
        CHILD_CHECK(mkdir(run_user, 0700) == 0);
        CHILD_CHECK(runtime_dir(false, &p) == 0 && streq(p, run_user));
        free(p);
        p = NULL;

        /* Open to others: not used, the /tmp fallback is. */
        CHILD_CHECK(chmod(run_user, 0755) == 0);
        CHILD_CHECK(runtime_dir(false, &p) == -ENOENT);
        CHILD_CHECK(runtime_dir(true, &p) == 0 && streq(p, fallback));
        free(p);
        p = NULL;
        CHILD_CHECK(chmod(run_user, 0700) == 0);

        /* Not ours. */
        if (chown_away(run_user)) {
                CHILD_CHECK(runtime_dir(true, &p) == 0 && streq(p, fallback));
                free(p);
                p = NULL;
        }
        CHILD_CHECK(rmdir(run_user) == 0);

        /* A symlink, even to a good directory, is not taken. */
        CHILD_CHECK(mkdir("/run/real", 0700) == 0);
        CHILD_CHECK(symlink("/run/real", run_user) == 0);
        CHILD_CHECK(runtime_dir(true, &p) == 0 && streq(p, fallback));
        free(p);
        p = NULL;

        /* A regular file. */
        CHILD_CHECK(unlink(run_user) == 0);
        CHILD_CHECK(close(open(run_user, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)) == 0);
        CHILD_CHECK(runtime_dir(true, &p) == 0 && streq(p, fallback));
        free(p);
        p = NULL;

        /* XDG_RUNTIME_DIR, when absolute, wins over both without checks. */
        setenv("XDG_RUNTIME_DIR", "/somewhere", 1);
        CHILD_CHECK(paths_runtime_dir(false, &p) == 0 && streq(p, "/somewhere"));
        free(p);
}

static void test_runtime_run_user(void **state)
{
        run_isolated(child_runtime_run_user);
}

static void check_path(int (*fn)(char **), const char *want)
{
        char *p = NULL;
        int r = fn(&p);

        if (r != 0 || !streq_ptr(p, want))
                print_error("got r=%d \"%s\", want \"%s\"\n", r, strempty(p), want);
        assert_int_equal(r, 0);
        assert_string_equal(p, want);
        free(p);
}

static void test_data_dir(void **state)
{
        _cleanup_free_ char *pw = passwd_home(), *want = NULL;

        setenv("HOME", "/home/u", 1);
        setenv("XDG_DATA_HOME", "/x/data", 1);
        check_path(paths_data_dir, "/x/data/tend");
        setenv("XDG_DATA_HOME", "/x/data/", 1);
        check_path(paths_data_dir, "/x/data/tend");
        setenv("XDG_DATA_HOME", "/", 1);
        check_path(paths_data_dir, "/tend");

        setenv("XDG_DATA_HOME", "", 1);
        check_path(paths_data_dir, "/home/u/.local/share/tend");
        setenv("XDG_DATA_HOME", "relative/data", 1);
        check_path(paths_data_dir, "/home/u/.local/share/tend");
        setenv("XDG_DATA_HOME", "./data", 1);
        check_path(paths_data_dir, "/home/u/.local/share/tend");
        unsetenv("XDG_DATA_HOME");
        check_path(paths_data_dir, "/home/u/.local/share/tend");

        setenv("HOME", "/home/u/", 1);
        check_path(paths_data_dir, "/home/u/.local/share/tend");
        setenv("HOME", "/", 1);
        check_path(paths_data_dir, "/.local/share/tend");

        /* HOME unset, empty or relative: the passwd entry. */
        assert_true(asprintf(&want, "%s/.local/share/tend", streq(pw, "/") ? "" : pw) > 0);
        unsetenv("HOME");
        check_path(paths_data_dir, want);
        setenv("HOME", "", 1);
        check_path(paths_data_dir, want);
        setenv("HOME", "home/u", 1);
        check_path(paths_data_dir, want);
}

static void test_config_file(void **state)
{
        _cleanup_free_ char *pw = passwd_home(), *want = NULL;

        setenv("HOME", "/home/u", 1);
        setenv("XDG_CONFIG_HOME", "/x/config", 1);
        check_path(paths_config_file, "/x/config/tend/tendd.conf");
        setenv("XDG_CONFIG_HOME", "/x/config///", 1);
        check_path(paths_config_file, "/x/config/tend/tendd.conf");
        setenv("XDG_CONFIG_HOME", "", 1);
        check_path(paths_config_file, "/home/u/.config/tend/tendd.conf");
        setenv("XDG_CONFIG_HOME", "config", 1);
        check_path(paths_config_file, "/home/u/.config/tend/tendd.conf");
        unsetenv("XDG_CONFIG_HOME");
        check_path(paths_config_file, "/home/u/.config/tend/tendd.conf");

        /* The data variable does not leak into the config path. */
        setenv("XDG_DATA_HOME", "/x/data", 1);
        check_path(paths_config_file, "/home/u/.config/tend/tendd.conf");

        assert_true(asprintf(&want, "%s/.config/tend/tendd.conf", streq(pw, "/") ? "" : pw) > 0);
        unsetenv("HOME");
        check_path(paths_config_file, want);
}

static void test_mkdir_parents(void **state)
{
        char *dir = tmpdir_new();
        _cleanup_free_ char *abc = join(dir, "a/b/c"), *a = join(dir, "a"), *ab = join(dir, "a/b"),
                            *file = join(dir, "file"), *under = join(dir, "file/x"),
                            *slashes = join(dir, "p//q///r/"), *pq = join(dir, "p/q/r");
        mode_t old = umask(022);

        assert_int_equal(mkdir_parents(abc, 0700), 0);
        assert_int_equal(mode_of(a), 0700);
        assert_int_equal(mode_of(ab), 0700);
        assert_int_equal(mode_of(abc), 0700);

        /* Again: nothing to do, existing modes left alone. */
        assert_int_equal(chmod(ab, 0755), 0);
        assert_int_equal(mkdir_parents(abc, 0700), 0);
        assert_int_equal(mode_of(ab), 0755);

        /* The umask applies, like mkdir -p. */
        assert_int_equal(mkdir_parents(slashes, 0777), 0);
        assert_int_equal(mode_of(pq), 0755);

        /* A file in the way. */
        assert_int_equal(close(open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)), 0);
        assert_int_equal(mkdir_parents(file, 0700), -ENOTDIR);
        assert_int_equal(mkdir_parents(under, 0700), -ENOTDIR);

        assert_int_equal(mkdir_parents("", 0700), -EINVAL);
        assert_int_equal(mkdir_parents("/", 0700), 0);
        assert_int_equal(mkdir_parents(dir, 0700), 0);

        /* Relative paths work from the working directory. */
        char cwd[PATH_MAX];
        assert_non_null(getcwd(cwd, sizeof(cwd)));
        assert_int_equal(chdir(dir), 0);
        assert_int_equal(mkdir_parents("rel/one", 0700), 0);
        assert_int_equal(chdir(cwd), 0);
        _cleanup_free_ char *rel = join(dir, "rel/one");
        check_private(rel);

        umask(old);
        tmpdir_free(dir);
}

static void test_dir_ensure_private(void **state)
{
        char *dir = tmpdir_new();
        _cleanup_free_ char *fresh = join(dir, "fresh"), *open_dir = join(dir, "open"),
                            *deep = join(dir, "x/y/z"), *x = join(dir, "x"),
                            *link = join(dir, "link"), *file = join(dir, "file"),
                            *foreign = join(dir, "foreign"), *under = join(dir, "file/sub");
        mode_t old = umask(022);

        /* Created 0700. */
        assert_int_equal(dir_ensure_private(fresh), 0);
        assert_int_equal(mode_of(fresh), 0700);
        assert_int_equal(dir_ensure_private(fresh), 0);
        assert_int_equal(mode_of(fresh), 0700);

        /* Ours but too open: fixed. */
        assert_int_equal(mkdir(open_dir, 0755), 0);
        assert_int_equal(dir_ensure_private(open_dir), 0);
        assert_int_equal(mode_of(open_dir), 0700);
        assert_int_equal(chmod(open_dir, 0777), 0);
        assert_int_equal(dir_ensure_private(open_dir), 0);
        assert_int_equal(mode_of(open_dir), 0700);
        /* Already private with fewer bits: left as it is. */
        assert_int_equal(chmod(open_dir, 0500), 0);
        assert_int_equal(dir_ensure_private(open_dir), 0);
        assert_int_equal(mode_of(open_dir), 0500);
        /* Not even readable by us (open fails unless root): decided on lstat instead. */
        assert_int_equal(chmod(open_dir, 0300), 0);
        assert_int_equal(dir_ensure_private(open_dir), 0);
        assert_int_equal(mode_of(open_dir), 0300);
        assert_int_equal(chmod(open_dir, 0311), 0);
        assert_int_equal(dir_ensure_private(open_dir), 0);
        assert_int_equal(mode_of(open_dir), 0700);

        /* Missing parents are made, 0700 as XDG asks. */
        assert_int_equal(dir_ensure_private(deep), 0);
        assert_int_equal(mode_of(deep), 0700);
        assert_int_equal(mode_of(x), 0700);

        /* A symlink to a private directory of ours is refused, the target untouched. */
        assert_int_equal(chmod(open_dir, 0755), 0);
        assert_int_equal(symlink(open_dir, link), 0);
        assert_int_equal(dir_ensure_private(link), -EPERM);
        assert_int_equal(mode_of(open_dir), 0755);

        /* Not a directory. */
        assert_int_equal(close(open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)), 0);
        assert_int_equal(dir_ensure_private(file), -EPERM);
        assert_int_equal(dir_ensure_private(under), -ENOTDIR);

        /* Someone else's: refused and not chmod'ed (only testable as root). */
        assert_int_equal(mkdir(foreign, 0755), 0);
        if (chown_away(foreign)) {
                assert_int_equal(dir_ensure_private(foreign), -EPERM);
                assert_int_equal(mode_of(foreign), 0755);
        }

        assert_int_equal(dir_ensure_private(""), -EINVAL);

        umask(old);
        tmpdir_free(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_teardown(test_runtime_xdg, restore_env),
            cmocka_unit_test_teardown(test_socket_too_long, restore_env),
            cmocka_unit_test_teardown(test_runtime_default, restore_env),
            cmocka_unit_test_teardown(test_runtime_fallback, restore_env),
            cmocka_unit_test_teardown(test_runtime_run_user, restore_env),
            cmocka_unit_test_teardown(test_data_dir, restore_env),
            cmocka_unit_test_teardown(test_config_file, restore_env),
            cmocka_unit_test(test_mkdir_parents),
            cmocka_unit_test(test_dir_ensure_private),
        };

        return cmocka_run_group_tests(tests, save_env, free_env);
}
