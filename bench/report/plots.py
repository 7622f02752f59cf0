"""The report's figures, drawn with Debian's matplotlib (run under /usr/bin/python3).

Figures are written as palette PNGs (Debian's matplotlib brings PIL) at a size chosen for
the page, and each must fit the byte budget of budget.py: the committed report stays small.
"""

import io
import os
import re

import matplotlib

matplotlib.use("Agg")  # no display: files only

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402
from PIL import Image  # noqa: E402

import budget  # noqa: E402

# Distinct colours, the strong ones first; every implementation gets one of its own, so no
# colour ever means two implementations, in one figure or across figures. Of tab20b and
# tab20c (groups of four shades of one hue) only the two darker shades: pale lines on white
# are hard to tell apart.
_PALETTE = []
for _name, _keep in (("tab10", None), ("Dark2", None), ("Set1", None), ("tab20b", (0, 1)),
                     ("tab20c", (0, 1)), ("Set2", None), ("Accent", None)):
    for _index, _colour in enumerate(plt.get_cmap(_name).colors):
        if (_keep is None or _index % 4 in _keep) and tuple(_colour) not in _PALETTE:
            _PALETTE.append(tuple(_colour))
del _name, _keep, _index, _colour

# Colours kept in a figure's palette: enough for every line and its anti-aliased edges.
_PNG_COLOURS = 64
_DPI = 100


class Styles:
    """One colour and one line style per implementation, the same in every figure.

    Ours are solid lines, peers dashed, as the report says. Variants of one implementation
    ("std::unordered_map(mutable)" beside "std::unordered_map") share its colour and
    differ by marker.
    """

    def __init__(self, implementations):
        bases = sorted({self._base(i) for i in implementations},
                       key=lambda b: (not b.startswith("immutable::"), b))
        if len(bases) > len(_PALETTE):
            raise ValueError(f"{len(bases)} implementations but only {len(_PALETTE)} distinct colours")
        self._color = {b: _PALETTE[i] for i, b in enumerate(bases)}
        # The n-th variant of an implementation (in name order) gets the n-th marker.
        self._marker = {}
        markers = "os^Dv<>Pp*hX"
        seen_per_base = {}
        for name in sorted(implementations):
            base = self._base(name)
            variant = seen_per_base.get(base, 0)
            seen_per_base[base] = variant + 1
            self._marker[name] = markers[variant % len(markers)]

    @staticmethod
    def _base(name):
        return re.sub(r"\(.*\)$", "", name)

    def __call__(self, implementation):
        ours = implementation.startswith("immutable::")
        return {
            "color": self._color.get(self._base(implementation), "black"),
            "marker": self._marker.get(implementation, "o"),
            "linewidth": 2.2 if ours else 1.4,
            "linestyle": "-" if ours else "--",
        }


def _format_size(value, _pos=None):
    for suffix, scale in (("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:g}{suffix}"
    return f"{value:g}"


def _format_time(value, _pos=None):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if value >= scale:
            return f"{value / scale:g} {unit}"
    return f"{value:g} ns"


def _format_rate(value, _pos=None):
    for suffix, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:g}{suffix}"
    return f"{value:g}"


def _finish(fig, ax, path, title):
    ax.set_title(title, fontsize=11)
    ax.grid(True, which="major", alpha=0.35)
    ax.grid(True, which="minor", alpha=0.12)
    handles, _ = ax.get_legend_handles_labels()
    if len(handles) > 4:
        # Many lines: the legend goes beside the axes instead of over the data.
        fig.set_size_inches(10.5, 4.6)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), framealpha=0.85)
    else:
        ax.legend(fontsize=8, loc="best", framealpha=0.85)
    fig.tight_layout()
    save_png(fig, path)
    plt.close(fig)


def save_png(fig, path):
    """Writes fig as a palette PNG; fails if it is over the per-plot byte budget."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, bbox_inches="tight")
    buffer.seek(0)
    image = Image.open(buffer).convert("RGB")
    image = image.quantize(colors=_PNG_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    image.save(path, format="PNG", optimize=True)
    size = os.path.getsize(path)
    if size > budget.PLOT_BYTES:
        raise ValueError(f"{path}: {size} bytes, over the per-plot budget of {budget.PLOT_BYTES} "
                         "(bench/report/budget.py): draw fewer lines or a smaller figure")


def time_vs_size(path, title, series, styles):
    """series: {implementation: [(size, median_ns, min_ns, max_ns), ...]}; log-log axes."""
    fig, ax = plt.subplots(figsize=(7.2, 4.4))
    for implementation, points in series.items():
        points = sorted(p for p in points if p[0] > 0 and p[1] > 0)
        if not points:
            continue
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        low = [max(0.0, p[1] - p[2]) for p in points]
        high = [max(0.0, p[3] - p[1]) for p in points]
        style = styles(implementation)
        ax.errorbar(xs, ys, yerr=[low, high], label=implementation, capsize=2.5,
                    markersize=4.5, **style)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(_format_size))
    ax.yaxis.set_major_formatter(FuncFormatter(_format_time))
    ax.set_xlabel("elements (N)")
    ax.set_ylabel("time per operation (median; bars: min to max)")
    _finish(fig, ax, path, title)


def memory_vs_size(path, title, series, styles):
    """series: {implementation: [(size, bytes_per_element), ...]}."""
    fig, ax = plt.subplots(figsize=(7.2, 4.4))
    values = []
    for implementation, points in series.items():
        points = sorted(p for p in points if p[0] > 0 and p[1] > 0)
        if not points:
            continue
        values += [p[1] for p in points]
        ax.plot([p[0] for p in points], [p[1] for p in points], label=implementation,
                markersize=4.5, **styles(implementation))
    ax.set_xscale("log")
    if values and max(values) / min(values) > 20:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
    else:
        ax.set_ylim(bottom=0)
    ax.xaxis.set_major_formatter(FuncFormatter(_format_size))
    ax.set_xlabel("elements (N)")
    ax.set_ylabel("bytes per element (allocated, live)")
    _finish(fig, ax, path, title)


def throughput_vs_threads(path, title, series, styles, cores):
    """series: {label: (implementation, [(threads, ops_per_second), ...])}."""
    fig, ax = plt.subplots(figsize=(7.2, 4.4))
    max_threads = 1
    for label, (implementation, points) in series.items():
        points = sorted(points)
        if not points:
            continue
        max_threads = max(max_threads, points[-1][0])
        ax.plot([p[0] for p in points], [p[1] for p in points], label=label,
                markersize=4.5, **styles(implementation))
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
    ax.yaxis.set_major_formatter(FuncFormatter(_format_rate))
    ax.set_ylim(bottom=0)
    if cores and max_threads > cores:
        ax.axvspan(cores, max_threads * 1.15, color="grey", alpha=0.15)
        ax.axvline(cores, color="grey", linestyle=":", linewidth=1)
        ax.text(cores * 1.04, ax.get_ylim()[1] * 0.03, f"oversubscribed\n(> {cores} cores)",
                fontsize=8, color="dimgrey", va="bottom")
    ax.set_xlabel(f"threads (machine has {cores} cores)")
    ax.set_ylabel("operations per second, all threads")
    _finish(fig, ax, path, title)
