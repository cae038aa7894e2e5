#!/usr/bin/env bash
# Submits a vlnsim benchmark run to Slurm: an array job, one shard per task (vlnsim-bench.sbatch), and a merge job
# (vlnsim-merge.sbatch) that starts once every task succeeded (--dependency=afterok on each task). See README.md here.
#
#   submit.sh --shards N --results DIR [sbatch options] -- --suite S --planner P [vlnsim bench options]
#       a new run; prints the job ids (`array_job=…`, `merge_job=…`) and writes DIR/submit.env
#   submit.sh --requeue DIR
#       `scontrol requeue`s the tasks of the run in DIR that ended without success (cancelled, failed, timed out,
#       node failure) and re-arms the merge job: each requeued task resumes its shard. Needs Slurm to still know the
#       tasks (MinJobAge, 300 s by default, after they ended); otherwise use --resubmit.
#   submit.sh --resubmit DIR [SBATCH_OPTION…]
#       submits the unfinished shards of the run in DIR again (a new array of just those indexes, same N; the sbatch
#       options, e.g. --time=04:00:00, for this array only) and a new merge job; each resubmitted task resumes its
#       shard. Refused while a task of the run is still queued or running.
#
# sbatch options (passed to both jobs unless named otherwise): --partition P, --account A, --qos Q, --time T (bench
# tasks), --mem M (bench tasks), --cpus C (cpus per bench task; vlnsim --workers follows it), --merge-time T,
# --sbatch ARG (any other sbatch option, repeatable). Environment: VLNSIM, the vlnsim binary (default: vlnsim on
# PATH), resolved to an absolute path now; SBATCH_* variables apply as usual.
#
# Layout of DIR: shards/shard-i-of-N/ (one vlnsim bench run folder per shard), merged/ (the merged run: summary.md,
# episodes.jsonl, …), logs/shard-i.out (every attempt of task i, appended), logs/merge.out, submit.env (the run's
# settings and job ids, for --requeue and --resubmit).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fail() { echo "submit.sh: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

# --- helpers -------------------------------------------------------------------------------------------------------
# shard_complete DIR I N: the shard folder holds all its expected results (manifest.json's expected_results full lines).
shard_complete() {
  local d="$1/shards/shard-$2-of-$3" expected lines
  [ -f "$d/manifest.json" ] && [ -f "$d/episodes.jsonl" ] || return 1
  expected=$(sed -n 's/.*"expected_results" *: *\([0-9][0-9]*\).*/\1/p' "$d/manifest.json" | head -n1)
  [ -n "$expected" ] || return 1
  lines=$(wc -l < "$d/episodes.jsonl")
  [ "$lines" -eq "$expected" ]
}
# job_state SPEC: Slurm's JobState of a job or array task (empty if Slurm no longer knows it).
job_state() { scontrol show job -o "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n1; }
# A task that ended without success and can be requeued.
failed_state() { case "$1" in CANCELLED|FAILED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|DEADLINE) return 0 ;; *) return 1 ;; esac; }
# sbatch_id ARGS…: submits, prints the job id.
sbatch_id() { local r; r=$(sbatch --parsable "$@") || fail "sbatch failed: sbatch $*"; echo "${r%%;*}"; }
# write_state: DIR/submit.env, atomically (a file of shell assignments, read back by --requeue and --resubmit).
write_state() {
  local tmp="$results/.submit.env.$$"
  {
    echo "# vlnsim Slurm run, written by deploy/slurm/submit.sh on $(date -u +%FT%TZ); read by submit.sh --requeue/--resubmit"
    printf 'SHARDS=%q\nVLNSIM_BIN=%q\nWORKDIR=%q\nMERGE_JOB=%q\n' "$shards" "$vlnsim" "$workdir" "$merge_job"
    printf 'BENCH_ARGS=('; printf '%q ' "${bench_args[@]}"; printf ')\n'
    printf 'TASK_SBATCH=('; printf '%q ' "${task_sbatch[@]}"; printf ')\n'
    printf 'MERGE_SBATCH=('; printf '%q ' "${merge_sbatch[@]}"; printf ')\n'
    printf 'TASKS=('; printf '%q ' "${tasks[@]}"; printf ')\n'
  } > "$tmp" && mv "$tmp" "$results/submit.env"
}
# submit_tasks INDEXES…: one array job over those shard indexes (0-(N-1) when all); sets tasks[i].
submit_tasks() {
  local list array_job i
  list=$(IFS=,; echo "$*")
  [ $# -eq "$shards" ] && list="0-$((shards - 1))"
  array_job=$(sbatch_id --array="$list" --chdir="$workdir" --output="$results/logs/shard-%a.out" --error="$results/logs/shard-%a.out" \
    --export="ALL,VLNSIM=$vlnsim,VLNSIM_SHARDS=$shards" "${task_sbatch[@]}" "$here/vlnsim-bench.sbatch" "$results" "${bench_args[@]}")
  for i in "$@"; do tasks[i]="${array_job}_$i"; done
  echo "array_job=$array_job (shards $list of $shards)"
}
# merge_dependency: afterok on every task of a shard that is not complete yet (each task, not the array as a whole:
# Slurm keeps an array-wide afterok failed after a task was cancelled, even once that task was requeued and succeeded).
merge_dependency() {
  local deps=() i
  for ((i = 0; i < shards; i++)); do shard_complete "$results" "$i" "$shards" || deps+=("${tasks[i]}"); done
  [ ${#deps[@]} -eq 0 ] && return 0
  (IFS=:; echo "afterok:${deps[*]}")
}
submit_merge() {
  local dep args=()
  dep=$(merge_dependency)
  [ -n "$dep" ] && args=(--dependency="$dep")
  merge_job=$(sbatch_id "${args[@]}" --chdir="$workdir" --output="$results/logs/merge.out" --error="$results/logs/merge.out" \
    --export="ALL,VLNSIM=$vlnsim" "${merge_sbatch[@]}" "$here/vlnsim-merge.sbatch" "$results" "$shards")
  echo "merge_job=$merge_job (${dep:-no dependency: every shard is complete})"
}
load_state() {
  results=$(cd "$1" 2>/dev/null && pwd) || fail "$1: no such results folder"
  [ -f "$results/submit.env" ] || fail "$results/submit.env not found: not a folder submit.sh wrote"
  # shellcheck disable=SC1091
  source "$results/submit.env"
  shards=$SHARDS vlnsim=$VLNSIM_BIN workdir=$WORKDIR merge_job=$MERGE_JOB
  bench_args=("${BENCH_ARGS[@]}") task_sbatch=("${TASK_SBATCH[@]}") merge_sbatch=("${MERGE_SBATCH[@]}") tasks=("${TASKS[@]}")
  [ -d "$results/merged" ] && [ -f "$results/merged/manifest.json" ] && { echo "submit.sh: $results/merged already holds the merged run: nothing to do"; exit 0; }
  return 0
}

# --- --requeue / --resubmit ----------------------------------------------------------------------------------------
if [ "${1:-}" = "--requeue" ] || [ "${1:-}" = "--resubmit" ]; then
  mode=$1
  [ $# -ge 2 ] || fail "usage: submit.sh $mode RESULTS"
  [ "$mode" = --resubmit ] || [ $# -eq 2 ] || fail "usage: submit.sh --requeue RESULTS (no other arguments)"
  load_state "$2"
  shift 2
  extra_sbatch=("$@")
  pending=()
  for ((i = 0; i < shards; i++)); do
    shard_complete "$results" "$i" "$shards" && continue
    state=$(job_state "${tasks[i]}")
    if [ "$mode" = "--requeue" ]; then
      [ -n "$state" ] || fail "Slurm no longer knows task ${tasks[i]} (shard $i/$shards): use submit.sh --resubmit $results"
      if failed_state "$state"; then
        scontrol requeue "${tasks[i]}" || fail "scontrol requeue ${tasks[i]} failed"
        echo "requeued ${tasks[i]} (shard $i/$shards, was $state): it resumes its shard"
      else
        echo "task ${tasks[i]} (shard $i/$shards) is $state: left as it is"
      fi
    else
      if [ -n "$state" ] && ! failed_state "$state" && [ "$state" != COMPLETED ]; then
        fail "shard $i/$shards is still $state as job ${tasks[i]}: wait for it, or scancel it, then resubmit"
      fi
      pending+=("$i")
    fi
  done
  merge_state=$(job_state "$merge_job")
  if [ "$mode" = "--requeue" ]; then
    if [ "$merge_state" = PENDING ]; then
      dep=$(merge_dependency)
      # An empty dependency clears it: every shard is complete, the merge may start.
      scontrol update JobId="$merge_job" Dependency="$dep" || fail "could not re-arm merge job $merge_job (scontrol update Dependency=$dep)"
      echo "merge_job=$merge_job (re-armed: ${dep:-no dependency})"
    else
      echo "merge job $merge_job is ${merge_state:-unknown to Slurm}: submitting a new one"
      submit_merge
    fi
  else
    [ "$merge_state" = PENDING ] && { scancel "$merge_job"; echo "cancelled the pending merge job $merge_job"; }
    saved=("${task_sbatch[@]}")
    task_sbatch+=("${extra_sbatch[@]}")
    if [ ${#pending[@]} -gt 0 ]; then submit_tasks "${pending[@]}"; else echo "every shard is complete"; fi
    task_sbatch=("${saved[@]}")
    submit_merge
  fi
  write_state
  exit 0
fi

# --- a new run -----------------------------------------------------------------------------------------------------
shards="" results="" task_sbatch=() merge_sbatch=() common=() merge_time=00:30:00
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --shards) shards=${2:-}; shift 2 ;;
    --results) results=${2:-}; shift 2 ;;
    --partition|--account|--qos) common+=("$1=${2:-}"); shift 2 ;;
    --time|--mem) task_sbatch+=("$1=${2:-}"); shift 2 ;;
    --cpus) task_sbatch+=("--cpus-per-task=${2:-}"); shift 2 ;;
    --merge-time) merge_time=${2:-}; shift 2 ;;
    --sbatch) common+=("${2:-}"); shift 2 ;;
    --) shift; break ;;
    *) fail "unknown option '$1' (the vlnsim bench options go after --; see --help)" ;;
  esac
done
bench_args=("$@")
[[ "$shards" =~ ^[0-9]+$ ]] && [ "$shards" -ge 1 ] || fail "--shards must be a positive integer (the number of array tasks), not '$shards'"
[ -n "$results" ] || fail "--results DIR is required (where the shards, the merged run and the logs go)"
case " ${bench_args[*]} " in *" --suite "*|*" --suite="*) ;; *) fail "give the vlnsim bench options after --: --suite S --planner P […]" ;; esac
case " ${bench_args[*]} " in *" --planner "*|*" --planner="*) ;; *) fail "give --planner after -- (e.g. --planner oracle,forward)" ;; esac
for a in "${bench_args[@]}"; do
  case "$a" in --out|--out=*|--shard|--shard=*|--resume) fail "$a is set per task (--out DIR/shards/shard-i-of-N --shard i/N --resume); do not pass it" ;; esac
done
vlnsim=$(command -v "${VLNSIM:-vlnsim}") || fail "vlnsim binary '${VLNSIM:-vlnsim}' not found: set VLNSIM to its path"
vlnsim=$(cd "$(dirname "$vlnsim")" && pwd)/$(basename "$vlnsim")
case "$vlnsim$results" in *,*) fail "paths with a comma cannot be passed through sbatch --export: $vlnsim, $results" ;; esac
command -v sbatch >/dev/null || fail "sbatch not found: run this on a Slurm login node"
workdir=$(pwd)

# The results folder: created if needed, must be writable, must not hold a run already (nothing is overwritten).
if [ -e "$results" ] && [ ! -d "$results" ]; then fail "$results exists and is not a folder"; fi
mkdir -p "$results" 2>/dev/null || fail "cannot create the results folder $results"
results=$(cd "$results" && pwd)
probe=$(mktemp "$results/.write-test.XXXXXX" 2>/dev/null) || fail "the results folder $results is not writable"
rm -f "$probe"
[ -e "$results/submit.env" ] && fail "$results already holds a submitted run (submit.env): use --requeue/--resubmit $results, or another --results folder"
[ -e "$results/shards" ] || [ -e "$results/merged" ] && fail "$results already holds shards/ or merged/: choose another --results folder"
mkdir -p "$results/logs" "$results/shards"

task_sbatch=("${common[@]}" "${task_sbatch[@]}")
merge_sbatch=("${common[@]}" "--time=$merge_time")
tasks=()
merge_job=""
indexes=()
for ((i = 0; i < shards; i++)); do indexes+=("$i"); done
submit_tasks "${indexes[@]}"
write_state
submit_merge
write_state
echo "results: $results (shards/, merged/summary.md once the merge job ran, logs/)"
