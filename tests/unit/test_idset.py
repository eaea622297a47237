# -*- coding: utf-8 -*-
# Copyright (c) 2026 gizzahub developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""idset: the compact id sets and maps behave as a dict would, across merges."""

from __future__ import annotations

import random
import tracemalloc

from bulk_clone_engine.idset import MIN_FRESH, IdSet, IntMap


def test_intmap_matches_a_dict_across_merges_and_deletes():
    rng = random.Random(7)
    ours, model = IntMap(), {}
    for step in range(12 * MIN_FRESH):
        ident = rng.randrange(1, 40 * MIN_FRESH) if step % 3 else step * 13
        if rng.random() < 0.15:
            ours.discard(ident)
            model.pop(ident, None)
        else:
            ours.set(ident, step)
            model[ident] = step
    assert len(ours) == len(model)
    assert dict(ours.items()) == model
    assert list(ours) == sorted(model)
    for ident in range(0, 40 * MIN_FRESH, 97):
        assert ours.get(ident) == model.get(ident)
        assert (ident in ours) == (ident in model)


def test_ids_in_increasing_order_take_the_fast_path_and_later_ones_still_land():
    ids = IntMap()
    for ident in range(0, 5000, 2):
        ids.append_or_set(ident, ident * 10)
    ids.append_or_set(1, 7)          # smaller than the last: the ordinary path
    ids.append_or_set(4, 8)          # already there: replaced
    ids.append_or_set(10 ** 15, 9)   # ids up to 63 bits (Bitbucket's derived ids)
    assert ids.get(1) == 7 and ids.get(4) == 8 and ids.get(3) is None and ids.get(10 ** 15) == 9
    assert len(ids) == 2500 + 2


def test_items_are_a_snapshot():
    ids = IntMap()
    for ident in range(3 * MIN_FRESH):
        ids.set(ident, 1)
    snapshot = ids.items()
    for ident in range(3 * MIN_FRESH, 6 * MIN_FRESH):      # forces merges while iterating
        ids.set(ident, 2)
    assert sum(1 for _pair in snapshot) == 3 * MIN_FRESH
    assert len(ids) == 6 * MIN_FRESH and "1" not in ids and 5 in ids


def test_idset_matches_a_set_in_any_order():
    rng = random.Random(5)
    ours, model = IdSet(), set()
    for ident in list(range(0, 3000, 3)) + [rng.randrange(10 ** 12) for _i in range(20 * MIN_FRESH)] + [2 ** 63 - 1, 7, 7]:
        ours.add(ident)
        model.add(ident)
    assert len(ours) == len(model) and list(ours) == sorted(model)
    assert all(i in ours for i in list(model)[:5000]) and 1 not in ours and "7" not in ours


def test_an_id_costs_about_8_bytes_not_a_hash_slot_and_an_int_object():
    """Issue 13 point 2: what a run keeps per listed repository stays small."""
    tracemalloc.start()
    try:
        ids = IdSet()
        for ident in random.Random(3).sample(range(10 ** 9), 50000):
            ids.add(ident)
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(ids) == 50000
    assert held < 16 * 50000, "%d bytes per id" % (held // 50000)
