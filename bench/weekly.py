"""A realistic weekly file for the append benchmark, made from a database's own records: what an analyst
exports from the CRM a week after the last load, as one workbook with CRM-style headers (the demo's
spreadsheets' headers, `demo.write_spreadsheets`):

* Leads: new leads created in the week after the data's as-of date, and open leads that moved on
  (their MQL date set, their status 'Marketing Qualified Lead'), every other cell as stored;
* Opportunities: open deals that moved (amount revised, close date pushed a week) and some that closed won;
* Activities: new calls and emails on the week's leads.

300 rows in all (180 leads of which 60 updated, 30 deals, 90 activities). The records are picked by a
hash of their id, so the same database gives the same file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

LEADS = ["Lead ID", "Create Date", "Lead Source", "Campaign", "Company", "Region", "Lead Owner", "Lead Status",
         "MQL Date", "SAL Date", "Opportunity Date", "Proposal Date", "Won Date", "Exit Date", "Exit Reason",
         "Assigned Date", "First Response"]
DEALS = ["Opportunity ID", "Lead ID", "Opportunity Name", "Account Name", "Opportunity Owner", "Region",
         "Lead Source", "Primary Campaign Source", "Product", "Stage", "Created Date", "Close Date", "Amount",
         "Loss Reason", "Type", "Probability (%)", "Forecast Category"]
ACTIVITIES = ["Activity ID", "Lead ID", "Activity Date", "Activity Type", "Assigned To"]
NEW_LEADS, MOVED_LEADS, MOVED_DEALS, WON_DEALS, NEW_ACTIVITIES = 120, 60, 20, 10, 90

_LEAD_COLS = ("created_at, channel, campaign, company, territory, owner, current_stage, mql_at, sal_at, "
              "opportunity_at, proposal_at, won_at, exit_at, exit_reason, assigned_at, first_response_at")


@dataclass
class Weekly:
    path: Path
    rows: int
    parts: str


def write(db_path: Path, out: Path) -> Weekly:
    import duckdb
    from openpyxl import Workbook

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        as_of = con.execute("select max(created_at)::date from leads").fetchone()[0] or dt.date(2026, 11, 20)
        start = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(8))
        tag = f"{as_of + dt.timedelta(days=7):%Y%m%d}"
        p = {"start": start}
        new_leads = con.execute(
            f"select 'LW{tag}-' || lpad(cast(row_number() over (order by h) as varchar), 4, '0'), "
            "$start + to_seconds(cast(h % 600000 as bigint)), channel, campaign, company, territory, owner, "
            "'Lead', null, null, null, null, null, null, null, "
            "$start + to_seconds(cast(h % 600000 as bigint) + 600), null "
            f"from (select *, hash(lead_id) as h from leads order by h limit {NEW_LEADS}) order by h", p).fetchall()
        moved_cols = (_LEAD_COLS.replace("current_stage", "'Marketing Qualified Lead'")
                      .replace("mql_at", "$start + to_seconds(cast(h % 500000 as bigint))"))
        moved = con.execute(
            f"select lead_id, {moved_cols} "
            "from (select *, hash(lead_id) as h from leads where mql_at is null and exit_at is null "
            f"and won_at is null order by h limit {MOVED_LEADS}) order by h", p).fetchall()
        deal_cols = ("deal_id, lead_id, deal_name, company, owner, territory, channel, campaign, product, {stage}, "
                     "created_at, {close}, {amount}, lost_reason, deal_type, {prob}, {fc}")
        open_deals = "from (select *, hash(deal_id) as h from deals where closed_at is null order by h limit {n}{off})"  # the first won, the next revised
        moving = con.execute(
            "select " + deal_cols.format(stage="current_stage", close="coalesce(expected_close_at, $start) + interval 7 day",
                                         amount="round(amount * 1.1, 2)", prob="round(probability * 100)",
                                         fc="forecast_category")
            + " " + open_deals.format(n=MOVED_DEALS, off=f" offset {WON_DEALS}") + " order by h", p).fetchall()
        won = con.execute(
            "select " + deal_cols.format(stage="'Closed Won'", close="$start + interval 2 day", amount="amount",
                                         prob="100", fc="'Closed'")
            + " " + open_deals.format(n=WON_DEALS, off="") + " order by h", p).fetchall()
        week_leads = [r[0] for r in new_leads] + [r[0] for r in moved]
        owners = {r[0]: r[6] for r in new_leads} | {r[0]: r[6] for r in moved}
        types = ("Call", "Email", "Email", "Meeting", "LinkedIn")
        acts = [(f"AW{tag}-{i + 1:04d}", lid, start + dt.timedelta(hours=2 + (i * 37) % 150), types[i % len(types)],
                 owners[lid]) for i, lid in enumerate((week_leads * 2)[:NEW_ACTIVITIES])]
    finally:
        con.close()
    wb = Workbook(write_only=True)
    for title, headers, rows in (("Leads", LEADS, new_leads + moved), ("Opportunities", DEALS, moving + won),
                                 ("Activities", ACTIVITIES, acts)):
        ws = wb.create_sheet(title)
        ws.append(headers)
        for r in rows:
            ws.append([float(v) if hasattr(v, "as_tuple") else v for v in r])  # Decimal -> number cell
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    n = len(new_leads) + len(moved) + len(moving) + len(won) + len(acts)
    parts = (f"{len(new_leads)} new leads, {len(moved)} leads that moved on, {len(moving)} deals revised and "
             f"{len(won)} won, {len(acts)} new activities")
    return Weekly(out, n, parts)
