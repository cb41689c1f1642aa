#!/usr/bin/env bash
# Elastic scale-out, drain and a crash on loopback, with real processes (issues #9, #20). Under load from `dalle bench`,
# starting from B base silos (B = 1 on fewer than 4 cores, so that scaling out adds a core the base did not use; else 2):
#   window 1  B silos, steady state                        -> baseline throughput
#   window 2  silo B starts and joins                      -> its device must register with the model directory
#   window 3  B+1 silos, steady state                      -> throughput must rise by MIN_GAIN, silo B must draw its share
#   (a spare silo B+1 starts, so that the drain and the crash below leave survivors)
#   window 4  silo 0 gets SIGTERM and drains               -> it must deregister, finish its streams and exit 0
#   window 5  silo 1 gets SIGKILL while it holds streams   -> every request completes; the survivors count retries
#   window 6  the survivors, steady state                  -> the cluster goes on serving
# Every window must have zero failed requests. Exit 0 when every step happened and no request failed, 1 otherwise,
# 2 for a bad setup. Bounded in time (LIMIT_SECONDS after the build) and it stops everything it started, also on
# failure or Ctrl+C. Traffic goes to 127.0.0.1 only.
#
# Environment: MODEL (model folder; default models/shapes-v2, else a tiny random model is written to the state folder),
#   STATE (/tmp/dalle-scale-scenario: logs, pids, reports), ARTIFACTS (build folder, default $STATE/build; SKIP_BUILD=1 to
#   reuse it), REDIS_PORT (6391), FIRST_SILO_PORT (11311), FIRST_GATEWAY_PORT (30311), FIRST_HTTP_PORT (8281),
#   WINDOW_SECONDS (25: steady windows), CONCURRENCY (8), CANDIDATES (4), ROWS (Model:MaxBatchRows, 8), BASE_SILOS (B),
#   MIN_GAIN (window 3 over window 1 req/s: 1.25 from one silo to two, 1.10 from two to three), STARTUP_SECONDS (120: for a
#   silo to start and register), LIMIT_SECONDS (420).
# Its ports and state folder differ from deploy/local-cluster.sh's, so both can run at once.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
STATE=${STATE:-/tmp/dalle-scale-scenario}
ARTIFACTS=${ARTIFACTS:-$STATE/build}
REDIS_PORT=${REDIS_PORT:-6391}
FIRST_SILO_PORT=${FIRST_SILO_PORT:-11311}
FIRST_GATEWAY_PORT=${FIRST_GATEWAY_PORT:-30311}
FIRST_HTTP_PORT=${FIRST_HTTP_PORT:-8281}
WINDOW=${WINDOW_SECONDS:-25}
CONCURRENCY=${CONCURRENCY:-8}
CANDIDATES=${CANDIDATES:-4}
ROWS=${ROWS:-8}
# Each silo runs libtorch on one thread: a scale-out only adds compute where a core is free. Three silos need three free
# cores to beat two, so below 4 cores the scenario scales one silo out to two instead, which a 2-core machine can show.
if [ "$(nproc)" -ge 4 ]; then B=${BASE_SILOS:-2}; else B=${BASE_SILOS:-1}; fi
if [ "$B" = 1 ]; then MIN_GAIN=${MIN_GAIN:-1.25}; else MIN_GAIN=${MIN_GAIN:-1.10}; fi
SPARE=$((B + 1))
STARTUP=${STARTUP_SECONDS:-120}
LIMIT=${LIMIT_SECONDS:-420}
REDIS="127.0.0.1:${REDIS_PORT}"
SILO_DLL="$ARTIFACTS/bin/DalleOrleans.Silo/release/dalle-silo.dll"
DALLE_DLL="$ARTIFACTS/bin/DalleOrleans.Client/release/dalle.dll"

PIDS=()            # every process this script started, stopped by cleanup
FAILURES=()
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() { FAILURES+=("$*"); log "FAIL: $*"; }

cleanup() {
  trap - EXIT INT TERM
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ -f "$STATE/redis.pid" ]; then kill "$(cat "$STATE/redis.pid")" 2>/dev/null || true; rm -f "$STATE/redis.pid"; fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# ---- setup: tools, build, model ---------------------------------------------------------------------------------
command -v redis-server >/dev/null || { echo "scale-scenario: redis-server is missing: apt-get install -y redis-server" >&2; exit 2; }
command -v curl >/dev/null || { echo "scale-scenario: curl is missing: apt-get install -y curl" >&2; exit 2; }
mkdir -p "$STATE"
rm -f "$STATE"/*.log "$STATE"/*.json
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "building the silo and the client into $ARTIFACTS ..."
  dotnet build silo/DalleOrleans.Silo -c Release --artifacts-path "$ARTIFACTS" -nologo -v q > "$STATE/build.log" 2>&1 \
    && dotnet build client/DalleOrleans.Client -c Release --artifacts-path "$ARTIFACTS" -nologo -v q >> "$STATE/build.log" 2>&1 \
    || { tail -20 "$STATE/build.log" >&2; echo "scale-scenario: build failed (log: $STATE/build.log)" >&2; exit 2; }
fi
[ -f "$SILO_DLL" ] && [ -f "$DALLE_DLL" ] || { echo "scale-scenario: $SILO_DLL or $DALLE_DLL missing; build first" >&2; exit 2; }
dalle() { dotnet "$DALLE_DLL" "$@"; }
if [ -z "${MODEL:-}" ]; then
  if [ -d models/shapes-v2 ]; then MODEL=models/shapes-v2
  else
    MODEL="$STATE/tiny-model"
    [ -f "$MODEL/config.json" ] || dalle model tiny --out "$MODEL" > "$STATE/model.log" 2>&1 \
      || { cat "$STATE/model.log" >&2; exit 2; }
  fi
fi
[ -d "$MODEL" ] || { echo "scale-scenario: model folder '$MODEL' not found" >&2; exit 2; }
MODEL=$(cd "$MODEL" && pwd)
for port in "$REDIS_PORT" $(seq "$FIRST_SILO_PORT" $((FIRST_SILO_PORT + SPARE))) $(seq "$FIRST_GATEWAY_PORT" $((FIRST_GATEWAY_PORT + SPARE))) \
            $(seq "$FIRST_HTTP_PORT" $((FIRST_HTTP_PORT + SPARE))); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "scale-scenario: port $port is in use; set the *_PORT variables" >&2; exit 2; fi
done

# From here on the scenario is bounded: a watchdog ends it after LIMIT seconds (cleanup still runs).
# (It kills its own sleep when it is stopped, so no stray process outlives the scenario.)
( trap 'kill $nap 2>/dev/null; exit 0' TERM; sleep "$LIMIT" & nap=$!; wait $nap
  echo "scale-scenario: time limit of ${LIMIT}s reached" >&2; kill -TERM $$ 2>/dev/null ) &
WATCHDOG=$!
PIDS+=("$WATCHDOG")
STARTED=$SECONDS
log "model $MODEL; windows of ${WINDOW}s, concurrency $CONCURRENCY, $CANDIDATES candidates per request, $ROWS rows per device"

# ---- the cluster --------------------------------------------------------------------------------------------------
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log"
for _ in $(seq 50); do [ -f "$STATE/redis.pid" ] && break; sleep 0.1; done

declare -A SILO_PID
start_silo() {   # start_silo i: silo i on its own ports, logging to $STATE/silo$i.log
  local i=$1
  Cluster__Redis="$REDIS" Cache__Redis="$REDIS" Model__Path="$MODEL" Model__MaxBatchRows="$ROWS" \
  Cluster__SiloPort=$((FIRST_SILO_PORT + i)) Cluster__GatewayPort=$((FIRST_GATEWAY_PORT + i)) Http__Port=$((FIRST_HTTP_PORT + i)) \
  Torch__Threads=1 DOTNET_ENVIRONMENT=Production \
    bash -c 'cd "$(dirname "$1")" && exec dotnet "$1"' _ "$SILO_DLL" > "$STATE/silo$i.log" 2>&1 &   # its appsettings.json (log levels) is beside it
  SILO_PID[$i]=$!
  PIDS+=("$!")
}
# wait_for TIMEOUT DESCRIPTION COMMAND...: polls COMMAND every 0.5 s; false when it never succeeded
wait_for() {
  local timeout=$1 what=$2; shift 2
  local until=$((SECONDS + timeout))
  while [ $SECONDS -lt $until ]; do "$@" && return 0; sleep 0.5; done
  fail "$what did not happen within ${timeout}s"
  return 1
}
registered() { grep -q "registered with the model directory" "$STATE/silo$1.log" 2>/dev/null; }
all_registered() { local i; for i in "$@"; do registered "$i" || return 1; done; }
ready() { curl -sf -o /dev/null "http://127.0.0.1:$((FIRST_HTTP_PORT + $1))/readyz"; }
scrape_sum() {   # scrape_sum SILO METRIC: the sum of a metric's series on a silo's /metrics (0 when it does not answer)
  curl -sf "http://127.0.0.1:$((FIRST_HTTP_PORT + $1))/metrics" 2>/dev/null | awk -v m="$2" '$1 ~ "^"m"({|$)" { s += $NF } END { printf "%d", s }'
}
tokens_of() { scrape_sum "$1" dalle_device_image_tokens_total; }

BASE_IDS=$(seq 0 $((B - 1)))
for i in $BASE_IDS; do start_silo "$i"; done
# shellcheck disable=SC2086
wait_for "$STARTUP" "the base silos registering their devices" all_registered $BASE_IDS || exit 1
log "$B base silo(s) up and registered ($((SECONDS - STARTED)) s)"

# ---- load windows -------------------------------------------------------------------------------------------------
SEED=0
BENCH_PID=
# bench_start NAME SECONDS: one bench run in the background, its JSON report in $STATE/NAME.json. Each run starts at a
# new seed so it draws new images rather than hitting the previous run's results in the shared Redis cache.
bench_start() {
  dalle bench --cluster "$REDIS" --concurrency "$CONCURRENCY" --duration "$2" --unique-prompts 1000000 \
    --candidates "$CANDIDATES" --top 1 --seed "$SEED" --json "$STATE/$1.json" > "$STATE/$1.log" 2>&1 &
  BENCH_PID=$!
  PIDS+=("$BENCH_PID")
  SEED=$((SEED + 100000))
}
bench_wait() {   # bench_wait NAME: waits for the run, then checks that it reported and had no errors
  wait "$BENCH_PID" || true
  if [ ! -s "$STATE/$1.json" ]; then fail "window '$1': the bench wrote no report (log: $STATE/$1.log)"; tail -5 "$STATE/$1.log"; return; fi
  [ "$(field "$1" errors)" = 0 ] || fail "window '$1': $(field "$1" errors) of $(field "$1" requests) requests failed: $(field "$1" firstError)"
}
field() { sed -n "s/^ *\"$2\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" "$STATE/$1.json" | head -1; }
declare -A TOKENS_AT
snapshot_tokens() { local i; for i in "$@"; do TOKENS_AT[$i]=$(tokens_of "$i"); done; }

log "window 1: $B silo(s), ${WINDOW}s"
bench_start base "$WINDOW"; bench_wait base

log "window 2: silo $B starts under load"
bench_start joining $((WINDOW + 20))   # load while it starts; if its start outlasts this run, the wait below goes on without load
sleep 5
JOIN_AT=$SECONDS
start_silo "$B"
if wait_for "$STARTUP" "silo $B registering its device" registered "$B"; then
  JOIN_S=$((SECONDS - JOIN_AT))
  log "silo $B joined: its device is in the model directory $JOIN_S s after start ($(grep -m1 'registered with the model directory' "$STATE/silo$B.log" | sed 's/.*Device /Device /'))"
  ready "$B" && log "silo $B /readyz: 200, $(curl -s "http://127.0.0.1:$((FIRST_HTTP_PORT + B))/readyz" | tr -s ' \n' ' ' | grep -o '"detail": "model[^"]*"')"
fi
snapshot_tokens "$B"
bench_wait joining
JOINED_TOKENS=$(( $(tokens_of "$B") - ${TOKENS_AT[$B]} ))
[ "$JOINED_TOKENS" -gt 0 ] || fail "silo $B drew no image tokens under load after joining"

SCALED_IDS=$(seq 0 "$B")
log "window 3: $((B + 1)) silos, ${WINDOW}s"
# shellcheck disable=SC2086
snapshot_tokens $SCALED_IDS
bench_start scaled "$WINDOW"; bench_wait scaled
ALL=0; SHARES=""
for i in $SCALED_IDS; do SHARE[$i]=$(( $(tokens_of "$i") - ${TOKENS_AT[$i]} )); ALL=$((ALL + SHARE[i])); SHARES="$SHARES${SHARES:+/}${SHARE[$i]}"; done
log "image tokens drawn in window 3 by silos $(echo $SCALED_IDS | tr ' ' '/'): $SHARES"
# Candidates are spread over every listed device: the joined one must carry about its share (1/(B+1)), not a token or two.
[ "$ALL" -gt 0 ] && [ $((SHARE[B] * 100 * (B + 1) / ALL)) -ge 60 ] || fail "silo $B drew only ${SHARE[$B]} of $ALL image tokens in window 3"

log "a spare silo $SPARE starts, so the drain and the crash below leave survivors"
start_silo "$SPARE"
wait_for "$STARTUP" "silo $SPARE registering its device" registered "$SPARE" || true

log "window 4: silo 0 drains under load (SIGTERM)"
bench_start draining $((WINDOW + 30))
sleep $((WINDOW / 3 + 5))
DRAIN_AT=$SECONDS
kill -TERM "${SILO_PID[0]}"
# A stopping silo turns unready first, so a load balancer or Kubernetes stops sending it traffic.
unready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${FIRST_HTTP_PORT}/readyz")" != 200 ]; }
if wait_for 10 "silo 0 turning unready after SIGTERM" unready; then
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${FIRST_HTTP_PORT}/readyz" || true)
  [ "$code" = 000 ] && code="nothing (its listener has closed)"
  log "silo 0 /readyz answers $code ($((SECONDS - DRAIN_AT)) s after SIGTERM)"
fi
DRAIN_CODE=
if wait_for 60 "silo 0 exiting after SIGTERM" bash -c "! kill -0 ${SILO_PID[0]} 2>/dev/null"; then
  wait "${SILO_PID[0]}" && DRAIN_CODE=0 || DRAIN_CODE=$?
  DRAIN_S=$((SECONDS - DRAIN_AT))
  log "silo 0 left $DRAIN_S s after SIGTERM, exit code $DRAIN_CODE"
  [ "$DRAIN_CODE" = 0 ] || fail "silo 0 exited with code $DRAIN_CODE after SIGTERM"
fi
grep -q "deregistered from the model directory" "$STATE/silo0.log" || fail "silo 0 did not deregister its device on SIGTERM"
grep -q "drained:" "$STATE/silo0.log" || fail "silo 0 did not report its device drained"
grep "deregistered from the model directory\|drained:\|did not finish" "$STATE/silo0.log" | sed 's/^/    silo0: /' || true
bench_wait draining

SURVIVORS=$(seq 2 "$SPARE")
log "window 5: silo 1 crashes under load (SIGKILL while it holds streams)"
retries_now() { local i t=0; for i in $SURVIVORS; do t=$((t + $(scrape_sum "$i" dalle_generation_retries_total))); done; echo "$t"; }
RETRIES_BEFORE=$(retries_now)
bench_start crash $((WINDOW + 30))
sleep $((WINDOW / 3 + 5))
holds() { [ $(( $(scrape_sum 1 dalle_device_active_streams) + $(scrape_sum 1 dalle_device_queue_depth) )) -gt 0 ]; }
if wait_for 20 "silo 1 holding streams" holds; then
  kill -KILL "${SILO_PID[1]}"
  KILL_AT=$SECONDS
  log "silo 1 SIGKILLed while holding streams"
fi
bench_wait crash
RETRIES_CRASH=$(( $(retries_now) - RETRIES_BEFORE ))
[ "$RETRIES_CRASH" -gt 0 ] || fail "no work was redone after silo 1 was killed (retries on the survivors did not move)"

log "window 6: the survivors (silos $(echo $SURVIVORS)), ${WINDOW}s"
bench_start after "$WINDOW"; bench_wait after

# ---- report ---------------------------------------------------------------------------------------------------------
echo
printf '| %-34s | %5s | %8s | %6s | %7s | %8s | %7s | %7s | %7s |\n' window silos requests errors "req/s" "images/s" "p50 ms" "p95 ms" "p99 ms"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' ------------------------------------ ------- ---------- -------- --------- ---------- --------- --------- ---------
row() {   # row NAME SILOS LABEL
  [ -s "$STATE/$1.json" ] || { printf '| %-34s | %5s | %8s | %6s | %7s | %8s | %7s | %7s | %7s |\n' "$3" "$2" - - - - - - -; return; }
  printf '| %-34s | %5s | %8s | %6s | %7.2f | %8.2f | %7.0f | %7.0f | %7.0f |\n' "$3" "$2" "$(field "$1" requests)" "$(field "$1" errors)" \
    "$(field "$1" requestsPerSecond)" "$(field "$1" imagesPerSecond)" "$(field "$1" p50Ms)" "$(field "$1" p95Ms)" "$(field "$1" p99Ms)"
}
row base "$B" "1. base silos"
row joining "$B+1" "2. silo $B joining"
row scaled $((B + 1)) "3. scaled out"
row draining "$((B + 2))-1" "4. silo 0 draining (SIGTERM)"
row crash "$((B + 1))-1" "5. silo 1 crashing (SIGKILL)"
row after "$B" "6. survivors"
echo
if [ -s "$STATE/base.json" ] && [ -s "$STATE/scaled.json" ]; then
  GAIN=$(awk -v a="$(field base requestsPerSecond)" -v b="$(field scaled requestsPerSecond)" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }')
  log "scale-out: $((B + 1)) silos / $B = ${GAIN}× requests/s (needs ≥ ${MIN_GAIN}× on $(nproc) cores); silo $B joined in ${JOIN_S:-?} s"
  awk -v g="$GAIN" -v m="$MIN_GAIN" 'BEGIN { exit !(g >= m) }' || fail "throughput did not rise enough with silo $B (${GAIN}×)"
fi
log "drain: silo 0 left ${DRAIN_S:-?} s after SIGTERM (exit code ${DRAIN_CODE:-?})"
log "crash: silo 1 SIGKILLed ${KILL_AT:+at ${KILL_AT}s}; work redone on the survivors (dalle_generation_retries_total): ${RETRIES_CRASH:-?}; the crash window's p99 $(field crash p99Ms 2>/dev/null || echo ?) ms"
TOTAL_ERRORS=0
for w in base joining scaled draining crash after; do [ -s "$STATE/$w.json" ] && TOTAL_ERRORS=$((TOTAL_ERRORS + $(field "$w" errors))); done
log "failed requests in all windows: $TOTAL_ERRORS; scenario took $((SECONDS - STARTED)) s; logs and reports in $STATE"
if [ ${#FAILURES[@]} -gt 0 ]; then
  log "scale-scenario FAILED:"; printf '  - %s\n' "${FAILURES[@]}"
  exit 1
fi
log "scale-scenario passed"
