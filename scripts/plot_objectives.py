#!/usr/bin/env python3
"""docs/experiments/objectives.svg from the four audit reports of docs/experiments/objectives.md:
left, clean accuracy against robust accuracy at eps 0.08 (PGD-20 and AutoAttack); right, mean
accuracy per corruption kind, each objective minus NT.

Optional dependency (not in CI): matplotlib.
  python3 scripts/plot_objectives.py NT=report-nt/report.json PGD-AT=report-at/report.json \
      TRADES=report-trades/report.json CEB=report-ceb/report.json --out docs/experiments/objectives.svg
"""
import argparse
import json

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("reports", nargs="+", help="NAME=report.json; the first is the reference of the right panel")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    runs = [(s.split("=", 1)[0], json.load(open(s.split("=", 1)[1]))["results"]) for s in a.reports]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1, 1.6]})
    color = {name: f"C{i}" for i, (name, _) in enumerate(runs)}
    for name, r in runs:
        clean = 100 * r["float.clean.accuracy"]
        pgd, aa = 100 * r["float.pgd.eps_0.08.accuracy"], 100 * r["float.autoattack.eps_0.08.accuracy"]
        left.plot([clean, clean], [aa, pgd], "-", color="0.7")
        left.plot(clean, pgd, "o", color=color[name])
        left.plot(clean, aa, "x", color=color[name])
        left.annotate(name, (clean, pgd), textcoords="offset points", xytext=(-10, 6 if name in ("TRADES", "NT") else -14),
                      fontsize=8, color=color[name])
    left.set_xlabel("clean accuracy, %")
    left.set_ylabel("robust accuracy at ε 0.08, %")
    left.set_title("float nets: o PGD-20 (2000 images), x AutoAttack (500)", fontsize=9)
    kinds = sorted(k.split(".")[2] for k in runs[0][1] if k.startswith("float.corruption.") and k.endswith(".mean_accuracy") and k.count(".") == 3)
    ref = runs[0][1]
    width = 0.8 / (len(runs) - 1)
    for j, (name, r) in enumerate(runs[1:]):
        d = [100 * (r[f"float.corruption.{k}.mean_accuracy"] - ref[f"float.corruption.{k}.mean_accuracy"]) for k in kinds]
        right.bar([i + j * width for i in range(len(kinds))], d, width, label=f"{name} − {runs[0][0]}", color=color[name])
    right.axhline(0, color="k", lw=0.5)
    right.set_xticks([i + 0.4 - width / 2 for i in range(len(kinds))])
    right.set_xticklabels(kinds, rotation=70, fontsize=7)
    right.set_ylabel("mean accuracy over 5 levels, pt")
    right.set_title("corruptions: each objective minus " + runs[0][0], fontsize=9)
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(a.out)


if __name__ == "__main__":
    main()
