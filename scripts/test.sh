#!/usr/bin/env bash
# The README's test command: installs what the tests need when it is missing, builds the solution,
# runs every test project, and ends with the totals read from the test results (TRX) as one line:
#   N passed, N failed, N skipped
# A run that executed no test shows as "0 passed" and fails.
set -uo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v dotnet >/dev/null || { echo "test.sh: the .NET 10 SDK (dotnet) is required and was not found on PATH." >&2; exit 2; }
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v chromium >/dev/null || need_apt+=(chromium)        # the web page's browser test
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test.sh: installing ${need_apt[*]} from apt"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null \
      || { echo "test.sh: apt-get install ${need_apt[*]} failed." >&2; exit 2; }
  else
    echo "test.sh: missing ${need_apt[*]}; install with: sudo apt-get install -y ${need_apt[*]}" >&2
    exit 2
  fi
fi
# The tests start their own redis-server processes on free loopback ports; nothing else is started here.

results=TestResults
rm -rf "$results"
dotnet build DalleOrleans.sln -c Release -nologo -v q || { echo "0 passed, 1 failed (build failed)"; exit 1; }
dotnet test DalleOrleans.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" \
  --blame-hang-timeout 10m
test_status=$?

# Totals over every test project, from the TRX files' <Counters .../> elements.
read -r passed failed skipped < <(
  cat "$results"/*.trx 2>/dev/null | tr ' ' '\n' | awk -F'"' '
    /^passed=/ {p+=$2} /^failed=/ {f+=$2} /^error=/ {f+=$2} /^timeout=/ {f+=$2} /^aborted=/ {f+=$2} /^notExecuted=/ {s+=$2}
    END {printf "%d %d %d\n", p, f, s}')
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$test_status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
exit 0
