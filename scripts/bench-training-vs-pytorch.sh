#!/usr/bin/env bash
# Training throughput of Mycel's bit-exact engine against PyTorch's CPU kernels (libtorch 2.7.1
# through DJL 0.36, from Maven Central, offline) on the same models, batches and data, in one run:
# the MNIST CNN (examples/s, batches of 64) and llama-tiny on Tiny Shakespeare (tokens/s, 12
# windows of 64). Prints a Markdown table for docs/BENCHMARKS.md.
#
#   scripts/bench-training-vs-pytorch.sh [THREADS] [PAIRS] [STEPS]
#
# Each measurement is a fresh JVM that runs a few untimed steps and then times STEPS steps. The
# two engines run in turn, PAIRS times, and every ratio is taken within a pair: the host's speed
# drifts by more than the differences measured within minutes.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
threads="${1:-2}"
pairs="${2:-3}"
steps="${3:-30}"
models="${MODELS:-cnn llama}"
cd "$here"
./mvnw -q -B -Ppytorch -pl mycel-bench -am install -DskipTests >&2
cp_file="$(mktemp)"
./mvnw -q -B -Ppytorch -pl mycel-bench dependency:build-classpath -Dmdep.outputFile="$cp_file" >&2
cp="$here/mycel-bench/target/classes:$(cat "$cp_file")"
rm -f "$cp_file"
java="$(scripts/find-java.sh bench-training-vs-pytorch)/bin/java"
run() {
  OMP_NUM_THREADS="$threads" "$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    -Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0 -XX:+UseSerialGC -Xss4m -cp "$cp" \
    dev.mycel.bench.training.TrainingBenchmark "$1" "$2" "$threads" "$steps" 2>/dev/null | tail -1 \
    | sed -n 's/.*"examples_per_second":\([0-9.]*\).*/\1/p'
}
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $threads threads; load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "| model | unit | PyTorch (median) | Mycel (median) | Mycel / PyTorch, median (range of $pairs pairs) |"
echo "| --- | --- | ---: | ---: | ---: |"
for m in $models; do
  py=(); my=(); ratios=()
  for ((i = 0; i < pairs; i++)); do
    p="$(run pytorch "$m")"
    y="$(run mycel "$m")"
    if [[ -z "$p" || -z "$y" ]]; then
      echo "bench-training-vs-pytorch: a run printed no result (pytorch '$p', mycel '$y'); run it by hand to see why:" >&2
      echo "  $java --add-modules jdk.incubator.vector -cp ... dev.mycel.bench.training.TrainingBenchmark pytorch $m $threads $steps" >&2
      exit 1
    fi
    py+=("$p"); my+=("$y")
    ratios+=("$(awk -v a="$y" -v b="$p" 'BEGIN { printf "%.2f", a / b }')")
    echo "$m pair $((i + 1)): pytorch $p, mycel $y" >&2
  done
  median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
  unit=$([[ "$m" == cnn ]] && echo "images/s" || echo "tokens/s")
  sorted=($(printf '%s\n' "${ratios[@]}" | sort -g))
  echo "| $m | $unit | $(median "${py[@]}") | $(median "${my[@]}") | $(median "${ratios[@]}") (${sorted[0]}–${sorted[-1]}) |"
done
