#!/usr/bin/env bash
# Build tend's Debian package from this tree, check it with lintian (no errors allowed),
# unpack it into a throw-away directory and check that the binaries, man pages, user units
# and completions are there and work. Installs nothing and needs no root: the system and
# whatever tend is on PATH are left alone. For CI on Debian 12.
#
#   packaging/check-deb.sh            build (running the test suite), lint, unpack, check
#   OUT=DIR packaging/check-deb.sh    ... and copy the .deb to DIR
#
# Extra DEB_BUILD_OPTIONS (e.g. nocheck when the suite already ran) pass through.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
say() { printf '==> %s\n' "$*"; }
fail() { printf 'check-deb: %s\n' "$*" >&2; exit 1; }

version=$(sed -n '1s/^tend (\([^)-]*\).*/\1/p' "$src/packaging/debian/changelog")
work=$(mktemp -d /tmp/tend-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
tree="$work/tend-$version"
mkdir "$tree"
say "Copying the source tree to $tree"
tar -C "$src" --exclude=./.git --exclude='./build*' --exclude=./debian -cf - . | tar -C "$tree" -xf -
cp -r "$src/packaging/debian" "$tree/debian"

say "dpkg-buildpackage -us -uc -b"
(cd "$tree" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 ||
    { tail -n 80 "$work/build.log"; fail "dpkg-buildpackage failed (log above)"; }
deb=$(ls "$work"/tend_"$version"-*_*.deb)
changes=$(ls "$work"/tend_"$version"-*_*.changes)

say "lintian $(basename "$changes")"
lintian --fail-on error --info "$changes" || fail "lintian reported errors"
[ -z "${OUT:-}" ] || cp "$deb" "$OUT/"

# The package's files as dpkg would lay them out, under $root instead of /.
root="$work/root"
say "Unpacking $(basename "$deb") into $root"
dpkg-deb -x "$deb" "$root"
dpkg-deb -e "$deb" "$work/control"

say "Checking the unpacked package"
bin="$root/usr/bin"
"$bin/tend" --version | grep -qx "tend $version" || fail "tend --version: $("$bin/tend" --version)"
"$bin/tendd" --version | grep -qx "tendd $version" ||
    fail "tendd --version: $("$bin/tendd" --version)"
out=$("$bin/tendd" --check-config /dev/null 2>&1) || fail "tendd --check-config: $out"
for f in usr/share/man/man1/tend.1.gz usr/share/man/man8/tendd.8.gz \
         usr/share/man/man5/tendd.conf.5.gz \
         usr/lib/systemd/user/tendd.service usr/lib/systemd/user/tendd.socket \
         usr/share/bash-completion/completions/tend usr/share/zsh/vendor-completions/_tend \
         usr/share/fish/vendor_completions.d/tend.fish \
         usr/share/doc/tend/README.Debian usr/share/doc/tend/copyright; do
    [ -s "$root/$f" ] || fail "/$f is missing"
done
# Every man page renders (man -l reads the file itself; no man database involved).
for page in man1/tend.1.gz man8/tendd.8.gz man5/tendd.conf.5.gz; do
    MANPAGER=cat PAGER=cat man -l "$root/usr/share/man/$page" >/dev/null 2>"$work/man.err" &&
        [ ! -s "$work/man.err" ] || fail "man -l $page: $(cat "$work/man.err")"
done
grep -qx 'ExecStart=/usr/bin/tendd' "$root/usr/lib/systemd/user/tendd.service" ||
    fail "the unit does not start /usr/bin/tendd"
# The units verify cleanly: copies whose ExecStart= names the unpacked tendd (systemd-analyze
# has no --root for user units); every man page they name (man:PAGE(SECTION)) is in the tree.
mkdir "$work/units"
sed "s|^ExecStart=/usr/bin/tendd|ExecStart=$bin/tendd|" \
    "$root/usr/lib/systemd/user/tendd.service" >"$work/units/tendd.service"
cp "$root/usr/lib/systemd/user/tendd.socket" "$work/units/"
out=$(XDG_RUNTIME_DIR=$work systemd-analyze --user --man=no verify \
          "$work/units/tendd.socket" "$work/units/tendd.service" 2>&1) ||
    fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify warned: $out"
pages=$(sed -n 's/^Documentation=//p' "$root"/usr/lib/systemd/user/tendd.* | tr ' ' '\n' |
            sed -n 's/^man:\([^(]*\)(\([0-9]\))$/\2 \1/p')
[ -n "$pages" ] || fail "the units name no man page"
while read -r section page; do
    [ -s "$root/usr/share/man/man$section/$page.$section.gz" ] ||
        fail "Documentation=man:$page($section) is not in the package"
done <<<"$pages"
# Opt-in: the package enables nothing for anyone, neither as files nor from its scripts.
[ ! -e "$root/etc/systemd/user/default.target.wants/tendd.service" ] &&
    [ ! -e "$root/etc/systemd/user/sockets.target.wants/tendd.socket" ] ||
    fail "the package enables tendd for all users"
! grep -qs -- '--global enable' "$work/control"/post* ||
    fail "a maintainer script enables tendd for all users"
# bash-completion loads ours on demand from the unpacked data dir (the loader returns 124:
# "retry the completion").
XDG_DATA_DIRS="$root/usr/share" bash --norc --noprofile -c '
    source /usr/share/bash-completion/bash_completion; _completion_loader tend
    complete -p tend' | grep -q -- '-F _tend tend' || fail "bash does not load the completion"
if command -v zsh >/dev/null; then
    zsh -n "$root/usr/share/zsh/vendor-completions/_tend" || fail "_tend does not parse"
fi
if command -v fish >/dev/null; then
    # fish looks for vendor completions under $XDG_DATA_DIRS (its own config sets that up,
    # so no --no-config: an empty HOME keeps a user's config out); the unpacked tend comes
    # first on PATH for the completion's own calls.
    mkdir "$work/home"
    HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local" \
        XDG_DATA_DIRS="$root/usr/share:/usr/share" PATH="$bin:$PATH" \
        fish -c 'complete -C "tend sh"' | grep -q '^show' || fail "fish does not complete tend"
fi
say "The package is good: $(basename "$deb")"
