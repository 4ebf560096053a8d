#!/usr/bin/env bash
# Installs what the stack and the tests need: Debian packages (only the missing ones, with
# apt-get update only when an install is needed) and then the npm dependencies (npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."

# One package per line in scripts/debian-packages.txt; '#' starts a comment.
mapfile -t PKGS < <(sed -e 's/#.*//' -e '/^\s*$/d' scripts/debian-packages.txt)

missing=()
for p in "${PKGS[@]}"; do
  p="${p// /}"
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then SUDO=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=(sudo -n)
  else
    echo "deps: missing Debian packages (${missing[*]}) and neither root nor passwordless sudo is available; run 'sudo make deps' or install them by hand" >&2
    exit 1
  fi
  echo "deps: installing ${missing[*]}"
  # apt never starts services here (policy-rc.d); the stack supervisor starts its own copies.
  export DEBIAN_FRONTEND=noninteractive
  if ! "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/openline-apt.log 2>&1; then
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/openline-apt.log 2>&1 || {
      echo "deps: apt-get install failed, see /tmp/openline-apt.log" >&2; tail -20 /tmp/openline-apt.log >&2; exit 1; }
  fi
else
  echo "deps: Debian packages present"
fi

# npm ci only when the lockfile changed since the last install (keeps `make test` fast on reruns).
stamp=node_modules/.openline-lock-stamp
if [[ ! -f $stamp ]] || ! cmp -s package-lock.json "$stamp"; then
  if ! npm ci --no-audit --no-fund --loglevel=error; then
    # A lockfile out of step with a workspace's package.json: install from package.json instead
    # (loudly), so a forgotten lockfile commit does not stop every test.
    echo "deps: WARNING: npm ci failed (package-lock.json out of sync?); falling back to npm install" >&2
    npm install --no-audit --no-fund --loglevel=error
  fi
  cp package-lock.json "$stamp"
else
  echo "deps: node_modules up to date"
fi
