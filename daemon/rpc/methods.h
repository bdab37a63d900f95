/* The io.tend varlink interfaces: method tables and handlers, on top of the store. */
#pragma once

#include "varlink.h"

extern const struct varlink_interface methods_service_interface;
extern const struct varlink_interface methods_contacts_interface;
extern const struct varlink_interface methods_interactions_interface;
extern const struct varlink_interface methods_followups_interface;
extern const struct varlink_interface methods_goals_interface;
extern const struct varlink_interface methods_network_interface;
extern const struct varlink_interface methods_transfer_interface;
extern const struct varlink_interface methods_dates_interface;
extern const struct varlink_interface methods_sync_interface;
extern const struct varlink_interface methods_journal_interface;
extern const struct varlink_interface methods_capture_interface;

/** The complete service description (vendor, product, version, interfaces). */
const struct varlink_service *methods_service(void);
