"""Reads an h2load --log-file (time, HTTP status, request duration in microseconds per line)
and prints: <requests> <non-200 responses> <p99 latency in ms>."""
import sys

durations = []
bad = 0
with open(sys.argv[1]) as log:
    for line in log:
        parts = line.split()
        if len(parts) < 3:
            continue
        if parts[1] != "200":
            bad += 1
        durations.append(int(parts[2]))
durations.sort()
p99 = durations[min(len(durations) - 1, int(len(durations) * 0.99))] / 1000 if durations else float("nan")
print(len(durations), bad, f"{p99:.2f}")
