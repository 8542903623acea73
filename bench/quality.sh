#!/usr/bin/env bash
# Quality of the whole default pipeline against known categories: runs
# textclust on whole corpora and prints NMI / ARI (bench/quality.py).
#   bench/quality.sh [extra textclust flags]    e.g. --cluster hdbscan
# With EMB=1 it embeds each corpus once into $OUT/<corpus>.E.npy (textclust
# embed) and fits on those vectors, so that runs with other flags skip the
# encoder.
#
# ENCODERS=1 compares the encoders instead (bench/quality.md): for each
# corpus and each of use-lite, tfidf, use-lite+tfidf (weight $W, default
# 1; WEIGHTS="0.5 1 2" adds k-means rows for those weights) and hashing,
# k-means NMI at the number of categories on the vectors, then the whole
# pipeline (UMAP, then DBSCAN eps 0.08 / min_samples 50 as the reference,
# DBSCAN with eps scaled to the corpus size, 0.08 sqrt(100000 / n), and
# HDBSCAN min_cluster_size 50): clusters, NMI / ARI (noise one label),
# noise share. Each encoder's vectors are made once (use-lite and hashing
# by textclust embed, tfidf by a run that fits it) and fed to run with
# --embeddings, so every encoder goes through the same UMAP and clustering.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPORA=${CORPORA:-../shared/corpora}
OUT=${OUT:-build/quality}
TC=${TC:-build/textclust}
PY=/usr/bin/python3
mkdir -p "$OUT"

if [[ ${ENCODERS:-0} == 1 ]]; then
    W=${W:-1}
    Q=bench/quality_encoders.py
    printf '| corpus | encoder | k-means NMI | DBSCAN 0.08/50: clusters, NMI, ARI, noise %% | DBSCAN scaled eps | HDBSCAN 50 |\n|---|---|---|---|---|---|\n'
    for c in ${CORPUS_LIST:-debian-packages wordnet-glosses fortunes}; do
        in=$CORPORA/$c.jsonl.gz
        n=$(zcat "$in" | wc -l)
        eps=$($PY -c "print(round(0.08 * (100000 / $n) ** 0.5, 4))")
        base=(--input "$in" --input_content text --n_samples 100000000 --no_plots --quiet)
        for enc in use-lite hashing; do
            [[ -s $OUT/$c.$enc.npy ]] || $TC embed --input "$in" --input_content text --embed_model $enc \
                --output "$OUT/$c.$enc.npy" --quiet
        done
        if [[ ! -s $OUT/$c.tfidf.npy ]]; then
            /usr/bin/time -f "  tfidf run: %e s, %M KiB" $TC run "${base[@]}" --embed_model tfidf \
                --save_load_path "$OUT/$c.tfidf" --overwrite > /dev/null
            $PY $Q reorder "$in" "$OUT/$c.tfidf" "$OUT/$c.tfidf.npy"
        fi
        for w in ${WEIGHTS:-}; do
            $PY $Q hybrid "$OUT/$c.use-lite.npy" "$OUT/$c.tfidf.npy" "$w" "$OUT/$c.hyb-$w.npy"
            echo "| $c | use-lite+tfidf w=$w | $($PY $Q kmeans "$in" "$OUT/$c.hyb-$w.npy") | | | |"
        done
        $PY $Q hybrid "$OUT/$c.use-lite.npy" "$OUT/$c.tfidf.npy" "$W" "$OUT/$c.use-lite+tfidf.npy"
        for enc in use-lite tfidf use-lite+tfidf hashing; do
            km=$($PY $Q kmeans "$in" "$OUT/$c.$enc.npy")
            s=$OUT/$c.$enc.run
            $TC run "${base[@]}" --embeddings "$OUT/$c.$enc.npy" --save_load_path "$s" --overwrite > /dev/null
            row="| $c | $enc | $km"
            for how in "--dbscan_eps 0.08 --dbscan_min_samples 50" "--dbscan_eps $eps --dbscan_min_samples 50" \
                       "--cluster hdbscan --min_cluster_size 50"; do
                # shellcheck disable=SC2086
                $TC cluster --input "$s/projections.npy" --output "$s/L.npy" $how --quiet
                row+=" | $($PY $Q labels "$in" "$s" "$s/L.npy")"
            done
            echo "$row |"
        done
    done
    exit 0
fi

for c in debian-packages wordnet-glosses fortunes; do
    emb=()
    if [[ ${EMB:-0} == 1 ]]; then
        [[ -s $OUT/$c.E.npy ]] || $TC embed --input "$CORPORA/$c.jsonl.gz" --input_content text \
            --output "$OUT/$c.E.npy" --quiet
        emb=(--embeddings "$OUT/$c.E.npy")
    fi
    /usr/bin/time -f "  %e s wall, %M KiB peak" $TC run --input "$CORPORA/$c.jsonl.gz" \
        --input_content text --n_samples 1000000 --save_load_path "$OUT/$c" --no_plots --quiet "${emb[@]}" "$@" > /dev/null
    $PY bench/quality.py "$CORPORA/$c.jsonl.gz" "$OUT/$c"
done
