# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The release number, in one place.

pyproject.toml reads it (setuptools `attr:`, parsed without importing the
package), the console prints it for `--version`, and galaxy.yml, which must
stay static YAML, is held equal to it by tests/unit/test_release.py.
"""

from __future__ import annotations

__version__ = "0.1.0"
