# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where each service lives on a forge, for the in-process and the subprocess forge alike."""

from __future__ import annotations


class ForgeUrls:
    """Needs a `url` attribute or property: http://host:port."""

    url: str

    @property
    def github_api(self) -> str:
        return self.url + "/api/v3"

    @property
    def github_graphql(self) -> str:
        return self.url + "/api/graphql"

    @property
    def gitlab_url(self) -> str:
        return self.url

    @property
    def gitea_api(self) -> str:
        return self.url + "/api/v1"

    @property
    def bitbucket_api(self) -> str:
        """Bitbucket Cloud's api_url (api.bitbucket.org/2.0 on the real one)."""
        return self.url + "/bitbucket/2.0"

    @property
    def bitbucket_server_url(self) -> str:
        """Bitbucket Data Center's base URL, with a context path."""
        return self.url + "/bbs"
