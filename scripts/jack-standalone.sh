#!/usr/bin/env bash
# The standalone app with real MIDI ports, headless: a JACK server with the dummy driver,
# `altus-standalone --backend jack` (debug, with allocation checks: an allocation in `process`
# aborts it) under a virtual display, and `jack_probe` (testkit) playing a chorale melody into
# `altus:midi_input` and recording `altus:midi_output`. The probe checks that every soprano note
# comes through at its own frame with alto, tenor and bass sounding from that frame, that every
# note-on has its note-off and that nothing sounds at the end. Over ALSA sequencer ports too
# where the machine has them (/dev/snd/seq). A failure after xruns (a machine without real-time
# scheduling missing the dummy driver's deadlines) is tried again, at most three times in all;
# any other failure fails at once. Needs jackd2, xvfb and the JACK headers
# (`.ci/run` installs them).
#
#   scripts/jack-standalone.sh [MELODY.mid]      # default: chorale 000106b_'s melody
set -euo pipefail
cd "$(dirname "$0")/.."
chorales=${ALTUS_CHORALES:-../shared/data/chorales/midi}
melody=${1:-$chorales/000106b_.mid}
period=1024
server=altus-ci-$$
fail() { echo "jack-standalone: $*" >&2; exit 1; }
command -v jackd >/dev/null || fail "jackd not found (Debian: apt-get install jackd2)"

cargo build --locked -p altus-plugin --features standalone,assert_process_allocs --bin altus-standalone
cargo build --locked -p testkit --features jack --bin jack_probe
mkdir -p target

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
if [ -z "${DISPLAY:-}" ]; then
  Xvfb :79 -screen 0 1024x768x24 -nolisten tcp >/dev/null 2>&1 &
  pids+=($!)
  export DISPLAY=:79
fi

export JACK_NO_AUDIO_RESERVATION=1
# One try: a fresh server (dummy driver, period of $period frames) and app, the probe's melody.
# Returns the probe's status: 2 when the check failed after xruns (the machine, not real-time,
# missed JACK's deadlines and a cycle's data was lost), worth another try on a fresh server.
attempt() {
  local name=$server-$1 status=0
  export JACK_DEFAULT_SERVER=$name
  jackd -n "$name" -d dummy -r 48000 -p $period >target/jackd.log 2>&1 &
  local jackd_pid=$!
  # (jack_wait complains on stderr until the server is up.)
  timeout 25 jack_wait -w -t 20 >/dev/null 2>&1 || { cat target/jackd.log >&2; fail "jackd did not start"; }
  target/debug/altus-standalone --backend jack >target/standalone-jack.log 2>&1 &
  local app=$!
  pids+=($jackd_pid $app)
  timeout 120 target/debug/jack_probe "$melody" --notes 40 --struck 80 || status=$?
  kill -0 $app 2>/dev/null || { cat target/standalone-jack.log >&2; fail "altus-standalone died"; }
  kill $app 2>/dev/null; wait $app 2>/dev/null || true
  kill $jackd_pid 2>/dev/null; wait $jackd_pid 2>/dev/null || true
  return $status
}
status=0
for try in 1 2 3; do
  status=0
  attempt $try || status=$?
  [ $status -eq 2 ] || break
  echo "jack-standalone: try $try lost data to xruns; again on a fresh server"
done
[ $status -eq 0 ] || { cat target/standalone-jack.log >&2; fail "the probe failed (app log above)"; }

if [ -e /dev/snd/seq ]; then
  echo "jack-standalone: an ALSA sequencer is here (/dev/snd/seq) but this script only drives JACK"
else
  echo "jack-standalone: no ALSA sequencer on this machine (/dev/snd/seq absent: the kernel's snd-seq is not reachable here), so ALSA ports were not tested"
fi
