# Shared by the run and test commands: install what is missing, in the same way every time.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

step() { printf '\n==> %s\n' "$*" >&2; }

install_system() {
  step "system packages and Rust"
  "$ROOT/scripts/install-deps.sh"
  [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
  return 0
}

# npm ci only when the lockfile changed since the last install.
install_ui() {
  step "UI packages"
  local stamp="$ROOT/ui/node_modules/.tributary-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$ROOT/ui/package-lock.json" "$stamp"; then
    (cd "$ROOT/ui" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$ROOT/ui/package-lock.json" "$stamp"
  fi
}

build_ui() {
  step "UI build"
  (cd "$ROOT/ui" && npm run --silent build -- --logLevel warn)
}
