#!/usr/bin/env bash
# A local multi-silo cluster on loopback: two redis-servers (membership; the result cache, bounded with LRU eviction,
# as deployed), two silo processes and the web front end (an Orleans client of the cluster).
#   deploy/local-cluster.sh up       build, start redis and two silos, print how to reach them
#   deploy/local-cluster.sh status   what is running
#   deploy/local-cluster.sh down     stop everything this script started
# Environment: MODEL (model folder, default models/shapes-v2), REDIS_PORT (6390: membership), CACHE_REDIS_PORT (6392:
#              the cache), CACHE_MAXMEMORY (256mb), STATE (state folder),
#              SILOS (2), FIRST_SILO_PORT (11111), FIRST_GATEWAY_PORT (30000), FIRST_HTTP_PORT (8080: silo i serves
#              /healthz, /readyz and /metrics on FIRST_HTTP_PORT+i), WEB_PORT (5080).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
STATE=${STATE:-/tmp/dalle-local-cluster}
MODEL=${MODEL:-models/shapes-v2}
REDIS_PORT=${REDIS_PORT:-6390}
SILOS=${SILOS:-2}
FIRST_SILO_PORT=${FIRST_SILO_PORT:-11111}
FIRST_GATEWAY_PORT=${FIRST_GATEWAY_PORT:-30000}
FIRST_HTTP_PORT=${FIRST_HTTP_PORT:-8080}
REDIS="127.0.0.1:${REDIS_PORT}"
CACHE_REDIS_PORT=${CACHE_REDIS_PORT:-6392}
CACHE_REDIS="127.0.0.1:${CACHE_REDIS_PORT}"
CACHE_MAXMEMORY=${CACHE_MAXMEMORY:-256mb}
WEB_PORT=${WEB_PORT:-5080}
SILO_BIN="$ROOT/silo/DalleOrleans.Silo/bin/Release/net10.0/dalle-silo.dll"
WEB_BIN="$ROOT/client/DalleOrleans.Web/bin/Release/net10.0/dalle-web.dll"

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

up() {
  mkdir -p "$STATE"
  [ -d "$MODEL" ] || { echo "local-cluster: model folder '$MODEL' not found; set MODEL=... (e.g. 'dotnet run --project client/DalleOrleans.Client -- model tiny --out /tmp/tiny' for a smoke test)" >&2; exit 2; }
  MODEL=$(cd "$MODEL" && pwd)
  command -v redis-server >/dev/null || { echo "local-cluster: redis-server is missing: apt-get install -y redis-server" >&2; exit 2; }
  echo "building the silo and the web front end..."
  dotnet build silo/DalleOrleans.Silo -c Release -nologo -v q >/dev/null
  dotnet build client/DalleOrleans.Web -c Release -nologo -v q >/dev/null
  if ! alive "$STATE/redis.pid"; then
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
      --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log"
    for _ in $(seq 50); do [ -f "$STATE/redis.pid" ] && break; sleep 0.1; done
  fi
  if ! alive "$STATE/redis-cache.pid"; then
    redis-server --port "$CACHE_REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
      --maxmemory "$CACHE_MAXMEMORY" --maxmemory-policy allkeys-lru \
      --pidfile "$STATE/redis-cache.pid" --logfile "$STATE/redis-cache.log"
    for _ in $(seq 50); do [ -f "$STATE/redis-cache.pid" ] && break; sleep 0.1; done
  fi
  for i in $(seq 0 $((SILOS - 1))); do
    pidfile="$STATE/silo$i.pid"
    alive "$pidfile" && continue
    Cluster__Redis="$REDIS" Cache__Redis="$CACHE_REDIS" Model__Path="$MODEL" \
    Cluster__SiloPort=$((FIRST_SILO_PORT + i)) Cluster__GatewayPort=$((FIRST_GATEWAY_PORT + i)) Http__Port=$((FIRST_HTTP_PORT + i)) \
    Torch__Threads=1 DOTNET_ENVIRONMENT=Production \
      nohup dotnet "$SILO_BIN" > "$STATE/silo$i.log" 2>&1 &
    echo $! > "$pidfile"
  done
  echo "waiting for the silos to join..."
  for _ in $(seq 120); do
    joined=$( (grep -l "Silo ready" "$STATE"/silo*.log 2>/dev/null || true) | wc -l)
    [ "$joined" -ge "$SILOS" ] && break
    sleep 0.5
  done
  if ! alive "$STATE/web.pid"; then
    nohup dotnet "$WEB_BIN" --cluster "$REDIS" --urls "http://127.0.0.1:${WEB_PORT}" > "$STATE/web.log" 2>&1 &
    echo $! > "$STATE/web.pid"
    for _ in $(seq 120); do curl -sf -o /dev/null "http://127.0.0.1:${WEB_PORT}/api/health" && break; sleep 0.5; done
  fi
  status
  cat <<EOT

Reach it with:
  dotnet run -c Release --project client/DalleOrleans.Client -- generate "a red circle" --cluster "$REDIS"
  web page: http://127.0.0.1:${WEB_PORT}/    (and /readyz, /metrics there)
  silos:    http://127.0.0.1:${FIRST_HTTP_PORT}/readyz and /metrics for silo0, port ${FIRST_HTTP_PORT}+i for silo i
Logs: $STATE/*.log     Stop: deploy/local-cluster.sh down
EOT
}

status() {
  if alive "$STATE/redis.pid"; then echo "redis   $REDIS  pid $(cat "$STATE/redis.pid") (membership)"; else echo "redis   stopped"; fi
  if alive "$STATE/redis-cache.pid"; then echo "redis-cache   $CACHE_REDIS  pid $(cat "$STATE/redis-cache.pid") (cache, maxmemory $CACHE_MAXMEMORY)"; else echo "redis-cache   stopped"; fi
  for pidfile in "$STATE"/silo*.pid "$STATE"/web.pid; do
    [ -f "$pidfile" ] || continue
    name=$(basename "$pidfile" .pid)
    if alive "$pidfile"; then echo "$name   pid $(cat "$pidfile")  log $STATE/$name.log"; else echo "$name   stopped"; fi
  done
}

down() {
  for pidfile in "$STATE"/web.pid "$STATE"/silo*.pid; do
    [ -f "$pidfile" ] || continue
    if alive "$pidfile"; then kill "$(cat "$pidfile")"; fi
  done
  for pidfile in "$STATE"/web.pid "$STATE"/silo*.pid; do
    [ -f "$pidfile" ] || continue
    for _ in $(seq 100); do alive "$pidfile" || break; sleep 0.2; done
    alive "$pidfile" && kill -9 "$(cat "$pidfile")"
    rm -f "$pidfile"
  done
  for pidfile in "$STATE"/redis.pid "$STATE"/redis-cache.pid; do
    if alive "$pidfile"; then kill "$(cat "$pidfile")"; fi
    rm -f "$pidfile"
  done
  echo "stopped"
}

case "${1:-}" in
  up) up ;;
  status) status ;;
  down) down ;;
  *) echo "usage: $0 up|status|down" >&2; exit 2 ;;
esac
