/* tendd's configuration: $XDG_CONFIG_HOME/tend/tendd.conf (default ~/.config/tend/tendd.conf),
 * an ini file parsed with libinih. SIGHUP reloads it; a file with errors is refused as a whole
 * and the running settings stay. `tendd --check-config [FILE]` checks a file and prints the
 * effective settings.
 *
 * Syntax: `[section]` lines, `key = value` lines, comments starting with `#` or `;` at the
 * start of a line (and `;` after white space inside a line). Keys and section names are
 * case-insensitive; a key may be given once. A missing file means all defaults. Lines are at
 * most 199 bytes. Every error names its line: `FILE:LINE: message`.
 *
 * THE KEYS (this table is the reference for tendd.conf(5)). Each key: type, default, meaning.
 *
 * [schedule]
 *   preferred_time    HH:MM            09:00
 *       Local time of the daily digest: a follow-up still overdue the day after it was shown
 *       comes back once, in one notification at this time (each day it stays overdue).
 *   quiet_hours       HH:MM-HH:MM|off  22:00-08:00
 *       Local time span in which nothing is shown; what falls due inside is shown at its
 *       end. A span may cross midnight. off, no or none: no quiet hours.
 *   digest_threshold  integer 0..1000  3
 *       More than this many follow-ups at once are shown as one summary listing them
 *       (0: always a summary).
 *   snooze            DURATION         1w
 *       How far the notification's Snooze button moves a follow-up.
 *   critical_after    DURATION         2w
 *       A follow-up overdue by more than this is shown with critical urgency (which does
 *       not expire on its own); normal urgency otherwise.
 * [cadence]
 *   operational       DURATION         14d
 *       Rhythm of a contact added to the operational network without --every.
 *   strategic         DURATION         30d
 *       The same for the strategic network.
 *   personal          DURATION         60d
 *       The same for the personal network. A contact in several networks gets the
 *       shortest of their cadences; --every always wins.
 * [notify]
 *   desktop           boolean          yes
 *       Show desktop notifications (org.freedesktop.Notifications on the user bus).
 *   command           COMMAND          (none)
 *       Run for every notification tend raises, whether or not a notification server
 *       showed it (e.g. to forward it to a phone).
 *   open_command      COMMAND          (none)
 *       Run when a notification is clicked (its "default" action, labelled Open).
 * [goals]
 *   follow_up         DURATION         30d
 *       People linked to an active goal are followed up at least this often after their
 *       last touch (1s to 366d). `tend profile set --goal-every`, when set, wins over this.
 * [sync]
 *   vdir              PATH             (none)
 *       Mirror every contact into this folder as one vCard per person (UID.vcf) and import
 *       what vdirsyncer, khard or anything else changes there. An absolute path or ~/...
 *   ics               PATH             (none)
 *       Write one iCalendar file per follow-up and birthday into this folder (one way).
 *   exclude           LIST             (none)
 *       What stays on this machine: any of notes, history, ledger, goals.
 * [backup]
 *   keep              integer 0..1000  7
 *       How many daily backups tendd keeps: a compacted copy of the store, verified after
 *       writing, named by date; the oldest beyond this count is removed. 0: no backups.
 *   every             DURATION         1d
 *       How often a backup is written (at least 1h).
 *   dir               PATH             $XDG_STATE_HOME/tend/backups
 *       The folder the backups go to (an absolute path).
 * [plan]
 *   tolerance         POINTS           10
 *       How far (in percentage points, 0 to 50) a network's share of your attention may be
 *       from your profile's target before `tend health` calls it under- or over-served and
 *       `tend plan` favours its people.
 *   recent            DURATION         14d
 *       Someone touched this recently is not proposed by `tend plan` without a dated reason
 *       (a follow-up due, a pipeline step). 0s turns it off.
 * [capture]
 *   notmuch           auto|off|PATH    off
 *       Log interactions from mail indexed by notmuch (headers only, never bodies). auto:
 *       notmuch's own configuration ($NOTMUCH_CONFIG, ~/.notmuch-config, ...) finds the
 *       database, and capture stays off when there is none; PATH: the mail folder whose
 *       database is in PATH/.notmuch. The database is opened read-only between scans.
 *   calendar          PATH             (none)
 *       Log meetings that took place from this calendar vdir (a folder of .ics files).
 *   me                LIST             (none)
 *       Your own addresses, separated by commas: mail from one of them is mail you sent;
 *       they are never matched to a contact. With notmuch = auto, notmuch's
 *       user.primary_email and user.other_email are added.
 *   received          touch|history    history
 *       Mail you received is shown in history as kind `received`; with touch it also
 *       counts as a touch (resets the rhythm), with history it moves no date.
 *   max_recipients    integer 1..1000  10
 *       A message to more people than this (To and Cc), or with a List-Id, is bulk: it is
 *       counted in `tend capture status` but never recorded.
 *   backfill          DURATION         90d
 *       How far back the first scan reads (and how old mail indexed later may be).
 *
 * Types:
 *  - HH:MM: 24-hour local time, 00:00 to 23:59.
 *  - DURATION: as on the command line, `45s 10m 3h 3d 2w 1mo 1y` or `3 days`.
 *  - boolean: yes/no, true/false, on/off, 1/0.
 *  - COMMAND: a program and its arguments, split at white space; '...' and "..." quote, a
 *    backslash escapes the next character. No shell is involved: the program is found in
 *    $PATH and run directly (posix_spawnp with an argument vector). In each argument these
 *    placeholders are replaced: {summary} {body} {name} {id} {due} (RFC 3339) {count} (how
 *    many follow-ups the notification covers), {{ and }} for literal braces. The same values are
 *    in the environment as TEND_SUMMARY, TEND_BODY, TEND_CONTACT_NAME, TEND_CONTACT_ID,
 *    TEND_DUE and TEND_COUNT. For a summary of several follow-ups {name}, {id} and {due} are
 *    empty. Its output goes to tendd's log; it is not waited for beyond collecting its exit.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"

#define CONFIG_DIGEST_THRESHOLD_MAX 1000

struct config {
        /* [schedule] */
        int preferred_time;        /* minutes after local midnight */
        int quiet_start;           /* minutes after local midnight */
        int quiet_end;             /* quiet_start == quiet_end: no quiet hours */
        unsigned digest_threshold; /* more than this at once → one summary */
        int64_t snooze;            /* seconds */
        int64_t critical_after;    /* seconds overdue before urgency is critical */
        /* [cadence] */
        int64_t cadence[_NETWORK_MAX]; /* seconds, by enum network */
        /* [notify] */
        bool desktop;
        char **command;      /* argv template; NULL = none */
        char **open_command; /* argv template; NULL = none */
        /* [goals] */
        int64_t goal_follow_up; /* seconds; the store's goal_every setting wins when set */
        /* [sync] */
        char *sync_vdir;       /* NULL = no vdir mirror */
        char *sync_ics;        /* NULL = no iCalendar folder */
        unsigned sync_exclude; /* enum sync_exclude mask */
        /* [backup] */
        unsigned backup_keep; /* 0: no rolling backups */
        int64_t backup_every; /* seconds */
        char *backup_dir;     /* NULL: $XDG_STATE_HOME/tend/backups */
        /* [plan] */
        unsigned plan_tolerance; /* percentage points either side of a network's target */
        int64_t plan_recent;     /* seconds: touched this recently, not proposed without a date */
        /* [capture] */
        char *capture_notmuch;           /* NULL: off; "auto"; or the mail folder */
        char *capture_calendar;          /* NULL: off; a calendar vdir */
        char **capture_me;               /* your own addresses, lower-cased; NULL = none */
        bool capture_received_touch;     /* received mail counts as a touch */
        unsigned capture_max_recipients; /* more (To + Cc) than this: bulk */
        int64_t capture_backfill;        /* seconds back the first scan reads */
};

#define CONFIG_CAPTURE_RECIPIENTS_MAX 1000
#define CONFIG_CAPTURE_BACKFILL_MAX   (10LL * 366 * 86400)

#define CONFIG_BACKUP_KEEP_MAX  1000
#define CONFIG_BACKUP_EVERY_MIN 3600

#define CONFIG_PLAN_TOLERANCE_MAX 50
#define CONFIG_PLAN_RECENT_MAX    (366 * 86400LL)

#define CONFIG_GOAL_FOLLOW_UP_MAX (366 * 86400LL)

/** Fill c with the defaults (no allocation). */
void config_init(struct config *c);

/** Release what c owns and reset it to the defaults. */
void config_done(struct config *c);

/** Deep copy src into *dst (which must be initialised; its old contents are released on
 * success). Returns 0 or -ENOMEM. */
int config_copy(struct config *dst, const struct config *src);

/** Parse an open file named name (used in messages) over the defaults. On success fills *ret
 * (initialised by the caller; replaced) and returns 0. Otherwise appends one
 * "NAME:LINE: message" per problem to *ret_errors and returns -EINVAL (ret untouched), or
 * -ENOMEM / -errno. */
int config_parse_file(FILE *f, const char *name, struct config *ret, char ***ret_errors);

/** Same for text in memory. */
int config_parse_string(const char *text, const char *name, struct config *ret, char ***ret_errors);

/** Load path; a missing file gives the defaults (returns 0). Errors as config_parse_file,
 * plus "PATH: reason" when the file cannot be read. */
int config_load(const char *path, struct config *ret, char ***ret_errors);

/** The default cadence for a contact in the networks of mask: the shortest configured one of
 * them; 0 when mask is empty. */
int64_t config_default_cadence(const struct config *c, uint32_t networks);

/** Write the effective settings as a complete tendd.conf to f. */
void config_dump(const struct config *c, FILE *f);

/** `tendd --check-config [PATH]` (NULL: the default file): the errors to err and exit
 * status 1, or the effective settings to out and 0. */
int config_check(const char *path, FILE *out, FILE *err);

/** Expand a COMMAND template: each argument with {summary} {body} {name} {id} {due} {count}
 * replaced from vars (indexed like the names; NULL counts as empty). Returns 0 with a new
 * string vector, -ENOMEM. Templates were checked at parse time; an unknown placeholder is
 * kept verbatim. */
enum config_var {
        CONFIG_VAR_SUMMARY,
        CONFIG_VAR_BODY,
        CONFIG_VAR_NAME,
        CONFIG_VAR_ID,
        CONFIG_VAR_DUE,
        CONFIG_VAR_COUNT,
        _CONFIG_VAR_MAX,
};
int config_expand_command(char *const *tmpl, const char *const vars[static _CONFIG_VAR_MAX],
                          char ***ret);

/** The variable's placeholder and environment names ("summary", "TEND_SUMMARY"). */
const char *config_var_name(enum config_var v);
const char *config_var_env(enum config_var v);
