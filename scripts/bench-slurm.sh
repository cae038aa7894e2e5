#!/usr/bin/env bash
# Wall time of a shipped suite run by one process against the same run as a Slurm array job (deploy/slurm/submit.sh)
# on a private single-node cluster of this machine (scripts/slurm-cluster.sh), interleaved, with the load average.
#
#   scripts/bench-slurm.sh [REPEATS]      (root; default 3 repeats)
#   environment: VLNSIM (default: the release test build), SUITE (instructions/suite_static.json.gz), PLANNERS
#   (oracle), SHARDS (2)
#
# One process: `vlnsim bench --suite S --planner P --workers 1`, wall and user seconds (/usr/bin/time). Slurm: from
# `submit.sh --shards N` until the merge job is COMPLETED (scheduling, N tasks, the merge); plus each task's own run
# time as vlnsim reports it in its log. Every Slurm run is checked to hold every result once, as the one-process run.
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-3}
suite=${SUITE:-instructions/suite_static.json.gz}; [[ "$suite" = /* ]] || suite="$(pwd)/$suite"
planners=${PLANNERS:-oracle}
shards=${SHARDS:-2}
label="slurm bench"
source scripts/slurm-cluster.sh

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; suite $(basename "$suite"), planners $planners, $shards Slurm tasks"
for ((r = 1; r <= repeats; r++)); do
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  /usr/bin/time -f "%e %U" -o "$T/time-$r" "$VLNSIM" bench --suite "$suite" --planner "$planners" --workers 1 --out "$T/one-$r" --quiet > /dev/null 2>&1
  read -r wall user < "$T/time-$r"
  start=$EPOCHREALTIME
  deploy/slurm/submit.sh --shards "$shards" --results "$T/slurm-$r" -- --suite "$suite" --planner "$planners" > "$T/submit-$r" 2>&1
  merge=$(sed -n 's/^merge_job=\([0-9]*\).*/\1/p' "$T/submit-$r")
  wait_state "$merge" COMPLETED 600 || die "repeat $r: the merge job did not complete"
  slurm=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
  tasks=$(grep -h "episode results in" "$T"/slurm-$r/logs/shard-*.out 2>/dev/null | sed -n 's/.* in \([0-9.]*\) s.*/\1/p' | paste -sd/ -)
  [ -z "$tasks" ] && tasks=$(grep -h "" "$T"/slurm-$r/logs/shard-*.out | grep -c "exit 0")" tasks"
  one=$(wc -l < "$T/one-$r/episodes.jsonl"); merged=$(wc -l < "$T/slurm-$r/merged/episodes.jsonl")
  [ "$one" = "$merged" ] || bad "repeat $r: $merged merged results, $one from one process"
  echo "repeat $r (load $load): 1 process ${wall} s wall (${user} s user); $shards Slurm tasks + merge ${slurm} s from submit to merged (task runs ${tasks} s)"
  ok "repeat $r: $merged results both ways"
done
