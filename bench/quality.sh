#!/usr/bin/env bash
# Quality of the whole default pipeline against known categories: runs
# textclust on whole corpora and prints NMI / ARI (bench/quality.py).
#   bench/quality.sh [extra textclust flags]    e.g. --cluster hdbscan
# With EMB=1 it embeds each corpus once into $OUT/<corpus>.E.npy (textclust
# embed) and fits on those vectors, so that runs with other flags skip the
# encoder.
#
# ENCODERS=1 compares the encoders instead (bench/quality.md): for each
# corpus ($CORPUS_LIST) and each of use-lite, tfidf, use-lite+tfidf and
# hashing, k-means NMI at the number of categories on the vectors (the
# hybrid at each weight of $WEIGHTS), then the whole pipeline with the
# hybrid at weight $W (default 0.75, the encoder's): UMAP, then DBSCAN eps 0.08 /
# min_samples 50 as the reference, DBSCAN with eps scaled to the corpus
# size, 0.08 sqrt(100000 / n), and HDBSCAN min_cluster_size 50: clusters,
# NMI / ARI (noise one label), noise share. Each encoder's vectors are made
# once (use-lite and hashing by textclust embed, tfidf by bench_tfidf, fitted
# on the whole corpus, the hybrid from those two) and fed to run with
# --embeddings, so every encoder goes through the same UMAP and clustering.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPORA=${CORPORA:-../shared/corpora}
OUT=${OUT:-build/quality}
TC=${TC:-build/textclust}
PY=/usr/bin/python3
mkdir -p "$OUT"

if [[ ${ENCODERS:-0} == 1 ]]; then
    W=${W:-0.75}
    make -s build/bench/bench_tfidf
    list=${CORPUS_LIST:-debian-packages wordnet-glosses fortunes}
    for c in $list; do
        in=$CORPORA/$c.jsonl.gz
        for enc in use-lite hashing; do
            [[ -s $OUT/$c.$enc.npy ]] || $TC embed --input "$in" --input_content text --embed_model $enc \
                --output "$OUT/$c.$enc.npy" --quiet
        done
        [[ -s $OUT/$c.tfidf.f32 ]] || build/bench/bench_tfidf "$in" 100000000 256 "${THREADS:-2}" "$OUT/$c.tfidf.f32"
    done
    # k-means NMI per encoder and hybrid weight; writes the .npy the runs below take
    $PY bench/quality_kmeans.py "$CORPORA" "$OUT" "${WEIGHTS:-0.5 1 2} $W"
    printf '\n| corpus | encoder | DBSCAN 0.08/50: clusters, NMI, ARI, noise %% | DBSCAN scaled eps | HDBSCAN 50 |\n|---|---|---|---|---|\n'
    for c in $list; do
        in=$CORPORA/$c.jsonl.gz
        n=$(zcat "$in" | wc -l)
        eps=$($PY -c "print(round(0.08 * (100000 / $n) ** 0.5, 3))")
        for enc in use-lite "use-lite+tfidf-$W" tfidf hashing; do
            s=$OUT/$c.$enc.run
            $TC run --input "$in" --input_content text --n_samples 100000000 --no_plots --quiet \
                --embeddings "$OUT/$c.$enc.npy" --save_load_path "$s" --overwrite > /dev/null
            row="| $c | $enc"
            for how in "--dbscan_eps 0.08 --dbscan_min_samples 50" "--dbscan_eps $eps --dbscan_min_samples 50" \
                       "--cluster hdbscan --min_cluster_size 50"; do
                # shellcheck disable=SC2086
                $TC cluster --input "$s/projections.npy" --output "$s/L.npy" $how --quiet
                row+=" | $($PY bench/quality_encoders.py labels "$in" "$s" "$s/L.npy")"
            done
            echo "$row (eps $eps) |"
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
