#!/usr/bin/env bash
# Installs whatever is missing, builds the UI and the app, and opens the app's window.
# Idempotent: a second run only rebuilds what changed. Needs a desktop session (DISPLAY or Wayland).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

install_system
install_ui
build_ui
step "building and starting the app"
cd "$ROOT"
[ -f .env ] && echo "using settings from .env" >&2
exec cargo run --locked -p tributary-desktop --bin tributary
