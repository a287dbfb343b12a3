"""Names instead of ids where a person reads them (a campaign id from a CRM export -> its name)."""

from __future__ import annotations

import duckdb


def campaign_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """campaign id -> campaign name, from the campaigns sheet (ids without a name map to themselves)."""
    return {str(i): str(n) for i, n in con.execute(
        "select campaign_id, campaign_name from campaigns where campaign_id is not null "
        "and campaign_name is not null").fetchall()}
