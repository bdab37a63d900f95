/* Desktop notifications and notify commands; see notify.h. */
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>

#include "evbus.h"
#include "log.h"
#include "util.h"

extern char **environ;

#define NOTIFY_DEST       "org.freedesktop.Notifications"
#define NOTIFY_PATH       "/org/freedesktop/Notifications"
#define NOTIFY_IFACE      "org.freedesktop.Notifications"
#define NOTIFY_CATEGORY   "x-tend.followup"
#define NOTIFY_APP        "tend"
#define NOTIFY_ICON       "appointment-soon"
#define CALL_TIMEOUT_USEC (25ULL * 1000000ULL)

struct notify {
        struct ev_loop *loop;
        struct notify_callbacks cb;
        void *userdata;
        bool desktop;
        struct evbus *bus;
        enum notify_state state;
        bool caps_actions, caps_markup;
        char *server; /* unique bus name of the notification server, once known */
        ev_signal sigchld;
        pid_t pids[NOTIFY_COMMANDS_MAX];
        unsigned n_pids;
};

struct notify_request {
        struct notify *n;
        uint64_t cookie;
};

static void set_state(struct notify *n, enum notify_state state)
{
        if (n->state == state)
                return;
        n->state = state;
        if (state != NOTIFY_READY) {
                n->caps_actions = n->caps_markup = false;
                free(n->server);
                n->server = NULL;
        }
        if (n->cb.state)
                n->cb.state(n->userdata, state);
}

enum notify_state notify_get_state(const struct notify *n)
{
        return n ? n->state : NOTIFY_UNAVAILABLE;
}

bool notify_has_actions(const struct notify *n)
{
        return n && n->caps_actions;
}

bool notify_has_markup(const struct notify *n)
{
        return n && n->caps_markup;
}

/* Whether m comes from the server we talk to (when we know it). */
static bool from_server(struct notify *n, sd_bus_message *m)
{
        const char *sender = sd_bus_message_get_sender(m);

        return !n->server || !sender || streq(sender, n->server);
}

static void remember_server(struct notify *n, sd_bus_message *m)
{
        const char *sender = sd_bus_message_get_sender(m);

        if (sender && !streq_ptr(sender, n->server)) {
                char *s = strdup(sender);

                if (s) {
                        free(n->server);
                        n->server = s;
                }
        }
}

static int on_capabilities(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct notify *n = userdata;
        const char *cap;
        bool actions = false, markup = false;
        int r;

        if (sd_bus_message_is_method_error(m, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(m);

                log_info("No desktop notification server answers (%s); follow-ups go to the "
                         "log.",
                         e && e->name ? e->name : "error");
                set_state(n, NOTIFY_UNAVAILABLE);
                return 0;
        }
        r = sd_bus_message_enter_container(m, 'a', "s");
        if (r < 0)
                goto bad;
        while ((r = sd_bus_message_read(m, "s", &cap)) > 0) {
                if (streq(cap, "actions"))
                        actions = true;
                else if (streq(cap, "body-markup"))
                        markup = true;
        }
        if (r < 0)
                goto bad;
        remember_server(n, m);
        n->caps_actions = actions;
        n->caps_markup = markup;
        log_debug("Notification server %s: actions %s, body markup %s.", strempty(n->server),
                  actions ? "yes" : "no", markup ? "yes" : "no");
        set_state(n, NOTIFY_READY);
        return 0;
bad:
        log_warning_errno(r, "Unreadable GetCapabilities reply: %m");
        set_state(n, NOTIFY_UNAVAILABLE);
        return 0;
}

static void ask_capabilities(struct notify *n, sd_bus *bus)
{
        int r = sd_bus_call_method_async(bus, NULL, NOTIFY_DEST, NOTIFY_PATH, NOTIFY_IFACE,
                                         "GetCapabilities", on_capabilities, n, "");

        if (r < 0) {
                log_warning_errno(r, "Failed to ask the notification server's capabilities: %m");
                set_state(n, NOTIFY_UNAVAILABLE);
        }
}

static int on_action(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct notify *n = userdata;
        const char *key;
        uint32_t id;

        if (!from_server(n, m) || sd_bus_message_read(m, "us", &id, &key) < 0)
                return 0;
        if (n->cb.action)
                n->cb.action(n->userdata, id, key);
        return 0;
}

static int on_closed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct notify *n = userdata;
        uint32_t id, reason;

        if (!from_server(n, m) || sd_bus_message_read(m, "uu", &id, &reason) < 0)
                return 0;
        if (n->cb.closed)
                n->cb.closed(n->userdata, id, reason);
        return 0;
}

/* org.freedesktop.Notifications changed hands: a server started, went or was replaced. */
static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct notify *n = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 ||
            !streq(name, NOTIFY_DEST))
                return 0;
        if (!*new_owner) {
                log_info("The desktop notification server went away.");
                set_state(n, NOTIFY_UNAVAILABLE);
                return 0;
        }
        log_info("A desktop notification server appeared (%s).", new_owner);
        set_state(n, NOTIFY_CONNECTING);
        ask_capabilities(n, sd_bus_message_get_bus(m));
        return 0;
}

static void bus_connected(struct evbus *b, sd_bus *bus, void *userdata)
{
        struct notify *n = userdata;
        int r;

        set_state(n, NOTIFY_CONNECTING);
        r = sd_bus_match_signal_async(bus, NULL, NULL, NOTIFY_PATH, NOTIFY_IFACE, "ActionInvoked",
                                      on_action, NULL, n);
        if (r >= 0)
                r = sd_bus_match_signal_async(bus, NULL, NULL, NOTIFY_PATH, NOTIFY_IFACE,
                                              "NotificationClosed", on_closed, NULL, n);
        if (r >= 0)
                r = sd_bus_add_match_async(bus, NULL,
                                           "type='signal',sender='org.freedesktop.DBus',"
                                           "path='/org/freedesktop/DBus',"
                                           "interface='org.freedesktop.DBus',"
                                           "member='NameOwnerChanged',"
                                           "arg0='" NOTIFY_DEST "'",
                                           on_owner_changed, NULL, n);
        if (r < 0)
                log_warning_errno(r, "Failed to subscribe to notification signals: %m");
        ask_capabilities(n, bus);
}

static void bus_disconnected(struct evbus *b, void *userdata)
{
        set_state(userdata, NOTIFY_UNAVAILABLE);
}

static int on_notify_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct notify_request *req = userdata;
        struct notify *n = req->n;
        uint32_t id = 0;
        int error = 0;

        if (sd_bus_message_is_method_error(m, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(m);

                if (sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
                    sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
                        error = -EHOSTUNREACH;
                        set_state(n, NOTIFY_UNAVAILABLE);
                } else if (sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY) ||
                           sd_bus_error_has_name(e, SD_BUS_ERROR_TIMEOUT))
                        error = -ETIMEDOUT;
                else
                        error = -EIO;
                log_debug("Notify failed: %s: %s", e && e->name ? e->name : "?",
                          e && e->message ? e->message : "");
        } else if (sd_bus_message_read(m, "u", &id) < 0 || id == 0) {
                id = 0;
                error = -EIO;
        } else
                remember_server(n, m);
        if (n->cb.sent)
                n->cb.sent(n->userdata, req->cookie, id, error);
        return 0;
}

static int append_message(sd_bus_message *msg, const struct notify *n,
                          const struct notify_message *m)
{
        int r;

        r = sd_bus_message_append(msg, "susss", NOTIFY_APP, m->replaces_id, NOTIFY_ICON,
                                  strempty(m->summary), strempty(m->body));
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(msg, 'a', "s");
        if (r < 0)
                return r;
        if (n->caps_actions) {
                r = sd_bus_message_append(msg, "ss", "default", "Open");
                if (r >= 0 && m->buttons)
                        r = sd_bus_message_append(msg, "ssss", "done", "Done", "snooze",
                                                  m->snooze_label ? m->snooze_label : "Snooze");
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(msg);
        if (r < 0)
                return r;
        r = sd_bus_message_append(msg, "a{sv}", 3, "urgency", "y", (int)m->urgency, "category", "s",
                                  NOTIFY_CATEGORY, "desktop-entry", "s", NOTIFY_APP);
        if (r < 0)
                return r;
        /* Critical ones stay until acted on (spec); the others follow the server's default. */
        return sd_bus_message_append(msg, "i", (int32_t)(m->urgency >= 2 ? 0 : -1));
}

int notify_close(struct notify *n, uint32_t id)
{
        sd_bus *bus;
        int r;

        if (!n || !n->bus || !id)
                return -ENOTCONN;
        r = evbus_connect_now(n->bus);
        bus = evbus_get(n->bus);
        if (r < 0 || !bus)
                return -ENOTCONN;
        /* Fire and forget: the server answers with NotificationClosed (reason 3), which the
         * closed callback already handles. */
        return sd_bus_call_method_async(bus, NULL, NOTIFY_DEST, NOTIFY_PATH, NOTIFY_IFACE,
                                        "CloseNotification", NULL, NULL, "u", id);
}

int notify_send(struct notify *n, const struct notify_message *m)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        struct notify_request *req;
        sd_bus_slot *slot = NULL;
        sd_bus *bus;
        int r;

        if (!n || !n->desktop)
                return -EOPNOTSUPP;
        r = evbus_connect_now(n->bus);
        bus = evbus_get(n->bus);
        if (r < 0 || !bus)
                return -ENOTCONN;
        r = sd_bus_message_new_method_call(bus, &msg, NOTIFY_DEST, NOTIFY_PATH, NOTIFY_IFACE,
                                           "Notify");
        if (r < 0)
                return r;
        r = append_message(msg, n, m);
        if (r < 0)
                return r;
        req = calloc(1, sizeof(*req));
        if (!req)
                return -ENOMEM;
        req->n = n;
        req->cookie = m->cookie;
        r = sd_bus_call_async(bus, &slot, msg, on_notify_reply, req, CALL_TIMEOUT_USEC);
        if (r < 0) {
                free(req);
                return r == -ENOTCONN || r == -ECONNRESET ? -ENOTCONN : r;
        }
        /* The bus owns the pending call; req goes with it, whether answered or dropped. */
        sd_bus_slot_set_destroy_callback(slot, free);
        sd_bus_slot_set_floating(slot, 1);
        sd_bus_slot_unref(slot);
        return 0;
}

/* ---- commands ---- */

static void sigchld_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
        struct notify *n = w->data;

        for (unsigned i = 0; i < n->n_pids;) {
                int status;
                pid_t p = waitpid(n->pids[i], &status, WNOHANG);

                if (p == 0 || (p < 0 && errno == EINTR)) {
                        i++;
                        continue;
                }
                if (p > 0 && WIFEXITED(status) && WEXITSTATUS(status) != 0)
                        log_warning("The notify command (pid %d) exited with status %d.", (int)p,
                                    WEXITSTATUS(status));
                else if (p > 0 && WIFSIGNALED(status))
                        log_warning("The notify command (pid %d) was killed by %s.", (int)p,
                                    strsignal(WTERMSIG(status)));
                else if (p > 0)
                        log_debug("The notify command (pid %d) finished.", (int)p);
                n->pids[i] = n->pids[--n->n_pids];
        }
}

unsigned notify_commands_running(const struct notify *n)
{
        return n ? n->n_pids : 0;
}

int notify_spawn(struct notify *n, char *const *argv, char *const *extra_env)
{
        _cleanup_free_ char **envp = NULL;
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t none, defaults;
        size_t n_env = 0, n_extra = strv_length(extra_env), k = 0;
        pid_t pid;
        int r;

        if (!argv || !argv[0])
                return -EINVAL;
        if (n->n_pids >= NOTIFY_COMMANDS_MAX)
                return -EBUSY;
        while (environ && environ[n_env])
                n_env++;
        envp = calloc(n_env + n_extra + 1, sizeof(char *));
        if (!envp)
                return -ENOMEM;
        /* Our TEND_* values replace inherited ones of the same name. */
        for (size_t i = 0; i < n_env; i++) {
                bool shadowed = false;

                for (size_t j = 0; j < n_extra; j++) {
                        size_t len = strcspn(extra_env[j], "=");

                        if (strncmp(environ[i], extra_env[j], len + 1) == 0)
                                shadowed = true;
                }
                if (!shadowed)
                        envp[k++] = environ[i];
        }
        for (size_t j = 0; j < n_extra; j++)
                envp[k++] = extra_env[j];
        envp[k] = NULL;

        sigemptyset(&none);
        sigemptyset(&defaults);
        sigaddset(&defaults, SIGPIPE); /* ignored in tendd, and ignoring is inherited */
        sigaddset(&defaults, SIGCHLD);
        posix_spawnattr_init(&attr);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &defaults);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                            POSIX_SPAWN_SETSID);
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        r = -posix_spawnp(&pid, argv[0], &fa, &attr, argv, envp);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        if (r < 0)
                return r;
        n->pids[n->n_pids++] = pid;
        return pid;
}

/* ---- object ---- */

int notify_new(struct ev_loop *loop, bool desktop, const struct notify_callbacks *cb,
               void *userdata, struct notify **ret)
{
        static const struct evbus_callbacks bus_cb = {
            .connected = bus_connected,
            .disconnected = bus_disconnected,
        };
        struct notify *n = calloc(1, sizeof(*n));
        int r;

        if (!n)
                return -ENOMEM;
        n->loop = loop;
        if (cb)
                n->cb = *cb;
        n->userdata = userdata;
        n->state = NOTIFY_UNAVAILABLE;
        ev_signal_init(&n->sigchld, sigchld_cb, SIGCHLD);
        n->sigchld.data = n;
        ev_signal_start(loop, &n->sigchld);
        n->desktop = desktop;
        if (desktop) {
                r = evbus_new(loop, EVBUS_USER, &bus_cb, n, &n->bus);
                if (r < 0) {
                        notify_free(n);
                        return r;
                }
        }
        *ret = n;
        return 0;
}

void notify_set_desktop(struct notify *n, bool desktop)
{
        static const struct evbus_callbacks bus_cb = {
            .connected = bus_connected,
            .disconnected = bus_disconnected,
        };

        if (n->desktop == desktop)
                return;
        n->desktop = desktop;
        if (!desktop) {
                evbus_free(n->bus);
                n->bus = NULL;
                set_state(n, NOTIFY_UNAVAILABLE);
        } else if (evbus_new(n->loop, EVBUS_USER, &bus_cb, n, &n->bus) < 0)
                n->desktop = false;
}

void notify_free(struct notify *n)
{
        if (!n)
                return;
        n->cb = (struct notify_callbacks){0}; /* no callbacks into a dying owner */
        evbus_free(n->bus);
        ev_signal_stop(n->loop, &n->sigchld);
        free(n->server);
        free(n);
}
