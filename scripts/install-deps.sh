#!/usr/bin/env bash
# Installs what the app and its tests need on Debian 12, and nothing that is already there.
# Idempotent: every step checks before it acts.
set -euo pipefail

APT_PACKAGES=(
  # WebKitGTK webview and the Tauri build
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libssl-dev pkg-config build-essential file xdg-utils patchelf curl ca-certificates
  # Node for the UI build
  nodejs npm
  # tests: a real Redis, a headless X server, the WebKit WebDriver, a D-Bus session bus (the
  # single-instance plugin finds the running app through it)
  redis-server xvfb xauth webkit2gtk-driver fonts-dejavu-core imagemagick dbus-daemon
  # a real Secret Service (the credential store connections are saved in), and dbus-send to
  # see when it is up
  gnome-keyring dbus-bin
  # packaging tests and benchmarks: the desktop database (scheme handlers), window timing
  desktop-file-utils xdotool
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The machine may already carry a Node that is not Debian's: do not replace it.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
filtered=()
for p in "${missing[@]}"; do [ -n "$p" ] && filtered+=("$p"); done

if [ ${#filtered[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing system packages: ${filtered[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${filtered[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "installing the Rust toolchain with rustup"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi
