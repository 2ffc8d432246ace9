#!/usr/bin/env python3
"""A separate numpy restatement of the mutual-information estimators (docs: issue 6's
formulas), used to produce the expected values of Tests/EdgeMetricsTests on a small
deterministic fixture. Prints I(T;X) and I(T;Y) in bits: KDE upper, KDE lower, binning.
Optional dependency: numpy.   python3 scripts/mi_reference.py
"""
import numpy as np

# Dyadic values: exact in float32, so the Swift code sees the same numbers.
T = np.array([[0.0, 0.125], [0.25, -0.25], [1.0, 0.375], [1.25, 0.875], [-0.5, 0.75]], dtype=np.float64)
Y = np.array([0, 0, 1, 1, 0])
SIGMA2, LAMBDA = 0.1, 0.5


def h_kde(x, var):
    n, d = x.shape
    dist = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    a = -dist / (2 * var)
    m = a.max(1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(a - m).sum(1))
    return d / 2 + d / 2 * np.log(2 * np.pi * var) + np.log(n) - lse.mean()


def h_bin(x):
    _, counts = np.unique(np.floor(x / LAMBDA), axis=0, return_counts=True)
    p = counts / counts.sum()
    return -(p * np.log2(p)).sum()


def main():
    d = T.shape[1]
    ln2 = np.log(2)
    hc = d / 2 * (np.log(2 * np.pi * SIGMA2) + 1)
    classes = [(Y == c).mean() for c in np.unique(Y)]
    hu = h_kde(T, SIGMA2)
    hl = h_kde(T, 4 * SIGMA2) + d / 2 * np.log(0.25)
    hu_y = sum(w * h_kde(T[Y == c], SIGMA2) for w, c in zip(classes, np.unique(Y)))
    hl_y = sum(w * (h_kde(T[Y == c], 4 * SIGMA2) + d / 2 * np.log(0.25)) for w, c in zip(classes, np.unique(Y)))
    hb = h_bin(T)
    hb_y = sum(w * h_bin(T[Y == c]) for w, c in zip(classes, np.unique(Y)))
    for name, v in [("kde_upper_itx", (hu - hc) / ln2), ("kde_upper_ity", (hu - hu_y) / ln2),
                    ("kde_lower_itx", (hl - hc) / ln2), ("kde_lower_ity", (hl - hl_y) / ln2),
                    ("bin_itx", hb), ("bin_ity", hb - hb_y)]:
        print(f"{name} = {v!r}")


if __name__ == "__main__":
    main()
