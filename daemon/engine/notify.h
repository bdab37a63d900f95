/* Desktop notifications: org.freedesktop.Notifications on the user bus (through evbus, so only
 * asynchronous calls on the libev loop), and the optional notify/open commands, run with
 * posix_spawnp and an argument vector — never a shell.
 *
 * On connect the server's capabilities are asked for (GetCapabilities) and the signals
 * ActionInvoked and NotificationClosed are matched (only those sent by the server our Notify
 * calls went to are believed). Each Notify goes out with app_name "tend", the contact's
 * replaces_id, actions default/done/snooze when the server has "actions", hints urgency,
 * category "x-tend.followup" and desktop-entry "tend"; its reply (the id, or the error) comes
 * back through the sent callback. */
#pragma once

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

struct notify;

enum notify_state {
        NOTIFY_CONNECTING,  /* bus or capabilities not known yet */
        NOTIFY_READY,       /* a server answered GetCapabilities */
        NOTIFY_UNAVAILABLE, /* no bus, or no notification server on it */
};

struct notify_callbacks {
        /* A Notify call finished: id > 0 shown, 0 failed (error says why: -EHOSTUNREACH no
         * server, -ENOTCONN no bus, -ETIMEDOUT, -EIO other). */
        void (*sent)(void *userdata, uint64_t cookie, uint32_t id, int error);
        /* The user pressed a button ("done", "snooze") or clicked the body ("default"). */
        void (*action)(void *userdata, uint32_t id, const char *key);
        /* The notification is gone (reason: 1 expired, 2 dismissed, 3 closed, 4 other). */
        void (*closed)(void *userdata, uint32_t id, uint32_t reason);
        /* The state changed (e.g. the capabilities arrived, or the server went away). */
        void (*state)(void *userdata, enum notify_state state);
};

struct notify_message {
        const char *summary;
        const char *body;
        uint32_t replaces_id;
        uint8_t urgency;          /* 0 low, 1 normal, 2 critical */
        bool buttons;             /* offer done and snooze (when the server has actions) */
        const char *snooze_label; /* e.g. "Snooze 1w" */
        uint64_t cookie;          /* handed back to sent() */
};

/** Create; with desktop false no bus is used at all (commands only). Returns 0 or -ENOMEM. */
int notify_new(struct ev_loop *loop, bool desktop, const struct notify_callbacks *cb,
               void *userdata, struct notify **ret);

/** Close the bus (flushing what is queued) and stop tracking commands; accepts NULL. */
void notify_free(struct notify *n);

/** Turn desktop notifications on or off (config reload). */
void notify_set_desktop(struct notify *n, bool desktop);

enum notify_state notify_get_state(const struct notify *n);

/** Capabilities of the current server ("actions", "body-markup"); false while unknown. */
bool notify_has_actions(const struct notify *n);
bool notify_has_markup(const struct notify *n);

/** Send m asynchronously. Returns 0 when the call is queued (the outcome comes through
 * sent()), -ENOTCONN when there is no bus, -EOPNOTSUPP with desktop notifications off, or
 * -errno. Never blocks. */
int notify_send(struct notify *n, const struct notify_message *m);

/** Withdraw notification id if the server still shows it (CloseNotification). Returns 0 or
 * -ENOTCONN (no bus: nothing is shown either). */
int notify_close(struct notify *n, uint32_t id);

/** Run argv (argv[0] looked up in $PATH) with the given extra environment entries
 * ("NAME=value", NULL-terminated; may be NULL), stdin from /dev/null and stdout/stderr shared
 * with tendd (the journal). At most NOTIFY_COMMANDS_MAX run at once; the exit status is logged
 * when it is reaped. Returns the pid or -errno (-EBUSY over the limit). */
#define NOTIFY_COMMANDS_MAX 16
int notify_spawn(struct notify *n, char *const *argv, char *const *extra_env);

/** Number of commands still running (tests). */
unsigned notify_commands_running(const struct notify *n);
