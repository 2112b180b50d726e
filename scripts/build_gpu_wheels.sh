#!/usr/bin/env bash
# Rebuild .whl/: the wheels scripts/gpu_check.sh installs on a GPU machine that has no package index.
#   scripts/build_gpu_wheels.sh            download into .whl/ (emptied first), check the total size
#   WHEEL_DIR=/tmp/w scripts/build_gpu_wheels.sh
# The GPU image (docs/BENCHMARKS.md, "GPU check") already has torch 2.11, torchaudio, numpy, scipy, numba,
# scikit-learn, einops, onnxruntime, safetensors and the like, but transformers 5.x, huggingface_hub 1.x and
# tokenizers 0.23: qwen-tts 0.1.1 needs the pins below instead, and the rest are what neither image nor pins
# bring (librosa and soundfile are imported by qwen_tts at load; platformdirs by reader_app.paths).
# Exactly one version of each (two stop the install); --no-deps, so every needed name is listed here.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${WHEEL_DIR:-.whl}"
python="${PYTHON:-python3}"
limit_mib="${WHEEL_LIMIT_MIB:-64}"  # what one device call may carry in all
py_version="${WHEEL_PYTHON_VERSION:-3.12}"  # the device's Python; another only to rehearse an install here

PINNED=(
  qwen-tts==0.1.1 transformers==4.57.3 accelerate==1.12.0   # the stack qwen-tts is tested with
  tokenizers==0.22.2 huggingface_hub==0.36.2                 # transformers 4.57 refuses the image's newer ones
  librosa==0.11.0 soundfile==0.14.0 cffi==2.1.1 pycparser==3.12 soxr==1.1.0 audioread==3.1.0
  decorator==5.3.1 pooch==1.9.0 platformdirs==4.14.9
)
# Published as a source archive only; pure Python, so a wheel built here installs there.
SOURCE_ONLY=(sox==1.5.0)

rm -rf "$out"
mkdir -p "$out"
args=(-m pip download -q --no-deps --only-binary=:all: --python-version "$py_version" --implementation cp
      --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64
      --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d "$out")
"$python" "${args[@]}" "${PINNED[@]}"
"$python" -m pip wheel -q --no-deps --no-binary :all: -w "$out" "${SOURCE_ONLY[@]}"

count=$(find "$out" -maxdepth 1 -type f -name "*.whl" | wc -l)
want=$(( ${#PINNED[@]} + ${#SOURCE_ONLY[@]} ))
if [ "$count" -ne "$want" ]; then
  echo "expected $want wheels in $out, found $count" >&2; exit 1
fi
total=$(du -sk "$out" | cut -f1)
echo "$count wheels, $((total / 1024)) MiB in $out"
if [ "$total" -gt $((limit_mib * 1024)) ]; then
  echo "the wheel set is over ${limit_mib} MiB: a device call cannot carry it" >&2; exit 1
fi
