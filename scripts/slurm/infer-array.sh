#!/usr/bin/env bash
#SBATCH --job-name=textclust-infer
#SBATCH --requeue
#SBATCH --open-mode=append
# infer-array.sh - textclust infer as a Slurm job array, one shard per task,
# and the merge job after it:
#
#   jid=$(sbatch --parsable --array=0-99 --cpus-per-task=8 scripts/slurm/infer-array.sh \
#         --save_load_path cc_100k --input big.jsonl --n_samples 0 --output out.jsonl)
#   sbatch --dependency=afterok:$jid --kill-on-invalid-dep=yes scripts/slurm/infer-array.sh \
#         --merge --output out.jsonl
#
# Array task I of N (N = $SLURM_ARRAY_TASK_COUNT, the ids 0..N-1) runs
#   textclust infer --threads $SLURM_CPUS_PER_TASK FLAGS... --num_shards N --shard_index I
# A --num_shards N among the flags wins over the task count: give it when
# resubmitting only some ids (sbatch --array=3,7 ... --num_shards 100) and a
# --threads wins over the CPUs. Requeue-safe: a requeued or resubmitted task
# continues its shard from the checkpoint, a complete shard exits at once, and
# a second task on the same shard stops at the shard's lock.
#
# --merge FLAGS...: textclust merge of --output's shards (and
# --output_embeddings's, when given) into --output; the other flags are
# ignored, so the infer flags can be passed again. With --num_shards N only
# the shards of N are taken, else every OUT.shard-*-of-*.
#
# The textclust run is $TEXTCLUST, else textclust on PATH, else
# build/textclust in the folder sbatch was run from. Exit status: textclust's.
set -uo pipefail
tc=${TEXTCLUST:-$(command -v textclust || echo "${SLURM_SUBMIT_DIR:-.}/build/textclust")}
say() { echo "infer-array: $*" >&2; }

flag_value() {  # flag_value NAME ARGS...: the last value given to --NAME
    local name=$1 v=
    shift
    while (($#)); do
        case $1 in
            "--$name") (($# >= 2)) && v=$2 && shift ;;
            "--$name="*) v=${1#*=} ;;
        esac
        shift
    done
    printf '%s' "$v"
}

# The shard files of path (infer's naming: .shard-IIIII-of-NNNNN before the
# last extension), all shard counts or the one given.
shard_glob() {
    local path=$1 n=$2 dir=. base ext stem
    [[ $path == */* ]] && dir=${path%/*}
    base=${path##*/}
    stem=$base ext=
    [[ $base == ?*.* ]] && stem=${base%.*} ext=.${base##*.}
    local of='*'
    [[ -n $n ]] && of=$(printf '%05d' "$n")
    compgen -G "$dir/$stem.shard-*-of-$of$ext" | grep -Ev '\.(done|part|ckpt)$' | sort
}

if [[ ${1:-} == --merge ]]; then
    shift
    out=$(flag_value output "$@")
    emb=$(flag_value output_embeddings "$@")
    n=$(flag_value num_shards "$@")
    [[ -n $out ]] || { say "--merge needs --output FILE (infer's --output)"; exit 2; }
    mapfile -t shards < <(shard_glob "$out" "$n")
    ((${#shards[@]})) || { say "no shards of $out found (${out%.*}.shard-*-of-*)"; exit 1; }
    args=(merge --output "$out")
    [[ -n $emb ]] && args+=(--output_embeddings "$emb")
    say "merging ${#shards[@]} shards into $out"
    exec "$tc" "${args[@]}" "${shards[@]}"
fi

if [[ -z ${SLURM_ARRAY_TASK_ID:-} ]]; then
    say "not an array task: submit with sbatch --array=0-N-1 (or pass --merge to merge)"
    exit 2
fi
i=$SLURM_ARRAY_TASK_ID
n=$(flag_value num_shards "$@")
extra=()
[[ -n $n ]] || { n=${SLURM_ARRAY_TASK_COUNT:?}; extra=(--num_shards "$n"); }
say "task $i: shard $i of $n on $(hostname -s), ${SLURM_CPUS_PER_TASK:-1} threads" \
    "(job ${SLURM_ARRAY_JOB_ID:-?}, restart ${SLURM_RESTART_COUNT:-0})"
"$tc" infer --threads "${SLURM_CPUS_PER_TASK:-1}" "$@" "${extra[@]}" --shard_index "$i"
rc=$?
if ((rc != 0)); then
    say "shard $i of $n failed (exit $rc); its checkpoint keeps the progress: after fixing the cause," \
        "resubmit this task (sbatch --array=$i ... with --num_shards $n) and it continues, then the merge"
fi
exit $rc
