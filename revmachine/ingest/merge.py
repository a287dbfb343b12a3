"""An append over rows already loaded: which columns the upload supplies, and how a row is merged.

An export rarely has every column: a status-only export of the same leads has the lead id, the status
and the owner. Appended over leads already loaded, it updates those columns and keeps every other
one as it was (a created date, a channel, a campaign, an MQL date are not blanked because this file
does not have them). A column the file has but leaves blank is blank: the file says so.

A table column is supplied by a sheet when the sheet has a column mapped to the field of the same
name, or to a field it is computed from (`DERIVED`, following the SELECTs in build.py: a deal's
outcome columns come from its stage, status, won / closed flags and won / lost times). Key columns
always come from the file. When several sheets of one upload feed the same table and only some of
them have a column, that column is updated where the new row has a value and kept where it is blank.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from revmachine.schema import BUSINESS_TABLES, columns

# a deal's outcome (won, lost, closed, its stage) is read from any of these fields (build.select_deals)
_DEAL_OUTCOME = frozenset({"current_stage", "status", "is_won", "is_closed", "won_time", "lost_time", "active"})
_LEAD_CONVERSION = frozenset({"current_stage", "is_converted", "converted_at", "converted_deal_id"})

# table -> column -> the fields it is computed from (a column not listed is read from the field of its
# own name); tests/revmachine/test_narrow_append.py checks that every column is one or the other
DERIVED: dict[str, dict[str, frozenset[str]]] = {
    "leads": {
        "stage": _LEAD_CONVERSION,
        "is_converted": _LEAD_CONVERSION,
        "opportunity_at": frozenset({"opportunity_at", "converted_at"}),
        "exit_reason": frozenset({"exit_reason", "current_stage"}),
    },
    "lead_stage_dates": {"entered_at": frozenset({"stage:*"})},
    "deals": {
        "current_stage": frozenset({"current_stage", "status"}),
        "stage": _DEAL_OUTCOME,
        "is_won": _DEAL_OUTCOME,
        "is_lost": _DEAL_OUTCOME,
        "is_closed": _DEAL_OUTCOME,
        "closed_at": _DEAL_OUTCOME | {"closed_at", "expected_close_at"},
        "expected_close_at": _DEAL_OUTCOME | {"closed_at", "expected_close_at"},
        "lost_reason": _DEAL_OUTCOME | {"lost_reason"},
        "amount": frozenset({"amount", "actual_amount"}),
        "currency": frozenset({"currency", "amount", "actual_amount"}),
        "id_generated": frozenset({"*"}),  # says how the key was made: always from the file
    },
    "campaigns": {
        "campaign_name": frozenset({"campaign_name", "campaign_id"}),
        "currency": frozenset({"currency", "spend"}),
    },
    "ad_spend": {
        "conversions": frozenset({"conversions", "result_indicator"}),
        "currency": frozenset({"currency", "cost"}),
    },
    "spend": {"currency": frozenset({"currency", "amount"})},
    "targets": {
        "revenue_target": frozenset({"revenue_target", "metric_type", "goal_metric", "period:*"}),
        "scope": frozenset({"parent_goal", "owner"}),
        "currency": frozenset({"currency", "revenue_target", "period:*"}),
    },
    "owners": {"email": frozenset({"email"})},
    "stage_history": {"stage": frozenset({"stage"})},
}

ALWAYS = frozenset({"batch_id", "source_row"})


def supplied_by(table: str, fields: Iterable[str]) -> frozenset[str]:
    """The columns of `table` that a sheet with these (typed) fields supplies."""
    fields = set(fields)
    # a wide targets sheet's period columns, a leads sheet's extra stage dates: one name per pattern
    patterns = fields | {f.split(":", 1)[0] + ":*" for f in fields if ":" in f} | {"*"}
    keys = set(BUSINESS_TABLES[table][1])
    derived = DERIVED.get(table, {})
    out = set()
    for col in columns(table):
        if col in ALWAYS or col in keys:
            out.add(col)
        elif col in derived:
            if derived[col] & patterns:
                out.add(col)
        elif col in fields:
            out.add(col)
    return frozenset(out)


@dataclass
class Supplied:
    """What an upload's sheets supply of one table: `every` sheet, or only `some` of them."""

    every: frozenset[str]
    some: frozenset[str] = field(default_factory=frozenset)

    def kept(self, table: str) -> list[str]:
        return [c for c in columns(table) if c not in self.every and c not in self.some]


def supplied(staged) -> dict[str, Supplied]:
    """Per staged table, the columns the upload supplies (a table staged without sheets - a test's
    hand-built rows - supplies every column)."""
    per_table: dict[str, list[frozenset[str]]] = {}
    for res in staged.sheets:
        table = res.table
        if table is None or table not in staged.tables or not res.typed_fields:
            continue
        per_table.setdefault(table, []).append(supplied_by(table, res.typed_fields))
        if table == "leads" and "lead_stage_dates" in staged.tables:
            per_table.setdefault("lead_stage_dates", []).append(supplied_by("lead_stage_dates", res.typed_fields))
    out = {}
    for table in staged.tables:
        sets = per_table.get(table)
        if not sets:
            out[table] = Supplied(frozenset(columns(table)))
            continue
        every = frozenset.intersection(*sets)
        out[table] = Supplied(every, frozenset.union(*sets) - every)
    return out


def select_merged(table: str, batch_id: int, present: set[str], sup: Supplied) -> tuple[list[str], str]:
    """(columns, SELECT) of the rows to insert: incoming rows (`incoming as i`) over the rows they
    supersede, which are in <table>_history under this batch (`h`): the columns the upload supplies
    from the file, the others from the superseded row."""
    key = BUSINESS_TABLES[table][1]
    on = " and ".join(f"h.{k} is not distinct from i.{k}" for k in key)
    cols, exprs = [], []
    for c in columns(table):
        if c == "batch_id":
            cols.append(c)
            exprs.append(str(int(batch_id)))
            continue
        new = f"i.{c}" if c in present else "null"
        if c in sup.every and c in present:
            expr = new
        elif c in sup.some and c in present:
            expr = f"coalesce({new}, h.{c})"
        elif c in present:  # the file does not have it: a merged row keeps its value, a new one gets
            expr = f"case when h.superseded_by is null then {new} else h.{c} end"  # what staging made
        else:
            expr = f"h.{c}"
        cols.append(c)
        exprs.append(f"{expr} as {c}")
    sql = (f"select {', '.join(exprs)} from incoming as i "
           f"left join {table}_history as h on h.superseded_by = {int(batch_id)} and {on}")
    return cols, sql
