#!/usr/bin/env bash
# tend's one entry point for people and CI on Debian 12.
#
#   ./build.sh          install missing packages, build, install tend (as root into
#                       /usr/local, else into ~/.local) and start tendd: socket-activated
#                       when a systemd user manager runs, else in the foreground
#   ./build.sh test     install missing packages, build with -Werror and run the whole suite,
#                       then again with AddressSanitizer + UndefinedBehaviorSanitizer, bounded
#                       fuzz runs, end-to-end tests with tendd under valgrind memcheck, then
#                       build, lintian-check and check the Debian package (unpacked, not
#                       installed)
#   ./build.sh deps     only install missing packages
#   ./build.sh build    only build (into ./build)
#   ./build.sh fuzz-long
#                       the long fuzzing run: every parser target for 10 million executions,
#                       the dispatch target for 1 million (tests/fuzz/run-long.sh)
#   ./build.sh crash-long
#                       build, then kill -9 tendd 1,000 times over a mix of writes (add, log,
#                       edit, merge, undo, import): every acknowledged write must be there
#                       afterwards and 'tend check' clean (TEND_CRASH_KILLS=N to change)
set -euo pipefail
cd "$(dirname "$0")"

# What tend needs at run time, features included (tend graph --format svg runs graphviz).
RUNTIME_PKGS=(libev4 liblmdb0 libjansson4 libsystemd0 libinih1 libunistring2 dbus-user-session
              libnotmuch5 libgmime-3.0-0 libical3 tzdata
              graphviz)
BUILD_PKGS=(build-essential cmake pkgconf libev-dev liblmdb-dev libjansson-dev libsystemd-dev
            libinih-dev libunistring-dev scdoc libnotmuch-dev libgmime-3.0-dev libical-dev)
TEST_PKGS=(libcmocka-dev python3 lmdb-utils dbus-daemon socat
           # capture: a real notmuch index of a generated maildir, strace for the headers-only check
           notmuch strace
           # packaging check, units and completions (tests/e2e/test_systemd.py, completion, docs)
           dpkg-dev debhelper lintian bash-completion zsh fish man-db systemd
           # notifications on a private bus, a real notification daemon, the idle check
           python3-dbus python3-dbusmock dunst xvfb strace
           # sync through a real CardDAV server (tests/e2e/test_sync.py; khard is below)
           radicale vdirsyncer
           # import/export interop (khard, calcurse, an iCalendar parser) and the fuzzers
           khard calcurse python3-icalendar clang libclang-rt-14-dev
           # tendd under memcheck (tests/e2e/run-valgrind.sh)
           valgrind
           # the benchmark suite's smoke run (ctest -L bench-smoke; tests/bench/run.sh)
           hyperfine)
JOBS=$(nproc 2>/dev/null || echo 2)

say() { printf '==> %s\n' "$*"; }

install_missing() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "Installing ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

build() {   # build DIR [cmake args...]
    local dir=$1
    shift
    say "Building in $dir"
    cmake -S . -B "$dir" -DTEND_WERROR=ON "$@" >/dev/null
    cmake --build "$dir" -j "$JOBS"
}

run_suite() {   # run_suite DIR
    say "Running the test suite in $1"
    ctest --test-dir "$1" --output-on-failure -j "$JOBS" --timeout 600
}

# Install into /usr/local as root, else into ~/.local: binaries, user units where the user
# manager looks (PREFIX/lib/systemd/user is searched for /usr/local only), man pages and
# completions. Prints the bin directory.
install_tend() {
    local prefix=/usr/local unit_dir=lib/systemd/user
    if [ "$(id -u)" -ne 0 ]; then
        prefix=$HOME/.local
        unit_dir=share/systemd/user
    fi
    say "Installing tend into $prefix" >&2
    cmake -S . -B build -DCMAKE_INSTALL_PREFIX="$prefix" -DTEND_USER_UNIT_DIR="$unit_dir" \
        -DTEND_BASH_COMPLETION_DIR=share/bash-completion/completions \
        -DTEND_ZSH_COMPLETION_DIR=share/zsh/site-functions \
        -DTEND_FISH_COMPLETION_DIR=share/fish/vendor_completions.d >/dev/null
    cmake --build build -j "$JOBS" >/dev/null
    cmake --install build >/dev/null
    echo "$prefix/bin"
}

# Say how to reach the installed tend when PATH does not lead to it yet.
check_path() {   # check_path BINDIR
    local bindir=$1 found
    found=$(command -v tend 2>/dev/null || true)
    if [ "$found" = "$bindir/tend" ]; then
        return 0
    fi
    case ":$PATH:" in
        *":$bindir:"*)
            say "Another tend comes first on PATH ($found); this one is $bindir/tend." ;;
        *)
            say "$bindir is not on PATH yet; add it with: export PATH=\"$bindir:\$PATH\"" ;;
    esac
}

start_daemon() {   # start_daemon BINDIR
    local bindir=$1
    if systemctl --user is-system-running >/dev/null 2>&1 ||
        [ "$(systemctl --user is-system-running 2>/dev/null)" = degraded ]; then
        systemctl --user daemon-reload
        systemctl --user enable --now tendd.socket
        # A tendd of an earlier build keeps running until restarted.
        systemctl --user try-restart tendd.service
        say "tendd is ready (started on demand by systemd): try 'tend status'"
    else
        say "No systemd user manager here: running tendd in the foreground (Ctrl-C stops it)."
        say "In another terminal: tend status"
        exec "$bindir/tendd"
    fi
}

case "${1:-start}" in
    deps)
        install_missing "${RUNTIME_PKGS[@]}" "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"
        ;;
    build)
        install_missing "${RUNTIME_PKGS[@]}" "${BUILD_PKGS[@]}"
        build build
        ;;
    start)
        install_missing "${RUNTIME_PKGS[@]}" "${BUILD_PKGS[@]}"
        build build -DTEND_TESTS=OFF
        bindir=$(install_tend)
        check_path "$bindir"
        start_daemon "$bindir"
        ;;
    test)
        install_missing "${RUNTIME_PKGS[@]}" "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"
        build build -DTEND_TESTS=ON
        run_suite build
        build build-asan -DTEND_TESTS=ON -DTEND_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
            run_suite build-asan
        say "Fuzzing every parser and the dispatch (bounded runs over the seed corpora)"
        CC=clang build build-fuzz -DTEND_FUZZ=ON -DTEND_TESTS=ON
        ctest --test-dir build-fuzz -L fuzz --output-on-failure
        say "End-to-end tests with tendd under valgrind memcheck (tests/e2e/run-valgrind.sh)"
        tests/e2e/run-valgrind.sh build
        say "Building and checking the Debian package (unpacked; nothing is installed)"
        # nocheck: the suite just ran twice; check-deb.sh runs it inside the build without it.
        DEB_BUILD_OPTIONS=nocheck packaging/check-deb.sh
        say "All tests passed, with and without sanitizers, and the package is good."
        ;;
    fuzz-long)
        install_missing "${RUNTIME_PKGS[@]}" "${BUILD_PKGS[@]}" clang libclang-rt-14-dev
        CC=clang build build-fuzz -DTEND_FUZZ=ON -DTEND_TESTS=ON
        tests/fuzz/run-long.sh build-fuzz
        ;;
    crash-long)
        install_missing "${RUNTIME_PKGS[@]}" "${BUILD_PKGS[@]}" python3
        build build -DTEND_TESTS=ON
        say "kill -9 loop over mixed writes: ${TEND_CRASH_KILLS:-1000} kills"
        (cd tests/e2e &&
            TEND_BIN="$PWD/../../build/client/tend" TENDD_BIN="$PWD/../../build/daemon/tendd" \
            TEND_CRASH_KILLS="${TEND_CRASH_KILLS:-1000}" PYTHONDONTWRITEBYTECODE=1 \
            python3 -m unittest -v test_durability.MixedCrashTests)
        say "No acknowledged write lost; 'tend check' clean every 100 kills and at the end."
        ;;
    *)
        sed -n '2,20p' "$0" >&2
        exit 2
        ;;
esac
