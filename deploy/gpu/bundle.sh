#!/usr/bin/env bash
# Builds the GPU bundle: deploy/gpu/dist/dalle-gpu.tar.xz (ignored by git), at most 60 MiB.
#
# It holds the silo (dalle-silo), the CLI (dalle) and the GPU check (dalle-gpucheck), each published self-contained for
# linux-x64 with -p:TorchBackend=system (the managed TorchSharp only: libtorch comes from the machine it runs on, e.g.
# a PyTorch install's torch/lib) and trimmed (TrimMode=partial: only assemblies that declare themselves trimmable are
# trimmed, so Orleans' generated serializers and TorchSharp's P/Invoke surface stay whole). Files the three programs
# share byte for byte are hard links, so the .NET runtime is stored once. Also packed: every shipped model folder under
# models/, the eager PyTorch baseline (eager_step.py) and a BUNDLE.txt naming the commit.
#
# Usage: deploy/gpu/bundle.sh        (then: deploy/gpu/run.sh dalle-gpucheck --out report.md)
# Env:   DIST (default deploy/gpu/dist), MAX_MIB (default 60).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dist="${DIST:-$repo/deploy/gpu/dist}"
max_mib="${MAX_MIB:-60}"
stage="$dist/stage/dalle-gpu"
archive="$dist/dalle-gpu.tar.xz"

# name → project; the folder name in the bundle is the program's name.
programs=(
  "dalle-silo:silo/DalleOrleans.Silo/DalleOrleans.Silo.csproj"
  "dalle:client/DalleOrleans.Client/DalleOrleans.Client.csproj"
  "dalle-gpucheck:tools/DalleOrleans.GpuCheck/DalleOrleans.GpuCheck.csproj"
)

rm -rf "$dist/stage" "$archive"
mkdir -p "$stage"

for entry in "${programs[@]}"; do
  name="${entry%%:*}" project="${entry#*:}"
  echo "bundle: publishing $name ($project)" >&2
  # --artifacts-path keeps this build's obj/ and bin/ apart from the normal (TorchBackend=cpu) build's.
  dotnet publish "$repo/$project" -c Release -r linux-x64 --self-contained \
    -p:TorchBackend=system -p:PublishTrimmed=true -p:TrimMode=partial \
    -p:DebugType=none -p:GenerateDocumentationFile=false \
    --artifacts-path "$dist/build" -o "$stage/$name" -nologo -v:quiet -clp:ErrorsOnly
done

# The point of TorchBackend=system: no native libtorch in the bundle, only TorchSharp's thin wrapper.
bundled_torch="$(find "$stage" -name 'libtorch*.so*' -o -name 'libc10*.so*' -o -name 'libgomp*.so*' | head -5)"
if [[ -n "$bundled_torch" ]]; then
  echo "bundle: a native libtorch was published, but TorchBackend=system must not carry one:" >&2
  echo "$bundled_torch" >&2
  exit 1
fi
for name in dalle-silo dalle dalle-gpucheck; do
  [[ -f "$stage/$name/libLibTorchSharp.so" ]] || { echo "bundle: $name has no libLibTorchSharp.so" >&2; exit 1; }
done

# Store the runtime once: identical files of the three programs become hard links of one file.
hardlink --quiet --content "$stage" >/dev/null

mkdir -p "$stage/models" "$stage/eager"
(cd "$repo" && git ls-files -z models) | (cd "$repo" && xargs -0 -I{} cp --parents {} "$stage/")
cp "$repo/deploy/gpu/eager_step.py" "$stage/eager/"
{
  echo "commit $(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)$(git -C "$repo" diff --quiet 2>/dev/null || echo ' (with local changes)')"
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -srm)"
  echo "programs: dalle-silo dalle dalle-gpucheck (self-contained linux-x64, TorchBackend=system, trimmed)"
  echo "models: $(cd "$stage/models" && ls | tr '\n' ' ')"
} > "$stage/BUNDLE.txt"

echo "bundle: packing $(du -sh "$stage" | cut -f1) (hard links counted once)" >&2
tar -C "$dist/stage" -cf - dalle-gpu | xz -6 -T2 > "$archive.tmp"
mv "$archive.tmp" "$archive"
size=$(stat -c %s "$archive")
echo "bundle: $archive, $((size / 1024 / 1024)) MiB ($size bytes)" >&2
if (( size > max_mib * 1024 * 1024 )); then
  echo "bundle: $archive is over the $max_mib MiB limit" >&2
  exit 1
fi
