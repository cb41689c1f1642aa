#!/usr/bin/env bash
# Trains a model of the shipped sizes from scratch (shapes-v1's recipe) or from wherever a previous run stopped:
# dvae → transformer → reranker → package → eval. Each stage resumes from its last checkpoint and a finished
# stage is skipped, so rerunning this script after a crash, a reboot or a kill just carries on.
#
#   nohup bash src/DalleOrleans.Training/train-all.sh > ~/dalle-runs/train-all.log 2>&1 &
#   tail -f ~/dalle-runs/train-all.log          # one progress line a minute per stage
#
# Environment (all optional):
#   RUN        run folder, outside the repository   (default: $HOME/dalle-runs/shapes-scratch)
#   OUT        model folder to package into          (default: models/shapes-scratch; the shipped models/shapes-v2
#              is v1 trained further by warm starts, see models/shapes-v2/TRAINING.md, so a from-scratch run
#              must not overwrite it)
#   THREADS    libtorch intra-op threads              (default: half the cores, i.e. 1 here; see README.md)
#   ARTIFACTS  private build output folder            (default: /tmp/art-train)
#   EXTRA      extra options for every stage command, e.g. "--samples-every 250"
set -euo pipefail

cd "$(dirname "$0")/../.."                         # the repository root
RUN="${RUN:-$HOME/dalle-runs/shapes-scratch}"
OUT="${OUT:-models/shapes-scratch}"
ARTIFACTS="${ARTIFACTS:-/tmp/art-train}"
THREAD_OPTION=()
if [[ -n "${THREADS:-}" ]]; then THREAD_OPTION=(--threads "$THREADS"); fi
read -r -a EXTRA_OPTIONS <<< "${EXTRA:-}"

mkdir -p "$RUN/logs"
stamp() { date '+%Y-%m-%d %H:%M:%S'; }

echo "$(stamp) building dalle-train into $ARTIFACTS"
dotnet build src/DalleOrleans.Training -c Release --artifacts-path "$ARTIFACTS" -v quiet -nologo
TRAIN=(dotnet "$ARTIFACTS/bin/DalleOrleans.Training/release/dalle-train.dll")

# Each command's lines go to this script's output (the nohup log) and to $RUN/logs/<command>.log.
# libtorch 2.10 on one thread prints "Could not initialize NNPACK!" for every convolution of a batch under 16
# (the dVAE decoding 8 candidates in eval); harmless, so it is kept out of the logs.
run_logged() {
  local name="$1"; shift
  echo "$(stamp) ── $name: ${TRAIN[*]} $*"
  "${TRAIN[@]}" "$@" 2>&1 | grep --line-buffered -v 'Could not initialize NNPACK' | tee -a "$RUN/logs/$name.log"
}

# A stage that dies (not a usage error, 2, nor a stop by signal, 130) is started again: it resumes from its last
# checkpoint. Why: TorchSharp 0.107 sometimes aborts inside AdamW.step ("Expected false to be true ... toFloat at
# Scalar.h"): a temporary Scalar's native memory is freed by the finalizer while libtorch still reads it (a missing
# GC.KeepAlive in TorchSharp). Checkpoints every 2 minutes make it cheap and the retries make the run finish anyway.
# (A larger gen-0 budget, DOTNET_GCgen0size=0x10000000, made it rarer but cost a quarter of the CPU in page
# faults and cut the dVAE from 90 to 24 samples/s: do not.)
run_stage() {
  local stage="$1" attempt code
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    code=0
    run_logged "$stage" "$stage" --run "$RUN" --progress Plain --log-every-seconds 60 --checkpoint-every-minutes 2 "${THREAD_OPTION[@]}" "${EXTRA_OPTIONS[@]}" || code=$?
    if [[ $code -eq 0 ]]; then return 0; fi
    if [[ $code -eq 2 || $code -eq 130 ]]; then return "$code"; fi
    echo "$(stamp) $stage exited with $code (attempt $attempt); resuming from its last checkpoint"
  done
  return 1
}

SECONDS=0
# The reranker does not read the dVAE, so it trains beside it (one core each); the transformer needs the dVAE's codes.
run_logged vocab vocab --run "$RUN"
run_stage reranker & RERANKER=$!
run_stage dvae
wait "$RERANKER"
run_stage transformer
run_logged package package --run "$RUN" --out "$OUT"
run_logged eval eval --model "$OUT" --progress Plain "${THREAD_OPTION[@]}"
echo "$(stamp) all done in $((SECONDS / 60)) min; the model is in $OUT (with TRAINING.md and EVALUATION.md)"
