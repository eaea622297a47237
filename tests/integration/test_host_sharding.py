# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""examples/host-sharding: one org over 3 inventory hosts (connection local,
a destination each), run with ansible-playbook against the local forge.
The shards must be disjoint and their union the whole org."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(REPO_ROOT, "examples", "host-sharding")
HOSTS = ("mirror-1", "mirror-2", "mirror-3")

pytestmark = pytest.mark.slow


@pytest.fixture
def collections_path(tmp_path):
    """The checkout as gizzahub.bulk_clone, without `make venv` having run."""
    root = tmp_path / "collections"
    (root / "ansible_collections" / "gizzahub").mkdir(parents=True)
    os.symlink(REPO_ROOT, str(root / "ansible_collections" / "gizzahub" / "bulk_clone"))
    return str(root)


def test_three_hosts_share_one_org_each_repo_once(fresh_forge, forge_token, collections_path, tmp_path):
    forge = fresh_forge(["github:acme:40"])
    mirror_root = tmp_path / "mirrors"
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_NOCOLOR="1",
               ANSIBLE_RETRY_FILES_ENABLED="false")
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    cmd = [playbook, "-i", os.path.join(EXAMPLE, "inventory.ini"), os.path.join(EXAMPLE, "playbook.yml"),
           "-e", "mirror_root=%s" % mirror_root, "-e", "forge_api_url=%s" % forge.github_api,
           "-e", "forge_token=%s" % forge_token, "-e", "org=acme", "-e", "ansible_python_interpreter=%s" % sys.executable]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    shares = {}
    for index, host in enumerate(HOSTS):
        on_disk = {"acme/" + name for name in os.listdir(str(mirror_root / host / "acme"))}
        assert "shard %d/3: %d repositories in %s" % (index, len(on_disk), mirror_root / host) in proc.stdout
        shares[host] = on_disk
    everything = {r["full_path"] for r in forge.repos("github", "acme")}
    assert all(shares.values()), "a host got an empty share of 40 repos: %r" % {h: len(s) for h, s in shares.items()}
    assert sum(len(s) for s in shares.values()) == len(everything)
    assert set.union(*shares.values()) == everything
    for a in HOSTS:
        for b in HOSTS:
            if a < b:
                assert shares[a].isdisjoint(shares[b])
    assert forge_token not in proc.stdout
    assert "reserved name" not in proc.stdout + proc.stderr
