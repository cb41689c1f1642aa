#!/usr/bin/env bash
# The GPU bundle's self-test, on a CPU machine: builds deploy/gpu/dist/dalle-gpu.tar.xz, then runs it through run.sh
# against the CPU libtorch that the normal build restores (standing in for PyTorch's torch/lib on the GPU machine).
# Exit 0 = every step passed. What it proves:
#   1. the bundle carries no native libtorch: its programs cannot run a torch op without one from outside;
#   2. TorchSharp's wrapper in the bundle is patched for this host's libstdc++ (README, "Build notes");
#   3. the CLI generates images with the shipped model, libtorch taken from DALLE_LIBTORCH;
#   4. dalle-gpucheck runs every section on the CPU (a narrow model for the decode section) and passes;
#   5. the silo starts, turns ready and stops cleanly on SIGTERM.
# Env: SKIP_BUILD=1 reuses an existing bundle; DALLE_LIBTORCH overrides the libtorch folder.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
lib="${DALLE_LIBTORCH:-$(ls -d "$HOME"/.nuget/packages/libtorch-cpu-linux-x64/*/runtimes/linux-x64/native 2>/dev/null | sort -V | tail -1)}"
if [[ -z "$lib" || ! -f "$lib/libtorch.so" ]]; then
  echo "selftest: no CPU libtorch restored under ~/.nuget/packages/libtorch-cpu-linux-x64; build once first (dotnet build src/DalleOrleans.Model)" >&2
  exit 1
fi

work="$(mktemp -d /tmp/dalle-gpu-selftest.XXXXXX)"
silo_pid=""
cleanup() {
  if [[ -n "$silo_pid" ]] && kill -0 "$silo_pid" 2>/dev/null; then kill "$silo_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
export UNPACK_DIR="$work/unpacked"
step() { echo "selftest: $*" >&2; }
fail() { echo "selftest: FAILED: $*" >&2; exit 1; }

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  step "building the bundle"
  bash "$here/bundle.sh"
fi
archive="${BUNDLE:-$here/dist/dalle-gpu.tar.xz}"
[[ -f "$archive" ]] || fail "no bundle at $archive"
step "bundle $(du -h "$archive" | cut -f1)"

# 1. No libtorch inside: run.sh refuses a folder without one, and a program started without LD_LIBRARY_PATH cannot
#    load torch (so whatever loads in step 3 came from DALLE_LIBTORCH).
mkdir -p "$work/empty"
set +e
DALLE_LIBTORCH="$work/empty" bash "$here/run.sh" dalle --help >/dev/null 2>"$work/refused.txt"
code=$?
set -e
[[ $code == 3 ]] || fail "run.sh with an empty DALLE_LIBTORCH exited $code, expected 3: $(cat "$work/refused.txt")"
root="$UNPACK_DIR/dalle-gpu"
[[ -z "$(find "$root" -name 'libtorch*.so*' -o -name 'libc10*.so*')" ]] || fail "the bundle contains a native libtorch"
if env -u LD_LIBRARY_PATH ldd "$root/dalle/libLibTorchSharp.so" | grep -q 'libtorch.so => not found'; then
  step "1 ok: no libtorch in the bundle (libLibTorchSharp.so needs libtorch.so from outside)"
else
  fail "libLibTorchSharp.so resolves libtorch.so without LD_LIBRARY_PATH: $(env -u LD_LIBRARY_PATH ldd "$root/dalle/libLibTorchSharp.so" | grep torch)"
fi
set +e
(cd "$root" && env -u LD_LIBRARY_PATH ./dalle/dalle selfcheck >"$work/noload.txt" 2>&1)
code=$?
set -e
[[ $code != 0 ]] || fail "dalle selfcheck ran a libtorch matmul without any libtorch on LD_LIBRARY_PATH"

# 2. The GLIBCXX patch reached the bundle's copies of the wrapper where this host needs it.
libstdcxx="$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')"
if [[ -n "$libstdcxx" ]] && ! grep -q GLIBCXX_3.4.32 "$libstdcxx"; then
  for name in dalle dalle-silo dalle-gpucheck; do
    if readelf -V "$root/$name/libLibTorchSharp.so" | grep -q GLIBCXX_3.4.32; then fail "$name/libLibTorchSharp.so still asks for GLIBCXX_3.4.32"; fi
  done
  step "2 ok: libLibTorchSharp.so patched for this host's libstdc++ (no GLIBCXX_3.4.32)"
else
  step "2 ok: this host's libstdc++ has GLIBCXX_3.4.32; no patch needed"
fi

# 3. An image from the shipped model, libtorch from outside the bundle.
DALLE_LIBTORCH="$lib" bash "$here/run.sh" dalle generate "a large red circle on a white background" \
  --candidates 4 --top 2 --seed 1 --out "$work/images" >"$work/generate.txt" 2>&1 || { cat "$work/generate.txt" >&2; fail "dalle generate"; }
[[ "$(head -c 8 "$work/images/1.png" | od -An -tx1 | tr -d ' \n')" == 89504e470d0a1a0a ]] || fail "1.png is not a PNG"
[[ -f "$work/images/2.png" ]] || fail "2.png is missing"
step "3 ok: dalle generate wrote $(ls "$work/images" | tr '\n' ' ')with libtorch from $lib"

# 4. The GPU check's every section on the CPU; a narrow model keeps the decode section to seconds.
DALLE_LIBTORCH="$lib" bash "$here/run.sh" dalle-gpucheck --device cpu --model-dim 256 --heads 4 --layers 2 \
  --batches 1,2 --reps 2 --copy-mib 16 --threads 2 --out "$work/gpucheck.md" >/dev/null 2>"$work/gpucheck.txt" \
  || { cat "$work/gpucheck.txt" "$work/gpucheck.md" >&2 2>/dev/null; fail "dalle-gpucheck"; }
grep -q '| two device grains on one device | PASS |' "$work/gpucheck.md" || fail "gpucheck report lacks the two-grains pass"
grep -q 'sparse (paper) | 2 |' "$work/gpucheck.md" || fail "gpucheck report lacks the decode table"
step "4 ok: dalle-gpucheck passed on the CPU"

# 5. The silo: ready, then a clean stop.
http_port=$((20000 + RANDOM % 20000))
(cd "$root" && LD_LIBRARY_PATH="$lib" exec ./dalle-silo/dalle-silo --Http:Port=$http_port \
   --Cluster:SiloPort=$((http_port + 1)) --Cluster:GatewayPort=$((http_port + 2)) >"$work/silo.txt" 2>&1) &
silo_pid=$!
ready=""
for _ in $(seq 1 240); do
  if curl -fs "http://127.0.0.1:$http_port/readyz" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$silo_pid" 2>/dev/null || break
  sleep 0.5
done
[[ -n "$ready" ]] || { tail -20 "$work/silo.txt" >&2; fail "the silo did not turn ready within 120 s"; }
kill -TERM "$silo_pid"
set +e
wait "$silo_pid"
code=$?
set -e
silo_pid=""
[[ $code == 0 ]] || { tail -20 "$work/silo.txt" >&2; fail "the silo exited $code after SIGTERM"; }
step "5 ok: dalle-silo turned ready and stopped cleanly"
echo "selftest: passed" >&2
