"""The as-is process map and the to-be sequence drawn with Graphviz (`dot`, via the graphviz
package) as SVG: stage boxes left to right, arrows as thick as the deals that made the move,
skips and loops back in their own colours, the bottleneck in red. The texts come from the section;
this module only draws (edges: `auditkit.metrics.process_map.stage_edges`)."""
from __future__ import annotations

import graphviz
import pandas as pd

FONT = "DejaVu Sans"
WIDTH_IN = 7.2  # the figure's width on A4 (inches); dot scales the drawing down to it
EDGE_STYLE = {  # kind: (colour, style)
    "entry": ("#9e9e9e", "solid"), "forward": ("#37474f", "solid"), "skip": ("#1565c0", "dashed"),
    "back": ("#e65100", "solid"), "outside": ("#757575", "dotted"), "won": ("#2e7d32", "solid"),
    "lost": ("#9e9e9e", "solid"), "open": ("#9e9e9e", "dotted"),
}
NODE_STYLE = {  # kind: node attributes
    "stage": {"shape": "box", "style": "rounded,filled", "fillcolor": "#eceff1", "color": "#37474f"},
    "bottleneck": {"shape": "box", "style": "rounded,filled,bold", "fillcolor": "#ffebee", "color": "#c62828",
                   "penwidth": "2.2"},
    "outside": {"shape": "box", "style": "rounded,dashed", "color": "#757575"},
    "start": {"shape": "ellipse", "style": "filled", "fillcolor": "#fafafa", "color": "#9e9e9e"},
    "won": {"shape": "ellipse", "style": "filled", "fillcolor": "#e8f5e9", "color": "#2e7d32"},
    "lost": {"shape": "ellipse", "style": "filled", "fillcolor": "#f5f5f5", "color": "#9e9e9e"},
    "open": {"shape": "ellipse", "style": "dashed", "color": "#9e9e9e"},
}


def _graph(height_in: float) -> graphviz.Digraph:
    g = graphviz.Digraph(format="svg")
    g.attr(rankdir="LR", size=f"{WIDTH_IN},{height_in}", ratio="compress", nodesep="0.25", ranksep="0.2",
           fontname=FONT, bgcolor="transparent")
    g.attr("node", fontname=FONT, fontsize="10", margin="0.08,0.04")
    g.attr("edge", fontname=FONT, fontsize="8.5", arrowsize="0.6")
    return g


def _lines(text: str) -> str:
    """A label's line breaks as dot writes them (centred lines)."""
    return text.replace("\n", "\\n")


def _svg(g: graphviz.Digraph) -> str:
    svg = g.pipe(format="svg", encoding="utf-8")
    return svg[svg.index("<svg"):]


def as_is_map(nodes: pd.DataFrame, edges: pd.DataFrame, height_in: float = 3.0) -> str:
    """SVG of the as-is map. `nodes`: id, label, kind (a NODE_STYLE key), drop (the text of the deals
    that left the process at this box, "" for none), drop_deals, in the to-be order first; `edges`:
    source, target (node ids), kind (an EDGE_STYLE key), deals, label. An arrow's width grows with
    its deals; forward arrows hold the boxes in line, skips and steps back bend around them, and
    the drop-outs of a box hang under it."""
    g = _graph(height_in)
    ids = {node_id: f"n{i}" for i, node_id in enumerate(nodes["id"])}
    top = max(float(edges["deals"].max()), 1.0) if len(edges) else 1.0
    width = lambda deals: f"{0.8 + 5.2 * deals / top:.2f}"  # noqa: E731
    for rec in nodes.itertuples():
        g.node(ids[rec.id], _lines(rec.label), **NODE_STYLE[rec.kind])
        if rec.drop:
            with g.subgraph() as same:
                same.attr(rank="same")
                same.node(ids[rec.id])
                same.node(ids[rec.id] + "d", _lines(rec.drop), shape="plaintext", fontsize="10", fontcolor="#616161")
            g.edge(ids[rec.id], ids[rec.id] + "d", color="#bdbdbd", penwidth=width(rec.drop_deals), arrowsize="0.5")
    for rec in edges.itertuples():
        colour, style = EDGE_STYLE[rec.kind]
        straight = rec.kind in ("entry", "forward", "won")
        g.edge(ids[rec.source], ids[rec.target], label=_lines(rec.label), color=colour, fontcolor=colour, style=style,
               penwidth=width(rec.deals), weight="10" if straight else "1",
               constraint="false" if rec.kind in ("skip", "back") else "true")
    return _svg(g)


def to_be_sequence(labels: list[str], title: str) -> str:
    """SVG of the to-be stage sequence in one line, headed by `title`."""
    g = _graph(0.8)
    g.node("title", title, shape="plaintext", fontsize="10")
    previous = "title"
    for i, label in enumerate(labels):
        g.node(f"s{i}", _lines(label), shape="box", style="rounded", color="#37474f", fontsize="9", height="0.3",
               width="0")
        g.edge(previous, f"s{i}", style="invis" if previous == "title" else "solid", color="#37474f")
        previous = f"s{i}"
    return _svg(g)
