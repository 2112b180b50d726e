#!/usr/bin/env bash
# One entry point for a fresh machine: sets up everything, then launches the app or runs the tests.
#   scripts/bootstrap.sh run  [reader-app args...]   install (once) and open the reader
#   scripts/bootstrap.sh test [pytest args...]       install (once, with test tools), run ruff and mypy, then the suite
# Idempotent: a second run only checks that the environment is current (a stamp of pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-run}"; shift || true
venv="${READER_APP_VENV:-.venv}"
python="${PYTHON:-python3}"

# qwen-tts needs Python 3.10+; the project targets 3.11.
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "reader-app needs Python 3.11 or newer (found: $("$python" --version 2>&1))." >&2; exit 1
fi

install_system_packages() {
  # PortAudio for sounddevice; the X/EGL/font libraries Qt loads even when offscreen; dbus for dbus-daemon,
  # dbus-send and dbus-monitor (the MPRIS test runs its own session bus; `dbus` pulls in the dbus-daemon and
  # dbus-bin packages where those are split out, as on bookworm and trixie).
  local pkgs=(libportaudio2 libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 dbus fonts-dejavu-core)
  if command -v dpkg-query >/dev/null && command -v apt-get >/dev/null; then
    local missing=()
    for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ]; then
      echo "Installing system packages: ${missing[*]}"
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null \
        || echo "warning: apt-get could not install ${missing[*]}; audio or Qt may not work" >&2
    else
      echo "Please install these system packages (e.g. sudo apt-get install ${missing[*]})." >&2
    fi
  elif [ "$(uname)" = Darwin ]; then
    :  # the sounddevice and PySide6 wheels bundle what they need on macOS
  else
    echo "Note: sound output needs the PortAudio library (libportaudio2 or your system's equivalent)." >&2
  fi
}

install_python_packages() {
  local extras="$1"
  local stamp="$venv/.reader-app-$extras.stamp"
  local want; want="$(cat pyproject.toml scripts/bootstrap.sh | cksum)"
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return 0
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  local pip=("$venv/bin/python" -m pip -q --disable-pip-version-check)
  "${pip[@]}" install --upgrade pip >/dev/null
  # torch first, pinned: an unpinned resolve would pick whatever torch is newest. READER_APP_TORCH lets
  # users choose a build (e.g. a CUDA wheel index via PIP_EXTRA_INDEX_URL).
  "${pip[@]}" install "${READER_APP_TORCH:-torch==2.13.0}"
  "${pip[@]}" install -e ".[$extras]"
  echo "$want" > "$stamp"
}

case "$mode" in
  run)
    install_system_packages
    install_python_packages gui
    exec "$venv/bin/reader-app" "$@"
    ;;
  test)
    install_system_packages
    install_python_packages test
    # Guard rails first (configured in pyproject.toml): a finding fails the run before any test.
    # READER_APP_SKIP_LINT=1 skips them for quick local reruns of a few tests.
    if [ "${READER_APP_SKIP_LINT:-0}" != 1 ]; then
      echo "ruff check"; "$venv/bin/ruff" check --quiet .
      echo "mypy"; "$venv/bin/mypy"
    fi
    export QT_QPA_PLATFORM=offscreen
    exec "$venv/bin/python" -m pytest "$@"
    ;;
  *)
    echo "usage: scripts/bootstrap.sh run|test [args...]" >&2; exit 2
    ;;
esac
