"""A demo database whose names are markup: what an upload could hold (issue 14, "text is text").

The territory, a campaign, an owner and a channel are named like markdown, Streamlit directives,
HTML and LaTeX; every page must show them as typed. Shared by the page tests (AppTest) and the
browser test (which also listens on the port the image link points at).
"""

from __future__ import annotations

import re
from pathlib import Path

from google.protobuf.json_format import MessageToDict


def hostile_names(port: int = 9) -> dict[str, str]:
    return {
        "territory": f"![x](http://127.0.0.1:{port}/p.png) LATAM",
        "campaign": "**bold** [link](http://example.com) Partner Dinner Series",
        "owner": ":red[colour] <img src=x> Alex Smith",
        "channel": "$x$ :tada: :material/home: Organic Search",
    }


ORIGINAL = {"territory": "LATAM", "campaign": "Partner Dinner Series", "owner": "Alex Smith",
            "channel": "Organic Search"}


def build(path: Path, port: int = 9, n_leads: int = 3000) -> dict[str, str]:
    """The demo with the four names replaced everywhere they occur; returns the names."""
    from revmachine import demo
    from revmachine.ingest import load as load_mod
    from revmachine.ingest.stage import Staged

    names = hostile_names(port)
    t = demo.generate(n_leads, 42)
    for table in t.values():
        for col in ("territory", "owner", "channel", "campaign_name"):
            if col in table:
                key = "campaign" if col == "campaign_name" else col
                table[col] = table[col].replace({ORIGINAL[key]: names[key]})
    load_mod.load(Staged([], [], [], demo.to_arrow(t)), path, modes={"*": "replace"})
    return names


MARKDOWN_KEYS = {"body", "label", "help", "placeholder"}


def markdown_texts(at) -> list[str]:
    """Every string an AppTest run hands Streamlit to render as markdown: bodies of markdown,
    captions, headings and alerts; labels and help of widgets, metrics, buttons, tabs, expanders."""
    out: list[str] = []

    def collect(d):
        if isinstance(d, dict):
            for k, v in d.items():
                if k in MARKDOWN_KEYS and isinstance(v, str):
                    out.append(v)
                elif k not in ("spec", "data", "arrow_data", "options", "default", "value"):
                    collect(v)
        elif isinstance(d, list):
            for v in d:
                collect(v)

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            collect(MessageToDict(proto, preserving_proto_field_name=True))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def plain(md: str) -> str:
    """Markdown text as it reads (backslash escapes and word joiners removed)."""
    return re.sub(r"\\(.)", r"\1", md).replace("\u2060", "")
