#!/usr/bin/env bash
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# `make demo`: start the local forge (a GitHub org, a GitLab group with nested
# subgroups, a Gitea org), clone everything through Ansible, show the result,
# run again to show the no-op re-sync (changed=false, no git request at all),
# show the ad-hoc one-liner from the README, stop the forge. Exits non-zero if
# any step fails. Needs the .venv that `make venv` builds (make demo does).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEMO="$ROOT/tests/demo"
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
export PATH="$VENV/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$VENV/collections}"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
export ANSIBLE_LOCALHOST_WARNING=false
export ANSIBLE_INVENTORY_UNPARSED_WARNING=false
export ANSIBLE_RETRY_FILES_ENABLED=false
# The developer's own git config (credential helpers, insteadOf) stays out of it.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

SPECS=(github:acme:40 gitlab:platform:30 gitea:tools:20)

if [[ ! -x "$PY" ]] || ! "$PY" -c 'import ansible, github, gitlab' 2>/dev/null; then
    echo "demo: $VENV is missing or incomplete; run 'make demo' (it builds the venv first)" >&2
    exit 2
fi
if [[ ! -e "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/gizzahub/bulk_clone/galaxy.yml" ]]; then
    echo "demo: gizzahub.bulk_clone is not linked into $ANSIBLE_COLLECTIONS_PATH; run 'make venv'" >&2
    exit 2
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/bulk-clone-demo.XXXXXX")"
DEST="$WORK/src"
mkdir -p "$DEST"
FORGE_PID=""

stop_forge() {
    if [[ -n "$FORGE_PID" ]] && kill -0 "$FORGE_PID" 2>/dev/null; then
        kill -TERM "$FORGE_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$FORGE_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$FORGE_PID" 2>/dev/null || true
        wait "$FORGE_PID" 2>/dev/null || true
    fi
    FORGE_PID=""
}

on_exit() {
    local code=$?
    stop_forge
    rm -rf "$WORK"
    if [[ $code -ne 0 ]]; then
        echo
        echo "demo FAILED (exit $code)" >&2
    fi
    exit $code
}
trap on_exit EXIT
trap 'exit 130' INT TERM

step() { printf '\n==> %s\n' "$*"; }

# -- forge ----------------------------------------------------------------------------------
step "Starting the local forge: ${SPECS[*]}"
forge_args=()
for spec in "${SPECS[@]}"; do forge_args+=(--spec "$spec"); done
(cd "$ROOT" && exec "$PY" -m tests.forge --root "$WORK/forge" "${forge_args[@]}") >"$WORK/forge.json" 2>"$WORK/forge.log" &
FORGE_PID=$!
for _ in $(seq 1 600); do
    [[ -s "$WORK/forge.json" ]] && break
    if ! kill -0 "$FORGE_PID" 2>/dev/null; then
        echo "the forge exited before it was ready:" >&2
        cat "$WORK/forge.log" >&2
        exit 1
    fi
    sleep 0.1
done
[[ -s "$WORK/forge.json" ]] || { echo "the forge did not start within 60 s" >&2; exit 1; }

forge_field() { "$PY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])' "$WORK/forge.json" "$1"; }
FORGE_URL="$(forge_field url)"
GITHUB_API="$(forge_field github_api)"
GITLAB_URL="$(forge_field gitlab_url)"
GITEA_API="$(forge_field gitea_api)"
BULK_CLONE_TOKEN="$("$PY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["tokens"][0])' "$WORK/forge.json")"
export BULK_CLONE_TOKEN
echo "forge at $FORGE_URL"
echo "  GitHub API $GITHUB_API   GitLab $GITLAB_URL   Gitea API $GITEA_API"

# Control calls of the forge (tests/forge/control.py), here to read and reset its request counters.
forge_control() {
    "$PY" - "$FORGE_URL" "$@" <<'EOF'
import sys
sys.path.insert(0, ".")
from tests.forge.control import ForgeClient
client = ForgeClient(sys.argv[1])
if sys.argv[2] == "reset":
    client.reset_counters()
else:
    counts = client.counters()
    api = {k: v for k, v in sorted(counts.items()) if k.startswith("api:") and not k.endswith(":list")}
    git = {k: v for k, v in sorted(counts.items()) if k.startswith("git:")}
    print("  API requests:", ", ".join("%s %d" % (k[4:], v) for k, v in api.items()) or "none")
    print("  git requests:", ", ".join("%s %d" % (k[4:], v) for k, v in git.items()) or "none (0)")
    with open(sys.argv[3], "w") as fh:
        fh.write("%d\n" % sum(git.values()))
EOF
}

cat >"$WORK/vars.json" <<EOF
{"github_api": "$GITHUB_API", "gitlab_url": "$GITLAB_URL", "gitea_api": "$GITEA_API", "dest": "$DEST"}
EOF

# A `tree`-like listing made with find and awk (tree may be missing): folders
# of owners and groups in full, clones shown as one line each (their content
# is left out), at most $2 clones or files per folder, the rest counted.
show_tree() {
    local root=$1 max=$2
    echo "$root"
    (cd "$root" && find . -mindepth 1 \( -name .git -printf '%P\tgit\n' -prune \) -o -printf '%P\t%y\n') |
    awk -F'\t' '
        function parent(p) { return sub(/\/[^\/]*$/, "", p) ? p : "" }
        { path[NR] = $1; type[NR] = $2; if ($2 == "git") repo[parent($1)] = 1 }
        END {
          for (i = 1; i <= NR; i++) {
            p = path[i]; if (type[i] == "git") continue
            n = split(p, part, "/"); prefix = ""; key = ""; inside = 0
            for (j = 1; j <= n; j++) {
              prefix = (j == 1) ? part[1] : prefix "/" part[j]
              if (j < n && prefix in repo) { inside = 1; break }
              # Within a folder: clones and files first, then sub-folders (groups).
              group = (j < n || (type[i] == "d" && !(p in repo))) ? 1 : 0
              key = key group part[j] "\002"
            }
            if (inside) continue
            kind = (p in repo) ? "repo" : (type[i] == "d" ? "group" : "file")
            print key "\t" p "\t" kind
          }
        }' |
    LC_ALL=C sort -t "$(printf '\t')" -k1,1 |
    awk -F'\t' -v max="$max" '
        function parent(p) { return sub(/\/[^\/]*$/, "", p) ? p : "" }
        { path[NR] = $2; kind[NR] = $3; if ($3 != "group") leaves[parent($2)]++ }
        END {
          for (i = 1; i <= NR; i++) {
            p = path[i]; up = parent(p); n = split(p, part, "/"); indent = ""
            for (j = 1; j < n; j++) indent = indent "    "
            if (kind[i] == "group") { print indent "|-- " part[n] "/"; continue }
            shown[up]++
            if (shown[up] <= max) print indent "|-- " part[n] (kind[i] == "repo" ? "/  (clone)" : "")
            else if (shown[up] == max + 1) print indent "|-- ... and " leaves[up] - max " more"
          }
        }'
}

# -- first run -------------------------------------------------------------------------------
step "First run: ansible-playbook tests/demo/playbook.yml (clones everything)"
forge_control reset
ansible-playbook -i "$DEMO/inventory.yml" "$DEMO/playbook.yml" -e "@$WORK/vars.json"
echo "forge counters for this run:"
forge_control show "$WORK/git1"

step "What is on disk"
for provider in github gitlab gitea; do
    clones=$(find "$DEST/$provider" -name .git -prune -type d | wc -l)
    printf '  %-7s %3d clones under %s\n' "$provider" "$clones" "$DEST/$provider"
done
show_tree "$DEST" 4

# -- second run: nothing changed upstream ----------------------------------------------------
step "Second run: the same playbook, nothing new upstream (expect changed=false, no git at all)"
forge_control reset
ansible-playbook -i "$DEMO/inventory.yml" "$DEMO/playbook.yml" -e "@$WORK/vars.json" -e expect_noop=true
echo "forge counters for this run:"
forge_control show "$WORK/git2"
if [[ "$(cat "$WORK/git2")" != "0" ]]; then
    echo "the no-op re-sync made $(cat "$WORK/git2") git requests; expected none" >&2
    exit 1
fi

# -- the ad-hoc form from the README ---------------------------------------------------------
step "Ad hoc, as in the README (token from BULK_CLONE_TOKEN in the environment):"
echo "  ansible localhost -m gizzahub.bulk_clone.bulk_clone -a \"owners=acme dest=$WORK/adhoc api_url=$GITHUB_API return_repos=none\""
forge_control reset
ansible localhost -m gizzahub.bulk_clone.bulk_clone \
    -a "owners=acme dest=$WORK/adhoc api_url=$GITHUB_API return_repos=none" | tee "$WORK/adhoc.out" || true
grep -q '| CHANGED' "$WORK/adhoc.out" || { echo "the ad-hoc run did not succeed:" >&2; cat "$WORK/adhoc.out" >&2; exit 1; }
echo "forge counters for this run:"
forge_control show "$WORK/git3"

step "Stopping the forge"
stop_forge
echo "demo OK"
