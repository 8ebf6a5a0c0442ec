#!/usr/bin/env python3
"""What a smooth 2-D pad can reach on the SAFE folds, without a decoder.

Reads the TSV of `cargo run --release -p semantic-eq-model --features train
--example curves -- SAFE.csv` (every non-noise row's fold of
`train --folds 5 --seed 1`, its warm/bright label and its 128-point dB
curve) and prints, as means over the 5 folds' held-out rows, the figures of
curve-space references that no EQ parameter or decoder stands between:

* flat and PCA-k: the held-out curve projected on the training rows' first
  k principal directions (a linear k-D pad);
* 1-NN: the nearest training curve (an infinitely crinkled pad);
* self-organising maps on a 31 x 31 grid over [-1, 1]^2, fitted to the
  training curves with the mean absolute dB distance the coverage metric
  uses; "semantic" maps assign warm rows only to x < 0 and bright rows only
  to x > 0 while fitting, as the trainer's refinement does. A map's
  smoothness is its neighbourhood width at the end (in grid steps); its
  max step is the largest curve change between neighbouring nodes per 1 %
  of pad width, the figure the step gate bounds (<= 1.1 dB).

Coverage is the mean absolute dB error of each held-out row at its best
fit, accuracy the share of held-out warm/bright rows whose best fit has the
right sign of x (for 1-NN: the nearest row's label, where it has one).
numpy only; about 17 minutes on 2 cores (float32 distances).
"""
import sys

import numpy as np

GRID = 31


def load(path):
    folds, labels, curves = [], [], []
    for line in open(path):
        fold, label, _descriptor, curve = line.rstrip("\n").split("\t")
        folds.append(int(fold))
        labels.append(int(label))
        curves.append([float(v) for v in curve.split(",")])
    return np.array(folds), np.array(labels), np.array(curves, dtype=np.float32)


def l1(a, b, chunk=64):
    """Mean absolute dB distance of every row of a to every row of b."""
    return np.concatenate(
        [np.abs(a[i : i + chunk, None, :] - b[None]).mean(-1) for i in range(0, len(a), chunk)]
    )


def som(x, labels, semantic, end_width, iterations=60, start_width=8.0):
    """Batch SOM; returns node curves [GRID^2, F] and node x coordinates."""
    mean = x.mean(0)
    centred = x - mean
    if semantic:
        # x axis along bright minus warm, y along the residual's first PC.
        ax = x[labels == 1].mean(0) - x[labels == -1].mean(0)
        ax /= np.linalg.norm(ax)
    else:
        ax = np.linalg.svd(centred, full_matrices=False)[2][0]
    rest = centred - np.outer(centred @ ax, ax)
    ay = np.linalg.svd(rest, full_matrices=False)[2][0]
    gx, gy = np.meshgrid(np.linspace(-1, 1, GRID), np.linspace(-1, 1, GRID))
    gx, gy = gx.ravel(), gy.ravel()
    nodes = mean + 2 * (
        np.outer(gx, ax) * (centred @ ax).std() + np.outer(gy, ay) * (rest @ ay).std()
    )
    ij = np.stack(np.meshgrid(np.arange(GRID), np.arange(GRID)), -1).reshape(-1, 2)
    grid_d2 = ((ij[:, None, :] - ij[None, :, :]) ** 2).sum(-1)
    for t in range(iterations):
        width = start_width * (end_width / start_width) ** (t / (iterations - 1))
        d = l1(x, nodes)
        if semantic:
            d[(labels == -1)[:, None] & (gx[None] >= 0)] = np.inf
            d[(labels == 1)[:, None] & (gx[None] <= 0)] = np.inf
        h = np.exp(-grid_d2 / (2 * width * width))[d.argmin(1)]
        nodes = (h.T @ x) / h.sum(0)[:, None]
    return nodes, gx


def max_step(nodes):
    g = nodes.reshape(GRID, GRID, -1)
    step = max(np.abs(np.diff(g, axis=0)).mean(-1).max(), np.abs(np.diff(g, axis=1)).mean(-1).max())
    return step / (100 / (GRID - 1))


def main():
    folds, labels, curves = load(sys.argv[1])
    k = folds.max() + 1
    rows = {}

    def add(name, fold_figures):
        rows.setdefault(name, []).append(fold_figures)

    for f in range(k):
        tr, te = folds != f, folds == f
        x, xl, y, yl = curves[tr], labels[tr], curves[te], labels[te]
        labelled = yl != 0
        add("flat (0 dB)", (np.abs(y).mean(), None, None))
        mean = x.mean(0)
        vt = np.linalg.svd(x - mean, full_matrices=False)[2]
        for dims in (1, 2, 3, 4):
            v = vt[:dims]
            proj = (y - mean) @ v.T @ v + mean
            add(f"PCA-{dims}", (np.abs(y - proj).mean(), None, None))
        d = l1(y, x)
        nearest = d.argmin(1)
        hit = xl[nearest] == yl
        known = labelled & (xl[nearest] != 0)
        add("1-NN (nearest training curve)", (d.min(1).mean(), hit[known].mean(), None))
        for semantic, width in ((False, 1.0), (True, 1.0), (True, 1.3)):
            nodes, gx = som(x, xl, semantic, width)
            d = l1(y, nodes)
            bx = gx[d.argmin(1)]
            if not semantic:
                # Orient the map by the training rows, then read the sign.
                dtr = l1(x, nodes).argmin(1)
                if gx[dtr][xl == 1].mean() < gx[dtr][xl == -1].mean():
                    bx = -bx
            acc = (np.sign(bx[labelled]) == yl[labelled]).mean()
            name = f"{'semantic' if semantic else 'plain'} SOM, width {width}"
            add(name, (d.min(1).mean(), acc, max_step(nodes)))
        print(f"fold {f} done", file=sys.stderr, flush=True)

    print("| reference | coverage (dB) | warm/bright accuracy | max step per 1 % (worst fold) |")
    print("|---|---|---|---|")
    for name, figures in rows.items():
        cov = np.array([r[0] for r in figures])
        acc = [r[1] for r in figures if r[1] is not None]
        step = [r[2] for r in figures if r[2] is not None]
        print(
            f"| {name} | {cov.mean():.3f} ± {cov.std(ddof=1):.3f} | "
            + (f"{np.mean(acc):.3f} ± {np.std(acc, ddof=1):.3f}" if acc else "-")
            + " | "
            + (f"{max(step):.2f} dB" if step else "-")
            + " |"
        )


if __name__ == "__main__":
    main()
