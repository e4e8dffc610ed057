#!/usr/bin/env bash
# Runs every test project of platform.sln (already built) and ends with one line:
#   N passed, N failed
# summed over all test results. Exits non-zero if anything failed or a test host crashed.
set -uo pipefail
cd "$(dirname "$0")/.."
configuration="${1:-Release}"
results=.artifacts/test-results
rm -rf "$results"
mkdir -p "$results"

# Test hosts and the services they start live seconds to minutes: no instrumented JIT tier (a hot
# method compiled twice, not three times). 2026-12-03, this script run four times alternating: 201 and
# 172 s of CPU with the runtime's default against 105 and 104 s (docs/simulation.md, "The JIT's share").
export DOTNET_TieredPGO="${DOTNET_TieredPGO:-0}"

log="$results/dotnet-test.log"
dotnet test platform.sln -c "$configuration" --no-build \
  --logger "console;verbosity=minimal" \
  --results-directory "$results" \
  --blame-hang --blame-hang-timeout 5m 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# One summary line per test assembly:
#   Passed!  - Failed:     0, Passed:    14, Skipped:     0, Total:    14, Duration: 3 s - X.Tests.dll (net10.0)
passed=0
failed=0
while read -r f p; do
  passed=$((passed + p))
  failed=$((failed + f))
done < <(sed -n 's/^.*\(Passed\|Failed\)! *- Failed: *\([0-9]*\), Passed: *\([0-9]*\),.*$/\2 \3/p' "$log")

# The failed tests again, last, so a log cut to its end still names them.
if [ "$failed" -ne 0 ]; then
  echo "Failed tests:"
  # Each failed test with the first lines of its error message.
  grep -E -A3 '^[[:space:]]*Failed [^!]' "$log" | cut -c1-300
fi
grep -E 'The active test run was aborted|Test host process crashed' "$log" | sort -u

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "dotnet test exited with $status although no test failed (a test host crashed or hung); counting it as a failure."
  failed=1
fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
