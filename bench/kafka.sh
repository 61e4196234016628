#!/usr/bin/env bash
# Kafka backbone throughput (issue 3): datawald's kafka output and input
# against a plain franz-go producer and consumer through in-process kfake,
# the same messages and client options on both sides (see
# inputs/kafka_bench_test.go and inputs/kafka_sides_bench_test.go).
#
# Run-to-run noise on a small shared machine is large, and which side runs
# first in a process matters: the first run of a process pays for fresh
# memory (kfake keeps every record in memory) while later runs reuse the
# heap. So each sub-benchmark runs in its own process, the order of the
# sides alternates from round to round, each process runs COUNT times and
# the first (cold) run of each process is reported apart from the warm ones.
# The summary is the median of the warm runs per sub-benchmark and the
# ratio datawald / franz-go, by msg/s and by CPU per message.
#
#   ROUNDS=3 COUNT=4 N=300000 bench/kafka.sh
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-3}
count=${COUNT:-4}
n=${N:-300000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go test -c -o "$work/inputs.test" ./inputs/

pairs=("KafkaThroughput/datawald KafkaThroughput/franz-go"
	"KafkaSides/consume/datawald KafkaSides/consume/franz-go"
	"KafkaSides/produce/datawald KafkaSides/produce/franz-go")

run() { # run <sub-benchmark>: one process, COUNT runs, lines "name run msg/s cpu-ns/msg"
	"$work/inputs.test" -test.run XXX -test.bench "^Benchmark${1%%/*}\$/^${1#*/}\$" \
		-test.benchtime "${n}x" -test.count "$count" |
		awk -v name="$1" '/^Benchmark/ {
			r++
			for (i = 3; i < NF; i++) {
				if ($(i+1) == "msg/s") rate = $i
				if ($(i+1) == "cpu-ns/msg") cpu = $i
			}
			print name, r, rate, cpu
		}'
}

for ((round = 1; round <= rounds; round++)); do
	for pair in "${pairs[@]}"; do
		read -r a b <<<"$pair"
		if ((round % 2 == 0)); then read -r b a <<<"$pair"; fi
		run "$a" | tee -a "$work/runs"
		run "$b" | tee -a "$work/runs"
	done
done

echo
echo "warm runs (each process's first run dropped): median msg/s, median cpu-ns/msg"
awk '$2 > 1 { rate[$1] = rate[$1] " " $3; cpu[$1] = cpu[$1] " " $4 }
	function median(list,   v, k, i, j, t) {
		k = split(list, v, " ")
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
		return k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
	}
	END {
		for (name in rate) { r[name] = median(rate[name]); c[name] = median(cpu[name]) }
		for (name in rate) if (name ~ /datawald$/) {
			plain = name; sub(/datawald$/, "franz-go", plain)
			printf "%-30s %9.0f msg/s %7.0f cpu-ns/msg   franz-go %9.0f msg/s %7.0f cpu-ns/msg   ratio %.2f by msg/s, %.2f by CPU\n",
				name, r[name], c[name], r[plain], c[plain], r[name] / r[plain], c[plain] / c[name]
		}
	}' "$work/runs" | sort
