# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The module door for Bitbucket: org_repos run by Ansible itself with the
new provider choices, owner kinds and `username` option."""

from __future__ import annotations

from functools import partial

import pytest

from ansible_support import COLLECTIONS, run_module

API_TOKEN = "ATATT-ansible-Zq81-do-not-print"
TOKEN = "bbs-Zq81-do-not-print"
EMAIL = "forge-admin@forge.test"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (COLLECTIONS / "ansible_collections" / "gizzahub" / "bulk_clone").is_dir(),
                       reason="the collection is not linked into .venv/collections (run `make venv`)"),
]


@pytest.fixture(scope="module")
def bforge(tmp_path_factory):
    from tests.forge import Forge
    forge = Forge(specs=["bitbucket:acme:30", "bitbucket-server-user:alice:4"],
                  root=str(tmp_path_factory.mktemp("forge-bb-ansible")), tokens=(TOKEN,),
                  bitbucket_api_tokens=[API_TOKEN])
    forge.start()
    yield forge
    forge.stop()


adhoc = partial(run_module, "org_repos")


def test_cloud_api_token_with_username(bforge):
    rc, result, output = adhoc("provider=bitbucket api_url=%s username=%s owners=acme owner_kind=workspace "
                               "fields=full_path,clone_url" % (bforge.bitbucket_api, EMAIL),
                               BITBUCKET_TOKEN=API_TOKEN)
    assert rc == 0, output
    assert {r["full_path"] for r in result["repos"]} == {r["full_path"] for r in bforge.repos("bitbucket", "acme")}
    assert all("@" not in r["clone_url"] for r in result["repos"])
    assert API_TOKEN not in output


def test_data_center_personal_project_and_a_clear_error(bforge):
    rc, result, output = adhoc("provider=bitbucket_server api_url=%s token=%s owners=alice owner_kind=user"
                               % (bforge.bitbucket_server_url, TOKEN))
    assert rc == 0, output
    assert {r["full_path"] for r in result["repos"]} == {r["full_path"] for r in bforge.repos("bitbucket-server", "~alice")}
    rc, result, output = adhoc("provider=bitbucket username=not-an-email token=%s owners=acme" % TOKEN)
    assert rc != 0 and "username for provider bitbucket is your Atlassian account email" in result["msg"]
    assert TOKEN not in output
