#!/usr/bin/env python3
"""Writes fastdtw_reference.json: DTW distances of seeded path pairs computed by the `fastdtw` PyPI package.

The numbers are those of the real package (the one VLN-CE's NDTW measure calls:
`fastdtw(locations, gt_locations, dist=euclidean_distance)[0]`, radius 1), so that vlnsim's `--dtw fastdtw`
mode is checked against it, not against a re-implementation. `exact` is the package's own `fastdtw.dtw` (full
matrix) with the same distance.

    python3 -m venv /tmp/vlnsim-anchors/fastdtw
    /tmp/vlnsim-anchors/fastdtw/bin/pip install fastdtw numpy
    /tmp/vlnsim-anchors/fastdtw/bin/python Tests/VLNMeasuresTests/Fixtures/make_fastdtw_fixture.py

Pairs (query P, reference R; world frame, metres): VLN-CE-like walks (0.25 m forward steps, 15 degree turns, some
steps repeated as turns do), random-noise walks, back-and-forth agents and very uneven lengths (where fastdtw
misses the optimum), grid-aligned walks (many equal costs: they exercise the tie rule of
`min`), and short paths (fewer than radius + 2 = 3 points: the package falls back to full DTW).
"""
import json
import math
import os
import sys

import numpy as np
import fastdtw as fastdtw_pkg
from fastdtw import dtw, fastdtw


def euclidean_distance(a, b):  # VLN-CE habitat_extensions/utils.py
    return np.linalg.norm(np.array(b) - np.array(a), ord=2)


def vln_walk(rng, n, start, repeat_p=0.0):
    p = np.array(start, dtype=float)
    heading = rng.uniform(0, 2 * math.pi)
    out = [p.tolist()]
    for _ in range(n - 1):
        r = rng.random()
        if r < repeat_p:
            out.append(out[-1])  # a turn: the position repeats
            continue
        heading += math.radians(15) * rng.integers(-2, 3)
        p = p + 0.25 * np.array([math.sin(heading), 0.0, -math.cos(heading)])
        out.append(p.tolist())
    return out


def noise_walk(rng, n, scale):
    return np.cumsum(rng.normal(0, scale, size=(n, 3)), axis=0).tolist()


def grid_walk(rng, n):
    p = np.zeros(3)
    out = [p.tolist()]
    moves = [np.array(m, dtype=float) for m in ([1, 0, 0], [-1, 0, 0], [0, 0, 1], [0, 0, -1], [0, 0, 0])]
    for _ in range(n - 1):
        p = p + 0.5 * moves[rng.integers(0, len(moves))]
        out.append(p.tolist())
    return out


def main():
    rng = np.random.default_rng(20250610)
    pairs = []
    for k in range(12):
        r = vln_walk(rng, int(rng.integers(20, 80)), [0, 0.17, 0])
        p = vln_walk(rng, int(rng.integers(10, 150)), [rng.normal(0, 0.5), 0.17, rng.normal(0, 0.5)], repeat_p=0.3)
        pairs.append((f"vln_walk/{k}", p, r))
    for k in range(6):
        r = vln_walk(rng, 40, [0, 0, 0])
        p = (np.array(r) + rng.normal(0, 0.2, size=(40, 3))).tolist()
        pairs.append((f"noisy_reference/{k}", p, r))
    for k in range(6):
        pairs.append((f"noise_walk/{k}", noise_walk(rng, int(rng.integers(3, 60)), 0.3),
                      noise_walk(rng, int(rng.integers(3, 60)), 0.3)))
    for k in range(8):
        pairs.append((f"grid_ties/{k}", grid_walk(rng, int(rng.integers(4, 40))), grid_walk(rng, int(rng.integers(4, 40)))))
    for k in range(10):
        # An agent that goes along the reference, back, and out again (and detours): alignments far from the
        # diagonal, where fastdtw's window misses the optimum.
        r = vln_walk(rng, int(rng.integers(15, 50)), [0, 0, 0])
        cut = int(rng.integers(3, len(r)))
        back = r[:cut] + r[:cut][::-1] + r[: int(rng.integers(2, len(r)))]
        p = (np.array(back) + rng.normal(0, 0.1, size=(len(back), 3))).tolist()
        pairs.append((f"back_and_forth/{k}", p, r))
    for k in range(10):
        pairs.append((f"uneven_lengths/{k}", noise_walk(rng, int(rng.integers(60, 200)), 0.5),
                      noise_walk(rng, int(rng.integers(5, 30)), 0.5)))
    # Grid walks where the tie rule of `min` changes fastdtw's result (found by flipping the rule in a copy of the
    # package: draws 5186, 8022 and 8751 of this generator differ).
    tie_rng = np.random.default_rng(1)
    moves = np.array([[1, 0, 0], [-1, 0, 0], [0, 0, 1], [0, 0, -1], [0, 0, 0]], float) * 0.5
    for t in range(8752):
        n, m = tie_rng.integers(4, 20, size=2)
        p = np.cumsum(moves[tie_rng.integers(0, 5, n)], axis=0).tolist()
        r = np.cumsum(moves[tie_rng.integers(0, 5, m)], axis=0).tolist()
        if t in (5186, 8022, 8751):
            pairs.append((f"tie_rule/{t}", p, r))
    for n, m in ((1, 1), (1, 5), (2, 7), (7, 2), (3, 3), (4, 3), (5, 6)):
        pairs.append((f"short/{n}x{m}", noise_walk(rng, n, 1.0), noise_walk(rng, m, 1.0)))
    cases = []
    for name, p, r in pairs:
        # Rounded to 1 µm before the package sees them, to keep the file small; the values are of the rounded paths.
        p, r = np.round(np.array(p, dtype=float), 6).tolist(), np.round(np.array(r, dtype=float), 6).tolist()
        fast = fastdtw(p, r, dist=euclidean_distance)[0]
        exact = dtw(p, r, dist=euclidean_distance)[0]
        assert fast >= exact - 1e-9, name
        cases.append({"name": name, "query": p, "reference": r, "fastdtw": float(fast), "exact": float(exact)})
    out = {
        "description": "DTW(P, R) in metres from the fastdtw PyPI package (radius 1, dist = VLN-CE's euclidean_distance); "
                       "'exact' from the package's fastdtw.dtw. Made by make_fastdtw_fixture.py beside this file.",
        "fastdtw_version": getattr(fastdtw_pkg, "__version__", None) or __import__("importlib.metadata").metadata.version("fastdtw"),
        "fastdtw_module": fastdtw.__module__,
        "numpy_version": np.__version__,
        "python_version": sys.version.split()[0],
        "cases": cases,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fastdtw_reference.json")
    with open(path, "w") as f:
        json.dump(out, f)
        f.write("\n")
    differing = sum(1 for c in cases if abs(c["fastdtw"] - c["exact"]) > 1e-9)
    print(f"{len(cases)} cases ({differing} where fastdtw != exact) -> {path}")


if __name__ == "__main__":
    main()
