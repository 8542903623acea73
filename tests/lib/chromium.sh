# tests/lib/chromium.sh - sourced (from the repository root) by the tests
# that open a page in headless Chromium: viz_html_test.sh, viz_frame_test.sh,
# viz_tiles_test.sh and overlay_test.sh. Checks that Debian's chromium and
# playwright-core from npm are there (scripts/setup.sh --test installs both;
# nothing is installed here), exports PW (playwright-core's folder) and
# TC_CHROMIUM (tests/lib/chromium.js: the launch, check and overlap helpers
# the tests' node scripts require), and defines serve.
PW=$PWD/tests/node/node_modules/playwright-core
[[ -d $PW ]] || { echo "playwright-core missing: run scripts/setup.sh --test" >&2; exit 1; }
[[ -x /usr/bin/chromium ]] || { echo "/usr/bin/chromium missing: run scripts/setup.sh --test" >&2; exit 1; }
export PW TC_CHROMIUM=$PWD/tests/lib/chromium.js

# serve DIR LOG: a static server of DIR on 127.0.0.1 at a free port; sets
# port and server (its pid, for the caller's trap to kill) once it answers.
serve() {
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    python3 -m http.server --bind 127.0.0.1 -d "$1" "$port" >"$2" 2>&1 &
    server=$!
    for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/" >/dev/null && return 0; sleep 0.1; done
    echo "serve: no answer from http.server on port $port: $(cat "$2")" >&2
    return 1
}
