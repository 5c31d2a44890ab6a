#!/usr/bin/env bash
# Chromium for the browser test (projects/in-memory/src/graphiql.integration.test.ts), from the system's packages:
# playwright-core drives it, and no browser is downloaded.
#
#   chromium.sh ensure   when no `chromium` is on PATH (and CHROMIUM_PATH is unset), installs Debian's chromium
#                        package with apt-get (through sudo when not root)
#
# Env: CHROMIUM_PATH, a Chromium or Chrome to use instead (the test takes it too).
set -euo pipefail

log() { echo "chromium: $*" >&2; }

ensure() {
  if [[ -n "${CHROMIUM_PATH:-}" ]]; then
    [[ -x "$CHROMIUM_PATH" ]] || { log "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file"; exit 1; }
    log "using CHROMIUM_PATH=$CHROMIUM_PATH"
    return
  fi
  local found
  if found="$(command -v chromium)"; then
    log "found $found"
    return
  fi
  if ! command -v apt-get >/dev/null; then
    log "not found, and no apt-get to install it: install Chromium (or Chrome) and put chromium on PATH, or set CHROMIUM_PATH"
    exit 1
  fi
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null || { log "not found; installing it needs root or sudo: apt-get install chromium"; exit 1; }
    sudo=(sudo)
  fi
  log "not found: installing Debian's chromium package with apt-get (a few minutes, once)"
  # Waits for another apt-get or dpkg to finish rather than failing on its lock.
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium >/dev/null
  found="$(command -v chromium)" || { log "apt-get installed chromium, yet no chromium is on PATH"; exit 1; }
  log "installed $found ($("$found" --version 2>/dev/null || echo "version unknown"))"
}

case "${1:-}" in
  ensure) ensure ;;
  *)
    echo "usage: $0 ensure" >&2
    exit 2
    ;;
esac
