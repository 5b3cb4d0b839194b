"""Draw the growth curves of `make bench` and write their Markdown.

    plot.py PNG_DIR CURVE.json [CURVE.json ...]

Each CURVE.json is what one curve script measured:

    {"name": "event-size",                      # the PNG is PNG_DIR/<name>.png
     "title": "Cost per invocation against the body's size",
     "x": {"label": "body (bytes)", "log": true},
     "y": {"label": "instructions per invocation", "log": true},
     "fit": "linear",                           # or "power" (see below)
     "slope_unit": "instructions per byte",     # of a linear fit
     "series": [{"name": "cgate items, JSON body", "points": [[1024, 31000], ...],
                 "flagged": [[1024, "12 socket errors"]]}],   # optional
     "command": "bench/curves/event_size.sh",   # what produced it
     "notes": "Markdown: how it was measured, why a curve bends"}

For every series the Markdown gives its slope: with "fit": "linear", the
least-squares b of y = a + b x, in slope_unit; with "power", the exponent k
of y = c x^k fitted on the logarithms (1 is linear growth, 0 flat), which
suits curves over several decades where a constant term would dominate a
linear fit at one end. A series' "flagged" points (errors during the
measure, say) are ringed in red on the plot and listed under the table.
Prints the Markdown to standard output: one section per curve, the PNG
linked relative to the repository's root."""
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")  # no display: files only
import matplotlib.pyplot as plt  # noqa: E402


def least_squares(points):
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in points) / sxx


def slope(curve, points):
    """The fitted slope of one series, as text."""
    points = [(x, y) for x, y in points if y is not None]
    if len(points) < 2:
        return "(too few points)"
    if curve["fit"] == "power":
        logs = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
        k = least_squares(logs) if len(logs) >= 2 else None
        return "(too few points)" if k is None else f"exponent {k:.2f}"
    b = least_squares(points)
    return "(too few points)" if b is None else f"{b:.4g} {curve['slope_unit']}"


def flagged_points(series):
    """(x, y, why) of the series' flagged points that have a value."""
    values = dict(series["points"])
    return [(x, values[x], why) for x, why in series.get("flagged", []) if values.get(x) is not None]


def draw(curve, path):
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    ringed = False
    for series in curve["series"]:
        points = [(x, y) for x, y in series["points"] if y is not None]
        if points:
            ax.plot([x for x, _ in points], [y for _, y in points], marker="o", markersize=3,
                    label=series["name"])
        flagged = flagged_points(series)
        if flagged:
            ax.plot([x for x, _, _ in flagged], [y for _, y, _ in flagged], linestyle="none", marker="o",
                    markersize=9, markerfacecolor="none", color="red",  # a color: not from the cycle
                    label=None if ringed else "with errors (see below)")
            ringed = True
    ax.set_xscale("log" if curve["x"].get("log") else "linear")
    ax.set_yscale("log" if curve["y"].get("log") else "linear")
    ax.set_xlabel(curve["x"]["label"])
    ax.set_ylabel(curve["y"]["label"])
    ax.set_title(curve["title"], fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def markdown(curve, png):
    lines = [f"### {curve['title']}", "", f"![{curve['title']}]({png})", "",
             "| series | points | slope |", "|---|---:|---|"]
    for series in curve["series"]:
        measured = sum(1 for _, y in series["points"] if y is not None)
        lines.append(f"| {series['name']} | {measured} | {slope(curve, series['points'])} |")
    flagged = [f"{series['name']} at {x:g}: {why}" for series in curve["series"]
               for x, _, why in flagged_points(series)]
    if flagged:
        lines += ["", "Points with errors (ringed in red): " + "; ".join(flagged) + "."]
    lines += ["", curve.get("notes", "").strip(), "", f"Command: `{curve['command']}`", ""]
    return "\n".join(lines)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    png_dir = sys.argv[1]
    os.makedirs(png_dir, exist_ok=True)
    for name in sys.argv[2:]:
        with open(name) as f:
            curve = json.load(f)
        png = os.path.join(png_dir, curve["name"] + ".png")
        draw(curve, png)
        print(markdown(curve, os.path.relpath(png)))


if __name__ == "__main__":
    main()
