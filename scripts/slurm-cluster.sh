#!/usr/bin/env bash
# Starts a private single-node Slurm cluster, to be sourced by a script (scripts/test-slurm.sh, scripts/bench-slurm.sh)
# after `cd` to the repository: munged, slurmctld and slurmd from Debian's munge and slurm-wlm, started by hand (no
# systemd), all state, spool, logs and sockets in a private temporary folder $T, the controller and the node on
# 127.0.0.1 with free ports, the node's layout from `slurmd -C`, RealMemory at 3/4 of the real amount, no accounting
# (so no sacct: `scontrol show job`), proctrack/linuxproc. On exit (also on failure or interruption) it cancels every
# job of its cluster, ends what escaped Slurm's process tracking, and stops each daemon by its pid; then prints
# "slurm: P passed, F failed" from the caller's ok/bad counts and removes $T (kept with VLNSIM_SLURM_KEEP=1).
#
# Sets: T, SLURM_CONF (exported: every client command needs it), node, munged_pid, slurmctld_pid, slurmd_pid; defines
# ok, bad, die, job_field JOB FIELD, wait_state JOB STATE SECONDS. Reads: label (for messages), VLNSIM.
# Needs root (munged runs as the munge user, the key owned by it, mode 0400) and slurm-wlm, munge, python3; without
# them it says why and exits 0 (skipped), except under CI=true, where that is a failure.
label=${label:-slurm}
missing=()
for c in munged munge unmunge slurmctld slurmd sbatch scontrol squeue scancel setpriv python3; do command -v "$c" >/dev/null || missing+=("$c"); done
why=""
[ "$(id -u)" -eq 0 ] || why="not root (munged must run as the munge user)"
[ ${#missing[@]} -eq 0 ] || why="missing ${missing[*]} (apt-get install -y slurm-wlm munge)"
if [ -n "$why" ]; then
  if [ "${CI:-}" = "true" ]; then echo "$label: cannot run: $why" >&2; exit 1; fi
  echo "$label: skipped: $why"
  exit 0
fi
if [ -z "${VLNSIM:-}" ]; then VLNSIM="$(swift build -c release -Xswiftc -enable-testing --show-bin-path | tail -n1)/vlnsim"; fi
[ -x "$VLNSIM" ] || { echo "$label: no vlnsim binary at $VLNSIM (build it first, or set VLNSIM)" >&2; exit 1; }
export VLNSIM

# Nothing from a surrounding Slurm job or the caller's Slurm setup leaks in.
while read -r v; do unset "$v"; done < <(env | sed -n 's/^\(SLURM_[A-Za-z0-9_]*\|SBATCH_[A-Za-z0-9_]*\|SQUEUE_[A-Za-z0-9_]*\|SCONTROL_[A-Za-z0-9_]*\)=.*/\1/p')

# Under /tmp, not $TMPDIR: the munge user must be able to reach the socket folder through every parent.
T=$(mktemp -d /tmp/vlnsim-slurm.XXXXXX)
chmod 755 "$T"  # munged (user munge) must reach its socket folder; nobody reaches the read-only folder of check 4
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "  ok: $*"; }
bad() { failed=$((failed + 1)); echo "  FAILED: $*" >&2; }
die() { bad "$*"; exit 1; }

# --- daemons: started here, stopped by pid on exit -----------------------------------------------------------------
munged_pid="" slurmctld_pid="" slurmd_pid=""
stop_daemons() {
  local rc=$? name pid n
  trap - EXIT INT TERM
  if [ -n "$slurmctld_pid" ] && kill -0 "$slurmctld_pid" 2>/dev/null; then
    # Cancel every job of this private cluster (SLURM_CONF names it), then wait for their steps to end.
    for j in $(squeue -h -o %A 2>/dev/null | sort -u); do scancel "$j" 2>/dev/null || true; done
    for ((n = 0; n < 100; n++)); do
      [ -z "$(squeue -h -o %A 2>/dev/null)" ] && ! ls "$T/slurm/spool" 2>/dev/null | grep -q '_[0-9]*\.[0-9]*$' && break
      sleep 0.2
    done
  fi
  # Anything still running from the private folder escaped Slurm's process tracking: a failure, ended by pid.
  local stray="" p args
  while read -r p args; do
    [[ "$args" == *"$T/"* ]] || continue
    case " $munged_pid $slurmctld_pid $slurmd_pid $$ " in *" $p "*) continue ;; esac
    stray+=" $p"
  done < <(ps -eo pid=,args=)
  if [ -n "$stray" ]; then
    echo "  FAILED: processes left from jobs: $(echo $stray)" >&2; rc=1
    kill -STOP $stray 2>/dev/null || true; kill -KILL $stray 2>/dev/null || true
  fi
  for name in slurmd slurmctld munged; do
    pid=$(eval echo "\$${name}_pid")
    [ -n "$pid" ] || continue
    kill -TERM "$pid" 2>/dev/null || true
    for ((n = 0; n < 50; n++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
    if kill -0 "$pid" 2>/dev/null; then echo "  FAILED: $name (pid $pid) is still running" >&2; rc=1
    else echo "  stopped $name (pid $pid)"; fi
  done
  if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ]; then
    echo "== $label: logs (tails) from $T ==" >&2
    for f in "$T"/log/*.log "$T"/run-*/logs/*.out; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
  fi
  if [ "${VLNSIM_SLURM_KEEP:-0}" = 1 ]; then echo "  kept $T (VLNSIM_SLURM_KEEP=1)"; else rm -rf "$T"; fi
  [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
  echo "$label: $SECONDS s"
  echo "slurm: $passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$rc" -eq 0 ] && exit 0
  exit 1
}
trap stop_daemons EXIT
trap 'exit 130' INT TERM

# free_port: a TCP port nobody listens on (from /proc/net/tcp{,6}).
free_port() {
  local p hex
  while :; do
    p=$((20000 + RANDOM % 40000)); hex=$(printf '%04X' "$p")
    grep -qi ":$hex " /proc/net/tcp /proc/net/tcp6 2>/dev/null || { echo "$p"; return; }
  done
}

echo "== $label: a private single-node cluster in $T =="
mkdir -p "$T/munge" "$T/munge-key" "$T/slurm/state" "$T/slurm/spool" "$T/log"
# munge: the key owned by munge, mode 0400, in a folder only munge reaches; the socket folder world-searchable.
chown munge:munge "$T/munge" "$T/munge-key"
chmod 700 "$T/munge-key"; chmod 755 "$T/munge"
dd if=/dev/urandom of="$T/munge-key/munge.key" bs=1024 count=1 status=none
chown munge:munge "$T/munge-key/munge.key"; chmod 400 "$T/munge-key/munge.key"
socket="$T/munge/munge.socket"
setpriv --reuid=munge --regid=munge --init-groups munged --foreground --socket="$socket" --key-file="$T/munge-key/munge.key" \
  --log-file="$T/munge-key/munged.log" --pid-file="$T/munge-key/munged.pid" --seed-file="$T/munge-key/munged.seed" \
  > "$T/log/munged.log" 2>&1 &
munged_pid=$!
for ((n = 0; n < 50; n++)); do [ -S "$socket" ] && break; kill -0 "$munged_pid" 2>/dev/null || break; sleep 0.1; done
munge -n -S "$socket" | unmunge -S "$socket" > /dev/null 2>&1 || die "munged (pid $munged_pid) does not answer on $socket"
ok "munged (pid $munged_pid) answers on $socket"

# slurm.conf: the node's layout from `slurmd -C`, RealMemory at 3/4 of what it reports; no accounting.
node_line=$(slurmd -C | head -n1)
node=$(sed -n 's/^NodeName=\([^ ]*\).*/\1/p' <<< "$node_line")
layout=$(sed 's/^NodeName=[^ ]* //; s/ RealMemory=[0-9]*//' <<< "$node_line")
memory=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<< "$node_line")
ctld_port=$(free_port); slurmd_port=$(free_port)
[ "$slurmd_port" != "$ctld_port" ] || slurmd_port=$(free_port)
export SLURM_CONF="$T/slurm.conf"
cat > "$SLURM_CONF" <<EOF
# Written by scripts/slurm-cluster.sh: a throwaway single-node cluster.
ClusterName=vlnsimtest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$T/slurm/state
SlurmdSpoolDir=$T/slurm/spool
SlurmctldPidFile=$T/slurm/slurmctld.pid
SlurmdPidFile=$T/slurm/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
KillWait=2
MinJobAge=600
NodeName=$node NodeAddr=127.0.0.1 $layout RealMemory=$((memory * 3 / 4)) State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -i > "$T/log/slurmctld.stderr" 2>&1 &
slurmctld_pid=$!
slurmd -D > "$T/log/slurmd.stderr" 2>&1 &
slurmd_pid=$!
state=""
for ((n = 0; n < 150; n++)); do
  state=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  kill -0 "$slurmctld_pid" 2>/dev/null && kill -0 "$slurmd_pid" 2>/dev/null || break
  sleep 0.2
done
[ "$state" = idle ] || die "the node did not come up idle (state '${state:-none}'): slurmctld pid $slurmctld_pid, slurmd pid $slurmd_pid"
ok "slurmctld (pid $slurmctld_pid, port $ctld_port) and slurmd (pid $slurmd_pid, port $slurmd_port): node $node idle ($layout)"

job_field() { scontrol show job -o "$1" 2>/dev/null | sed -n "s/.* $2=\([^ ]*\).*/\1/p" | head -n1; }
# wait_state JOB STATE SECONDS: until the job's JobState is STATE; fails early if it ends otherwise.
wait_state() {
  local s="" n
  for ((n = 0; n < $3 * 5; n++)); do
    s=$(job_field "$1" JobState)
    [ "$s" = "$2" ] && return 0
    # (a dependency just re-armed may show the old reason until the scheduler looks again)
    [ "$n" -gt 25 ] && [ "$(job_field "$1" Reason)" = DependencyNeverSatisfied ] && break
    case "$s" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) [ "$2" = "$s" ] || break ;; esac
    sleep 0.2
  done
  echo "job $1 is ${s:-unknown} (reason $(job_field "$1" Reason)), not $2" >&2
  return 1
}
