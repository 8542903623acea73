#!/usr/bin/env bash
# With --test: the Python package installed into .venv (git-ignored), offline,
# as the README shows it: a venv that sees Debian's numpy and pytest, and pip
# building the package (and libtextclust.so inside it, with make) from
# python/ without an index. Run again after changing the C library to
# refresh the copy of libtextclust.so the package carries.
set -euo pipefail
[[ ${TEST:-0} == 1 ]] || exit 0
cd "$(dirname "$0")/../.."
[[ -x .venv/bin/python ]] || /usr/bin/python3 -m venv --system-site-packages .venv
echo "setup: pip install ./python into .venv"
.venv/bin/pip install --quiet --no-index --no-build-isolation --force-reinstall --no-deps ./python
.venv/bin/python -c 'import textclust' || { echo "setup: the installed package does not import" >&2; exit 1; }
