#!/usr/bin/env bash
# scripts/slurm/infer-array.sh on a real single-node Slurm (Debian's
# slurmctld, slurmd and munge, started by tests/slurm_local.sh on ports of
# this run, under a temporary folder, stopped on exit): an array of 3 tasks
# and a dependent merge job, submitted with sbatch, merge to output and
# embeddings byte-identical to one process's. Every task is killed (kill -9)
# after its first checkpoint, then requeued with scontrol: each continues
# from its checkpoint. Submitted again, complete shards exit at once. A
# malformed line in shard 1 (--on_error stop) fails task 1, names it in the
# task's log, and the merge job never runs.
set -euo pipefail
cd "$(dirname "$0")/.."
TC=$(realpath "${TC_BIN:-build/textclust}")
T=$(mktemp -d "${TMPDIR:-/tmp}/tc-slurm.XXXXXX")
S=$T/slurm
fail() { echo "FAIL: $*" >&2; exit 1; }
cleanup() { [[ -e $S/slurm.conf ]] && bash tests/slurm_local.sh "$S" stop; rm -rf "$T"; }
trap cleanup EXIT

for p in munged slurmctld slurmd sbatch squeue scontrol; do
    command -v $p > /dev/null ||
        fail "$p is missing: scripts/setup.sh --test installs Slurm and munge (scripts/packages/scale-test.txt)"
done
port=$((20000 + ($$ % 5000) * 2))  # two ports of this run: slurmctld, slurmd
listening() { (: < "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }
while listening $port || listening $((port + 1)); do port=$((port + 2)); done
export SLURM_TEST_PORT=$port
bash tests/slurm_local.sh "$S" start > "$T/start.log" 2>&1 ||
    fail "the local Slurm did not start: $(cat "$T/start.log"; tail -n 20 "$S"/*.log 2> /dev/null)"
export SLURM_CONF=$S/slurm.conf
daemon_logs() { for f in "$S"/slurmctld.log "$S"/slurmd.log; do echo "== $f"; tail -n 40 "$f"; done; }
# wait_done ID...: until squeue lists none of the jobs (60 s at most)
wait_done() {
    local ids; ids=$(IFS=,; echo "$*")
    for ((k = 0; k < 300; k++)); do
        [[ -z $(squeue -h -j "$ids" -o %i 2> /dev/null) ]] && return
        sleep 0.2
    done
    squeue -j "$ids" -o '%i %T %r' >&2 || true
    daemon_logs >&2
    fail "jobs $ids still queued or running after 60 s"
}
# task_states JOB: "0 COMPLETED 1 FAILED ..." (the array's tasks in order)
task_states() {
    scontrol -o show job "$1" | sed -n 's/.*ArrayTaskId=\([0-9]*\) .*JobState=\([A-Z_]*\) .*/\1 \2/p' |
        sort -n | tr '\n' ' ' | sed 's/ $//'
}
job_state() { scontrol -o show job "$1" | grep -o 'JobState=[A-Z_]* Reason=[A-Za-z_]*'; }

zcat data/sample.jsonl.gz | sed -n '1,600p' > "$T/train.jsonl"
$TC run --input "$T/train.jsonl" --input_content text --embed_model hashing --dbscan_eps 0.5 \
    --dbscan_min_samples 10 --threads 2 --quiet --no_plots --save_load_path "$T/a" > /dev/null
zcat data/sample.jsonl.gz | sed -n '1201,2400p' > "$T/new.jsonl"
INF=(--save_load_path "$T/a" --input_content text --n_samples 0 --batch_size 16)
$TC infer "${INF[@]}" --threads 1 --quiet --input "$T/new.jsonl" --output "$T/one.jsonl" --output_embeddings "$T/one.npy"
mkdir "$T/log"
SB=(sbatch --parsable --cpus-per-task=2 -D "$T")
ARR=("${SB[@]}" --array=0-2 -o "$T/log/%A_%a.out")

# the first run of each task is killed right after its first checkpoint
cat > "$T/tc-once-killed" <<SH
#!/usr/bin/env bash
mkdir "$T/killed.\$SLURM_ARRAY_TASK_ID" 2> /dev/null && export TEXTCLUST_TEST_INFER_KILL=c1
exec "$TC" "\$@"
SH
chmod +x "$T/tc-once-killed"
sed '600s/.*/{"text": broken/' "$T/new.jsonl" > "$T/bad.jsonl"  # in shard 1's bytes
GOOD=("${INF[@]}" --input "$T/new.jsonl" --output "$T/s.jsonl" --output_embeddings "$T/s.npy")
KILL=("${INF[@]}" --input "$T/new.jsonl" --output "$T/k.jsonl")
BAD=("${INF[@]}" --input "$T/bad.jsonl" --output "$T/b.jsonl")
MERGE=("${SB[@]}" --kill-on-invalid-dep=yes -o "$T/log/merge-%j.out")
export TEXTCLUST=$TC
t0=$SECONDS
# three jobs at once: a clean array and its merge; an array whose tasks are
# killed; an array with a bad line and its merge
jid=$("${ARR[@]}" scripts/slurm/infer-array.sh "${GOOD[@]}")
mid=$("${MERGE[@]}" --dependency=afterok:"$jid" scripts/slurm/infer-array.sh --merge "${GOOD[@]}")
kid=$(TEXTCLUST=$T/tc-once-killed "${ARR[@]}" scripts/slurm/infer-array.sh "${KILL[@]}")
bid=$("${ARR[@]}" scripts/slurm/infer-array.sh "${BAD[@]}")
bmid=$("${MERGE[@]}" --dependency=afterok:"$bid" scripts/slurm/infer-array.sh --merge "${BAD[@]}")
wait_done "$jid" "$mid" "$kid" "$bid" "$bmid"

[[ $(task_states "$jid") == "0 COMPLETED 1 COMPLETED 2 COMPLETED" ]] || fail "array: $(task_states "$jid")"
[[ $(job_state "$mid") == "JobState=COMPLETED Reason=None" ]] || fail "merge job: $(job_state "$mid"): $(cat "$T"/log/merge-$mid.out)"
for i in 0 1 2; do
    grep -q "task $i: shard $i of 3 on .*, 2 threads" "$T/log/${jid}_$i.out" || fail "task $i: $(cat "$T/log/${jid}_$i.out")"
done
cmp -s "$T/s.jsonl" "$T/one.jsonl" || fail "the Slurm array's merged output differs from one process's"
cmp -s "$T/s.npy" "$T/one.npy" || fail "the Slurm array's merged embeddings differ from one process's"
grep -q 'merged 3 shards into .*s.jsonl: 1200 texts' "$T/log/merge-$mid.out" || fail "merge job: $(cat "$T/log/merge-$mid.out")"
echo "ok: sbatch array of 3 + afterok merge job: equal to one process"

[[ $(task_states "$bid") == "0 COMPLETED 1 FAILED 2 COMPLETED" ]] || fail "a bad line in shard 1: $(task_states "$bid")"
[[ $(job_state "$bmid") == "JobState=CANCELLED Reason=DependencyNeverSatisfied" ]] ||
    fail "a bad line in shard 1: the merge job is $(job_state "$bmid")"
[[ ! -e $T/b.jsonl && ! -e $T/log/merge-$bmid.out ]] || fail "a bad line in shard 1: the merge ran"
log=$T/log/${bid}_1.out
grep -q 'bad.jsonl:600: malformed JSON' "$log" && grep -q 'infer-array: shard 1 of 3 failed (exit 1)' "$log" ||
    fail "a bad line in shard 1: the task's log does not name the shard and line: $(cat "$log")"
echo "ok: a bad line fails task 1 (FAILED), its log names it, the merge is cancelled: $(grep -o 'shard 1 of 3 failed.*' "$log" | head -c 60)"

[[ $(task_states "$kid") == "0 FAILED 1 FAILED 2 FAILED" ]] || fail "killed tasks: $(task_states "$kid")"
for i in 0 1 2; do
    [[ -e $T/k.shard-0000$i-of-00003.jsonl.ckpt ]] || fail "killed task $i left no checkpoint: $(cat "$T/log/${kid}_$i.out")"
done
scontrol requeue "$kid"
scontrol update jobid="$kid" starttime=now  # a requeued job waits about 2 minutes by default
# submitted again: every shard is complete, nothing is redone
stamp=$(stat -c %Y.%s "$T"/s.shard-*-of-00003.jsonl)
jid2=$("${ARR[@]}" scripts/slurm/infer-array.sh "${GOOD[@]}")
wait_done "$kid" "$jid2"
[[ $(task_states "$kid") == "0 COMPLETED 1 COMPLETED 2 COMPLETED" ]] || fail "requeued tasks: $(task_states "$kid")"
for i in 0 1 2; do
    grep -q "k.shard-0000$i-of-00003.jsonl: continuing from its checkpoint" "$T/log/${kid}_$i.out" ||
        fail "requeued task $i did not continue from its checkpoint: $(cat "$T/log/${kid}_$i.out")"
done
# (Slurm keeps an array's first failure: an afterok on it stays failed after a requeue)
bash scripts/slurm/infer-array.sh --merge "${KILL[@]}" > "$T/merge.out" 2>&1 || fail "merge of the requeued array: $(cat "$T/merge.out")"
cmp -s "$T/k.jsonl" "$T/one.jsonl" || fail "the requeued array's merged output differs from one process's"
echo "ok: tasks killed, requeued with scontrol: each continues from its checkpoint, merged equal to one process"

[[ $(task_states "$jid2") == "0 COMPLETED 1 COMPLETED 2 COMPLETED" ]] || fail "resubmitted: $(task_states "$jid2")"
for i in 0 1 2; do
    grep -q "shard $i of 3 is complete already" "$T/log/${jid2}_$i.out" || fail "resubmitted task $i: $(cat "$T/log/${jid2}_$i.out")"
done
[[ $(stat -c %Y.%s "$T"/s.shard-*-of-00003.jsonl) == "$stamp" ]] || fail "resubmitted: a complete shard was rewritten"
echo "ok: resubmitted, complete shards exit at once"
echo "slurm ok ($((SECONDS - t0)) s in Slurm)"
