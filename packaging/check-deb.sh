#!/usr/bin/env bash
# Build tend's Debian package from this tree, check it with lintian (no errors allowed),
# install it, and check that the binaries, man pages, user units and completions landed and
# work. For CI on Debian 12; needs root or sudo for the install.
#
#   packaging/check-deb.sh            build (running the test suite), check, install, remove
#   KEEP=1 packaging/check-deb.sh     ... and leave the package installed
#   OUT=DIR packaging/check-deb.sh    ... and copy the .deb to DIR
#
# Extra DEB_BUILD_OPTIONS (e.g. nocheck when the suite already ran) pass through.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
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

say "Installing $(basename "$deb")"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null
[ "${KEEP:-0}" = 1 ] || trap '"${sudo[@]}" dpkg --purge tend >/dev/null; rm -rf "$work"' EXIT
[ -z "${OUT:-}" ] || cp "$deb" "$OUT/"

say "Checking the installed package"
tend --version | grep -qx "tend $version" || fail "tend --version: $(tend --version)"
tendd --version | grep -qx "tendd $version" || fail "tendd --version: $(tendd --version)"
[ "$(command -v tend)" = /usr/bin/tend ] || fail "tend is not /usr/bin/tend"
for page in tend tendd tendd.conf; do
    man -w "$page" >/dev/null || fail "man -w $page found nothing"
done
man -w 5 tendd.conf | grep -q man5 || fail "tendd.conf is not in section 5"
for f in /usr/lib/systemd/user/tendd.service /usr/lib/systemd/user/tendd.socket \
         /usr/share/bash-completion/completions/tend /usr/share/zsh/vendor-completions/_tend \
         /usr/share/fish/vendor_completions.d/tend.fish \
         /usr/share/doc/tend/README.Debian /usr/share/doc/tend/copyright; do
    [ -s "$f" ] || fail "$f is missing"
done
grep -qx 'ExecStart=/usr/bin/tendd' /usr/lib/systemd/user/tendd.service ||
    fail "the installed unit does not start /usr/bin/tendd"
# The installed units verify cleanly, man pages included (Documentation=).
out=$(XDG_RUNTIME_DIR=$work systemd-analyze --user verify /usr/lib/systemd/user/tendd.socket \
          /usr/lib/systemd/user/tendd.service 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify warned: $out"
# Opt-in: the package enables nothing for anyone.
[ ! -e /etc/systemd/user/default.target.wants/tendd.service ] ||
    fail "the package enabled tendd.service for all users"
# bash-completion loads ours on demand (the loader returns 124: "retry the completion").
bash -c 'source /usr/share/bash-completion/bash_completion; _completion_loader tend
         complete -p tend' | grep -q -- '-F _tend tend' || fail "bash does not load the completion"
if command -v zsh >/dev/null; then
    zsh -n /usr/share/zsh/vendor-completions/_tend || fail "_tend does not parse"
fi
if command -v fish >/dev/null; then
    fish -c 'complete -C "tend sh"' | grep -q '^show' || fail "fish does not complete tend"
fi
say "The package is good: $(basename "$deb")"
