#!/usr/bin/env bash
# Runs a command from the GPU bundle against a libtorch found on this machine.
#
#   deploy/gpu/run.sh dalle-gpucheck --out "$OUT/gpucheck.md"
#   deploy/gpu/run.sh dalle generate "a red circle" --out /tmp/images
#   deploy/gpu/run.sh dalle-silo --Model:Devices:0=cuda:0
#
# 1. Unpacks the bundle (BUNDLE, default deploy/gpu/dist/dalle-gpu.tar.xz next to this script) into UNPACK_DIR
#    (default /tmp/dalle-gpu-bundle), unless that copy is already of this archive.
# 2. Finds libtorch: the folder in DALLE_LIBTORCH, else the torch/lib folder of PYTHON's (default python3) PyTorch.
#    It must hold libtorch.so; its folder goes first on LD_LIBRARY_PATH, where TorchSharp's wrapper finds it.
# 3. Runs the command in the bundle folder (so models/... resolves), with the three programs on PATH.
#    dalle-gpucheck finds the eager baseline script and the Python interpreter in DALLE_EAGER_SCRIPT and DALLE_PYTHON.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bundle="${BUNDLE:-$here/dist/dalle-gpu.tar.xz}"
unpack="${UNPACK_DIR:-/tmp/dalle-gpu-bundle}"
python="${PYTHON:-python3}"

if [[ $# -eq 0 ]]; then
  echo "usage: $0 <dalle-gpucheck|dalle|dalle-silo> [args...]" >&2
  exit 2
fi
if [[ ! -f "$bundle" ]]; then
  echo "run.sh: no bundle at $bundle; build it with deploy/gpu/bundle.sh (or set BUNDLE)" >&2
  exit 2
fi

# 1. Unpack once per archive: a stamp holds the archive's size and modification time.
stamp="$(stat -c '%s %Y' "$bundle") $bundle"
if [[ ! -f "$unpack/.stamp" || "$(cat "$unpack/.stamp")" != "$stamp" ]]; then
  rm -rf "$unpack"
  mkdir -p "$unpack"
  tar -C "$unpack" -xJf "$bundle"
  echo "$stamp" > "$unpack/.stamp"
fi
root="$unpack/dalle-gpu"

# 2. libtorch.
if [[ -n "${DALLE_LIBTORCH:-}" ]]; then
  lib="$DALLE_LIBTORCH"
  source_of_lib="DALLE_LIBTORCH"
else
  if ! lib="$("$python" -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null)"; then
    echo "run.sh: no libtorch: DALLE_LIBTORCH is unset and '$python' cannot import torch." >&2
    echo "        Set DALLE_LIBTORCH to a folder holding libtorch.so (a PyTorch install's torch/lib, or an unpacked libtorch's lib)." >&2
    exit 3
  fi
  source_of_lib="$python's torch"
fi
if [[ ! -f "$lib/libtorch.so" ]]; then
  echo "run.sh: $lib (from $source_of_lib) holds no libtorch.so" >&2
  exit 3
fi
export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PATH="$root/dalle-gpucheck:$root/dalle:$root/dalle-silo:$PATH"
export DOTNET_gcServer="${DOTNET_gcServer:-0}"
echo "run.sh: bundle $root ($(head -1 "$root/BUNDLE.txt")), libtorch from $lib" >&2

# 3. Run in the bundle folder, so the programs' default model path (models/...) is the bundled model. Give output
#    paths as absolute paths (e.g. "$OUT/report.md"): relative ones land in the bundle folder.
export DALLE_EAGER_SCRIPT="${DALLE_EAGER_SCRIPT:-$root/eager/eager_step.py}"
export DALLE_PYTHON="$python"
cd "$root"
exec "$@"
