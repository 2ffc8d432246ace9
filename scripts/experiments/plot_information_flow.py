#!/usr/bin/env python3
"""Figures and tables of docs/experiments/information-flow.md from the JSON that
scripts/experiments/information-flow.sh writes.

    scripts/experiments/plot_information_flow.py OUT [FIGURES]   (default docs/experiments/figures)
    scripts/experiments/plot_information_flow.py OUT --tables    (markdown tables on stdout)

Needs matplotlib (pip install matplotlib) for the figures; --tables needs only the standard
library. Optional tooling, not part of the build or CI.
"""
import json
import math
import os
import sys

LAYERS = ["relu1", "relu2", "relu3", "relu4", "fc3"]
MODELS = [("nt", "NT"), ("at", "PGD-AT")]
ESTIMATORS = [("kde_upper", "KDE upper"), ("kde_lower", "KDE lower"), ("bin", "binning")]
# Levels of the sweeps (Sources/EdgeCorruptions/Corruption+Parameters.swift, 28 px images);
# level 0 is the undistorted input.
SWEEPS = {"saturation": ("saturation p", ["2 (none)", "8", "16", "64", "1024"]),
          "patch_shuffle": ("patch shuffle k", ["none", "2", "4", "7"])}
SIGMAS = [3, 10, 30, 100, 300]   # the script's σ² sensitivity step
COLOURS = {"nt": "tab:blue", "at": "tab:red"}


def load(path):
    with open(path) as f:
        return json.load(f)


def ready(path):
    """A finished output (the script writes each JSON in one piece, but an empty one may be in progress)."""
    return os.path.exists(path) and os.path.getsize(path) > 0


def planes(out):
    return {m: load(os.path.join(out, f"{m}-planes.json")) for m, _ in MODELS}


def sweep_input(kind, source, level):
    """The mi JSON input name: clean/pgd at level 0, else e.g. pgd+saturation.level_2."""
    if level == 0:
        return source
    return f"{kind}.level_{level}" if source == "clean" else f"{source}+{kind}.level_{level}"


def sweep_value(mi, net, kind, source, level, layer, key):
    return mi[f"{net}.mi.{sweep_input(kind, source, level)}.{layer}.{key}"]


def sweep_accuracy(mi, net, kind, source, level):
    return mi[f"{net}.mi_inputs.{sweep_input(kind, source, level)}.accuracy"]


# ---------------------------------------------------------------- figures

def save(fig, path):
    """PNG with an adaptive 128-colour palette when Pillow is there: line plots need no more,
    and it keeps each committed figure well under 150 KB."""
    import io
    buf = io.BytesIO()
    fig.savefig(buf, dpi=72, format="png")
    try:
        from PIL import Image
        buf.seek(0)
        Image.open(buf).convert("RGB").quantize(colors=128).save(path, optimize=True)
    except ImportError:
        with open(path, "wb") as f:
            f.write(buf.getvalue())


def figure_planes(plt, logs, est, label, path):
    rows = [(m, name, inp) for m, name in MODELS for inp in ("clean", "pgd")]
    # Axes shared per column: NT and AT, clean and PGD of one layer on one scale.
    fig, axes = plt.subplots(len(rows), len(LAYERS), figsize=(15, 11), squeeze=False, sharex="col", sharey="col",
                             constrained_layout=True)
    n = logs["nt"]["settings"]["sample_count"]
    k = logs["nt"]["settings"]["classes"]
    for r, (m, name, inp) in enumerate(rows):
        epochs = logs[m]["epochs"]
        e = [x["epoch"] for x in epochs]
        for c, layer in enumerate(LAYERS):
            ax = axes[r][c]
            xs = [x["inputs"][inp][layer][f"{est}_itx"] for x in epochs]
            ys = [x["inputs"][inp][layer][f"{est}_ity"] for x in epochs]
            ax.plot(xs, ys, color="0.8", lw=0.8, zorder=1)
            sc = ax.scatter(xs, ys, c=e, cmap="viridis", s=22, zorder=2, vmin=1, vmax=max(e))
            ax.annotate(str(e[-1]), (xs[-1], ys[-1]), fontsize=7, xytext=(3, 3), textcoords="offset points")
            ax.grid(alpha=0.3)
            ax.tick_params(labelsize=7)
            if r == 0:
                ax.set_title(layer, fontsize=10)
            if c == 0:
                ax.set_ylabel(f"{name}, {inp}\nI(T;Y) bits", fontsize=9)
            if r == len(rows) - 1:
                ax.set_xlabel("I(T;X) bits", fontsize=9)
    s = logs["nt"]["settings"]
    fig.suptitle(f"Information planes during training, {label} (N = {n}, ceilings log2 N = {math.log2(n):.2f}, "
                 f"log2 K = {math.log2(k):.2f}; σ² = {s['sigma2']}, λ = {s['bin_size']}, PGD ε = {s['eps']}); colour = epoch",
                 fontsize=11)
    fig.colorbar(sc, ax=axes, shrink=0.6, label="epoch")
    save(fig, path)
    plt.close(fig)


def figure_training(plt, logs, path):
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for m, name in MODELS:
        ep = logs[m]["epochs"]
        e = [x["epoch"] for x in ep]
        acc = [x["test_accuracy"] for x in ep]
        fr = [x["fisher_frobenius_mean"] for x in ep]
        axes[0].plot(e, acc, "o-", color=COLOURS[m], label=name, ms=4)
        axes[1].semilogy(e, fr, "o-", color=COLOURS[m], label=name, ms=4)
        axes[2].semilogy(acc, fr, "o-", color=COLOURS[m], label=name, ms=4)
    axes[0].set(xlabel="epoch", ylabel="test accuracy (10k)", title="test accuracy")
    axes[1].set(xlabel="epoch", ylabel="mean ‖F(x)‖_F", title="Fisher Frobenius norm (1000 test images)")
    axes[2].set(xlabel="test accuracy", ylabel="mean ‖F(x)‖_F", title="Fisher norm vs accuracy (Shi et al. Fig. 3–4)")
    for ax in axes:
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    save(fig, path)
    plt.close(fig)


def figure_sweep(plt, mis, kind, est, path, title):
    xlabel, ticks = SWEEPS[kind]
    levels = range(len(ticks))
    fig, axes = plt.subplots(2, len(LAYERS) + 1, figsize=(17, 6.5), squeeze=False)
    for m, name in MODELS:
        mi = mis[m]
        for source, ls in (("clean", "-"), ("pgd", "--")):
            for net, mk in (("float", "o"), ("int8", "x")):
                lab = f"{name} {source} {net}"
                kw = dict(color=COLOURS[m], ls=ls, marker=mk, ms=5, lw=1.2, label=lab)
                for c, layer in enumerate(LAYERS):
                    for r, q in enumerate(("itx", "ity")):
                        ys = [sweep_value(mi, net, kind, source, lv, layer, f"{est}_{q}") for lv in levels]
                        axes[r][c].plot(list(levels), ys, **kw)
                acc = [sweep_accuracy(mi, net, kind, source, lv) for lv in levels]
                axes[0][-1].plot(list(levels), acc, **kw)
    for c, layer in enumerate(LAYERS):
        axes[0][c].set_title(layer, fontsize=10)
    axes[0][0].set_ylabel("I(T;X) bits")
    axes[1][0].set_ylabel("I(T;Y) bits")
    axes[0][-1].set_title("accuracy", fontsize=10)
    axes[1][-1].axis("off")
    handles, labels = axes[0][-1].get_legend_handles_labels()
    axes[1][-1].legend(handles, labels, fontsize=8, loc="center")
    for row in axes:
        for ax in row:
            ax.set_xticks(list(levels))
            ax.set_xticklabels(ticks, fontsize=7)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
            ax.set_xlabel(xlabel, fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    save(fig, path)
    plt.close(fig)


MIAT_BARS = [("natural_mi_clean", "natural, clean"), ("natural_mi_noise", "natural, ±ε noise"),
             ("natural_mi_pgd", "natural, PGD"), ("adversarial_mi_noise", "adversarial, ±ε noise"),
             ("adversarial_mi_pgd", "adversarial, PGD")]


def figure_miat(plt, fishers, path):
    groups = [(m, name, net) for m, name in MODELS for net in ("float", "int8")]
    fig, ax = plt.subplots(figsize=(11, 4.2))
    width = 0.8 / len(groups)
    for g, (m, name, net) in enumerate(groups):
        d = fishers[(m, net)]["miat"]
        ys = [d[k]["nats"] for k, _ in MIAT_BARS]
        xs = [i + (g - (len(groups) - 1) / 2) * width for i in range(len(MIAT_BARS))]
        ax.bar(xs, ys, width, color=COLOURS[m], alpha=1.0 if net == "float" else 0.5, hatch="" if net == "float" else "//",
               label=f"{name} {net}")
    ceiling = fishers[("nt", "float")]["miat"]["natural_mi_clean"]["ceiling"]
    ax.axhline(ceiling, color="0.5", ls=":", lw=1)
    ax.text(len(MIAT_BARS) - 0.5, ceiling, f"InfoNCE ceiling ln 64 = {ceiling:.2f}", ha="right", va="bottom", fontsize=8)
    ax.set_xticks(range(len(MIAT_BARS)))
    ax.set_xticklabels([lab for _, lab in MIAT_BARS], fontsize=9)
    ax.set_ylabel("InfoNCE lower bound (nats)")
    ax.set_title("MIAT natural (outputs vs x) and adversarial (outputs vs (x′ − x)/ε) MI; 2048 images, bound on the held-out 25%")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    save(fig, path)
    plt.close(fig)


# ---------------------------------------------------------------- tables

def f2(x):
    return f"{x:.2f}"


def tables(out):
    logs = planes(out)
    lines = []
    # Training: accuracy, Fisher, last-epoch planes.
    lines.append("### Training curves\n")
    lines.append("| epoch | NT acc | AT acc | NT mean ‖F‖_F | AT mean ‖F‖_F |")
    lines.append("|---|---|---|---|---|")
    for a, b in zip(logs["nt"]["epochs"], logs["at"]["epochs"]):
        lines.append(f"| {a['epoch']} | {a['test_accuracy']:.4f} | {b['test_accuracy']:.4f} | "
                     f"{a['fisher_frobenius_mean']:.3g} | {b['fisher_frobenius_mean']:.3g} |")
    for est, label in ESTIMATORS:
        lines.append(f"\n### Planes, {label}: (I(T;X), I(T;Y)) at epochs 1 → 5 → last\n")
        lines.append("| layer | NT clean | NT PGD | AT clean | AT PGD |")
        lines.append("|---|---|---|---|---|")
        for layer in LAYERS:
            cells = []
            for m, _ in MODELS:
                ep = logs[m]["epochs"]
                pick = [ep[0], ep[min(4, len(ep) - 1)], ep[-1]]
                for inp in ("clean", "pgd"):
                    cells.append(" → ".join(f"({f2(x['inputs'][inp][layer][est + '_itx'])}, {f2(x['inputs'][inp][layer][est + '_ity'])})"
                                            for x in pick))
            lines.append(f"| {layer} | " + " | ".join(cells) + " |")
    for variant in ("", "fixed-"):
        paths = {m: os.path.join(out, f"mi-{variant}{m}.json") for m, _ in MODELS}
        if not all(ready(p) for p in paths.values()):
            continue
        mis = {m: load(p) for m, p in paths.items()}
        sig = "per-layer σ²" if not variant else "fixed σ²"
        lines.append(f"\n### Final nets, {sig}: σ² per layer\n")
        lines.append("| model | " + " | ".join(LAYERS) + " |")
        lines.append("|---|" + "---|" * len(LAYERS))
        for m, name in MODELS:
            s = [mis[m].get(f"mi.sigma2.{l}") for l in LAYERS]
            lines.append(f"| {name} | " + " | ".join("—" if v is None else f"{v:.1f}" for v in s) + " |")
        for kind in SWEEPS:
            xl, ticks = SWEEPS[kind]
            for est in ("kde_lower", "kde_upper"):
                lines.append(f"\n### {kind}, {sig}, {est}: I(T;X) / I(T;Y) at {xl} = {', '.join(ticks)}\n")
                lines.append("| model | input | net | accuracy | " + " | ".join(LAYERS) + " |")
                lines.append("|---|---|---|---|" + "---|" * len(LAYERS))
                for m, name in MODELS:
                    for source in ("clean", "pgd"):
                        for net in ("float", "int8"):
                            lv = range(len(ticks))
                            acc = " ".join(f"{sweep_accuracy(mis[m], net, kind, source, i):.2f}" for i in lv)
                            cells = []
                            for layer in LAYERS:
                                x = " ".join(f2(sweep_value(mis[m], net, kind, source, i, layer, est + "_itx")) for i in lv)
                                y = " ".join(f2(sweep_value(mis[m], net, kind, source, i, layer, est + "_ity")) for i in lv)
                                cells.append(f"{x} / {y}")
                            lines.append(f"| {name} | {source} | {net} | {acc} | " + " | ".join(cells) + " |")
    sig = {(m, s2): os.path.join(out, f"mi-sigma-{m}-{s2}.json") for m, _ in MODELS for s2 in SIGMAS}
    if all(ready(p) for p in sig.values()):
        for est in ("kde_upper", "kde_lower"):
            lines.append(f"\n### σ² sensitivity, final float nets, clean, {est}: I(T;X) NT / AT (I(T;Y) NT / AT)\n")
            lines.append("| σ² | " + " | ".join(LAYERS) + " |")
            lines.append("|---|" + "---|" * len(LAYERS))
            for s2 in SIGMAS:
                d = {m: load(sig[(m, s2)]) for m, _ in MODELS}
                cells = []
                for layer in LAYERS:
                    v = {m: (d[m][f"float.mi.clean.{layer}.{est}_itx"], d[m][f"float.mi.clean.{layer}.{est}_ity"]) for m, _ in MODELS}
                    cells.append(f"{f2(v['nt'][0])} / {f2(v['at'][0])} ({f2(v['nt'][1])} / {f2(v['at'][1])})")
                lines.append(f"| {s2} | " + " | ".join(cells) + " |")
    fpaths = {(m, n): os.path.join(out, f"fisher-{m}-{n}.json") for m, _ in MODELS for n in ("float", "int8")}
    if all(ready(p) for p in fpaths.values()):
        lines.append("\n### Fisher, CCKL, MIAT (final nets)\n")
        lines.append("| model | net | images | accuracy | mean ‖F‖_F | median ‖F‖_F | mean ‖F‖₂ | CCKL | "
                     "acc noise | acc PGD | nat clean | nat noise | nat PGD | adv noise | adv PGD |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for (m, n), p in fpaths.items():
            d = load(p)
            mi = d["miat"]
            name = dict(MODELS)[m]
            lines.append(f"| {name} | {n} | {d['images']} | {d['accuracy']:.4f} | {d['fisher_frobenius']['mean']:.3g} | "
                         f"{d['fisher_frobenius']['median']:.3g} | {d['fisher_spectral']['mean']:.3g} | {d['cckl']:.2f} | "
                         f"{mi['accuracy_noise']:.3f} | {mi['accuracy_pgd']:.3f} | "
                         + " | ".join(f"{mi[k]['nats']:.2f}" for k, _ in MIAT_BARS) + " |")
    times = os.path.join(out, "times.tsv")
    if os.path.exists(times):
        lines.append("\n### Wall times (s)\n")
        lines.append("| step | s |")
        lines.append("|---|---|")
        with open(times) as f:
            for row in f:
                name, s = row.split()
                lines.append(f"| {name} | {s} |")
    print("\n".join(lines))


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    out = argv[1]
    if "--tables" in argv:
        tables(out)
        return
    figs = argv[2] if len(argv) > 2 else "docs/experiments/figures"
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    os.makedirs(figs, exist_ok=True)
    logs = planes(out)
    for est, label in ESTIMATORS:
        figure_planes(plt, logs, est, label, os.path.join(figs, f"planes-{est.replace('_', '-')}.png"))
    figure_training(plt, logs, os.path.join(figs, "training-accuracy-fisher.png"))
    for variant, sig in (("", "per-layer σ² (mi default)"), ("fixed-", "fixed σ² = training planes'")):
        paths = {m: os.path.join(out, f"mi-{variant}{m}.json") for m, _ in MODELS}
        if not all(ready(p) for p in paths.values()):
            continue
        mis = {m: load(p) for m, p in paths.items()}
        for kind in SWEEPS:
            name = f"sweep-{kind.replace('_', '-')}{'-fixed' if variant else ''}.png"
            figure_sweep(plt, mis, kind, "kde_lower", os.path.join(figs, name),
                         f"{kind.replace('_', ' ')}: KDE lower bound, {sig}; colour = model, dashed = PGD input, x = int8")
    fpaths = {(m, n): os.path.join(out, f"fisher-{m}-{n}.json") for m, _ in MODELS for n in ("float", "int8")}
    if all(ready(p) for p in fpaths.values()):
        figure_miat(plt, {k: load(p) for k, p in fpaths.items()}, os.path.join(figs, "miat.png"))
    for f in sorted(os.listdir(figs)):
        print(f"{os.path.join(figs, f)}: {os.path.getsize(os.path.join(figs, f)) // 1024} KB")


if __name__ == "__main__":
    main(sys.argv)
