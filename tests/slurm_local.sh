#!/usr/bin/env bash
# slurm_local.sh DIR start|stop - a private single-node Slurm for the tests:
# munged on its own socket and key, slurmctld and slurmd as root on ports
# from $SLURM_TEST_PORT (default 16817/16818), state and logs under DIR.
# Callers export SLURM_CONF=DIR/slurm.conf for sbatch/squeue/scontrol.
# Needs root (slurmd starts the jobs as their users) and Debian's munge,
# slurmctld, slurmd and slurm-client (scripts/setup.sh --test); the key,
# the state and the spool are made here, nothing in /etc is read or written.
set -euo pipefail
d=$1
case $2 in
start)
    for p in munged slurmctld slurmd sbatch; do
        command -v $p > /dev/null || { echo "slurm_local: $p is missing: run scripts/setup.sh --test" >&2; exit 1; }
    done
    [[ $(id -u) -eq 0 ]] || { echo "slurm_local: slurmd must run as root" >&2; exit 1; }
    mkdir -p "$d/state" "$d/spool"
    chmod 711 "$d"
    [[ -s $d/munge.key ]] || { head -c 128 /dev/urandom >"$d/munge.key"; chmod 600 "$d/munge.key"; }
    munged -f --socket="$d/munge.sock" --key-file="$d/munge.key" --pid-file="$d/munged.pid" \
        --log-file="$d/munged.log" --seed-file="$d/munged.seed"
    h=$(hostname -s)
    port=${SLURM_TEST_PORT:-16817}
    mem=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
    cat >"$d/slurm.conf" <<CONF
ClusterName=textclust-test
SlurmctldHost=$h(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$d/munge.sock
CredType=cred/munge
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=600
NodeName=$h NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
CONF
    export SLURM_CONF=$d/slurm.conf
    slurmctld -i
    slurmd
    for _ in $(seq 50); do
        sinfo -h -o %t 2>/dev/null | grep -q idle && exit 0
        sleep 0.2
    done
    echo "slurm_local: the node did not come up; see $d/slurmctld.log, $d/slurmd.log" >&2
    exit 1 ;;
stop)  # the jobs, then the daemons; waits until they are gone, so DIR can be removed
    export SLURM_CONF=$d/slurm.conf
    scancel --quiet --user=root > /dev/null 2>&1 || true
    scontrol shutdown > /dev/null 2>&1 || true
    pids=()
    for f in slurmd slurmctld munged; do
        [[ -s $d/$f.pid ]] && pids+=("$(cat "$d/$f.pid")")
    done
    for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
    for _ in $(seq 50); do
        alive=0
        for p in "${pids[@]}"; do kill -0 "$p" 2> /dev/null && alive=1; done
        ((alive)) || exit 0
        sleep 0.1
    done
    for p in "${pids[@]}"; do kill -9 "$p" 2> /dev/null || true; done ;;
esac
