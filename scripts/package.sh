#!/usr/bin/env bash
# Builds the Linux bundles (.deb and .rpm) with the Tauri CLI from npm and prints their paths.
# AppImage is left to the release workflow: its bundler downloads tools at build time.
#   ./scripts/package.sh            release build, then bundles (what you ship)
#   ./scripts/package.sh --debug    bundles the debug binary already built (by the test command,
#                                   or `cargo build -p tributary-desktop`), compiling nothing
set -euo pipefail
. "$(dirname "$0")/lib.sh"

profile=release
[ "${1:-}" = "--debug" ] && profile=debug

install_system
install_ui
cd "$ROOT"
if [ "$profile" = release ]; then
  build_ui
  step "release build"
  cargo build --locked --release -p tributary-desktop
elif [ ! -x "$CARGO_TARGET_DIR/debug/tributary" ]; then
  echo "no debug build at $CARGO_TARGET_DIR/debug/tributary: run the test command or cargo build -p tributary-desktop" >&2
  exit 1
fi
step "bundling (.deb, .rpm) from target/$profile"
# tauri.conf.json lives at the root; the CLI reads it through the src-tauri link.
debug_flag=()
[ "$profile" = debug ] && debug_flag=(--debug)
TAURI_APP_PATH=src-tauri TAURI_FRONTEND_PATH=ui "$ROOT/ui/node_modules/.bin/tauri" bundle \
  "${debug_flag[@]}" --bundles deb,rpm >&2
ls -1 "$CARGO_TARGET_DIR/$profile/bundle/deb/"*.deb "$CARGO_TARGET_DIR/$profile/bundle/rpm/"*.rpm
