#!/usr/bin/env bash
# ansible-test sanity on what ships: build the collection tarball exactly as a
# release does, install it with ansible-galaxy into a temporary collections
# path (ansible_collections/gizzahub/bulk_clone), and test that installed tree,
# so a file left out by build_ignore, or one that should have been, shows here.
# The sanity tests run in their own virtualenvs (packages come from PyPI, the
# only registry reachable); then every module's docs are rendered.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
venv=${VENV:-$here/.venv}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$venv/bin/ansible-galaxy" collection build --output-path "$work/dist" "$here" >/dev/null
tarball=$(ls "$work"/dist/gizzahub-bulk_clone-*.tar.gz)
echo "== installing $(basename "$tarball") into $work/ansible_collections"
ANSIBLE_COLLECTIONS_PATH=$work "$venv/bin/ansible-galaxy" collection install --offline --no-deps --force \
    -p "$work" "$tarball" >/dev/null
dest=$work/ansible_collections/gizzahub/bulk_clone
pip_version=$("$venv/bin/python" -c 'import re, ansible_test._internal.python_requirements as m, inspect; print(re.search(r"pip=.(\d+\.\d+)", inspect.getsource(m)).group(1))')
cache=$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py
if ! cmp -s "$here/tests/sanity/get_pip_standin.py" "$cache"; then
    mkdir -p "$(dirname "$cache")"
    cp "$here/tests/sanity/get_pip_standin.py" "$cache"
fi
py=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
cd "$dest"
# shellcheck needs a binary we do not install.
# The targets are what ships: the collection's content and tests/ (shipped as
# community collections ship it, docs/releasing.md "Sanity on what ships").
targets=(plugins/ meta/ roles/ changelogs/ tests/)
"$venv/bin/ansible-test" sanity --color no --python "$py" --venv --requirements \
    --skip-test shellcheck "$@" "${targets[@]}"
echo "== ansible-doc renders every module"
export ANSIBLE_COLLECTIONS_PATH=$work
for module in plugins/modules/*.py; do
    name=$(basename "$module" .py)
    "$venv/bin/ansible-doc" -t module "gizzahub.bulk_clone.$name" >/dev/null
    echo "ansible-doc gizzahub.bulk_clone.$name: ok"
done
