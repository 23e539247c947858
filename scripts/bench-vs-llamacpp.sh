#!/usr/bin/env bash
# Measures Mycel and llama.cpp side by side on synthetic Llama 3.2 1B files, in one run, and
# prints a Markdown table for docs/BENCHMARKS.md.
#
#   LLAMA_BENCH=/path/to/llama.cpp/build/bin/llama-bench scripts/bench-vs-llamacpp.sh [DIR] [THREADS] [REPS]
#
# DIR holds (or receives) the synthetic GGUF files; llama.cpp is built outside this repository.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-/tmp/mycel-bench-models}"
threads="${2:-2}"
reps="${3:-3}"
llama="${LLAMA_BENCH:?set LLAMA_BENCH to the llama-bench binary of llama.cpp}"
types="${TYPES:-q8_0 q4_0 q4_k_m}"
mkdir -p "$dir"

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "| file | size | llama.cpp pp128 | Mycel pp128 | pp ratio | llama.cpp tg64 | Mycel tg64 | tg ratio | Mycel peak RSS |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for t in $types; do
  f="$dir/llama-3.2-1b-$t.gguf"
  [[ -f "$f" ]] || "$here/mycel" model synth --shape llama-3.2-1b --type "$t" --out "$f" >&2
  l="$("$llama" -m "$f" -t "$threads" -p 128 -n 64 -r "$reps" -o json 2>/dev/null)"
  m="$("$here/mycel" bench -m "$f" -t "$threads" -p 128 -n 64 -r "$reps" --json 2>/dev/null)"
  python3 - "$t" "$f" "$l" "$m" <<'PY'
import json, os, sys
t, f, l, m = sys.argv[1:]
l = json.loads(l); m = json.loads(m)
pp = next(r for r in l if r["n_prompt"] > 0)
tg = next(r for r in l if r["n_gen"] > 0)
size = os.path.getsize(f) / 1e6
print(f"| {t} | {size:.0f} MB | {pp['avg_ts']:.1f} ± {pp['stddev_ts']:.1f} | {m['prompt_tps']:.1f} ± {m['prompt_tps_std']:.1f} "
      f"| {m['prompt_tps'] / pp['avg_ts']:.2f} | {tg['avg_ts']:.1f} ± {tg['stddev_ts']:.1f} | {m['gen_tps']:.1f} ± {m['gen_tps_std']:.1f} "
      f"| {m['gen_tps'] / tg['avg_ts']:.2f} | {m['peak_rss_mb']} MB |")
PY
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
