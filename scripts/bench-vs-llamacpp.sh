#!/usr/bin/env bash
# Measures Mycel and llama.cpp side by side on synthetic Llama 3.2 1B files, in one run, and
# prints a Markdown table for docs/BENCHMARKS.md.
#
#   LLAMA_BENCH=/path/to/llama.cpp/build/bin/llama-bench scripts/bench-vs-llamacpp.sh [DIR] [THREADS] [PAIRS]
#
# DIR holds (or receives) the synthetic GGUF files; llama.cpp is built outside this repository.
#
# The two programs run in turn, llama.cpp then Mycel, PAIRS times per file (one measured
# repetition each, after each program's own warm-up), and every ratio is taken within a pair:
# on a shared virtual machine the speed of the host drifts by more than the differences being
# measured within minutes, so a ratio of two means taken minutes apart says little. The table
# gives the median rate of each program and the median and range of the pair ratios.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-/tmp/mycel-bench-models}"
threads="${2:-2}"
pairs="${3:-3}"
llama="${LLAMA_BENCH:?set LLAMA_BENCH to the llama-bench binary of llama.cpp}"
types="${TYPES:-q8_0 q4_0 q4_k_m}"
mkdir -p "$dir"

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "| file | size | llama.cpp pp128 | Mycel pp128 | pp ratio (pairs) | llama.cpp tg64 | Mycel tg64 | tg ratio (pairs) | Mycel peak RSS |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for t in $types; do
  f="$dir/llama-3.2-1b-$t.gguf"
  [[ -f "$f" ]] || "$here/mycel" model synth --shape llama-3.2-1b --type "$t" --out "$f" >&2
  runs=()
  for ((i = 0; i < pairs; i++)); do
    l="$("$llama" -m "$f" -t "$threads" -p 128 -n 64 -r 1 -o json 2>/dev/null)"
    m="$("$here/mycel" bench -m "$f" -t "$threads" -p 128 -n 64 -r 1 --json 2>/dev/null)"
    runs+=("$(python3 -c 'import json, sys; print(json.dumps({"l": json.loads(sys.argv[1]), "m": json.loads(sys.argv[2])}))' "$l" "$m")")
  done
  python3 - "$t" "$f" "${runs[@]}" <<'PY'
import json, os, statistics, sys
t, f, *runs = sys.argv[1:]
lpp, mpp, ltg, mtg, rss = [], [], [], [], []
for r in map(json.loads, runs):
    lpp.append(next(x for x in r["l"] if x["n_prompt"] > 0)["avg_ts"])
    ltg.append(next(x for x in r["l"] if x["n_gen"] > 0)["avg_ts"])
    mpp.append(r["m"]["prompt_tps"])
    mtg.append(r["m"]["gen_tps"])
    rss.append(r["m"]["peak_rss_mb"])
def ratios(a, b):
    q = [x / y for x, y in zip(a, b)]
    return f"{statistics.median(q):.2f} ({min(q):.2f}–{max(q):.2f})"
med = statistics.median
print(f"| {t} | {os.path.getsize(f) / 1e6:.0f} MB | {med(lpp):.1f} | {med(mpp):.1f} | {ratios(mpp, lpp)} "
      f"| {med(ltg):.1f} | {med(mtg):.1f} | {ratios(mtg, ltg)} | {max(rss)} MB |")
PY
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
