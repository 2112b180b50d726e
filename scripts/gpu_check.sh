#!/usr/bin/env bash
# The engine on a GPU in one command (issue 13; docs/BENCHMARKS.md, "GPU check"):
#   1. install  the carried wheels of .whl/ (scripts/build_gpu_wheels.sh) into a target folder put first on
#               PYTHONPATH, so the image's torch stays and its transformers 5.x is shadowed by 4.57.3
#   2. env      versions and the GPU into env.json; stops here when the engine's stack cannot run
#   3. parity   tests/tts/fast/test_parity.py + test_graphs.py on CUDA (READER_APP_TEST_DEVICE): codes identical
#               to stock for every model kind, alone and batched, with CUDA graphs and eagerly
#   4. bench    reader-app bench: 0.6B at batch 1,16,64 and 1.7B at batch 1,16, 64 frames, first_audio_ms
# Everything lands in $OUT (default ./gpu-check-out): gpu_check.json (the summary), gpu_check.log, env.json,
# parity.xml, bench-0.6b.json, bench-1.7b.json. Exits non-zero, naming the step, when any step fails.
#
#   scripts/gpu_check.sh                 on the GPU machine: bash scripts/gpu_check.sh, with carry [".whl"]
#   scripts/gpu_check.sh --dry-run       the same steps on the CPU with tiny checkpoints, no install (< 2 min)
#   options: --skip-install, --install (also in a dry run)
#   env: PYTHON (default python3), GPU_CHECK_WHEELS (default .whl), GPU_CHECK_SITE (install target),
#        GPU_CHECK_WORK (checkpoints, scratch),
#        GPU_CHECK_STEP_TIMEOUT (seconds per step), GPU_CHECK_PARITY_FRAMES
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

dry=0
install=1
install_set=0
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry=1 ;;
    --skip-install) install=0; install_set=1 ;;
    --install) install=1; install_set=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "gpu_check: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$dry" = 1 ] && [ "$install_set" = 0 ]; then install=0; fi  # the cp312 wheels are for the GPU image

out="${OUT:-$root/gpu-check-out}"
mkdir -p "$out"
rm -f "$out"/gpu_check.json "$out"/gpu_check.log "$out"/env.json "$out"/parity.xml "$out"/bench-*.json
work="${GPU_CHECK_WORK:-${TMPDIR:-/tmp}/reader-app-gpu-check}"
mkdir -p "$work"
py="${PYTHON:-python3}"
site="${GPU_CHECK_SITE:-$work/site}"
wheels="${GPU_CHECK_WHEELS:-$root/.whl}"
exec > >(tee -a "$out/gpu_check.log") 2>&1
export PYTHONUNBUFFERED=1 TRANSFORMERS_NO_ADVISORY_WARNINGS=1 TOKENIZERS_PARALLELISM=false

if [ "$dry" = 1 ]; then
  mode=dry-run device=cpu
  step_timeout="${GPU_CHECK_STEP_TIMEOUT:-300}"
  parity_frames="${GPU_CHECK_PARITY_FRAMES:-8}"
  # label | bench arguments (tiny stand-ins for the two real sizes: same steps, seconds each)
  bench_small=(--size tiny --device cpu --dtype float32 --frames 8 --batch 1,2 --threads 1)
  bench_large=(--size tiny --device cpu --dtype float32 --frames 8 --batch 1 --threads 1 --no-stock)
  batches="0.6b=1,2;1.7b=1"
else
  mode=gpu device=cuda
  step_timeout="${GPU_CHECK_STEP_TIMEOUT:-270}"
  parity_frames="${GPU_CHECK_PARITY_FRAMES:-32}"
  bench_small=(--size 0.6b --device cuda --frames 64 --batch 1,16,64)
  # 1.7B without the stock baseline: stock runs below real time and the 0.6B run already compares
  bench_large=(--size 1.7b --device cuda --frames 64 --batch 1,16 --no-stock)
  batches="0.6b=1,16,64;1.7b=1,16"
fi

commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
steps=()
summarize() {  # rewrite gpu_check.json from every step so far (a check cut short still leaves one)
  local args=(-m reader_app.devtools.gpu_check summarize --out "$out" --mode "$mode" --bench "$batches"
              --commit "$commit")
  local s; for s in "${steps[@]}"; do args+=(--step "$s"); done
  "$py" "${args[@]}" "$@"
}
run_step() {  # run_step NAME CMD...: time-boxed, recorded, never stops the script by itself
  local name="$1"; shift
  local t0=$SECONDS rc=0
  echo "== $name: $*"
  timeout --kill-after=10 "$step_timeout" "$@" || rc=$?
  echo "== $name: exit $rc after $((SECONDS - t0)) s"
  steps+=("$name:$rc:$((SECONDS - t0))")
  summarize >/dev/null || true
  return "$rc"
}

echo "== gpu check ($mode) at $(date -u +%FT%TZ), commit $commit, output in $out"
if [ "$install" = 1 ]; then
  if ! ls "$wheels"/*.whl >/dev/null 2>&1; then
    echo "gpu_check: no wheels in $wheels: run scripts/build_gpu_wheels.sh here and carry .whl" >&2
    exit 1
  fi
  run_step install "$py" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --disable-pip-version-check --target "$site" "$wheels"/*.whl || { summarize --final || true; exit 1; }
  export PYTHONPATH="$site:$root${PYTHONPATH:+:$PYTHONPATH}"
else
  # The checkout itself on the path is what `pip install --no-deps -e .` would give; no build step needed.
  export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"
fi

run_step env "$py" -m reader_app.devtools.gpu_check env --out "$out" --device "$device" \
  || { summarize --final || true; exit 1; }

READER_APP_TEST_DEVICE="$device" READER_APP_TEST_PARITY_FRAMES="$parity_frames" QT_QPA_PLATFORM=offscreen \
  run_step parity "$py" -m pytest -q -p no:cacheprovider -o console_output_style=classic \
    --junitxml="$out/parity.xml" tests/tts/fast/test_parity.py tests/tts/fast/test_graphs.py || true

run_step bench-0.6b "$py" -m reader_app bench "${bench_small[@]}" --cache-dir "$work/bench-checkpoints" \
  --json "$out/bench-0.6b.json" || true
run_step bench-1.7b "$py" -m reader_app bench "${bench_large[@]}" --cache-dir "$work/bench-checkpoints" \
  --json "$out/bench-1.7b.json" || true

rc=0
summarize --final || rc=$?
exit "$rc"
