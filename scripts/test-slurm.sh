#!/usr/bin/env bash
# Runs deploy/slurm on a real single-node Slurm cluster that this script starts and stops: munged, slurmctld and
# slurmd from Debian's munge and slurm-wlm, by hand (no systemd), all state, spool, logs and sockets in a private
# temporary folder, the controller and the node on 127.0.0.1 with free ports. Every daemon it started is stopped by
# its pid on exit, also on failure or interruption, after every job of its cluster was cancelled.
#
#   scripts/test-slurm.sh       (root; `make test` runs it after the Swift tests; VLNSIM=path/to/vlnsim to choose the
#                                binary, default: the one `swift build -c release -Xswiftc -enable-testing` built)
#
# Checks, over the shipped static suite (200 episodes) with the oracle and random planners:
#   1. submit.sh with 4 shards: an array job (one shard per task) and a merge job (afterok on every task); the merged
#      episodes.jsonl equals a single-process `vlnsim bench` run episode by episode (all but the `timing` field), every
#      (planner, episode) exactly once, and the summary tables agree.
#   2. a task frozen mid-way (SIGSTOP after a few results), cancelled with scancel, then `submit.sh --requeue`: it
#      resumes its shard (the results it had kept), the merge runs, and the result is again equal and complete.
#   3. the same with `submit.sh --resubmit` (a new array of the one unfinished shard and a new merge job).
#   4. bad input: shard specs 5/4 and 0/0 (vlnsim and the sbatch script), --shards 0, a results folder that is not
#      writable (as the user nobody), a merge of shards of different suites, a merge into a folder that holds a run:
#      clear errors, nothing written or overwritten.
# VLNSIM_SLURM_KEEP=1 keeps the temporary folder (logs, results) for a look afterwards.
# Needs root (munged runs as the munge user, the key is owned by it) and the packages slurm-wlm, munge and python3;
# without them it says why and skips, except under CI=true, where that is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
suite="$repo/instructions/suite_static.json.gz"
other_suite="$repo/instructions/suite_dynamic.json.gz"
planners=oracle,random
shards=4

# The cluster: started by scripts/slurm-cluster.sh (sourced), stopped by it on exit.
label="slurm test"
source scripts/slurm-cluster.sh

# --- helpers -------------------------------------------------------------------------------------------------------
submit_field() { sed -n "s/^$1=\([0-9]*\).*/\1/p" "$2" | tail -n1; }
# same_results A B: episodes.jsonl of A and B equal record by record but for `timing`, each (planner, episode) once.
same_results() {
  python3 - "$1/episodes.jsonl" "$2/episodes.jsonl" <<'PY'
import json, sys
def load(path):
    out = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            r = json.loads(line)
            r.pop("timing", None)
            key = (r["planner"], r["episode_id"])
            if key in out:
                sys.exit(f"{path}:{n}: {key} is there twice")
            out[key] = r
    return out
a, b = load(sys.argv[1]), load(sys.argv[2])
if a.keys() != b.keys():
    sys.exit(f"different episodes: {len(a)} vs {len(b)} results; only in the first {sorted(a.keys() - b.keys())[:5]}, only in the second {sorted(b.keys() - a.keys())[:5]}")
diff = [k for k in a if a[k] != b[k]]
if diff:
    k = diff[0]
    sys.exit(f"{len(diff)} results differ, e.g. {k}: {a[k]} vs {b[k]}")
print(len(a))
PY
}
# summary_rows DIR: the table of summary.md without its steps/s column (the only run-dependent one).
summary_rows() { grep '^| ' "$1/summary.md" | sed 's/| [^|]* |$/|/'; }
expect_equal_run() {  # expect_equal_run NAME RUN_DIR
  local n
  if n=$(same_results "$T/single" "$2/merged" 2>"$T/diff.txt"); then
    ok "$1: merged $n results = the single-process run, episode by episode (timing aside), each exactly once"
  else
    bad "$1: merged results differ from the single-process run: $(cat "$T/diff.txt")"
  fi
  if [ "$(summary_rows "$T/single")" = "$(summary_rows "$2/merged")" ]; then ok "$1: summary table = the single-process run's"
  else bad "$1: summary tables differ:"$'\n'"$(summary_rows "$T/single")"$'\n'"$(summary_rows "$2/merged")"; fi
}

# --- the single-process reference run ------------------------------------------------------------------------------
echo "== [${SECONDS} s] the reference: one process over $(basename "$suite"), planners $planners =="
start=$EPOCHREALTIME
"$VLNSIM" bench --suite "$suite" --planner "$planners" --out "$T/single" --quiet > "$T/single.out" 2> "$T/single.err" \
  || die "the single-process run failed: $(tail -n 3 "$T/single.err")"
ok "single-process run: $(wc -l < "$T/single/episodes.jsonl") results in $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"

submit() {  # submit RUN_DIR: deploy/slurm/submit.sh with 4 shards; output in RUN_DIR.submit
  deploy/slurm/submit.sh --shards "$shards" --results "$1" --time 00:10:00 --mem 500M -- --suite "$suite" --planner "$planners" \
    > "$1.submit" 2>&1 || { cat "$1.submit" >&2; return 1; }
}

# --- 1. a clean run: 4 tasks, then the merge -----------------------------------------------------------------------
echo "== [${SECONDS} s] 1. array job of $shards shards + merge job =="
submit "$T/run-clean" || die "submit.sh failed"
array=$(submit_field array_job "$T/run-clean.submit"); merge=$(submit_field merge_job "$T/run-clean.submit")
[ -n "$array" ] && [ -n "$merge" ] || die "submit.sh printed no job ids: $(cat "$T/run-clean.submit")"
[ "$(job_field "$merge" Dependency | cut -d'(' -f1)" = "afterok:${array}_0" ] && ok "merge job $merge waits on afterok:${array}_0,… ($(job_field "$merge" Dependency))" \
  || bad "merge job $merge dependency is '$(job_field "$merge" Dependency)'"
wait_state "$merge" COMPLETED 180 || die "the merge job of the clean run did not complete"
for ((i = 0; i < shards; i++)); do
  s=$(job_field "${array}_$i" JobState)
  [ "$s" = COMPLETED ] || bad "task ${array}_$i is $s"
done
ok "array job $array: $shards tasks COMPLETED; merge job $merge COMPLETED"
expect_equal_run "clean run" "$T/run-clean"
[ -f "$T/run-clean/merged/summary.md" ] && grep -q "merged from $shards shards" "$T/run-clean/merged/summary.md" \
  && grep -q "| oracle |" "$T/run-clean/logs/merge.out" && ok "merged/summary.md written; the merge log holds the summary table" \
  || bad "no merged/summary.md or no table in logs/merge.out"

# A stand-in for vlnsim (the VLNSIM of the jobs) that freezes the first attempt of shard $FREEZE_SHARD with SIGSTOP once
# it has written 3 results, so that the test can cancel it mid-way; every other run is plain vlnsim.
cat > "$T/vlnsim-freeze" <<'EOF'
#!/usr/bin/env bash
marker="$FREEZE_DIR/frozen-$FREEZE_RUN"
[ -x "$REAL_VLNSIM" ] && ! [ "$REAL_VLNSIM" -ef "$0" ] || { echo "vlnsim-freeze: REAL_VLNSIM must name vlnsim, not '$REAL_VLNSIM'" >&2; exit 2; }
if [ "${SLURM_ARRAY_TASK_ID:-}" = "$FREEZE_SHARD" ] && [ ! -e "$marker" ] && [ "${1:-}" = bench ]; then
  out=""; prev=""
  for a in "$@"; do [ "$prev" = --out ] && out=$a; prev=$a; done
  "$REAL_VLNSIM" "$@" &
  pid=$!
  lines=0
  while kill -0 "$pid" 2>/dev/null; do
    lines=$( { wc -l < "$out/episodes.jsonl"; } 2>/dev/null || echo 0)
    [ "$lines" -ge 3 ] && break
    sleep 0.01
  done
  kill -STOP "$pid"
  echo "$pid $(wc -l < "$out/episodes.jsonl")" > "$marker"
  wait "$pid"
  exit
fi
exec "$REAL_VLNSIM" "$@"
EOF
chmod 755 "$T/vlnsim-freeze"

# fault_run NAME MODE SHARD: a run whose task SHARD is frozen mid-way and cancelled, then `submit.sh MODE`.
fault_run() {
  local name=$1 mode=$2 k=$3 run="$T/run-$1" array merge frozen_lines expected lines tries resumed
  echo "== [${SECONDS} s] $name: task $k cancelled mid-way (scancel), then submit.sh $mode =="
  # REAL_VLNSIM first: bash expands prefix assignments left to right, so after VLNSIM=… it would name the wrapper.
  REAL_VLNSIM="$VLNSIM" VLNSIM="$T/vlnsim-freeze" FREEZE_DIR="$T" FREEZE_RUN="$name" FREEZE_SHARD="$k" submit "$run" || { bad "$name: submit.sh failed"; return; }
  array=$(submit_field array_job "$run.submit"); merge=$(submit_field merge_job "$run.submit")
  for ((tries = 0; tries < 600; tries++)); do [ -s "$T/frozen-$name" ] && break; sleep 0.1; done
  [ -s "$T/frozen-$name" ] || { bad "$name: task ${array}_$k never reached 3 results"; return; }
  scancel "${array}_$k"
  wait_state "${array}_$k" CANCELLED 60 || { bad "$name: scancel ${array}_$k did not cancel it"; return; }
  expected=$(sed -n 's/.*"expected_results" *: *\([0-9]*\).*/\1/p' "$run/shards/shard-$k-of-$shards/manifest.json")
  frozen_lines=$(wc -l < "$run/shards/shard-$k-of-$shards/episodes.jsonl")
  if [ "$frozen_lines" -ge 3 ] && [ "$frozen_lines" -lt "$expected" ]; then
    ok "$name: task ${array}_$k cancelled mid-way with $frozen_lines of its $expected results written"
  else
    bad "$name: task ${array}_$k was cancelled with $frozen_lines of $expected results (not mid-way)"
  fi
  for ((i = 0; i < shards; i++)); do [ "$i" -eq "$k" ] || wait_state "${array}_$i" COMPLETED 120 || bad "$name: task ${array}_$i did not complete"; done
  # The merge must not have run: its afterok on the cancelled task cannot be met.
  for ((tries = 0; tries < 50; tries++)); do [ "$(job_field "$merge" Reason)" = DependencyNeverSatisfied ] && break; sleep 0.1; done
  [ "$(job_field "$merge" JobState)" = PENDING ] && ok "$name: merge job $merge held back ($(job_field "$merge" Reason))" \
    || bad "$name: merge job $merge is $(job_field "$merge" JobState) after a task was cancelled"

  REAL_VLNSIM="$VLNSIM" FREEZE_DIR="$T" FREEZE_RUN="$name" FREEZE_SHARD="$k" deploy/slurm/submit.sh "$mode" "$run" > "$run.$mode" 2>&1 || { bad "$name: submit.sh $mode failed: $(cat "$run.$mode")"; return; }
  local task="${array}_$k"
  if [ "$mode" = --resubmit ]; then
    task="$(submit_field array_job "$run.$mode")_$k"; merge=$(submit_field merge_job "$run.$mode")
    [ "$task" != "_$k" ] && [ -n "$merge" ] || { bad "$name: submit.sh --resubmit printed no job ids: $(cat "$run.$mode")"; return; }
  else
    # Slurm holds a requeued job back for about two minutes (its begin time); a test has no such time.
    scontrol update JobId="$task" StartTime=now
  fi
  wait_state "$merge" COMPLETED 240 || { bad "$name: merge job $merge did not complete after $mode"; return; }
  ok "$name: $(head -n1 "$run.$mode"); task $task resumed its shard and merge job $merge completed"
  resumed=$(grep -c "^== vlnsim bench shard $k/$shards" "$run/logs/shard-$k.out" || true)
  lines=$(sed -n "s/.* \([0-9]*\) result lines already in .*/\1/p" "$run/logs/shard-$k.out" | tail -n1)
  [ "$resumed" -eq 2 ] && [ "${lines:-0}" -ge "$frozen_lines" ] \
    && ok "$name: logs/shard-$k.out shows 2 attempts, the second starting from $lines kept results" \
    || bad "$name: logs/shard-$k.out shows $resumed attempts (second from ${lines:-?} results)"
  expect_equal_run "$name" "$run"
}

# --- 2. and 3. a task cancelled mid-way -----------------------------------------------------------------------------
fault_run requeue --requeue 1
fault_run resubmit --resubmit 2

# --- 4. bad input ------------------------------------------------------------------------------------------------------
echo "== [${SECONDS} s] 4. bad input =="
mkdir -p "$T/bad"
for spec in 5/4 0/0; do
  if "$VLNSIM" bench --suite "$suite" --planner oracle --shard "$spec" --out "$T/bad/out" > "$T/bad/stdout" 2> "$T/bad/stderr"; then
    bad "vlnsim bench --shard $spec succeeded"
  elif grep -q -- "--shard" "$T/bad/stderr" && grep -q "$spec" "$T/bad/stderr" && [ ! -e "$T/bad/out" ]; then
    ok "vlnsim bench --shard $spec: refused ($(grep -m1 -- "--shard" "$T/bad/stderr" | sed 's/^Error: //')), nothing written"
  else bad "vlnsim bench --shard $spec: unclear error or output written: $(cat "$T/bad/stderr")"; fi
  i=${spec%/*} n=${spec#*/}
  if env SLURM_ARRAY_TASK_ID="$i" SLURM_ARRAY_TASK_COUNT="$n" bash deploy/slurm/vlnsim-bench.sbatch "$T/bad" --suite "$suite" --planner oracle \
      > "$T/bad/stdout" 2> "$T/bad/stderr"; then
    bad "vlnsim-bench.sbatch as task $spec succeeded"
  elif grep -q "$spec" "$T/bad/stderr" && [ ! -e "$T/bad/shards" ]; then
    ok "vlnsim-bench.sbatch as task $i of $n: refused, nothing written"
  else bad "vlnsim-bench.sbatch as task $spec: $(cat "$T/bad/stderr")"; fi
done
# Two tasks of one shard at once (a resubmission while the old task runs): the second refuses to start.
( exec 9> "$T/run-clean/shards/.shard-0-of-4.lock"; flock 9; exec sleep 30 ) &
holder=$!  # the subshell, then sleep itself (same pid), holding the lock
for ((n = 0; n < 50; n++)); do flock -n "$T/run-clean/shards/.shard-0-of-4.lock" true || break; sleep 0.1; done
if env SLURM_ARRAY_TASK_ID=0 VLNSIM_SHARDS=4 bash deploy/slurm/vlnsim-bench.sbatch "$T/run-clean" --suite "$suite" --planner "$planners" \
    > "$T/bad/stdout" 2> "$T/bad/stderr"; then
  bad "vlnsim-bench.sbatch ran shard 0/4 while another task held it"
elif grep -q "being run by another task" "$T/bad/stderr"; then
  ok "a second task of shard 0/4 while the first runs: refused ($(sed 's/^vlnsim-bench.sbatch: //; s/ (lock.*//' "$T/bad/stderr"))"
else bad "second task of one shard: $(cat "$T/bad/stderr")"; fi
kill "$holder" 2>/dev/null || true; wait "$holder" 2>/dev/null || true
jobs_before=$(squeue -h | wc -l)
if deploy/slurm/submit.sh --shards 0 --results "$T/bad/zero" -- --suite "$suite" --planner oracle > "$T/bad/stdout" 2> "$T/bad/stderr"; then
  bad "submit.sh --shards 0 succeeded"
elif grep -q "positive integer" "$T/bad/stderr" && [ ! -e "$T/bad/zero" ] && [ "$(squeue -h | wc -l)" -eq "$jobs_before" ]; then
  ok "submit.sh --shards 0: refused ($(cat "$T/bad/stderr")), nothing submitted"
else bad "submit.sh --shards 0: $(cat "$T/bad/stderr")"; fi

# A results folder that is not writable (for the user nobody: root may write anywhere).
# Copies of the binary, the scripts and the suite that nobody can read, wherever the checkout is.
mkdir -p "$T/nobody" "$T/ro/results"
cp "$VLNSIM" "$T/nobody/vlnsim"; cp -r deploy/slurm "$T/nobody/slurm"; cp "$suite" "$T/nobody/suite.json.gz"
chmod -R a+rX "$T/nobody"; chmod 555 "$T/ro" "$T/ro/results"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/ VLNSIM="$T/nobody/vlnsim" "$@"; }
if as_nobody "$T/nobody/vlnsim" bench --suite "$T/nobody/suite.json.gz" --planner oracle --out "$T/ro/results" > "$T/bad/stdout" 2> "$T/bad/stderr"; then
  bad "vlnsim bench into a read-only folder succeeded"
elif grep -q "not writable" "$T/bad/stderr" && [ -z "$(ls -A "$T/ro/results")" ]; then
  ok "vlnsim bench --out <read-only folder>: refused ($(grep -m1 "not writable" "$T/bad/stderr" | sed 's/^Error: //')), nothing written"
else bad "vlnsim bench into a read-only folder: $(cat "$T/bad/stderr")"; fi
if as_nobody "$T/nobody/slurm/submit.sh" --shards 2 --results "$T/ro/results" -- --suite "$T/nobody/suite.json.gz" --planner oracle > "$T/bad/stdout" 2> "$T/bad/stderr"; then
  bad "submit.sh into a read-only results folder succeeded"
elif grep -q "not writable" "$T/bad/stderr" && [ -z "$(ls -A "$T/ro/results")" ] && [ "$(squeue -h | wc -l)" -eq "$jobs_before" ]; then
  ok "submit.sh --results <read-only folder>: refused ($(cat "$T/bad/stderr")), nothing submitted"
else bad "submit.sh into a read-only results folder: $(cat "$T/bad/stderr")"; fi
chmod 755 "$T/ro" "$T/ro/results"

# A merge over shards of different suites; a merge into a folder that already holds a run.
"$VLNSIM" bench --suite "$other_suite" --planner "$planners" --shard 1/$shards --out "$T/bad/dynamic-1" --quiet > /dev/null 2>&1 \
  || bad "the dynamic suite's shard 1/$shards did not run"
clean="$T/run-clean/shards"
if "$VLNSIM" bench merge "$clean/shard-0-of-4" "$T/bad/dynamic-1" "$clean/shard-2-of-4" "$clean/shard-3-of-4" --out "$T/bad/mixed" \
    > "$T/bad/stdout" 2> "$T/bad/stderr"; then
  bad "a merge of shards of two suites succeeded"
elif grep -q "not a shard of the same run" "$T/bad/stderr" && grep -q "suite" "$T/bad/stderr" && [ ! -e "$T/bad/mixed" ]; then
  ok "merge of shards of different suites: refused (names the folder and the suite), nothing written"
else bad "merge of shards of different suites: $(cat "$T/bad/stderr")"; fi
before=$(cat "$T/run-clean/merged/manifest.json" "$T/run-clean/merged/episodes.jsonl" | sha256sum)
if "$VLNSIM" bench merge "$clean"/shard-{0,1,2,3}-of-4 --out "$T/run-clean/merged" > "$T/bad/stdout" 2> "$T/bad/stderr"; then
  bad "a merge into a folder holding a run succeeded"
elif grep -q "already holds a run" "$T/bad/stderr" && [ "$(cat "$T/run-clean/merged/manifest.json" "$T/run-clean/merged/episodes.jsonl" | sha256sum)" = "$before" ]; then
  ok "merge into merged/ again: refused (already holds a run), nothing overwritten"
else bad "merge into a folder holding a run: $(cat "$T/bad/stderr")"; fi
if deploy/slurm/submit.sh --shards 4 --results "$T/run-clean" -- --suite "$suite" --planner "$planners" > "$T/bad/stdout" 2> "$T/bad/stderr"; then
  bad "submit.sh into a results folder holding a run succeeded"
elif grep -q "already holds a submitted run" "$T/bad/stderr" && [ "$(squeue -h | wc -l)" -eq "$jobs_before" ]; then
  ok "submit.sh into a folder holding a run: refused, nothing submitted"
else bad "submit.sh into a folder holding a run: $(cat "$T/bad/stderr")"; fi
echo "== [${SECONDS} s] stopping the cluster =="
