#!/usr/bin/env bash
# Builds the Linux bundles (.deb and .rpm) with the Tauri CLI from npm and prints their paths.
# AppImage is left to the release workflow: its bundler downloads tools at build time.
#   ./scripts/package.sh            release build (what you ship)
#   ./scripts/package.sh --debug    debug build, reusing the test build (what the tests install)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

install_system
install_ui
build_ui
step "bundling (.deb, .rpm)"
cd "$ROOT"
# tauri.conf.json lives at the root; the CLI reads it through the src-tauri link. The UI is
# built above (the config has no beforeBuildCommand: the scripts build it).
TAURI_APP_PATH=src-tauri TAURI_FRONTEND_PATH=ui "$ROOT/ui/node_modules/.bin/tauri" build \
  --bundles deb,rpm --no-sign --ci "$@" >&2
profile=release
for arg in "$@"; do [ "$arg" = "--debug" ] && profile=debug; done
ls -1 "$CARGO_TARGET_DIR/$profile/bundle/deb/"*.deb "$CARGO_TARGET_DIR/$profile/bundle/rpm/"*.rpm
