#!/usr/bin/env bash
# A bounded soak on loopback (issue #20): the local cluster (membership Redis, a separate cache Redis with maxmemory and
# allkeys-lru, SILOS silo processes) under `dalle bench` load for SOAK_SECONDS, while a chaos loop SIGKILLs a random silo
# every KILL_EVERY seconds (±50 %, restarting it RESTART_AFTER seconds later) and kills and restarts the cache Redis every
# REDIS_EVERY seconds. Then it reports requests, failed requests (target 0), p50/p99 latency, the kills and restarts
# done, and memory growth: each silo's RSS (first sample after warm-up vs last, for silos never killed) and the cache
# Redis' used_memory. Exit 0 when no request failed and every step happened, 1 otherwise, 2 for a bad setup. It
# stops everything it started, also on failure or Ctrl+C. Traffic goes to 127.0.0.1 only.
#
#   deploy/soak.sh                                   # 20 minutes (builds into $STATE/build first)
#   SOAK_SECONDS=120 KILL_EVERY=30 deploy/soak.sh    # a short smoke run
#
# Environment: SOAK_SECONDS (1200), SILOS (3), CONCURRENCY (4), CANDIDATES (4), UNIQUE (100000: distinct requests cycled, so almost
#   every request generates under the kills; the cache answers first, so a small number such as 120 soaks only cache hits), KILL_EVERY (90), RESTART_AFTER (15), REDIS_EVERY (240),
#   REDIS_DOWN (10: seconds the cache Redis stays down), WITNESS (0: the silo never killed, whose RSS growth is reported), ROWS (8), MODEL (default models/shapes-v2), STATE
#   (/tmp/dalle-soak), SKIP_BUILD=1, REDIS_PORT (6393), CACHE_REDIS_PORT (6394), FIRST_SILO_PORT (11411),
#   FIRST_GATEWAY_PORT (30411), FIRST_HTTP_PORT (8381), ARTIFACTS (build folder, default $STATE/build). Its ports differ from local-cluster.sh's and scale-scenario.sh's.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=${STATE:-/tmp/dalle-soak}
ARTIFACTS=${ARTIFACTS:-$STATE/build}
SOAK=${SOAK_SECONDS:-1200}
SILOS=${SILOS:-3}
CONCURRENCY=${CONCURRENCY:-4}
CANDIDATES=${CANDIDATES:-4}
UNIQUE=${UNIQUE:-100000}
KILL_EVERY=${KILL_EVERY:-90}
WITNESS=${WITNESS:-0}           # never killed, so its memory is measured over the whole soak ("" = every silo may be killed)
RESTART_AFTER=${RESTART_AFTER:-15}
REDIS_EVERY=${REDIS_EVERY:-240}
REDIS_DOWN=${REDIS_DOWN:-10}
ROWS=${ROWS:-8}
REDIS_PORT=${REDIS_PORT:-6393}
CACHE_REDIS_PORT=${CACHE_REDIS_PORT:-6394}
FIRST_SILO_PORT=${FIRST_SILO_PORT:-11411}
FIRST_GATEWAY_PORT=${FIRST_GATEWAY_PORT:-30411}
FIRST_HTTP_PORT=${FIRST_HTTP_PORT:-8381}
REDIS="127.0.0.1:${REDIS_PORT}"
CACHE_REDIS="127.0.0.1:${CACHE_REDIS_PORT}"
SILO_DLL="$ARTIFACTS/bin/DalleOrleans.Silo/release/dalle-silo.dll"
DALLE_DLL="$ARTIFACTS/bin/DalleOrleans.Client/release/dalle.dll"

PIDS=()
FAILURES=()
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() { FAILURES+=("$*"); log "FAIL: $*"; }

cleanup() {
  trap - EXIT INT TERM
  local pid
  for pid in "${PIDS[@]}" "${SILO_PID[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}" "${SILO_PID[@]:-}"; do
    [ -n "$pid" ] || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  for f in redis redis-cache; do
    if [ -f "$STATE/$f.pid" ]; then kill "$(cat "$STATE/$f.pid")" 2>/dev/null || true; rm -f "$STATE/$f.pid"; fi
  done
}
declare -A SILO_PID
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

command -v redis-server >/dev/null || { echo "soak: redis-server is missing: apt-get install -y redis-server" >&2; exit 2; }
command -v redis-cli >/dev/null || { echo "soak: redis-cli is missing: apt-get install -y redis-tools" >&2; exit 2; }
command -v curl >/dev/null || { echo "soak: curl is missing: apt-get install -y curl" >&2; exit 2; }
mkdir -p "$STATE"
rm -f "$STATE"/*.log "$STATE"/*.json "$STATE"/rss.tsv
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "building the silo and the client into $ARTIFACTS ..."
  dotnet build silo/DalleOrleans.Silo -c Release --artifacts-path "$ARTIFACTS" -nologo -v q > "$STATE/build.log" 2>&1 \
    && dotnet build client/DalleOrleans.Client -c Release --artifacts-path "$ARTIFACTS" -nologo -v q >> "$STATE/build.log" 2>&1 \
    || { tail -20 "$STATE/build.log" >&2; echo "soak: build failed (log: $STATE/build.log)" >&2; exit 2; }
fi
[ -f "$SILO_DLL" ] && [ -f "$DALLE_DLL" ] || { echo "soak: $SILO_DLL or $DALLE_DLL missing; build first" >&2; exit 2; }
MODEL=${MODEL:-models/shapes-v2}
[ -d "$MODEL" ] || { echo "soak: model folder '$MODEL' not found" >&2; exit 2; }
MODEL=$(cd "$MODEL" && pwd)
for port in "$REDIS_PORT" "$CACHE_REDIS_PORT" $(seq "$FIRST_SILO_PORT" $((FIRST_SILO_PORT + SILOS - 1))) \
            $(seq "$FIRST_GATEWAY_PORT" $((FIRST_GATEWAY_PORT + SILOS - 1))) $(seq "$FIRST_HTTP_PORT" $((FIRST_HTTP_PORT + SILOS - 1))); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "soak: port $port is in use; set the *_PORT variables" >&2; exit 2; fi
done

# Bounded: a watchdog ends the soak 10 minutes after its planned end (cleanup still runs).
LIMIT=$((SOAK + 600))
( trap 'kill $nap 2>/dev/null; exit 0' TERM; sleep "$LIMIT" & nap=$!; wait $nap
  echo "soak: time limit of ${LIMIT}s reached" >&2; kill -TERM $$ 2>/dev/null ) &
PIDS+=("$!")
STARTED=$SECONDS

start_membership_redis() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log"
  for _ in $(seq 50); do [ -f "$STATE/redis.pid" ] && break; sleep 0.1; done
}
start_cache_redis() {
  rm -f "$STATE/redis-cache.pid"
  redis-server --port "$CACHE_REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --maxmemory 128mb --maxmemory-policy allkeys-lru --pidfile "$STATE/redis-cache.pid" --logfile "$STATE/redis-cache.log"
  for _ in $(seq 50); do [ -f "$STATE/redis-cache.pid" ] && break; sleep 0.1; done
}
start_silo() {
  local i=$1
  Cluster__Redis="$REDIS" Cache__Redis="$CACHE_REDIS" Model__Path="$MODEL" Model__MaxBatchRows="$ROWS" \
  Cluster__SiloPort=$((FIRST_SILO_PORT + i)) Cluster__GatewayPort=$((FIRST_GATEWAY_PORT + i)) Http__Port=$((FIRST_HTTP_PORT + i)) \
  Torch__Threads=1 DOTNET_ENVIRONMENT=Production \
    bash -c 'cd "$(dirname "$1")" && exec dotnet "$1"' _ "$SILO_DLL" >> "$STATE/silo$i.log" 2>&1 &
  SILO_PID[$i]=$!
  BORN[$i]=$SECONDS
}
ready() { curl -sf -o /dev/null "http://127.0.0.1:$((FIRST_HTTP_PORT + $1))/readyz"; }
rss_kb() { ps -o rss= -p "$1" 2>/dev/null | tr -d ' ' || true; }

declare -A BORN
start_membership_redis
start_cache_redis
for i in $(seq 0 $((SILOS - 1))); do start_silo "$i"; done
until_ready=$((SECONDS + 180))
for i in $(seq 0 $((SILOS - 1))); do
  while ! ready "$i"; do [ $SECONDS -lt $until_ready ] || { fail "silo $i was not ready within 180 s (log $STATE/silo$i.log)"; exit 1; }; sleep 0.5; done
done
log "cluster up: $SILOS silos, membership Redis $REDIS, cache Redis $CACHE_REDIS (128mb, allkeys-lru); $((SECONDS - STARTED)) s"

# ---- load for SOAK seconds, chaos beside it ---------------------------------------------------------------------
dotnet "$DALLE_DLL" bench --cluster "$REDIS" --concurrency "$CONCURRENCY" --duration "$SOAK" --unique-prompts "$UNIQUE" \
  --candidates "$CANDIDATES" --top 1 --json "$STATE/soak.json" > "$STATE/bench.log" 2>&1 &
BENCH=$!
PIDS+=("$BENCH")
LOAD_START=$SECONDS
KILLS=0; REDIS_RESTARTS=0; SILO_RESTARTS=0
next_kill=$((SECONDS + KILL_EVERY / 2 + RANDOM % KILL_EVERY))
next_redis=$((SECONDS + REDIS_EVERY))
declare -A RESTART_AT
declare -A KILLED_EVER
next_sample=$SECONDS
printf 'second\tsilo\trss_kb\n' > "$STATE/rss.tsv"
while kill -0 "$BENCH" 2>/dev/null; do
  now=$SECONDS
  if [ "$now" -ge "$next_sample" ]; then
    for i in "${!SILO_PID[@]}"; do r=$(rss_kb "${SILO_PID[$i]}"); [ -n "$r" ] && printf '%s\t%s\t%s\n' $((now - LOAD_START)) "$i" "$r" >> "$STATE/rss.tsv"; done
    next_sample=$((now + 30))
  fi
  # Kill one ready silo when it is time, only while at least two are ready (a restarted silo takes a while to load its
  # model and join: killing the only ready one would leave no device, which is an outage, not a fault to survive).
  if [ "$now" -ge "$next_kill" ] && [ $((now - LOAD_START)) -lt $((SOAK - 60)) ]; then
    live=(); for i in "${!SILO_PID[@]}"; do [ "$i" != "$WITNESS" ] && [ -z "${RESTART_AT[$i]:-}" ] && kill -0 "${SILO_PID[$i]}" 2>/dev/null && ready "$i" && live+=("$i"); done
    if [ ${#live[@]} -ge 2 ]; then
      victim=${live[$((RANDOM % ${#live[@]}))]}
      kill -9 "${SILO_PID[$victim]}" 2>/dev/null || true
      KILLS=$((KILLS + 1)); KILLED_EVER[$victim]=1
      RESTART_AT[$victim]=$((now + RESTART_AFTER))
      log "SIGKILL silo $victim (pid ${SILO_PID[$victim]}); restart in ${RESTART_AFTER}s"
    fi
    next_kill=$((now + KILL_EVERY / 2 + RANDOM % KILL_EVERY))
  fi
  for i in "${!RESTART_AT[@]}"; do
    if [ "$now" -ge "${RESTART_AT[$i]}" ]; then
      unset "RESTART_AT[$i]"
      start_silo "$i"; SILO_RESTARTS=$((SILO_RESTARTS + 1))
      log "silo $i restarted (pid ${SILO_PID[$i]})"
    fi
  done
  # The cache Redis crashes (SIGKILL) and comes back empty REDIS_DOWN seconds later.
  if [ "$now" -ge "$next_redis" ] && [ $((now - LOAD_START)) -lt $((SOAK - 60)) ]; then
    kill -9 "$(cat "$STATE/redis-cache.pid")" 2>/dev/null || true
    log "SIGKILL cache Redis; back in ${REDIS_DOWN}s"
    sleep "$REDIS_DOWN"
    start_cache_redis
    REDIS_RESTARTS=$((REDIS_RESTARTS + 1))
    log "cache Redis restarted"
    next_redis=$((SECONDS + REDIS_EVERY))
  fi
  sleep 1
done
wait "$BENCH" || true

# ---- report -----------------------------------------------------------------------------------------------------
field() { sed -n "s/^ *\"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" "$STATE/soak.json" | head -1; }
[ -s "$STATE/soak.json" ] || { fail "the bench wrote no report (log $STATE/bench.log)"; tail -5 "$STATE/bench.log"; exit 1; }
REQUESTS=$(field requests); ERRORS=$(field errors)
echo
log "soak: $((SECONDS - LOAD_START)) s of load, $SILOS silos, concurrency $CONCURRENCY, $CANDIDATES candidates, $UNIQUE distinct requests"
log "requests $REQUESTS, failed $ERRORS, req/s $(printf %.2f "$(field requestsPerSecond)"), p50 $(printf %.0f "$(field p50Ms)") ms, p99 $(printf %.0f "$(field p99Ms)") ms, cache hit rate $(printf %.2f "$(field cacheHitRate)")"
log "chaos: $KILLS silo SIGKILLs ($SILO_RESTARTS restarts), $REDIS_RESTARTS cache Redis kills and restarts"
FIRST_ERROR=$(sed -n 's/^ *"firstError": "\(.\{0,240\}\).*/\1/p' "$STATE/soak.json" | sed 's/\\n.*//')
[ "$ERRORS" = 0 ] || fail "$ERRORS of $REQUESTS requests failed; the first: $FIRST_ERROR"
[ "$KILLS" -gt 0 ] || fail "no silo was killed (SOAK_SECONDS too short for KILL_EVERY?)"
# Memory: per silo process that lived through the whole load, RSS at its first sample after 2 minutes vs its last.
for i in $(seq 0 $((SILOS - 1))); do
  if [ -n "${KILLED_EVER[$i]:-}" ]; then
    last=$(awk -v s="$i" '$2 == s { r = $3 } END { print r }' "$STATE/rss.tsv")
    log "silo $i: killed during the soak; RSS of its last life at the end ${last:-?} kB"
    continue
  fi
  awk -v s="$i" 'NR > 1 && $2 == s && $1 >= 120 { if (first == "") first = $3; last = $3 }
    END { if (first == "") print "silo " s ": too few samples"; else printf "silo %s: never killed; RSS %d MB after warm-up -> %d MB at the end (%+.1f %%)\n", s, first / 1024, last / 1024, (last - first) * 100 / first }' "$STATE/rss.tsv" \
    | while read -r line; do log "$line"; done
done
log "cache Redis used_memory at the end: $(redis-cli -p "$CACHE_REDIS_PORT" info memory 2>/dev/null | sed -n 's/^used_memory_human:\(.*\)\r$/\1/p'); membership Redis: $(redis-cli -p "$REDIS_PORT" info memory 2>/dev/null | sed -n 's/^used_memory_human:\(.*\)\r$/\1/p')"
RETRIES=$(for i in "${!SILO_PID[@]}"; do curl -sf "http://127.0.0.1:$((FIRST_HTTP_PORT + i))/metrics" | awk '/^dalle_generation_retries_total/ { s += $NF } END { printf "%d\n", s }'; done | awk '{ s += $1 } END { printf "%d", s }')
log "retries counted by the live silos (since their last start): $RETRIES; RSS samples in $STATE/rss.tsv, logs in $STATE"
if [ ${#FAILURES[@]} -gt 0 ]; then
  log "soak FAILED:"; printf '  - %s\n' "${FAILURES[@]}"
  exit 1
fi
log "soak passed"
