#!/usr/bin/env bash
# Headless check of the standalone app and its editor: builds `altus-standalone` in debug with
# allocation checks (an allocation in `process` aborts it), runs it with `--backend dummy` under
# Xvfb, checks it is still running with its window titled "Altus", takes a screenshot and fails
# when the screen is blank. Needs Xvfb, xdotool and imagemagick (`.ci/run` installs them).
#
#   scripts/editor-screenshot.sh [OUT.png]      # default target/editor.png
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/editor.png}
log=target/standalone.log
screen=${ALTUS_SCREENSHOT_DISPLAY:-:77}

fail() { echo "editor-screenshot: $*" >&2; exit 1; }

cargo build --locked -p altus-plugin --features standalone,assert_process_allocs --bin altus-standalone
mkdir -p "$(dirname "$out")"

# The screen is the editor's size, so the screenshot is the editor (no window manager: the
# window opens at the top-left corner).
Xvfb "$screen" -screen 0 980x900x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
app=
trap 'kill $app $xvfb 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X${screen#:}" ] && break; sleep 0.1; done
[ -e "/tmp/.X11-unix/X${screen#:}" ] || fail "Xvfb did not start on $screen"

DISPLAY=$screen target/debug/altus-standalone --backend dummy >"$log" 2>&1 &
app=$!
# The dummy backend processes blocks from the start; give the editor a few seconds to paint.
sleep 8
kill -0 "$app" 2>/dev/null || { cat "$log" >&2; fail "altus-standalone exited (log above)"; }
DISPLAY=$screen xdotool search --name '^Altus$' >/dev/null || fail "no window titled Altus"
DISPLAY=$screen import -window root "$out"
kill -0 "$app" 2>/dev/null || { cat "$log" >&2; fail "altus-standalone died during the screenshot"; }
colours=$(convert "$out" -format %k info:)
[ "$colours" -gt 50 ] || fail "$out has $colours colours: the editor did not draw"
echo "editor-screenshot: $out, $colours colours, $(stat -c %s "$out") bytes; altus-standalone ran 8 s with the editor open"
