/* tendd: parse options, build the daemon, run it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "log.h"
#include "tendd.h"

static void help(void)
{
        printf(
            "Usage: tendd [OPTIONS]\n"
            "\n"
            "The tend daemon: keeps your contacts, interactions and follow-ups in LMDB and\n"
            "serves the tend client over a varlink Unix socket. Runs in the foreground.\n"
            "\n"
            "  -d, --data-dir DIR   store location (default $XDG_DATA_HOME/tend)\n"
            "  -s, --socket PATH    socket path (default $XDG_RUNTIME_DIR/tend/tendd.sock)\n"
            "  -c, --config FILE    configuration (default $XDG_CONFIG_HOME/tend/tendd.conf)\n"
            "      --check-config [FILE]\n"
            "                       check the configuration, print the effective settings\n"
            "                       (or the errors, with line numbers: exit status 1)\n"
            "      --check-store    check the store in DATA_DIR with tendd stopped: every index\n"
            "                       against its records (exit status 1 when anything is wrong)\n"
            "      --repair         with --check-store: rebuild every index from the records\n"
            "  -v, --verbose        log debug messages\n"
            "      --version        print the version and exit\n"
            "  -h, --help           print this help and exit\n"
            "\n"
            "Under systemd the socket may be passed by socket activation (tendd.socket).\n"
            "SIGTERM and SIGINT stop the daemon cleanly; SIGHUP reloads the configuration\n"
            "(a file with errors is refused and the running settings stay).\n");
}

int main(int argc, char **argv)
{
        static const struct option options[] = {
            {"data-dir", required_argument, NULL, 'd'},
            {"socket", required_argument, NULL, 's'},
            {"config", required_argument, NULL, 'c'},
            {"check-config", optional_argument, NULL, 'C'},
            {"check-store", no_argument, NULL, 'S'},
            {"repair", no_argument, NULL, 'R'},
            {"verbose", no_argument, NULL, 'v'},
            {"version", no_argument, NULL, 'V'},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        struct tendd_options opts = {0};
        struct tendd *d = NULL;
        bool check_config = false, check_store = false, repair = false;
        const char *check_path = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "d:s:c:vh", options, NULL)) >= 0) {
                switch (c) {
                case 'd':
                        opts.data_dir = optarg;
                        break;
                case 's':
                        opts.socket_path = optarg;
                        break;
                case 'c':
                        opts.config_path = optarg;
                        break;
                case 'C':
                        check_config = true;
                        /* --check-config FILE as well as --check-config=FILE */
                        if (optarg)
                                check_path = optarg;
                        else if (optind < argc && argv[optind][0] != '-')
                                check_path = argv[optind++];
                        break;
                case 'S':
                        check_store = true;
                        break;
                case 'R':
                        repair = true;
                        break;
                case 'v':
                        opts.verbose = true;
                        break;
                case 'V':
                        printf("tendd %s\n", TEND_VERSION);
                        return EXIT_SUCCESS;
                case 'h':
                        help();
                        return EXIT_SUCCESS;
                default:
                        fprintf(stderr, "Try 'tendd --help'.\n");
                        return 2;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "tendd: unexpected argument '%s'\nTry 'tendd --help'.\n",
                        argv[optind]);
                return 2;
        }
        if (repair && !check_store) {
                fprintf(stderr, "tendd: --repair goes with --check-store\nTry 'tendd --help'.\n");
                return 2;
        }
        if (check_config && check_store) {
                fprintf(stderr, "tendd: --check-config and --check-store are separate runs\n"
                                "Try 'tendd --help'.\n");
                return 2;
        }
        if (check_store)
                return tendd_check_store(&opts, repair);
        if (check_config)
                return config_check(check_path ? check_path : opts.config_path, stdout, stderr);
        if (opts.verbose)
                log_set_max_level(LOG_DEBUG);

        r = tendd_new(&opts, &d);
        if (r < 0)
                return EXIT_FAILURE;
        r = tendd_run(d);
        tendd_free(d);
        return r;
}
