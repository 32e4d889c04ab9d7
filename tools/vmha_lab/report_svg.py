"""The report's timeline as a hand-written SVG: one lane per scenario (per
scenario and lab with --compare), one bar per milestone from the fault
(x = 0) to the milestone, labelled with its seconds; a milestone that never
happened is written "never" in red instead of a bar. Bars carry their
milestone and seconds as data-* attributes so tests can check them."""

import math
from xml.sax.saxutils import escape, quoteattr

from .report import TIMELINE

WIDTH = 980
LEFT = 250          # lane labels
RIGHT = 60          # room for the last bar's label
BAR_H = 13
BAR_GAP = 4
LANE_PAD = 7
GROUP_GAP = 8
TOP = 92            # title, legend and axis labels above the lanes
COLORS = {"detected_s": "#e8a33d", "fenced_s": "#8a63c4", "guest_running_s": "#3b7dd8",
          "first_write_s": "#2f9e5b", "stop_marked_s": "#7b8794", "health_red_s": "#d46a6a"}
NEVER = "#d62728"
OK = "#2f7d32"
STEPS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300)
LABELS = dict(TIMELINE)


def _axis_end(values):
    """(end of the axis, tick step): about ten ticks covering the largest value."""
    top = max(values, default=0) or 10
    step = next((s for s in STEPS if top / s <= 10), STEPS[-1])
    return math.ceil(top / step) * step, step


def _text(x, y, s, **attrs):
    """<text>; attributes as keywords, font_size for font-size, class_ for class."""
    extra = "".join(f' {k.rstrip("_").replace("_", "-")}={quoteattr(str(v))}'
                    for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(s)}</text>'


def _runs(n):
    return f"{n} run" + ("" if n == 1 else "s")


def _lanes(report):
    """[(scenario, lab name, its entry, first lane of the scenario)]."""
    out = []
    for sc in report["scenarios"]:
        for i, (name, o) in enumerate(sc["labs"].items()):
            out.append((sc["scenario"], name, o, i == 0))
    return out


def _lane(y, lane, keys, scale, compare):
    """One lane's SVG lines and its height."""
    scenario, name, o, first = lane
    drawn = [k for k in keys if k in o["milestones"]]
    # At least two rows: the lane's two label lines.
    height = LANE_PAD * 2 + max(2, len(drawn)) * (BAR_H + BAR_GAP) - BAR_GAP
    g = [f'<g class="lane" data-scenario={quoteattr(scenario)} data-lab={quoteattr(name)} '
         f'data-stack={quoteattr(o["stack"])}>']
    label_y = y + LANE_PAD + 11
    if first:
        g.append(_text(12, label_y, scenario, font_weight="bold"))
        label_y += 16
    else:  # the second lab of a pair: a divider from the first
        g.append(f'<line x1="12" y1="{y}" x2="{WIDTH - 12}" y2="{y}" stroke="#b8bec8" '
                 'stroke-dasharray="4 3"/>')
    who = f"{o['stack']} ({name})" if compare else _runs(o["runs"])
    verdict = "ok" if o["verified"] else f"{len(o['problems'])} problem(s)"
    if o.get("findings"):
        verdict += f", {len(o['findings'])} finding(s)"
    g.append(f'<text x="12" y="{label_y}" fill="#444">{escape(who)}: '
             f'<tspan fill="{OK if o["verified"] else NEVER}">{escape(verdict)}</tspan>'
             f'<title>{escape("; ".join(o["problems"] + o.get("findings", [])) or "verified")}'
             '</title></text>')
    by = y + LANE_PAD
    for k in drawn:
        v = o["milestones"][k]
        if v is None:
            g.append(_text(LEFT + 4, by + BAR_H - 2, f"{LABELS[k]}: never", fill=NEVER,
                           font_weight="bold", class_="never", data_milestone=k))
        else:
            w = v * scale
            g.append(f'<rect class="bar" data-milestone="{k}" data-seconds="{v}" '
                     f'x="{LEFT}" y="{by}" width="{w:.3f}" height="{BAR_H}" '
                     f'fill="{COLORS[k]}"><title>{escape(LABELS[k])} {v:g} s</title></rect>')
            g.append(_text(LEFT + w + 4, by + BAR_H - 2, f"{v:g} s"))
        by += BAR_H + BAR_GAP
    if not drawn:
        g.append(_text(LEFT + 4, by + BAR_H - 2, "no timeline milestones", fill="#888"))
    return g + ["</g>"], height


def _grid(end, step, scale, bottom):
    """A vertical line and a label per tick; the fault's line darker."""
    out = []
    for i in range(int(round(end / step)) + 1):
        x = LEFT + i * step * scale
        out.append(f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{bottom}" '
                   f'stroke="{"#555" if i == 0 else "#d0d4da"}"/>')
        label = "0 fault" if i == 0 else f"{i * step:g} s"
        out.append(_text(x, TOP - 10, label, text_anchor="middle", fill="#444"))
    return out


def _legend(keys):
    out = []
    x = LEFT
    for k in keys:
        out.append(f'<rect x="{x}" y="44" width="14" height="12" fill="{COLORS[k]}"/>')
        out.append(_text(x + 19, 54, LABELS[k]))
        x += 30 + 7 * len(LABELS[k])
    out.append(_text(x, 54, "never: did not happen", fill=NEVER, font_weight="bold"))
    return out


def draw(report):
    lanes = _lanes(report)
    compare = len(report["labs"]) > 1
    keys = [k for k, _ in TIMELINE if any(k in o["milestones"] for _, _, o, _ in lanes)]
    values = [v for _, _, o, _ in lanes for v in o["milestones"].values() if v is not None]
    end, step = _axis_end(values)
    scale = (WIDTH - LEFT - RIGHT) / end
    body, shading = [], []
    y = TOP
    shade = False
    for lane in lanes:
        if lane[3]:  # a scenario's first lane: its own shade, a gap above
            shade = not shade
            y += GROUP_GAP if y > TOP else 0
        lines, height = _lane(y, lane, keys, scale, compare)
        shading.append(f'<rect x="0" y="{y}" width="{WIDTH}" height="{height}" '
                       f'fill="{"#f1f3f6" if shade else "#ffffff"}"/>')
        body += lines
        y += height
    bottom = y + 8
    title = ("vmha-lab: " + " vs ".join(f"{lab['stack']} ({lab['lab']})" for lab in report["labs"])
             + " - seconds from the fault, last run of each scenario")
    height = bottom + 12
    return "\n".join(
        [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
         f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">',
         f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
         _text(12, 24, title, font_size="15", font_weight="bold")]
        + _legend(keys) + shading + _grid(end, step, scale, bottom) + body + ["</svg>", ""])
