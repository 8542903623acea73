#!/usr/bin/env bash
# The save folder as a place shared with its user: a run replaces only the
# files textclust owns, refuses a foreign folder without --overwrite,
# follows a symlinked folder, works on ".", survives kill -9 at every step
# of a commit (the next open leaves the old save or the new one, never a
# mix, and no leftovers), lets one writer in at a time, and fails on a bad
# save path before reading any input; the tiled map/ is one owned folder,
# replaced whole or removed by the next save, kill -9 included; load and show
# that switch between map.html and map/ remove the other form, only the
# files textclust wrote.
set -euo pipefail
cd "$(dirname "$0")/.."
TC=${TC_BIN:-build/textclust}
TC=$(realpath "$TC")
T=$(mktemp -d "${TMPDIR:-/tmp}/tc-savefolder.XXXXXX")
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

zcat data/sample.jsonl.gz | sed -n '1,400p' > "$T/in.jsonl"
ARGS=(--input "$T/in.jsonl" --input_content text --embed_model hashing --dbscan_eps 0.5 --dbscan_min_samples 10 --threads 2 --quiet
      --plot_width 600 --plot_height 400)
OWNED="embeddings.npy projections.npy cluster_labels.npy texts.json cluster_summaries.json faiss.index textclust.json map.png map.html"
# A digest of every owned file (absent ones too), to tell one save from another.
digest() { (cd "$1" && for f in $OWNED; do if [[ -e $f ]]; then sha1sum "$f"; else echo "- $f"; fi; done); }
leftovers() { find "$1" -maxdepth 1 \( -name '.textclust-save-*' -o -name '.*.tmp-*' \) | grep . && return 0 || return 1; }

# Two reference saves, made apart: seed 42 (old) and seed 7 (new).
$TC run "${ARGS[@]}" --save_load_path "$T/ref42" > /dev/null
$TC run "${ARGS[@]}" --seed 7 --save_load_path "$T/ref7" > /dev/null
old=$(digest "$T/ref42") new=$(digest "$T/ref7")
[[ $old != "$new" ]] || fail "seed 7 and seed 42 gave the same save"

# 1. The user's files and folders survive a run and a re-run.
mkdir -p "$T/a/sub/deeper"
echo mine > "$T/a/precious.txt"
echo mine > "$T/a/sub/deeper/notes.txt"
$TC run "${ARGS[@]}" --save_load_path "$T/a" --overwrite > /dev/null
$TC run "${ARGS[@]}" --seed 7 --save_load_path "$T/a" > /dev/null
[[ $(cat "$T/a/precious.txt") == mine && $(cat "$T/a/sub/deeper/notes.txt") == mine ]] || fail "the user's files were lost"
[[ $(digest "$T/a") == "$new" ]] || fail "re-run did not give the seed-7 save"
leftovers "$T/a" && fail "leftovers after a run"

# 2. The input inside the save folder survives; an input that is an owned file is refused.
mkdir "$T/b"
cp "$T/in.jsonl" "$T/b/in.jsonl"
$TC run "${ARGS[@]}" --input "$T/b/in.jsonl" --save_load_path "$T/b" --overwrite > /dev/null
$TC run "${ARGS[@]}" --input "$T/b/in.jsonl" --save_load_path "$T/b" > /dev/null
cmp -s "$T/in.jsonl" "$T/b/in.jsonl" || fail "the input inside the save folder was lost"
if $TC run "${ARGS[@]}" --input "$T/b/texts.json" --input_format text --save_load_path "$T/b" 2> "$T/err"; then
    fail "an input that the save replaces was accepted"
fi
grep -q 'the input is a file of the save folder' "$T/err" || fail "owned input: $(cat "$T/err")"

# 3. A symlinked save folder: followed, the link stays.
mkdir "$T/real"
ln -s real "$T/link"
$TC run "${ARGS[@]}" --save_load_path "$T/link" > /dev/null
[[ -L $T/link ]] || fail "the symlinked save folder was replaced"
[[ $(digest "$T/real") == "$old" ]] || fail "the files did not reach the link's target"
$TC load --save_load_path "$T/link" --no_plots --quiet > /dev/null || fail "load through the link"

# 4. A foreign non-empty folder: refused before any work, accepted with --overwrite.
mkdir -p "$T/f/docs"
echo x > "$T/f/report.txt"
# the user's own files under names a single_topic save would write: no later save removes them
echo mine > "$T/f/topics_dist.png"
echo mine > "$T/f/df_categories_count.csv"
if $TC run "${ARGS[@]}" --save_load_path "$T/f" 2> "$T/err"; then fail "a foreign folder was accepted"; fi
grep -q -- '--overwrite' "$T/err" || fail "refusal does not name --overwrite: $(cat "$T/err")"
[[ $(ls -A "$T/f") == $'df_categories_count.csv\ndocs\nreport.txt\ntopics_dist.png' ]] || fail "the refused folder changed: $(ls -A "$T/f")"
$TC run "${ARGS[@]}" --save_load_path "$T/f" --overwrite > /dev/null
[[ -e $T/f/report.txt && -d $T/f/docs && -e $T/f/textclust.json ]] || fail "--overwrite lost files"
$TC run "${ARGS[@]}" --save_load_path "$T/f" > /dev/null || fail "a re-run into the now-save folder"
[[ $(cat "$T/f/topics_dist.png" "$T/f/df_categories_count.csv") == $'mine\nmine' ]] \
    || fail "a re-run removed the user's topics_dist.png / df_categories_count.csv: $(ls -A "$T/f")"
# A folder the reference wrote (embeddings.npy + texts.json) counts as a save folder.
mkdir "$T/pyref"
cp "$T/ref42/embeddings.npy" "$T/ref42/texts.json" "$T/pyref/"
$TC run "${ARGS[@]}" --save_load_path "$T/pyref" > /dev/null || fail "a reference-written folder was refused"

# 5. "." works and leaves nothing beside it.
mkdir -p "$T/dot/here"
(cd "$T/dot/here" && $TC run "${ARGS[@]}" --save_load_path . > /dev/null) || fail "--save_load_path . failed"
[[ $(digest "$T/dot/here") == "$old" ]] || fail "--save_load_path . gave another save"
[[ $(ls -A "$T/dot") == here ]] || fail "leftovers beside '.': $(ls -A "$T/dot")"

# 6. kill -9 at every step of a commit: the next open leaves the old or the new save.
for k in $(seq 1 14); do
    d="$T/k$k"
    cp -r "$T/ref42" "$d"
    rm -f "$d/.textclust.lock"
    echo mine > "$d/precious.txt"
    set +e
    { TEXTCLUST_TEST_SAVE_KILL=$k $TC run "${ARGS[@]}" --seed 7 --save_load_path "$d" > /dev/null 2>&1; } 2> /dev/null
    rc=$?
    set -e
    $TC load --save_load_path "$d" --no_plots --quiet > /dev/null || fail "kill at step $k: load failed"
    got=$(digest "$d")
    if [[ $rc -eq 137 ]]; then
        [[ $got == "$old" || $got == "$new" ]] || fail "kill at step $k left a mix: $(diff <(echo "$got") <(echo "$new"))"
        if [[ $k -ge 2 ]]; then [[ $got == "$new" ]] || fail "kill after the marker (step $k) lost the new save"; fi
        if [[ $k -eq 1 ]]; then [[ $got == "$old" ]] || fail "kill before the marker gave the new save"; fi
    else
        [[ $rc -eq 0 && $got == "$new" ]] || fail "step $k: exit $rc"
    fi
    leftovers "$d" && fail "kill at step $k: leftovers after the next open"
    [[ $(cat "$d/precious.txt") == mine ]] || fail "kill at step $k: the user's file was lost"
done
# ... and at staggered moments of a whole run (embedding, staging, plots)
for ms in 50 150 300 600; do
    d="$T/s$ms"
    cp -r "$T/ref42" "$d"
    $TC run "${ARGS[@]}" --seed 7 --save_load_path "$d" > /dev/null 2>&1 &
    pid=$!
    sleep "0.$(printf %03d "$ms")"
    kill -9 "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
    $TC load --save_load_path "$d" --no_plots --quiet > /dev/null || fail "kill at ${ms} ms: load failed"
    got=$(digest "$d")
    [[ $got == "$old" || $got == "$new" ]] || fail "kill at ${ms} ms left a mix"
    $TC run "${ARGS[@]}" --save_load_path "$d" > /dev/null || fail "run after a kill at ${ms} ms"
    leftovers "$d" && fail "kill at ${ms} ms: leftovers after the next run"
done

# 7. Two runs into one path: the second fails at once, the first's files are its own.
TEXTCLUST_TEST_SAVE_SLEEP=3 $TC run "${ARGS[@]}" --seed 7 --save_load_path "$T/two" > /dev/null 2> "$T/err1" &
pid=$!
for _ in $(seq 100); do [[ -n $(ls -A "$T/two" 2> /dev/null | grep textclust-save) ]] && break; sleep 0.05; done
t0=$(date +%s%N)
if $TC run "${ARGS[@]}" --save_load_path "$T/two" > /dev/null 2> "$T/err2"; then fail "a second run into a locked folder ran"; fi
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
grep -q 'another textclust process' "$T/err2" || fail "second run: $(cat "$T/err2")"
if $TC load --save_load_path "$T/two" --quiet > /dev/null 2> "$T/err3"; then fail "load while a run writes"; fi
wait "$pid" || fail "the first run failed: $(cat "$T/err1")"
(( ms < 2000 )) || fail "the second run took $ms ms to fail"
[[ $(digest "$T/two") == "$new" ]] || fail "the first run's files are not its own"
cmp -s "$T/two/map.png" "$T/ref7/map.png" || fail "map.png is not the first run's"

# 8. A save path that is a file, below a file, or not writable fails before the input is read:
# the input is a FIFO no one writes, so reading it would hang.
mkfifo "$T/fifo.jsonl"
FARGS=(--input "$T/fifo.jsonl" --input_format jsonl --input_content text --embed_model hashing)
echo x > "$T/afile"
for p in "$T/afile" "$T/afile/sub"; do
    set +e
    timeout 20 $TC run "${FARGS[@]}" --save_load_path "$p" 2> "$T/err"
    rc=$?
    set -e
    [[ $rc -ne 0 && $rc -ne 124 ]] || fail "save path $p: exit $rc (124: the input was read first)"
    grep -q "$T/afile" "$T/err" || fail "save path $p: $(cat "$T/err")"
done
mkdir "$T/ro"
chmod 555 "$T/ro"
if command -v setpriv > /dev/null && [[ $(id -u) == 0 ]]; then AS=(setpriv --reuid=65534 --regid=65534 --clear-groups); else AS=(); fi
set +e
timeout 20 "${AS[@]}" $TC run "${FARGS[@]}" --save_load_path "$T/ro" 2> "$T/err"
rc=$?
set -e
[[ $rc -ne 0 && $rc -ne 124 ]] || fail "read-only save folder: exit $rc (124: the input was read first)"
grep -q 'cannot write' "$T/err" || fail "read-only save folder: $(cat "$T/err")"
[[ -z $(ls -A "$T/ro") ]] || fail "the read-only folder changed"
# ... and a folder it could not create leaves nothing behind
set +e
timeout 20 "${AS[@]}" $TC run "${FARGS[@]}" --save_load_path "$T/ro/new/deeper" 2> "$T/err"
rc=$?
set -e
[[ $rc -ne 0 && $rc -ne 124 ]] || fail "uncreatable save folder: exit $rc"
# A folder under an owned name (the user's "map.png/") is refused before any
# work: renaming over it would fail half-way through every commit.
mkdir -p "$T/dirname/map.png"
echo mine > "$T/dirname/map.png/keep.txt"
set +e
timeout 20 $TC run "${FARGS[@]}" --save_load_path "$T/dirname" --overwrite 2> "$T/err"
rc=$?
set -e
[[ $rc -ne 0 && $rc -ne 124 ]] || fail "owned name is a folder: exit $rc (124: the input was read first)"
grep -q 'map.png: is a folder' "$T/err" || fail "owned name is a folder: $(cat "$T/err")"
[[ $(ls -A "$T/dirname") == map.png && $(cat "$T/dirname/map.png/keep.txt") == mine ]] || fail "owned name is a folder: left $(ls -A "$T/dirname")"
# A save we may only read loads (exit 0, the plots left as they are).
cp -r "$T/ref42" "$T/ro-save"
rm -f "$T/ro-save/.textclust.lock"
chmod -R a+rX,a-w "$T/ro-save"
before=$(digest "$T/ro-save")
"${AS[@]}" $TC load --save_load_path "$T/ro-save" > /dev/null 2> "$T/err" || fail "load of a read-only save: $(cat "$T/err")"
[[ $(digest "$T/ro-save") == "$before" ]] || fail "load changed the read-only save"
chmod -R u+w "$T/ro-save"
# A failed run into a new folder takes back the folder and lock it made.
if $TC run "${ARGS[@]}" --n_samples 0 --save_load_path "$T/gone/deep" > /dev/null 2>&1; then fail "an empty selection ran"; fi
[[ ! -e $T/gone ]] || fail "a failed run left $(find "$T/gone")"
# 9. The tiled map (more points than --map_max_points) is the owned folder
# map/: written instead of map.html, replaced whole by the next save (a
# file put into it goes too), removed by a save that writes map.html, and a
# foreign map/ is refused and left as it was.
mtree() { (cd "$1" && if [[ -d map ]]; then find map -type f | sort | xargs sha1sum; else echo "- map"; fi; [[ -e map.html ]] && sha1sum map.html || echo "- map.html"); }
$TC run "${ARGS[@]}" --map_max_points 100 --save_load_path "$T/tiled" > /dev/null
[[ -f $T/tiled/map/index.html && -f $T/tiled/map/tiles/0-0-0.bin && ! -e $T/tiled/map.html ]] || fail "tiled: $(ls -A "$T/tiled")"
echo mine > "$T/tiled/precious.txt"
echo stale > "$T/tiled/map/stale.txt"
$TC run "${ARGS[@]}" --map_max_points 100 --seed 7 --save_load_path "$T/tiled" > /dev/null
[[ ! -e $T/tiled/map/stale.txt && -f $T/tiled/map/meta.json ]] || fail "tiled: map/ was not replaced whole"
tiled_new=$(mtree "$T/tiled")
$TC run "${ARGS[@]}" --save_load_path "$T/tiled" > /dev/null
[[ -f $T/tiled/map.html && ! -e $T/tiled/map ]] || fail "tiled: a map.html save left $(ls -A "$T/tiled")"
[[ $(cat "$T/tiled/precious.txt") == mine ]] || fail "tiled: the user's file was lost"
ls -A "$T/tiled" | grep -q textclust-map && fail "tiled: leftovers $(ls -A "$T/tiled")"
# kill -9 at every step of a tiled save's commit over a tiled one: the old map or the new
for k in $(seq 1 18); do
    d="$T/tk$k"
    rm -rf "$d"
    $TC run "${ARGS[@]}" --map_max_points 100 --save_load_path "$d" > /dev/null
    before=$(mtree "$d")
    set +e
    { TEXTCLUST_TEST_SAVE_KILL=$k $TC run "${ARGS[@]}" --map_max_points 100 --seed 7 --save_load_path "$d" > /dev/null 2>&1; } 2> /dev/null
    set -e
    $TC load --save_load_path "$d" --no_plots --quiet > /dev/null || fail "tiled kill at step $k: load failed"
    got=$(mtree "$d")
    [[ $got == "$before" || $got == "$tiled_new" ]] || fail "tiled kill at step $k: a mixed map/"
    ls -A "$d" | grep -q 'textclust-map\|textclust-save' && fail "tiled kill at step $k: leftovers $(ls -A "$d")"
done
mkdir -p "$T/foreign-map/map" && echo mine > "$T/foreign-map/map/keep.txt"
if $TC run "${ARGS[@]}" --map_max_points 100 --save_load_path "$T/foreign-map" --overwrite 2> "$T/err" > /dev/null; then fail "a foreign map/ was overwritten"; fi
grep -q 'map: is not the tiled map' "$T/err" || fail "foreign map/: $(cat "$T/err")"
[[ $(cat "$T/foreign-map/map/keep.txt") == mine ]] || fail "foreign map/ was touched"
# 10. load and show switch between map.html and map/ in place (--map_max_points):
# the other form goes, but only what textclust wrote: a map.html that is not
# ours stays, and a file the user put into map/ keeps it (and its folder);
# a save after such a load prunes the other form too.
S=$T/switch
$TC run "${ARGS[@]}" --save_load_path "$S" > /dev/null
[[ -f $S/map.html && ! -e $S/map ]] || fail "switch: run wrote $(ls -A "$S")"
$TC load --save_load_path "$S" --map_max_points 100 --quiet --plot_width 600 --plot_height 400 > /dev/null
[[ -f $S/map/meta.json && ! -e $S/map.html ]] || fail "switch: load to map/ left $(ls -A "$S")"
mkdir "$S/map/tiles/mine"
echo mine > "$S/map/notes.txt"
echo mine > "$S/map/tiles/mine/keep.txt"
$TC show --save_load_path "$S" --quiet --plot_width 600 --plot_height 400 > /dev/null
[[ -f $S/map.html ]] || fail "switch: show wrote no map.html"
left=$(cd "$S/map" && find . | sort | tr '\n' ' ')
[[ $left == ". ./notes.txt ./tiles ./tiles/mine ./tiles/mine/keep.txt " ]] || fail "switch: show to map.html left in map/: $left"
rm -r "$S/map"
$TC show --save_load_path "$S" --map_max_points 100 --quiet --plot_width 600 --plot_height 400 > /dev/null
[[ -f $S/map/meta.json && ! -e $S/map.html ]] || fail "switch: show to map/ left $(ls -A "$S")"
$TC load --save_load_path "$S" --quiet --plot_width 600 --plot_height 400 > /dev/null
[[ -f $S/map.html && ! -e $S/map ]] || fail "switch: load to map.html left $(ls -A "$S")"
echo mine > "$S/map.html"
$TC load --save_load_path "$S" --map_max_points 100 --quiet --plot_width 600 --plot_height 400 > /dev/null
[[ $(cat "$S/map.html") == mine && -f $S/map/meta.json ]] || fail "switch: a map.html not ours was removed"
rm "$S/map.html"
$TC run "${ARGS[@]}" --save_load_path "$S" > /dev/null
[[ -f $S/map.html && ! -e $S/map ]] || fail "switch: a save after load left $(ls -A "$S")"
# a save that drops the last save's map/ keeps a file the user put into it
$TC run "${ARGS[@]}" --map_max_points 100 --save_load_path "$S" > /dev/null
echo mine > "$S/map/texts/notes.txt"
$TC run "${ARGS[@]}" --save_load_path "$S" > /dev/null
left=$(cd "$S/map" && find . | sort | tr '\n' ' ')
[[ -f $S/map.html && $left == ". ./texts ./texts/notes.txt " ]] || fail "switch: a map.html save left in map/: $left"
rm -r "$S/map"
$TC run "${ARGS[@]}" --map_max_points 100 --save_load_path "$S" > /dev/null
$TC load --save_load_path "$S" --quiet --plot_width 600 --plot_height 400 > /dev/null
$TC run "${ARGS[@]}" --map_max_points 100 --save_load_path "$S" > /dev/null
[[ -f $S/map/meta.json && ! -e $S/map.html ]] || fail "switch: a tiled save after load left $(ls -A "$S")"
echo "save folder: ok"
