#!/usr/bin/env bash
# What the command checks and prints: untrusted text escaped on the
# terminal, thread counts capped, every flag value and input checked before
# any work, save folders checked file by file, messages that name the
# user's file, row and shape.
set -uo pipefail
cd "$(dirname "$0")/.."
TC=${TC_BIN:-build/textclust}
PY=${PYTHON:-/usr/bin/python3}
T=$(mktemp -d "${TMPDIR:-/tmp}/tc-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"  # the unreadable-input checks run as another user when we are root
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# expect_fail DESCRIPTION RC PATTERN CMD...: exit status RC and PATTERN in stderr
expect_fail() {
    local what=$1 want=$2 pat=$3; shift 3
    "$@" > "$T/out" 2> "$T/err"
    local rc=$?
    if [[ $rc -ne $want ]]; then fail "$what: exit $rc, not $want"; sed 's/^/    /' "$T/err"; return; fi
    if ! grep -qE -- "$pat" "$T/err"; then fail "$what: stderr lacks /$pat/:"; sed 's/^/    /' "$T/err"; return; fi
    echo "ok: $what ($(head -n 1 "$T/err"))"
}
# no_raw_controls FILE: no byte a terminal acts on (C0 but newline, DEL, C1 as bytes or as UTF-8)
no_raw_controls() {
    LC_ALL=C grep -qP '[\x00-\x09\x0b-\x1f\x7f-\x9f]' "$1" && return 1
    LC_ALL=C grep -qP '\xc2[\x80-\x9f]' "$1" && return 1
    return 0
}
RUN=(run --input_content text --embed_model hashing --dbscan_eps 0.5 --dbscan_min_samples 10 --threads 2 --quiet --no_plots)
zcat data/sample.jsonl.gz | sed -n '1,300p' > "$T/in.jsonl"
$TC "${RUN[@]}" --input "$T/in.jsonl" --save_load_path "$T/good" > /dev/null || { echo "FAIL: good run"; exit 1; }
LOAD=(load --no_plots --quiet)

# ---------------------------------------------------------------- terminal injection
cp -r "$T/good" "$T/evil"
# OSC 52 (sets the clipboard), a CSI colour, an 8-bit CSI (U+009B), a bidi
# override, DEL and a byte that is not UTF-8
printf '{"-1": "None", "0": "clip\\u001b]52;c;aGk=\\u0007 end", "1": "red\\u001b[31mX\\u009b2J", "2": "rtl\\u202egnp del\\u007f bad\xff"}' \
    > "$T/evil/cluster_summaries.json"
$TC "${LOAD[@]}" --save_load_path "$T/evil" > "$T/out" 2> "$T/err" || fail "load of the hand-edited folder failed: $(cat "$T/err")"
if no_raw_controls "$T/out"; then echo "ok: load prints no raw control bytes"; else fail "load printed raw control bytes: $(od -c "$T/out" | head)"; fi
grep -qF '0: clip\x1b]52;c;aGk=\x07 end' "$T/out" || fail "OSC 52 not shown as escapes: $(cat "$T/out")"
grep -qF '1: red\x1b[31mX\u009b2J' "$T/out" || fail "CSI not shown as escapes: $(cat "$T/out")"
grep -qF '2: rtl\u202egnp del\x7f bad\xff' "$T/out" || fail "bidi, DEL or bad UTF-8 not escaped: $(cat "$T/out")"
# run prints names as an LLM gave them: a stand-in endpoint answers with escape sequences
cat > "$T/llm.py" <<'PY'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        answer = "clip\x1b]52;c;aGk=\x07, red\x1b[31mX\u009b2J, rtl\u202egnp"
        out = json.dumps({"choices": [{"message": {"role": "assistant", "content": answer}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(srv.server_address[1]))
srv.serve_forever()
PY
$PY "$T/llm.py" "$T/port" &
llm_pid=$!
for _ in $(seq 50); do [[ -s $T/port ]] && break; sleep 0.1; done
$TC "${RUN[@]}" --input "$T/in.jsonl" --save_load_path "$T/llm" --llm_url "http://127.0.0.1:$(cat "$T/port")/v1" \
    --llm_model stand-in --llm_retries 0 > "$T/out" 2> "$T/err" || fail "run with the stand-in LLM: $(cat "$T/err")"
kill "$llm_pid"; wait "$llm_pid" 2> /dev/null
if [[ -s $T/out ]] && no_raw_controls "$T/out" && no_raw_controls "$T/err"; then echo "ok: run prints the LLM's names escaped"
else fail "run printed raw control bytes or nothing: $(od -c "$T/out" | head -n 5)"; fi
# error messages quote what they read: a key with an escape sequence
cp -r "$T/good" "$T/evil2"
printf '{"-1": "None", "\\u001b[2Jboom": "x"}' > "$T/evil2/cluster_summaries.json"
expect_fail "bad key in cluster_summaries.json" 1 'cluster_summaries.json.*\\x1b\[2Jboom' $TC "${LOAD[@]}" --save_load_path "$T/evil2"
no_raw_controls "$T/err" || fail "the error message printed raw control bytes"
# flag values are echoed escaped too
expect_fail "escape in a flag value" 2 "topic_mode: 'a\\\\x1b\\]0;t\\\\x07'" $TC run --topic_mode "$(printf 'a\033]0;t\007')"
no_raw_controls "$T/err" || fail "the usage error printed raw control bytes"

# ---------------------------------------------------------------- threads
for n in 10000 2147483647; do
    $TC "${RUN[@]}" --threads $n --input "$T/in.jsonl" --save_load_path "$T/th" > /dev/null 2> "$T/err" \
        || { fail "--threads $n: exit $?: $(tail -n 3 "$T/err")"; continue; }
    grep -qE "$n threads asked for, using [0-9]+" "$T/err" && echo "ok: --threads $n capped ($(head -n 1 "$T/err"))" \
        || fail "--threads $n: no capping warning: $(cat "$T/err")"
done
# the library caps too: project hands the count straight to tc_umap_fit
$PY -c "import numpy as np,sys; np.save(sys.argv[1], np.random.default_rng(0).normal(size=(60, 5)).astype(np.float32))" "$T/E.npy"
$TC project --input "$T/E.npy" --output "$T/P.npy" --threads 2147483647 --quiet 2> "$T/err" \
    && grep -q 'threads asked for' "$T/err" && echo "ok: project --threads 2147483647 capped" \
    || fail "project --threads 2147483647: $(cat "$T/err")"
expect_fail "--threads -1" 2 "^textclust: --threads: '-1'" $TC "${RUN[@]}" --threads -1 --input "$T/in.jsonl" --save_load_path "$T/x"

# ---------------------------------------------------------------- flag values, before any work
# Each would otherwise fail (or pass silently) only after embedding and UMAP.
while read -r flag value; do
    expect_fail "--$flag $value" 2 "^textclust: --$flag: '$value' is (out of range|not a finite|too large)" \
        $TC "${RUN[@]}" --input "$T/in.jsonl" --save_load_path "$T/x" --"$flag" "$value"
done <<'EOF'
dbscan_eps nan
dbscan_eps inf
dbscan_eps -0.5
dbscan_min_samples 0
n_samples 99999999999999999999
n_samples 0
end -5
threads 4294967297
seed -1
umap_n_neighbors 1
umap_min_dist nan
umap_min_dist 1e300
umap_spread 0
umap_set_op_mix_ratio 1.5
umap_learning_rate -1
umap_n_epochs -3
min_cluster_size 1
cluster_selection_epsilon inf
summary_n_examples 0
summary_chunk_size -1
llm_timeout 0
llm_retries -1
plot_alpha 2
plot_width 100000
top_k 0
batch_size 0
EOF
expect_fail "--n_samples 1e99" 2 "^textclust: --n_samples: '1e99' is not a whole number" \
    $TC "${RUN[@]}" --input "$T/in.jsonl" --save_load_path "$T/x" --n_samples 1e99
expect_fail "--dbscan_eps 0x10 (hexadecimal, which Python's float() refuses)" 2 "^textclust: --dbscan_eps: '0x10' is not a number" \
    $TC "${RUN[@]}" --input "$T/in.jsonl" --save_load_path "$T/x" --dbscan_eps 0x10
# spaces around a number are accepted, as the reference's int() accepts them
$TC embed --embed_model hashing --input "$T/in.jsonl" --input_content text --output "$T/sp.npy" --quiet \
    --batch_size " 64 " 2> "$T/err" && echo "ok: --batch_size ' 64 ' is 64" || fail "--batch_size ' 64 ': $(cat "$T/err")"
expect_fail "--start beyond --end" 2 "^textclust: --end 50 must be larger than --start 100" \
    $TC "${RUN[@]}" --input "$T/in.jsonl" --save_load_path "$T/x" --start 100 --end 50
expect_fail "--umap_min_dist above --umap_spread" 2 "^textclust: --umap_min_dist 2 is larger than --umap_spread 1" \
    $TC "${RUN[@]}" --input "$T/in.jsonl" --save_load_path "$T/x" --umap_min_dist 2
expect_fail "--llm_url ftp://" 2 "^textclust: --llm_url 'ftp://h/v1' must start with http:// or https://" \
    $TC "${RUN[@]}" --input "$T/in.jsonl" --save_load_path "$T/x" --llm_url ftp://h/v1
expect_fail "--llm_token_file missing" 2 "^textclust: --llm_token_file .*no-token: No such file" \
    $TC "${RUN[@]}" --input "$T/in.jsonl" --save_load_path "$T/x" --summary_model org/m --llm_token_file "$T/no-token"
expect_fail "--embed_model folder missing" 2 "^textclust: --embed_model .*no-model: No such file" \
    $TC "${RUN[@]}" --input "$T/in.jsonl" --save_load_path "$T/x" --embed_model "$T/no-model"
[[ -e $T/x ]] && fail "a refused run wrote $T/x"

# ---------------------------------------------------------------- inputs, before any work
{ head -n 5 "$T/in.jsonl"; echo '{"text": "unterminated'; } > "$T/broken.jsonl"
# the embeddings file is checked before the texts are read
expect_fail "run --embeddings missing" 1 'missing.npy' \
    $TC "${RUN[@]}" --input "$T/broken.jsonl" --embeddings "$T/missing.npy" --save_load_path "$T/x"
as_other() { if [[ $(id -u) -eq 0 ]]; then setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; else "$@"; fi; }
echo '{"text": "a"}' > "$T/locked.jsonl"; chmod 000 "$T/locked.jsonl"
mkdir "$T/empty-model"  # passes the flag check, fails when the encoder opens
# the input is checked before the folder, the prompt files or the encoder
expect_fail "infer: unreadable input" 1 '--input .*locked.jsonl: Permission denied' \
    as_other $TC infer --save_load_path "$T/nowhere" --input "$T/locked.jsonl" --input_content text
expect_fail "run: unreadable input" 1 '--input .*locked.jsonl: Permission denied' \
    as_other $TC "${RUN[@]}" --input "$T/locked.jsonl" --summary_template "$T/none.txt" --save_load_path "$T/x"
expect_fail "embed: unreadable input" 1 '--input .*locked.jsonl: Permission denied' \
    as_other $TC embed --input "$T/locked.jsonl" --output "$T/x.npy" --embed_model "$T/empty-model"
expect_fail "embed: missing input" 1 '--input .*nope.jsonl: No such file' \
    $TC embed --input "$T/nope.jsonl" --output "$T/x.npy" --embed_model "$T/empty-model"

# ---------------------------------------------------------------- save folders
size=$(stat -c %s "$T/good/faiss.index")
cp -r "$T/good" "$T/cut"; truncate -s 10240 "$T/cut/faiss.index"
expect_fail "faiss.index cut to 10 KB" 1 "faiss.index: truncated: .* take $size bytes, the file has 10240" \
    $TC "${LOAD[@]}" --save_load_path "$T/cut"
cp -r "$T/good" "$T/long"; printf 'xyz' >> "$T/long/faiss.index"
expect_fail "faiss.index with trailing bytes" 1 "faiss.index: trailing bytes" $TC "${LOAD[@]}" --save_load_path "$T/long"
cp -r "$T/good" "$T/other"
$PY -c "import numpy as np,sys; e=np.load(sys.argv[1]); np.save(sys.argv[1], e[:, :100].copy())" "$T/other/embeddings.npy"
expect_fail "faiss.index of another dimension" 1 "faiss.index holds 300 vectors of dimension 512 but embeddings.npy has 300 of dimension 100" \
    $TC "${LOAD[@]}" --save_load_path "$T/other"
for shape in 'e[:, 0].copy()' 'e.reshape(-1)'; do
    rm -rf "$T/flat"; cp -r "$T/good" "$T/flat"
    $PY -c "import numpy as np,sys; e=np.load(sys.argv[1]); np.save(sys.argv[1], $shape)" "$T/flat/embeddings.npy"
    expect_fail "1-D embeddings.npy ($shape)" 1 "embeddings.npy: a 1-D array of [0-9]+ values; expected shape \(N, d\)" \
        $TC "${LOAD[@]}" --save_load_path "$T/flat"
done
# a folder that does not record its encoder: infer refuses to guess
cp -r "$T/good" "$T/nometa"; rm "$T/nometa/textclust.json"
expect_fail "infer without textclust.json" 1 'nometa does not record the encoder.*--embed_model' \
    $TC infer --save_load_path "$T/nometa" --input "$T/in.jsonl" --input_content text --quiet --start 0 --end 5
$TC infer --save_load_path "$T/nometa" --input "$T/in.jsonl" --input_content text --embed_model hashing \
    --start 0 --end 5 > "$T/out" 2> "$T/err" || fail "infer --embed_model on a folder without textclust.json: $(cat "$T/err")"
grep -q 'does not record the encoder.*using hashing' "$T/err" && [[ $(wc -l < "$T/out") == 5 ]] \
    && echo "ok: infer --embed_model hashing uses it, with a note" || fail "no note or no results: $(cat "$T/err")"

# ---------------------------------------------------------------- messages
$PY -c "
import numpy as np,sys
e=np.load(sys.argv[1]); e[5,3]=np.nan; np.save(sys.argv[2], e)
np.save(sys.argv[3], np.zeros((50, 0), np.float32))" "$T/good/embeddings.npy" "$T/nan.npy" "$T/empty.npy"
# the row of the user's file, not of the shuffled selection
zcat data/sample.jsonl.gz | sed -n '1,300p' > "$T/same.jsonl"
expect_fail "NaN in row 5 of --embeddings" 1 'nan.npy: row 5, column 3 .*NaN' \
    $TC "${RUN[@]}" --input "$T/same.jsonl" --embeddings "$T/nan.npy" --save_load_path "$T/x"
expect_fail "project on an (N, 0) array" 1 'empty.npy: shape \(50, 0\)' $TC project --input "$T/empty.npy" --output "$T/x.npy" --quiet
grep -qE '0x[0-9a-f]{6,}' "$T/err" && fail "project printed pointers: $(cat "$T/err")"  # an address, not the temp folder's name
expect_fail "cluster on an (N, 0) array" 1 'empty.npy: shape \(50, 0\)' $TC cluster --input "$T/empty.npy" --output "$T/x.npy" --quiet

# ---------------------------------------------------------------- outputs that are not plain files
# A FIFO (what /dev/stdout or a shell's >(...) are) is written in place and
# stays a FIFO; a symlinked output keeps its link and replaces what it points to.
mkfifo "$T/pipe"
cat "$T/pipe" > "$T/piped.jsonl" &
reader=$!
$TC infer --save_load_path "$T/good" --input "$T/in.jsonl" --input_content text --start 0 --end 5 \
    --output "$T/pipe" --quiet 2> "$T/err" || fail "infer --output FIFO: $(cat "$T/err")"
wait $reader
[[ -p $T/pipe && $(wc -l < "$T/piped.jsonl") -eq 5 ]] && echo "ok: infer writes a FIFO in place" \
    || fail "infer --output FIFO: $(ls -l "$T/pipe"), $(wc -l < "$T/piped.jsonl") lines"
echo stale > "$T/real.npy"
ln -s real.npy "$T/link.npy"
$TC embed --embed_model hashing --input "$T/in.jsonl" --input_content text --output "$T/link.npy" --quiet \
    2> "$T/err" || fail "embed --output symlink: $(cat "$T/err")"
[[ -L $T/link.npy ]] && "$PY" -c "import numpy as np, sys; assert np.load(sys.argv[1]).shape == (300, 512)" "$T/real.npy" \
    && echo "ok: embed through a symlinked output keeps the link" || fail "embed --output symlink: $(ls -l "$T")"

# ---------------------------------------------------------------- failed and killed writes
# A file-size limit (ulimit -f, a full quota) makes a write fail: a clear
# error, exit 1, the old output kept and no temporary left (SIGXFSZ killed us).
for cmd in infer embed; do
    echo old > "$T/small.out"
    if [[ $cmd == infer ]]; then args=(infer --save_load_path "$T/good"); else args=(embed --embed_model hashing); fi
    (ulimit -f 4; exec $TC "${args[@]}" --input "$T/in.jsonl" --input_content text --output "$T/small.out" --quiet) 2> "$T/err"
    rc=$?
    left=$(find "$T" -maxdepth 1 -name '.*.tmp-*')
    if [[ $rc -eq 1 && $(cat "$T/small.out") == old && -z $left ]] && grep -q 'small.out: write failed: File too large' "$T/err"; then
        echo "ok: $cmd past ulimit -f fails cleanly"
    else
        fail "$cmd past ulimit -f: exit $rc, $(head -c 200 "$T/err"), left: $left"; rm -f $left
    fi
done
# embed killed while it writes: the next embed of that output removes the leftover.
mkfifo "$T/slow.jsonl"
{ head -n 100 "$T/in.jsonl"; sleep 30; } > "$T/slow.jsonl" &
feeder=$!
$TC embed --embed_model hashing --input "$T/slow.jsonl" --input_format jsonl --input_content text \
    --output "$T/killed.npy" --batch_size 2 --quiet 2> /dev/null &
victim=$!
for _ in $(seq 100); do [[ -n $(find "$T" -maxdepth 1 -name '.*killed.npy.tmp-*') ]] && break; sleep 0.1; done
[[ -n $(find "$T" -maxdepth 1 -name '.*killed.npy.tmp-*') ]] || fail "embed from a stalled FIFO wrote no temporary"
kill -9 $victim; wait $victim 2> /dev/null; kill $feeder; wait $feeder 2> /dev/null
$TC embed --embed_model hashing --input "$T/in.jsonl" --input_content text --output "$T/killed.npy" --quiet \
    2> "$T/err" || fail "embed after a killed embed: $(cat "$T/err")"
left=$(find "$T" -maxdepth 1 -name '.*killed.npy*tmp-*')
[[ -z $left ]] && echo "ok: a killed embed's temporary is cleaned by the next" || fail "a killed embed left $left"
# A .npy's header is written last, so embed cannot stream into a pipe: it
# says so before reading, instead of sending a broken file and failing after.
out=$($TC embed --embed_model hashing --input "$T/in.jsonl" --input_content text --output /dev/stdout 2> "$T/err" | wc -c)
[[ $out -eq 0 ]] && grep -q 'cannot stream a .npy into a pipe' "$T/err" && echo "ok: embed into a pipe is refused" \
    || fail "embed into a pipe: $out bytes sent, $(cat "$T/err")"
# An output that is the input itself, or a file of the save folder infer
# reads, is refused before any work: the results would replace it.
cp "$T/in.jsonl" "$T/self.jsonl"
before=$(sha1sum < "$T/self.jsonl")
expect_fail "infer --output is the input" 1 'self.jsonl: is the input file itself' \
    $TC infer --save_load_path "$T/good" --input "$T/self.jsonl" --input_content text --output "$T/self.jsonl" --quiet
expect_fail "embed --output is the input" 1 'self.jsonl: is the input file itself' \
    $TC embed --embed_model hashing --input "$T/self.jsonl" --input_content text --output "$T/self.jsonl" --quiet
ln -sf self.jsonl "$T/self-link.jsonl"
expect_fail "infer --output_embeddings is the input, through a link" 1 'is the input file itself' \
    $TC infer --save_load_path "$T/good" --input "$T/self.jsonl" --input_content text --output_embeddings "$T/self-link.jsonl" --quiet
[[ $(sha1sum < "$T/self.jsonl") == "$before" ]] || fail "an output equal to the input changed it"
good_before=$(cd "$T/good" && sha1sum texts.json embeddings.npy)
expect_fail "infer --output is a file of the save folder" 1 'texts.json: is a file of the save folder' \
    $TC infer --save_load_path "$T/good" --input "$T/in.jsonl" --input_content text --output "$T/good/texts.json" --quiet
expect_fail "infer --output_embeddings is a file of the save folder" 1 'embeddings.npy: is a file of the save folder' \
    $TC infer --save_load_path "$T/good" --input "$T/in.jsonl" --input_content text --output_embeddings "$T/good/embeddings.npy" --quiet
[[ $(cd "$T/good" && sha1sum texts.json embeddings.npy) == "$good_before" ]] || fail "infer wrote over its save folder"

# "-" is the standard stream for --input and infer's --output; no file named "-" appears
tc_abs=$(realpath "$TC")
(cd "$T" && head -n 4 in.jsonl | "$tc_abs" infer --save_load_path good --input - --input_content text \
    --output - --quiet) > "$T/dash.out" 2> "$T/err" || fail "infer - -: $(cat "$T/err")"
[[ $(wc -l < "$T/dash.out") -eq 4 && ! -e $T/- ]] && echo "ok: infer --input - --output - uses the standard streams" \
    || fail "infer - -: $(wc -l < "$T/dash.out") lines, $(ls "$T")"
expect_fail "embed --output -" 2 'only infer writes to standard output' \
    $TC embed --embed_model hashing --input "$T/in.jsonl" --input_content text --output - --quiet

# show --output into another save folder would give it this save's plots
cp -r "$T/good" "$T/other-save"
rm -f "$T/other-save/map.png"
expect_fail "show --output into another save" 1 'holds another save' \
    $TC show --save_load_path "$T/good" --output "$T/other-save" --quiet
[[ ! -e $T/other-save/map.png ]] || fail "show wrote plots into another save folder"
$TC show --save_load_path "$T/good" --output "$T/good" --quiet 2> "$T/err" && [[ -s $T/good/map.png ]] \
    && echo "ok: show --output into its own folder redraws it" || fail "show into its own folder: $(cat "$T/err")"

# ---------------------------------------------------------------- the reference's argparse habits
# unambiguous prefixes and Python integer literals, as argparse and int() take them
$TC run --input "$T/in.jsonl" --input_c text --embed_model hashing --dbscan_e 0.5 --dbscan_min_samples 10 \
    --threads 2 --quiet --no_plots --n_samp 1_50 --save_load "$T/prefix" > /dev/null 2> "$T/err" \
    && [[ $($PY -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$T/prefix/texts.json") == 150 ]] \
    && echo "ok: --n_samp 1_50 --save_load --dbscan_e --input_c work as in argparse" \
    || fail "argparse prefixes / 1_50: $(cat "$T/err")"
expect_fail "ambiguous prefix" 2 "ambiguous flag '--n': it could be --n_samples, --no_plots" \
    $TC run --n 5 --input "$T/in.jsonl"
expect_fail "underscore not between digits" 2 "--n_samples: '1__0' is not a number" \
    $TC run --n_samples 1__0 --input "$T/in.jsonl"
expect_fail "trailing underscore" 2 "--dbscan_eps: '0.5_' is not a number" \
    $TC run --dbscan_eps 0.5_ --input "$T/in.jsonl"

echo "cli checks: $fails failures"
[[ $fails -eq 0 ]]
