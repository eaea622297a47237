#!/usr/bin/env bash
# ansible-test needs the collection at a path ending in
# ansible_collections/gizzahub/bulk_clone, so copy the checkout (tracked and
# untracked-but-not-ignored files) into a temporary tree of that shape, run the
# sanity tests that work offline in their own virtualenvs (packages come from
# PyPI, the only registry reachable), then render every module's docs.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
venv=${VENV:-$here/.venv}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dest=$work/ansible_collections/gizzahub/bulk_clone
mkdir -p "$dest"
(cd "$here" && git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents {} "$dest"/ 2>/dev/null || true)
# ansible-test lists files through git when it can; give it a repository.
(cd "$dest" && git init -q && git add -A >/dev/null && git -c user.name=ci -c user.email=ci@localhost commit -qm sanity)
pip_version=$("$venv/bin/python" -c 'import re, ansible_test._internal.python_requirements as m, inspect; print(re.search(r"pip=.(\d+\.\d+)", inspect.getsource(m)).group(1))')
cache=$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py
if ! cmp -s "$here/tests/sanity/get_pip_standin.py" "$cache"; then
    mkdir -p "$(dirname "$cache")"
    cp "$here/tests/sanity/get_pip_standin.py" "$cache"
fi
py=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
cd "$dest"
# shellcheck needs a binary we do not install; changelog needs antsibull-changelog
# fragments this project does not keep (history is in git).
# The targets are the collection's content; the local forge and the test suite
# under tests/ are test infrastructure, linted by pytest runs, not shipped.
targets=(plugins/ meta/)
[ -d roles ] && targets+=(roles/)
"$venv/bin/ansible-test" sanity --color no --python "$py" --venv --requirements \
    --skip-test shellcheck --skip-test changelog "$@" "${targets[@]}"
echo "== ansible-doc renders every module"
export ANSIBLE_COLLECTIONS_PATH=$work
for module in plugins/modules/*.py; do
    name=$(basename "$module" .py)
    "$venv/bin/ansible-doc" -t module "gizzahub.bulk_clone.$name" >/dev/null
    echo "ansible-doc gizzahub.bulk_clone.$name: ok"
done
