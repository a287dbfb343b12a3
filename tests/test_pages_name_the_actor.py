"""Every write a page makes names who makes it (actor=...): a write function given no actor acts as
the command line's user, which on a shared server would be the wrong name on the change."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRITES = {"add_action", "update_action", "save_version", "save_settings", "save_channels", "save_stages",
          "save_currencies", "save_reporting_currency", "save_fx_rates", "undo_batch", "undo_last", "load",
          "build", "backup"}


def test_every_write_on_a_page_names_its_actor():
    missing = []
    for f in [*sorted((ROOT / "views").glob("*.py")), ROOT / "revmachine" / "ui.py"]:
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
                owner = node.func.value.id if isinstance(node.func.value, ast.Name) else ""
                if owner in {"load_mod", "meeting", "planning", "configure", "demo", "state"} \
                        and not any(k.arg == "actor" for k in node.keywords):
                    missing.append(f"{f.name}:{node.lineno} {owner}.{node.func.attr}")
    assert not missing, f"writes without actor=: {missing}"
