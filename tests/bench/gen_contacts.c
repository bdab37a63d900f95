/* Benchmark data generator: writes N synthetic contacts (with interactions) straight into a
 * tend store, in batches of one write transaction each, so query benchmarks can start from
 * 100,000 people in seconds. Usage: tend-bench-gen DATA_DIR N [SEED] */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "store.h"
#include "timeutil.h"

#define BATCH 5000

static const char *const first[] = {
    "Ada",     "Alan",   "Grace", "Linus",   "Margaret", "Dennis", "Barbara", "Ken",
    "Frances", "John",   "Radia", "Tim",     "Sophie",   "Guido",  "Anita",   "Bjarne",
    "Karen",   "Edsger", "Hedy",  "Niklaus", "Zoë",      "Örjan",  "Иван",    "Yukihiro"};
static const char *const last[] = {
    "Lovelace", "Turing",     "Hopper",   "Torvalds", "Hamilton",    "Ritchie", "Liskov",
    "Thompson", "Allen",      "McCarthy", "Perlman",  "Berners-Lee", "Wilson",  "van Rossum",
    "Borg",     "Stroustrup", "Jones",    "Dijkstra", "Lamarr",      "Wirth"};
static const char *const orgs[] = {"Acme",     "Initech", "Globex", "Umbrella",  "Hooli",
                                   "Vandelay", "Stark",   "Wayne",  "Cyberdyne", "Tyrell"};
static const char *const tags[] = {"mentor", "alumni", "climbing", "board", "investor",
                                   "hiring", "rust",   "design",   "sales", "friend"};
static const char *const kinds[] = {"coffee", "call", "email", "meeting", "event"};
/* Interaction notes: a few common words ("roadmap", "hiring": ~1 in 8 each) and rarer ones,
 * with accents, so find over history is measured with common and rare words. */
static const char *const topics[] = {"the roadmap",       "hiring plans",     "a café in Zürich",
                                     "the board deck",    "climbing in Åre",  "Rust at work",
                                     "the Série A round", "a conference talk"};
static const char *const moods[] = {"Talked about", "Caught up on", "Asked about", "Planned",
                                    "Shared notes on"};

struct gen {
        uint64_t first_index, count;
        uint64_t rng;
        int64_t now;
};

static uint64_t next_rand(struct gen *g)
{
        /* xorshift64*: reproducible data for a given seed */
        g->rng ^= g->rng >> 12;
        g->rng ^= g->rng << 25;
        g->rng ^= g->rng >> 27;
        return g->rng * 2685821657736338717ULL;
}

#define PICK(g, a) ((a)[next_rand(g) % (sizeof(a) / sizeof((a)[0]))])

static int batch_fn(struct store_txn *t, void *userdata)
{
        struct gen *g = userdata;
        uint64_t saved = g->rng;
        int r = 0;

        for (uint64_t i = 0; i < g->count && r >= 0; i++) {
                uint64_t n = g->first_index + i;
                struct contact c = {0};
                struct interaction in = {0};
                char name[128], email[128], note[160];

                snprintf(name, sizeof(name), "%s %s %" PRIu64, PICK(g, first), PICK(g, last), n);
                c.name = name;
                c.org = (char *)PICK(g, orgs);
                snprintf(email, sizeof(email), "person%" PRIu64 "@%s.example", n, "acme");
                ascii_strlower(email);
                c.networks = (uint32_t)(1 + next_rand(g) % 7);
                c.cadence = (int64_t)(7 + next_rand(g) % 90) * DURATION_DAY;
                c.last_interaction = g->now - (int64_t)(next_rand(g) % (120 * DURATION_DAY));
                c.last_kind = (char *)PICK(g, kinds);
                c.next_due = c.last_interaction + c.cadence;
                c.created = c.updated = g->now;
                if ((r = strv_push(&c.emails, email)) < 0 ||
                    (r = strv_push(&c.tags, PICK(g, tags))) < 0)
                        goto next;
                r = store_txn_contact_put(t, &c);
                if (r < 0)
                        goto next;
                in.contact_id = c.id;
                in.at = c.last_interaction;
                in.kind = c.last_kind;
                in.created = g->now;
                snprintf(note, sizeof(note), "%s %s and %s, follow-up %" PRIu64, PICK(g, moods),
                         PICK(g, topics), PICK(g, topics), n % 1000);
                in.note = note;
                r = store_txn_interaction_add(t, &in);
        next:
                strv_free(c.emails);
                strv_free(c.tags);
        }
        if (r < 0)
                g->rng = saved; /* a re-run after map growth regenerates the same batch */
        return r;
}

int main(int argc, char **argv)
{
        struct store_options so = {0};
        struct store *s = NULL;
        struct gen g = {.now = time_now()};
        uint64_t n;
        int r;

        if (argc < 3) {
                fprintf(stderr, "usage: %s DATA_DIR N [SEED]\n", argv[0]);
                return 2;
        }
        so.dir = argv[1];
        n = strtoull(argv[2], NULL, 10);
        g.rng = argc > 3 ? strtoull(argv[3], NULL, 10) | 1 : 88172645463325252ULL;
        r = store_open(&so, &s);
        if (r < 0) {
                fprintf(stderr, "store_open: %s\n", strerror(-r));
                return 1;
        }
        for (uint64_t done = 0; done < n; done += g.count) {
                g.first_index = done + 1;
                g.count = n - done < BATCH ? n - done : BATCH;
                r = store_write(s, batch_fn, &g);
                if (r < 0) {
                        fprintf(stderr, "store_write: %s\n", strerror(-r));
                        store_close(s);
                        return 1;
                }
        }
        store_close(s);
        printf("%" PRIu64 " contacts written to %s\n", n, argv[1]);
        return 0;
}
