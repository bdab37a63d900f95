/* The core: what every door into tend shares — the store, the settings in force and the
 * clock — so that a rule is applied the same way whether a change comes in by a varlink
 * method, a notification button, an import or a reload. The rules themselves live in the
 * core's modules (touch.h, goals.h, followups.h, …) as functions of a store transaction.
 *
 * After a write commits, the store hands its change set to the observers the daemon wired
 * (store_set_observer): the scheduler re-arms, the STATUS line and watch streams update. No
 * writer calls them by hand. */
#pragma once

#include <stdint.h>

#include "config.h"
#include "store.h"

struct core {
        struct store *store;
        const struct config *config; /* the settings in force; replaced whole on reload */
};

/** Wall-clock now in UTC seconds. */
int64_t core_now(const struct core *c);

/** tendd.conf's [goals] follow_up in force (0: none configured, the built-in default). */
int64_t core_goal_conf_every(const struct core *c);
