"""The shared filters (territory, channel, owner, sourced-by) and their options."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

FILTER_KEYS = ("territory", "channel", "owner", "sourced_by")


@dataclass(frozen=True)
class Filters:
    territory: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    owner: tuple[str, ...] = ()
    sourced_by: tuple[str, ...] = ()

    def params(self) -> dict[str, list[str]]:
        """Bound as list parameters; an empty list means 'all'."""
        return {k: list(getattr(self, k)) for k in FILTER_KEYS}

    def describe(self) -> str:
        parts = [f"{k.replace('_', ' ')}: {', '.join(v)}" for k in FILTER_KEYS if (v := getattr(self, k))]
        return "; ".join(parts) if parts else "all territories, channels, owners"

    @classmethod
    def from_mapping(cls, m) -> Filters:
        return cls(**{k: tuple(m.get(k) or ()) for k in FILTER_KEYS})


def options(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The values each filter offers: those the funnel records have (read from their rollup per
    combination of the four, a few hundred rows whatever the number of records)."""
    out = {}
    for k in ("territory", "channel", "owner", "sourced_by"):  # names from the fixed tuple, never user text
        out[k] = [r[0] for r in con.execute(
            f"select distinct {k} from rollup_record_dimensions where {k} is not null order by 1").fetchall()]
    return out


def data_range(con: duckdb.DuckDBPyConnection):
    """(first date, last date) of any event in the data, or (None, None)."""
    # the first created date from the records' rollup, the last day from the data's as-of date
    r = con.execute("""
        select least(min(first_created), (select min(won_date) from won_deals)),
               greatest(cast(data_as_of() as date), (select max(won_date) from won_deals))
        from rollup_record_dimensions
    """).fetchall()[0]
    return r[0], r[1]

