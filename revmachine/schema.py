"""The database schema: business tables, configuration, load bookkeeping, and its migrations.

The business tables (`leads`, `deals`, `campaigns`, `spend`, `targets`, `activities`, `owners`)
and the `stage_events` / `funnel_records` / `won_deals` marts are a public interface documented in
the README: analysts may query the file with their own SQL. Every change goes through a new
entry in MIGRATIONS; `schema_migrations` records what was applied.
"""

from __future__ import annotations

import contextlib

import duckdb

# name -> (columns DDL, natural key used for append-upserts and duplicate detection)
BUSINESS_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "leads": (
        """
        lead_id varchar not null,
        batch_id integer not null,
        source_row integer,
        created_at timestamp,
        channel varchar,
        campaign varchar,
        company varchar,
        territory varchar,
        owner varchar,
        current_stage varchar,
        stage varchar,
        mql_at timestamp,
        sal_at timestamp,
        opportunity_at timestamp,
        proposal_at timestamp,
        won_at timestamp,
        exit_at timestamp,
        exit_reason varchar,
        assigned_at timestamp,
        first_response_at timestamp,
        followup_count integer,
        amount decimal(18, 2),
        email varchar,
        contact_id varchar,
        account_id varchar,
        is_converted boolean,
        converted_at timestamp,
        converted_deal_id varchar
        """,
        ("lead_id",),
    ),
    "lead_stage_dates": (
        """
        lead_id varchar not null,
        batch_id integer not null,
        stage varchar not null,
        entered_at timestamp
        """,
        ("lead_id", "stage"),
    ),
    "deals": (
        """
        deal_id varchar not null,
        batch_id integer not null,
        source_row integer,
        lead_id varchar,
        deal_name varchar,
        company varchar,
        owner varchar,
        territory varchar,
        channel varchar,
        campaign varchar,
        product varchar,
        current_stage varchar,
        stage varchar,
        created_at timestamp,
        closed_at timestamp,
        amount decimal(18, 2),
        is_won boolean,
        is_lost boolean,
        lost_reason varchar,
        is_closed boolean,
        probability double,
        expected_close_at timestamp,
        currency varchar,
        contact_id varchar,
        account_id varchar,
        pipeline varchar,
        id_generated boolean,
        deal_type varchar,
        forecast_category varchar
        """,
        ("deal_id",),
    ),
    "campaigns": (
        """
        campaign_id varchar not null,
        batch_id integer not null,
        source_row integer,
        campaign_name varchar,
        channel varchar,
        owner varchar,
        start_date date,
        end_date date,
        targeting varchar,
        content varchar,
        spend decimal(18, 2),
        currency varchar,
        status varchar
        """,
        ("campaign_id",),
    ),
    "spend": (
        """
        batch_id integer not null,
        source_row integer,
        period_start date not null,
        period_end date not null,
        function varchar,
        channel varchar,
        amount decimal(18, 2),
        currency varchar
        """,
        ("period_start", "period_end", "function", "channel"),
    ),
    "targets": (
        """
        batch_id integer not null,
        source_row integer,
        period_start date not null,
        period_end date not null,
        territory varchar,
        revenue_target decimal(18, 2),
        mql_quota integer,
        owner varchar,
        scope varchar,
        goal_name varchar,
        currency varchar
        """,
        ("period_start", "period_end", "territory", "owner", "goal_name"),
    ),
    "activities": (
        """
        activity_id varchar not null,
        batch_id integer not null,
        source_row integer,
        lead_id varchar,
        occurred_at timestamp,
        activity_type varchar,
        owner varchar,
        deal_id varchar,
        subject varchar
        """,
        ("activity_id",),
    ),
    "owners": (
        """
        owner varchar not null,
        batch_id integer not null,
        source_row integer,
        manager varchar,
        territory varchar,
        owner_id varchar,
        email varchar,
        title varchar
        """,
        ("owner_id", "owner"),
    ),
    "accounts": (
        """
        company varchar not null,
        batch_id integer not null,
        source_row integer,
        account_id varchar,
        territory varchar,
        industry varchar,
        owner varchar,
        country varchar,
        status varchar,
        is_churned boolean,
        churned_at timestamp,
        potential decimal(18, 2)
        """,
        ("account_id", "company"),
    ),
    # long-form stage history: one row per record and stage change (Salesforce OpportunityHistory,
    # HubSpot property history, Pipedrive change logs): real stage-entry dates
    "stage_history": (
        """
        record_id varchar not null,
        batch_id integer not null,
        source_row integer,
        record_type varchar not null,
        stage_raw varchar,
        stage varchar,
        entered_at timestamp
        """,
        ("record_type", "record_id", "stage_raw", "entered_at"),
    ),
    # a deal's field changes other than its stage (stages go to stage_history), one row per change:
    # Salesforce OpportunityFieldHistory (Field / OldValue / NewValue / CreatedDate) and the Amount /
    # CloseDate / ForecastCategory columns of OpportunityHistory, Pipedrive's deal change log
    # (field_key / old_value / new_value / log_time), Dynamics 365 audit history (Changed Field / Old
    # Value / New Value / Changed Date), HubSpot property history. field: amount | close_date |
    # forecast_category | owner | probability; values as text, amounts and dates normalised
    # (1234.50, 2026-05-18) when staged
    "deal_field_history": (
        """
        deal_id varchar not null,
        batch_id integer not null,
        source_row integer,
        field varchar not null,
        changed_at timestamp,
        old_value varchar,
        new_value varchar
        """,
        ("deal_id", "field", "changed_at", "new_value"),
    ),
    # ad-platform reports (Google Ads, Meta, LinkedIn, Microsoft Advertising): cost and delivery per
    # campaign (and ad group) and day or reporting range; totals rows are never loaded
    "ad_spend": (
        """
        batch_id integer not null,
        source_row integer,
        period_start date not null,
        period_end date not null,
        platform varchar,
        account varchar,
        campaign varchar,
        campaign_id varchar,
        ad_group varchar,
        impressions bigint,
        clicks bigint,
        cost decimal(18, 2),
        conversions double,
        currency varchar
        """,
        ("period_start", "period_end", "platform", "account", "campaign_id", "campaign", "ad_group"),
    ),
}

def columns(table: str, with_batch: bool = True) -> list[str]:
    """Column names of a business table, in order (batch_id optional)."""
    names = [ln.strip().split()[0] for ln in BUSINESS_TABLES[table][0].strip().splitlines() if ln.strip()]
    return names if with_batch else [n for n in names if n != "batch_id"]


def id_column(table: str) -> str:
    """The column a row of a business table cannot be without (its first NOT NULL one)."""
    for ln in BUSINESS_TABLES[table][0].strip().splitlines():
        parts = ln.strip().rstrip(",").split()
        if parts and parts[0] != "batch_id" and "not null" in ln:
            return parts[0]
    raise KeyError(table)


DEFAULT_STAGES = [
    # position, stage, label, owner, benchmark (conversion to the next stage), sla_hours, is_sql
    (1, "lead", "Lead", "marketing", 0.25, None, False),
    (2, "mql", "MQL", "marketing", 0.50, 24.0, False),
    (3, "sal", "SAL", "shared", 0.50, None, False),
    (4, "opportunity", "Opportunity", "sales", 0.60, None, True),
    (5, "proposal", "Proposal", "sales", 0.35, None, False),
    (6, "won", "Won", "sales", None, None, False),
]

# channel key (lower-case, letters and digits only) -> (label, sourced_by)
DEFAULT_CHANNELS = {
    "paidsearch": ("Paid Search", "marketing"),
    "ppc": ("Paid Search", "marketing"),
    "googleads": ("Paid Search", "marketing"),
    "paidsocial": ("Paid Social", "marketing"),
    "socialmedia": ("Social Media", "marketing"),
    "organicsocial": ("Organic Social", "marketing"),
    "organicsearch": ("Organic Search", "marketing"),
    "seo": ("Organic Search", "marketing"),
    "content": ("Content", "marketing"),
    "webinar": ("Webinar", "marketing"),
    "webinars": ("Webinar", "marketing"),
    "events": ("Events", "marketing"),
    "event": ("Events", "marketing"),
    "tradeshow": ("Events", "marketing"),
    "email": ("Email", "marketing"),
    "emailmarketing": ("Email", "marketing"),
    "purchasedlist": ("Purchased List", "marketing"),
    "purchasedlists": ("Purchased List", "marketing"),
    "list": ("Purchased List", "marketing"),
    "display": ("Display", "marketing"),
    "directtraffic": ("Direct Traffic", "marketing"),
    "web": ("Web", "marketing"),
    "website": ("Web", "marketing"),
    "offline": ("Offline", "marketing"),
    "othercampaigns": ("Other Campaigns", "marketing"),
    "advertisement": ("Advertisement", "marketing"),
    "outbound": ("Outbound", "sales"),
    "salesprospecting": ("Outbound", "sales"),
    "coldcall": ("Outbound", "sales"),
    "salesgenerated": ("Outbound", "sales"),
    "selfsourced": ("Outbound", "sales"),
    "referral": ("Referral", "sales"),
    "referrals": ("Referral", "sales"),
    "repreferral": ("Referral", "sales"),
    "employeereferral": ("Referral", "sales"),
    "partner": ("Partner", "sales"),
    "partnerreferral": ("Partner", "sales"),
}

DEFAULT_SETTINGS = {
    "fiscal_year_start_month": "1",
    "sla_min_attempts": "3",
    "sla_decision_days": "5",
    "stale_days": "180",
    "currency": "$",
    # ISO code money is reported in; '' until set (then money in other currencies is shown apart)
    "reporting_currency": "",
}

MIGRATIONS: list[tuple[int, str]] = []


def _v1(con: duckdb.DuckDBPyConnection) -> None:
    # v1's business tables are created by _v2 (with the columns of today's BUSINESS_TABLES)
    con.execute(
        """
        create table batches (
            batch_id integer primary key,
            loaded_at timestamp not null,
            status varchar not null,          -- active | undone
            mode varchar not null,            -- append | replace
            row_counts json,
            note varchar
        )
        """
    )
    con.execute(
        """
        create table batch_files (
            batch_id integer not null,
            file_name varchar not null,
            sha256 varchar not null,
            size_bytes bigint,
            raw_path varchar
        )
        """
    )
    con.execute(
        """
        create table batch_tables (
            batch_id integer not null,
            table_name varchar not null,
            mode varchar not null,
            rows_written integer not null,
            rows_superseded integer not null
        )
        """
    )
    con.execute(
        """
        create table config_stages (
            position integer not null,
            stage varchar primary key,
            label varchar not null,
            owner varchar not null,
            benchmark_rate double,
            sla_hours double,
            is_sql boolean not null default false
        )
        """
    )
    con.executemany("insert into config_stages values (?, ?, ?, ?, ?, ?, ?)", DEFAULT_STAGES)
    con.execute(
        """
        create table config_channels (
            channel_key varchar primary key,
            channel_label varchar not null,
            sourced_by varchar not null check (sourced_by in ('marketing', 'sales'))
        )
        """
    )
    con.executemany(
        "insert into config_channels values (?, ?, ?)",
        [(k, label, src) for k, (label, src) in DEFAULT_CHANNELS.items()],
    )
    con.execute("create table config_settings (key varchar primary key, value varchar)")
    con.executemany("insert into config_settings values (?, ?)", list(DEFAULT_SETTINGS.items()))
    con.execute(
        """
        create table mapping_memory (
            signature varchar primary key,
            kind varchar,
            mapping json not null,
            saved_at timestamp not null
        )
        """
    )
    con.execute(
        """
        create table scorecard_snapshots (
            snapshot_at timestamp not null,
            batch_id integer,
            period varchar not null,
            metric varchar not null,
            segment varchar,
            value double,
            numerator double,
            denominator double
        )
        """
    )
    con.execute(
        """
        create table action_items (
            action_id integer primary key,
            created_at timestamp not null,
            updated_at timestamp not null,
            step varchar not null,
            segment_kind varchar,
            segment varchar,
            title varchar not null,
            owner varchar not null,
            due_date date,
            status varchar not null check (status in ('open', 'done', 'dropped')),
            notes varchar,
            metric_at_creation double
        )
        """
    )
    con.execute(
        """
        create table plan_versions (
            plan_name varchar primary key,
            saved_at timestamp not null,
            period varchar not null,
            inputs json not null
        )
        """
    )
    # the marts are built by ensure() after the migrations, so every query runs on an empty database


MIGRATIONS.append((1, "initial schema", _v1))  # type: ignore[arg-type]


def _rebuild_table(con: duckdb.DuckDBPyConnection, name: str, ddl: str) -> None:
    """Recreate `name` with the columns of `ddl`, in that order, keeping its rows (matched by
    column name; new columns NULL). Columns are recreated rather than added at the end, so a
    table and its _history twin keep the same column order (append/undo copy rows by position)."""
    con.execute(f"create table {name}__new ({ddl})")
    con.execute(f"insert into {name}__new by name select * from {name}")
    con.execute(f"drop table {name}")
    con.execute(f"alter table {name}__new rename to {name}")


def _v2(con: duckdb.DuckDBPyConnection) -> None:
    """Real exports: outcome and currency columns on deals, links between leads, deals, accounts and
    contacts, owner ids, personal vs team targets; new tables accounts, stage_history, ad_spend;
    a reporting currency with exchange rates, and stage names mapped by the user."""
    existing = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'main'").fetchall()}
    for name, (cols, _key) in BUSINESS_TABLES.items():
        if name in existing:
            _rebuild_table(con, name, cols)
            _rebuild_table(con, f"{name}_history", cols + ", superseded_by integer")
        else:
            con.execute(f"create table {name} ({cols})")
            con.execute(f"create table {name}_history ({cols}, superseded_by integer)")
    con.execute("update targets set scope = 'team' where scope is null")
    con.execute("update targets_history set scope = 'team' where scope is null")
    con.execute(
        """
        create table config_fx_rates (
            currency varchar primary key,     -- ISO 4217 code
            rate double not null              -- 1 unit of currency = rate units of the reporting currency
        )
        """
    )
    con.execute(
        """
        create table config_stage_aliases (
            alias varchar primary key,        -- a stage or status name as exported, folded (stage_key)
            stage varchar not null            -- a configured stage, or exit:lost|disqualified|rejected
        )
        """
    )
    con.execute("insert or ignore into config_settings values ('reporting_currency', '')")


MIGRATIONS.append((2, "real exports: outcomes, links, currencies, accounts, stage history, ad spend", _v2))  # type: ignore[arg-type]

def _v5(con: duckdb.DuckDBPyConnection) -> None:
    """One first-touch SLA: the MQL stage's SLA hours (stage settings) is the setting every SLA
    figure uses; the separate 'sla_first_touch_hours' setting is retired. A value a user had
    changed there (the one the figures honoured) moves to the MQL stage."""
    tables = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'main'").fetchall()}
    if "config_settings" not in tables:
        return
    old = con.execute("select value from config_settings where key = 'sla_first_touch_hours'").fetchall()
    if old and "config_stages" in tables:
        hours = None
        with contextlib.suppress(TypeError, ValueError):
            hours = float(old[0][0])
        if hours is not None and hours > 0 and hours != 24.0:
            con.execute("update config_stages set sla_hours = ? where stage = 'mql'", [hours])
    con.execute("delete from config_settings where key = 'sla_first_touch_hours'")


MIGRATIONS.append((5, "one first-touch SLA: the MQL stage's SLA hours", _v5))  # type: ignore[arg-type]


def _v6(con: duckdb.DuckDBPyConnection) -> None:
    """Team mode: each batch names who loaded it and who undid it (the audit trail in the app-state
    file has a row for each too; this keeps the name in the same transaction as the load). The
    app-state tables move to their own file (state.py): empty ones are dropped here, ones with
    rows stay until state.ensure has copied them over (it drops them then)."""
    con.execute("alter table batches add column if not exists loaded_by varchar")
    con.execute("alter table batches add column if not exists undone_by varchar")
    con.execute("alter table batches add column if not exists undone_at timestamp")
    existing = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'main'").fetchall()}
    for name in ("action_items", "plan_versions", "mapping_memory", "config_stage_aliases"):  # state.OWNED
        if name in existing and not con.execute(f"select count(*) from {name}").fetchall()[0][0]:
            con.execute(f"drop table {name}")


MIGRATIONS.append((6, "team mode: who loaded and undid each batch; app state in its own file", _v6))  # type: ignore[arg-type]


def _v7(con: duckdb.DuckDBPyConnection) -> None:
    """The sales half of the meeting: each deal's forecast category, a deal's field history
    (deal_field_history) and forecast categories mapped from stages (the forecast calls are app
    state: state.py). Creates or alters only what it owns."""
    existing = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'main'").fetchall()}
    for name in ("deals", "deal_field_history"):
        cols, _key = BUSINESS_TABLES[name]
        if name not in existing:
            con.execute(f"create table {name} ({cols})")
            con.execute(f"create table {name}_history ({cols}, superseded_by integer)")
            continue
        have = {r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_name = ?", [name]).fetchall()}
        if set(columns(name)) - have:
            _rebuild_table(con, name, cols)
            _rebuild_table(con, f"{name}_history", cols + ", superseded_by integer")
    con.execute(
        """
        create table if not exists config_forecast_categories (
            stage_key varchar primary key,    -- an exported stage name, folded (stage_key), or a funnel stage
            category varchar not null check (category in ('commit', 'best_case', 'pipeline', 'omitted'))
        )
        """
    )


MIGRATIONS.append((7, "pipeline: forecast categories, deal field history, forecast calls", _v7))  # type: ignore[arg-type]


def _v8(con: duckdb.DuckDBPyConnection) -> None:
    """Customers after the first deal: the deal type as exported (New Business, Existing Business,
    Renewal...) on deals; an account's status, churn flag and date, and its potential (the wallet
    an account could spend) on accounts. Only these two tables (and their _history twins) change."""
    for name in ("deals", "accounts"):
        cols = BUSINESS_TABLES[name][0]
        _rebuild_table(con, name, cols)
        _rebuild_table(con, f"{name}_history", cols + ", superseded_by integer")


MIGRATIONS.append((8, "customers after the first deal: deal type; account status, churn, potential", _v8))  # type: ignore[arg-type]

SCHEMA_VERSION = max(v for v, *_ in MIGRATIONS)


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "select count(*) from information_schema.tables where table_name = 'schema_migrations'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    return con.execute("select coalesce(max(version), 0) from schema_migrations").fetchall()[0][0]


def _applied(con: duckdb.DuckDBPyConnection) -> set[int]:
    exists = con.execute(
        "select count(*) from information_schema.tables where table_name = 'schema_migrations'"
    ).fetchall()[0][0]
    if not exists:
        return set()
    return {r[0] for r in con.execute("select version from schema_migrations").fetchall()}


def _pending(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The migrations not applied yet, in order. Version numbers are reserved per change and land
    in any order, so a database may hold 5 and not 3: each one missing is applied, not only those
    above the highest."""
    done = _applied(con)
    return [v for v, *_ in MIGRATIONS if v not in done]


def ensure(con: duckdb.DuckDBPyConnection, *, rebuilds_marts: bool = False) -> int:
    """Create or upgrade the schema on a writable connection, and build the marts when they are
    missing or were built by older mart definitions, unless the caller rebuilds them anyway in
    the same transaction (rebuilds_marts); returns the version."""
    from revmachine import marts

    if _pending(con):
        _migrate(con)
    if not rebuilds_marts and marts.stored_signature(con) != marts.signature():
        marts.rebuild(con)
    return SCHEMA_VERSION


def _migrate(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "create table if not exists schema_migrations "
        "(version integer primary key, description varchar, applied_at timestamp)"
    )
    pending = set(_pending(con))
    for v, description, fn in sorted(MIGRATIONS, key=lambda m: m[0]):  # type: ignore[misc]
        if v in pending:
            fn(con)
            con.execute(
                "insert into schema_migrations values (?, ?, now()::timestamp)", [v, description]
            )


def needs_upgrade(con: duckdb.DuckDBPyConnection) -> bool:
    """An older schema, or marts built by other definitions than this code's."""
    from revmachine import marts

    return bool(_pending(con)) or marts.stored_signature(con) != marts.signature()
