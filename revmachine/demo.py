"""Deterministic demo data: about two years of a B2B revenue machine with a story to find.

Planted on purpose (and checked by tests):
* the bottleneck is SAL -> opportunity (about 28% against a 50% benchmark);
* 'Brand Awareness Blitz' is a spin doctor: big spend, a complete record, every lead attributed,
  but leads worth little;
* 'Partner Dinner Series' is a silent operative: valuable leads, but a bare campaign record and
  won deals that carry no campaign attribution;
* EMEA breaks the SLA: slow first touches (median ~30 h against 24 h) and few follow-ups;
* APAC is behind its revenue target.

On top of it, each in a small function of its own with its own random stream (so the draws of the
story above stay put): the team names 'Purchased List' as the alternate demand-generation channel
the matrix compares with (seed 001's data provider), and sales rejects most of the spin doctor's
broad-reach leads (_plant_alternate_channel); EMEA leaves a share of marketing's leads untouched
(_plant_ignored_leads: seed 000, "sales reps ignore 50% of marketing leads"); some quiet leads come
back months later with a new MQL date or a late touch (_plant_returning_leads: recycled, not lost);
sales has 21 days to qualify an accepted lead (SAL -> opportunity SLA, DEMO_SETTINGS).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from revmachine import config, demo_pipeline

ANCHOR = dt.date(2026, 11, 20)
TERRITORIES = ["North America", "EMEA", "APAC", "LATAM"]
TERRITORY_WEIGHT = [0.4, 0.28, 0.2, 0.12]
CHANNELS = ["Paid Search", "Paid Social", "Organic Search", "Webinar", "Events", "Purchased List",
            "Outbound", "Referral"]
CHANNEL_WEIGHT = [0.2, 0.17, 0.15, 0.1, 0.07, 0.13, 0.12, 0.06]
P_MQL = {"Paid Search": 0.27, "Paid Social": 0.2, "Organic Search": 0.3, "Webinar": 0.35, "Events": 0.4,
         "Purchased List": 0.1, "Outbound": 0.3, "Referral": 0.55}
DEAL_SIZE = {"Paid Search": 24000, "Paid Social": 16000, "Organic Search": 26000, "Webinar": 30000,
             "Events": 34000, "Purchased List": 12000, "Outbound": 28000, "Referral": 36000}
MARKETERS = ["Ana Ruiz", "Ben Okafor", "Chloe Martin", "Dev Patel", "Emma Larsen"]
ALTERNATE_CHANNEL = "Purchased List"
# what the demo's team has configured: the matrix's baseline and an SLA on SAL -> opportunity
DEMO_SETTINGS = {"matrix_baseline": f"channel:{ALTERNATE_CHANNEL}"}
DEMO_STAGE_SLA_HOURS = {"sal": 21 * 24.0}
SPIN_DOCTOR = "Brand Awareness Blitz"
SILENT_OPERATIVE = "Partner Dinner Series"
FIRST_NAMES = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery",
               "Quinn", "Drew", "Robin", "Kim", "Lee", "Noa", "Sasha"]
LAST_NAMES = ["Smith", "Garcia", "Chen", "Müller", "Rossi", "Tanaka", "Silva", "Nowak", "Dubois",
              "Kowalski", "Johansson", "Haddad", "Okoro", "Singh", "Costa", "Novak"]


def _campaigns(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    mkt_channels = CHANNELS[:6]
    per_channel = [8, 8, 5, 8, 6, 5]  # 40 campaigns
    themes = ["Q{q} Push", "Product Launch", "Industry Report", "Customer Stories", "ROI Calculator",
              "Security Guide", "Analyst Briefing", "Summer Promo", "Year-End Offer", "Benchmark Study"]
    cid = 0
    for ch, n in zip(mkt_channels, per_channel, strict=True):
        for i in range(n):
            cid += 1
            start = ANCHOR - dt.timedelta(days=int(rng.integers(30, 720)))
            name = f"{ch} - {themes[i % len(themes)].format(q=1 + i % 4)} {start.year}"
            if ch == "Paid Social" and i == 0:
                name = SPIN_DOCTOR
            if ch == "Events" and i == 0:
                name = SILENT_OPERATIVE
            complete = rng.random() < 0.6
            rows.append({
                "campaign_id": f"CMP-{cid:03d}", "campaign_name": name, "channel": ch,
                "owner": MARKETERS[cid % len(MARKETERS)],
                "start_date": start,
                "end_date": start + dt.timedelta(days=int(rng.integers(30, 180))) if complete or rng.random() < 0.5 else None,
                "targeting": rng.choice(["Mid-market IT leaders", "Enterprise CFOs", "SMB founders",
                                         "Ops managers, 200-2000 staff"]) if complete or rng.random() < 0.4 else None,
                "content": rng.choice(["Whitepaper", "Webinar recording", "Demo video", "Case study",
                                       "Ebook"]) if complete or rng.random() < 0.4 else None,
                "spend": float(round(rng.uniform(8000, 60000), -2)),
            })
    df = pd.DataFrame(rows)
    spin = df.campaign_name == SPIN_DOCTOR
    df.loc[spin, ["targeting", "content"]] = ["Broad: all company sizes", "Video ads + ebook"]
    df.loc[spin, "start_date"] = ANCHOR - dt.timedelta(days=600)
    df.loc[spin, "end_date"] = ANCHOR - dt.timedelta(days=20)
    df.loc[spin, "spend"] = 240000.0
    silent = df.campaign_name == SILENT_OPERATIVE
    df.loc[silent, ["targeting", "content", "end_date"]] = None
    df.loc[silent, "start_date"] = ANCHOR - dt.timedelta(days=620)
    df.loc[silent, "spend"] = 45000.0
    return df


def generate(n_leads: int = 30000, seed: int = 42) -> dict[str, pd.DataFrame]:
    """All business tables as DataFrames shaped like the schema (no batch_id)."""
    rng = np.random.default_rng(seed)
    n = n_leads
    start = pd.Timestamp(ANCHOR) - pd.Timedelta(days=760)
    span = 760 * 86400
    # growth over time: density rises ~40% across the two years
    u = rng.random(n)
    t = span * (np.sqrt(1 + u * ((1.4**2) - 1)) - 1) / 0.4
    created = start + pd.to_timedelta(np.sort(t), unit="s")
    created = created + pd.to_timedelta(rng.integers(8 * 3600, 18 * 3600, n) - created.hour * 3600, unit="s")
    territory = rng.choice(TERRITORIES, n, p=TERRITORY_WEIGHT)
    channel = rng.choice(CHANNELS, n, p=CHANNEL_WEIGHT)
    reps = {t_: [f"{FIRST_NAMES[i * 4 + k]} {LAST_NAMES[(i * 4 + k * 5) % 16]}" for k in range(4)]
            for i, t_ in enumerate(TERRITORIES)}
    owner = np.array([reps[t_][k] for t_, k in zip(territory, rng.integers(0, 4, n), strict=True)])

    campaigns = _campaigns(rng)
    camp_by_channel = {ch: campaigns[campaigns.channel == ch].campaign_id.to_numpy() for ch in CHANNELS[:6]}
    campaign = np.array([None] * n, dtype=object)
    spin_id = campaigns.loc[campaigns.campaign_name == SPIN_DOCTOR, "campaign_id"].iloc[0]
    silent_id = campaigns.loc[campaigns.campaign_name == SILENT_OPERATIVE, "campaign_id"].iloc[0]
    for ch, ids in camp_by_channel.items():
        idx = np.flatnonzero(channel == ch)
        probs = np.ones(len(ids))
        if spin_id in ids:
            probs[list(ids).index(spin_id)] = 6.0  # a volume machine
        if silent_id in ids:
            probs[list(ids).index(silent_id)] = 2.0
        probs /= probs.sum()
        pick = rng.choice(ids, len(idx), p=probs)
        attributed = rng.random(len(idx)) < 0.85
        campaign[idx[attributed]] = pick[attributed]
    is_spin = campaign == spin_id
    is_silent = campaign == silent_id

    p_mql = np.array([P_MQL[c] for c in channel])
    p_mql = np.where(is_spin, 0.12, np.where(is_silent, 0.5, p_mql))
    p_sal = np.where(territory == "EMEA", 0.5, 0.58)
    p_opp = np.where(is_silent, 0.45, 0.27)  # the planted bottleneck: SAL -> opportunity
    p_prop = np.full(n, 0.62)
    p_won = np.where(territory == "APAC", 0.27, 0.38)
    p_won = np.where(is_spin, 0.2, p_won)
    p_mql, p_sal, p_won = _plant_alternate_channel(p_mql, p_sal, p_won, channel, is_spin)

    r = rng.random((5, n))
    reach = np.zeros(n, dtype=int)  # 0 lead .. 5 won
    reach += r[0] < p_mql
    reach += (reach == 1) & (r[1] < p_sal)
    reach += (reach == 2) & (r[2] < p_opp)
    reach += (reach == 3) & (r[3] < p_prop)
    reach += (reach == 4) & (r[4] < p_won)

    day = pd.Timedelta(days=1)
    mql_at = created + rng.exponential(6, n) * day
    hours = rng.lognormal(np.log(np.where(territory == "EMEA", 30, 7)), 0.7, n)
    first_response = mql_at + pd.to_timedelta(hours, unit="h")
    sal_at = first_response + rng.exponential(1.5, n) * day
    opp_at = sal_at + (5 + rng.exponential(12, n)) * day
    prop_at = opp_at + (7 + rng.exponential(14, n)) * day
    won_at = prop_at + (10 + rng.exponential(25, n)) * day
    anchor = pd.Timestamp(ANCHOR)
    stage_times = [created, mql_at, sal_at, opp_at, prop_at, won_at]
    # a stage whose date falls after the anchor has not happened yet
    for k in range(1, 6):
        late = (reach >= k) & (stage_times[k] > anchor)
        reach = np.where(late, k - 1, reach)

    def at(k):
        return pd.Series(stage_times[k]).where(reach >= k)

    last = pd.Series(stage_times[0])
    for k in range(1, 6):
        last = last.where(reach < k, pd.Series(stage_times[k]))
    exit_delay = (10 + rng.exponential(20, n)) * day
    exit_at = last + exit_delay
    exits = (reach < 5) & (exit_at < anchor) & (rng.random(n) < 0.85)
    reasons = {0: ["disqualified: student/job seeker", "disqualified: no budget", "disqualified: competitor"],
               1: ["rejected: not our ICP", "rejected: no contact details", "rejected: duplicate", None],
               2: ["disqualified: no project", "disqualified: bad timing"],
               3: ["lost: price", "lost: competitor", "lost: no decision"],
               4: ["lost: price", "lost: competitor", "lost: no decision"]}
    exit_reason = np.array([None] * n, dtype=object)
    for k, opts in reasons.items():
        idx = np.flatnonzero(exits & (reach == k))
        exit_reason[idx] = rng.choice(np.array(opts, dtype=object), len(idx))
    # the MQL->SAL rejections that carry no reason are the feedback gap
    exit_reason = np.where(exits & (reach == 1) & pd.isna(exit_reason), "rejected", exit_reason)
    stage_names = np.array(["Lead", "Marketing Qualified Lead", "Sales Accepted", "Opportunity",
                            "Proposal", "Closed Won"])
    status = stage_names[reach].astype(object)
    status = np.where(exits & (reach <= 2), "Disqualified", status)
    status = np.where(exits & (reach >= 3), "Closed Lost", status)
    status = np.where(exits & (reach == 1), "Rejected", status)

    size = np.array([DEAL_SIZE[c] for c in channel], dtype=float)
    size = np.where(is_silent, 52000, np.where(is_spin, 9000, size))
    size = size * np.where(territory == "APAC", 0.85, 1.0)
    amount = np.round(size * rng.lognormal(0, 0.35, n), 2)

    lead_id = np.array([f"L{100000 + i}" for i in range(n)])
    responded = reach >= 1
    companies = np.array([f"{a}{b}" for a in ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne",
                                              "Hooli", "Vandelay", "Wonka", "Tyrell", "Cyberdyne", "Soylent"]
                          for b in [" Corp", " GmbH", " Ltd", " Inc", " AG", " SA", " Group", " Labs"]])
    leads = pd.DataFrame({
        "lead_id": lead_id,
        "source_row": np.arange(2, n + 2),
        "created_at": created.floor("s"),
        "channel": channel,
        "campaign": campaign,
        "company": rng.choice(companies, n),
        "territory": territory,
        "owner": owner,
        "current_stage": status,
        "stage": None,
        "mql_at": at(1).dt.floor("s"),
        "sal_at": at(2).dt.floor("s"),
        "opportunity_at": at(3).dt.floor("s"),
        "proposal_at": at(4).dt.floor("s"),
        "won_at": at(5).dt.floor("s"),
        "exit_at": pd.Series(exit_at).where(exits).dt.floor("s"),
        "exit_reason": exit_reason,
        "assigned_at": pd.Series(mql_at + pd.to_timedelta(rng.exponential(1.0, n), unit="h")).where(responded).dt.floor("s"),
        "first_response_at": pd.Series(first_response).where(responded & (first_response < anchor)).dt.floor("s"),
        "followup_count": None,
        "amount": None,
    })
    leads["stage"] = np.array(["lead", "mql", "sal", "opportunity", "proposal", "won"], dtype=object)[reach]

    # deals: one per opportunity
    opp = reach >= 3
    d_idx = np.flatnonzero(opp)
    won = reach[d_idx] == 5
    lost = exits[d_idx] & ~won
    deals = pd.DataFrame({
        "deal_id": [f"D{200000 + i}" for i in range(len(d_idx))],
        "source_row": np.arange(2, len(d_idx) + 2),
        "lead_id": lead_id[d_idx],
        "deal_name": [f"{c} - {t_[:4]}" for c, t_ in zip(leads.company.to_numpy()[d_idx], territory[d_idx], strict=True)],
        "company": leads.company.to_numpy()[d_idx],
        "owner": owner[d_idx],
        "territory": territory[d_idx],
        "channel": channel[d_idx],
        # the silent operative's won deals carry no campaign attribution
        "campaign": np.where(is_silent[d_idx], None, campaign[d_idx]),
        "product": rng.choice(["Platform", "Platform + Analytics", "Enterprise Suite"], len(d_idx)),
        "current_stage": np.where(won, "Closed Won", np.where(lost, "Closed Lost",
                                  np.where(reach[d_idx] == 4, "Proposal/Price Quote", "Qualification"))),
        "stage": np.where(won, "won", np.where(lost, None, np.where(reach[d_idx] == 4, "proposal", "opportunity"))),
        "created_at": leads.opportunity_at.to_numpy()[d_idx],
        "closed_at": np.where(won, leads.won_at.to_numpy()[d_idx], np.where(lost, leads.exit_at.to_numpy()[d_idx], np.datetime64("NaT"))),
        "amount": amount[d_idx],
        "is_won": won,
        "is_lost": lost,
        "lost_reason": np.where(lost, leads.exit_reason.to_numpy()[d_idx], None),
    })
    deals["closed_at"] = pd.to_datetime(deals["closed_at"])

    # activities: sales touches on handed-off leads; EMEA follows up less
    m_idx = np.flatnonzero(responded & leads.first_response_at.notna().to_numpy())
    k = rng.poisson(np.where(territory[m_idx] == "EMEA", 1.6, 3.4)) + 1
    a_lead = np.repeat(m_idx, k)
    seq = np.concatenate([np.arange(x) for x in k]) if len(k) else np.array([], dtype=int)
    first = leads.first_response_at.to_numpy()[a_lead]
    a_time = pd.Series(first + pd.to_timedelta(seq * rng.exponential(2.5, len(a_lead)), unit="D"))
    keep = a_time < anchor
    activities = pd.DataFrame({
        "activity_id": [f"A{300000 + i}" for i in range(len(a_lead))],
        "source_row": np.arange(2, len(a_lead) + 2),
        "lead_id": lead_id[a_lead],
        "occurred_at": a_time.dt.floor("s"),
        "activity_type": rng.choice(["Call", "Email", "Meeting", "LinkedIn"], len(a_lead), p=[0.4, 0.4, 0.1, 0.1]),
        "owner": owner[a_lead],
    })[keep.to_numpy()].reset_index(drop=True)
    leads, activities = _plant_ignored_leads(leads, activities, reach, seed)
    leads, activities = _plant_returning_leads(leads, activities, reach, exits, seed)

    owners = pd.DataFrame([{"owner": rep, "source_row": 0, "manager": f"{t_} Manager", "territory": t_}
                           for t_, rs in reps.items() for rep in rs])
    owners["source_row"] = np.arange(2, len(owners) + 2)

    campaigns = campaigns.copy()
    campaigns.insert(1, "source_row", np.arange(2, len(campaigns) + 2))

    # spend by month: marketing per channel (campaign spend spread evenly) and sales (people cost)
    months = pd.period_range(start.to_period("M"), pd.Timestamp(ANCHOR).to_period("M"), freq="M")
    srows = []
    for ch in CHANNELS[:6]:
        total = campaigns.loc[campaigns.channel == ch, "spend"].sum()
        for m in months:
            srows.append({"period_start": m.start_time.date(), "period_end": m.end_time.date(),
                          "function": "marketing", "channel": ch,
                          "amount": round(total / len(months) * rng.uniform(0.8, 1.2), 2)})
    for m in months:
        srows.append({"period_start": m.start_time.date(), "period_end": m.end_time.date(),
                      "function": "sales", "channel": None, "amount": round(rng.uniform(150000, 180000), 2)})
    spend = pd.DataFrame(srows)
    spend.insert(0, "source_row", np.arange(2, len(spend) + 2))

    # the customers after their first deal: expansions, renewals and churn (and the accounts sheet);
    # the targets below count their revenue too
    leads, deals, accounts = _existing_customers(leads, deals, campaigns, seed)

    # targets per quarter and territory: ~10% above what each territory should win; APAC's 45%
    won_rev = deals[deals.is_won].assign(q=lambda d: d.closed_at.dt.to_period("Q"))
    trows = []
    quarters = pd.period_range(start.to_period("Q"), (pd.Timestamp(ANCHOR) + pd.Timedelta(days=120)).to_period("Q"), freq="Q")
    mql_q = leads.dropna(subset=["mql_at"]).assign(q=lambda d: d.mql_at.dt.to_period("Q"))
    for t_ in TERRITORIES:
        base = won_rev[won_rev.territory == t_].groupby("q").amount.sum()
        typical = float(base.iloc[-5:-1].mean()) if len(base) > 4 else float(base.mean() or 100000)
        mbase = mql_q[mql_q.territory == t_].groupby("q").size()
        mtyp = float(mbase.iloc[-5:-1].mean()) if len(mbase) > 4 else 100.0
        for q in quarters:
            factor = 1.45 if t_ == "APAC" else 1.05
            trows.append({"period_start": q.start_time.date(), "period_end": q.end_time.date(),
                          "territory": t_, "revenue_target": round(typical * factor, -3),
                          "mql_quota": int(round(mtyp * 1.05, -1))})
    targets = pd.DataFrame(trows)
    targets.insert(0, "source_row", np.arange(2, len(targets) + 2))
    tables = {"leads": leads, "deals": deals, "campaigns": campaigns, "spend": spend, "targets": targets,
              "activities": activities, "owners": owners, "accounts": accounts}
    # the pipeline's history (expected close dates, categories, field history, personal quotas)
    return demo_pipeline.grow(tables, seed)


# --- existing customers: what happens after the first deal ---------------------------------------------

NAME_A = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Wonka", "Tyrell",
          "Cyberdyne", "Soylent", "Aperture", "Massive", "Oscorp", "Pied", "Nakatomi", "Gringotts", "Monarch",
          "Virtucon", "Dunder", "Prestige", "Sterling", "Bluth", "Krusty", "Duff", "Zorg", "Nexus", "Orbit",
          "Quantum", "Summit", "Harbor", "Cobalt", "Falcon", "Granite", "Juniper", "Keystone", "Lumen",
          "Meridian", "Northwind"]
NAME_B = ["", " Systems", " Analytics", " Logistics", " Foods", " Energy", " Health", " Robotics", " Media",
          " Capital", " Motors", " Retail", " Pharma", " Telecom", " Software", " Labs", " Works", " Partners",
          " Dynamics", " Solutions"]
NAME_C = ["Corp", "GmbH", "Ltd", "Inc", "AG", "SA", "Group", "BV", "Oy", "SpA", "KK", "Pty"]
COUNTRY = {"North America": "United States", "EMEA": "Germany", "APAC": "Australia", "LATAM": "Brazil"}
INDUSTRIES = ["Software", "Manufacturing", "Financial Services", "Healthcare", "Retail", "Logistics",
              "Energy", "Media"]
# renewal odds per territory (APAC keeps fewer customers: its story of a territory behind)
RENEW = {"North America": 0.9, "EMEA": 0.85, "APAC": 0.72, "LATAM": 0.86}
TYPE_LABEL = {"new": "New Business", "expansion": "Add-On Business", "renewal": "Renewal"}


def company_names(n: int, offset: int = 0) -> np.ndarray:
    """n distinct company names (deterministic): 'Acme Systems Corp', 'Globex Analytics GmbH', ..."""
    i = np.arange(offset, offset + n)
    a, b, c = len(NAME_A), len(NAME_B), len(NAME_C)
    total = a * b * c
    out = [f"{NAME_A[k % a]}{NAME_B[(k // a) % b]} {NAME_C[(k // (a * b)) % c]}"
           + (f" {k // total + 1}" if k >= total else "") for k in i]
    return np.array(out, dtype=object)


def _existing_customers(leads: pd.DataFrame, deals: pd.DataFrame, campaigns: pd.DataFrame,
                        seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Every lead's company is its own; each won deal makes a customer account, which then buys add-ons
    (expansion: a third of customers a year, half of them through a customer webinar campaign), renews
    each year on or before its anniversary (RENEW odds, lost renewals are churn), or cancels early (the
    accounts sheet flags it). Deals carry a Type (New Business / Add-On Business / Renewal) except ~15%
    that reps left blank (typed from the account's history, or as renewals by their name). Accounts
    sheet: id, name, territory, industry, owner, country, status, churn date, potential (a year's wallet).
    Uses its own random stream, so the rest of the demo (and its story) is unchanged."""
    rng = np.random.default_rng(seed + 7919)
    anchor = pd.Timestamp(ANCHOR)
    day = pd.Timedelta(days=1)
    leads = leads.copy()
    leads["company"] = company_names(len(leads))
    by_lead = dict(zip(leads.lead_id, leads.company, strict=True))
    deals = deals.copy()
    deals["company"] = deals.lead_id.map(by_lead)
    deals["deal_name"] = [f"{c} - {t[:4]}" for c, t in zip(deals.company, deals.territory, strict=True)]
    deals["deal_type"] = "New Business"
    webinar_campaigns = campaigns.loc[campaigns.channel == "Webinar", "campaign_id"].to_numpy()

    rows: list[dict] = []
    accounts: list[dict] = []

    def deal(base: pd.Series, kind: str, created: pd.Timestamp, closed: pd.Timestamp, amount: float,
             outcome: str, channel: str, campaign: str | None, name: str) -> None:
        rows.append({
            "lead_id": None, "deal_name": name, "company": base.company, "owner": base.owner,
            "territory": base.territory, "channel": channel, "campaign": campaign,
            "product": "Analytics add-on" if kind == "expansion" else base["product"],
            "current_stage": {"won": "Closed Won", "lost": "Closed Lost"}.get(outcome, "Negotiation/Review"),
            "stage": {"won": "won", "lost": None}.get(outcome, "proposal"),
            "created_at": created.floor("s"), "closed_at": closed.floor("s") if outcome != "open" else pd.NaT,
            "expected_close_at": closed.floor("s") if outcome == "open" else pd.NaT,
            "amount": round(amount, 2), "is_won": outcome == "won", "is_lost": outcome == "lost",
            "lost_reason": ("lost: switched to a competitor" if kind == "renewal" else "lost: no budget")
            if outcome == "lost" else None,
            "deal_type": TYPE_LABEL[kind]})

    won = deals[deals.is_won].sort_values("closed_at")
    for k, base in enumerate(won.itertuples(index=False)):
        b = pd.Series(base._asdict())
        start = b.closed_at
        contract = float(b.amount)
        status, churned = "Customer", pd.NaT
        year_start = start
        while True:
            anniversary = year_start + 365 * day
            # add-ons during the contract year
            if rng.random() < 0.33:
                closed = year_start + rng.uniform(60, 300) * day
                created = closed - rng.uniform(20, 50) * day
                if created < anniversary - 10 * day:
                    by_marketing = rng.random() < 0.5 and len(webinar_campaigns) > 0
                    outcome = "won" if rng.random() < 0.7 else "lost"
                    add = contract * rng.uniform(0.2, 0.6)
                    if closed > anchor:
                        outcome = "open" if created <= anchor else "later"
                    if outcome != "later":
                        deal(b, "expansion", created, closed, add, outcome,
                             "Webinar" if by_marketing else "Outbound",
                             rng.choice(webinar_campaigns) if by_marketing else None,
                             f"{b.company} - Add-on {closed.year}")
                        if outcome == "won":
                            contract += add
            # an early cancellation (flagged on the accounts sheet; no renewal)
            if rng.random() < 0.03:
                when = year_start + rng.uniform(90, 300) * day
                if when <= anchor:
                    status, churned = "Churned", when.normalize()
                    break
            # the renewal, signed on or before the anniversary
            closed = anniversary - rng.uniform(0, 45) * day
            created = closed - rng.uniform(30, 60) * day
            if created > anchor:
                break
            amount = contract * rng.uniform(1.0, 1.08)
            if closed > anchor:
                deal(b, "renewal", created, anniversary, amount, "open", b.channel, None,
                     f"{b.company} - Renewal {anniversary.year}")
                break
            renewed = rng.random() < RENEW[b.territory]
            deal(b, "renewal", created, closed, amount, "won" if renewed else "lost", b.channel, None,
                 f"{b.company} - Renewal {closed.year}")
            if not renewed:
                status, churned = "Churned", closed.normalize()
                break
            contract, year_start = amount, anniversary
        accounts.append({"company": b.company, "account_id": f"ACC-{10001 + k}", "territory": b.territory,
                         "industry": INDUSTRIES[int(rng.integers(len(INDUSTRIES)))], "owner": b.owner,
                         "country": COUNTRY[b.territory], "status": status, "churned_at": churned,
                         "potential": round(float(b.amount) * rng.uniform(3, 8), -3)})

    extra = pd.DataFrame(rows)
    if len(extra):
        extra = extra.sort_values("created_at", kind="stable").reset_index(drop=True)
        extra.insert(0, "deal_id", [f"D{200000 + len(deals) + i}" for i in range(len(extra))])
        deals = pd.concat([deals.assign(expected_close_at=pd.NaT), extra], ignore_index=True)
    # reps leave the optional Type blank on about one deal in seven
    deals.loc[rng.random(len(deals)) < 0.15, "deal_type"] = None
    deals["source_row"] = np.arange(2, len(deals) + 2)
    deals["closed_at"] = pd.to_datetime(deals["closed_at"])
    deals["expected_close_at"] = pd.to_datetime(deals.get("expected_close_at"))
    acc = pd.DataFrame(accounts, columns=["company", "account_id", "territory", "industry", "owner", "country",
                                          "status", "churned_at", "potential"])
    acc["churned_at"] = pd.to_datetime(acc["churned_at"])
    acc.insert(1, "source_row", np.arange(2, len(acc) + 2))
    return leads, deals, acc


def _accounts_sheet(accounts: pd.DataFrame) -> pd.DataFrame:
    """The accounts sheet with Salesforce-style headers (a custom status, churn date and potential)."""
    return accounts.drop(columns=["source_row"]).rename(columns={
        "company": "Account Name", "account_id": "Account ID", "territory": "Sales Territory",
        "industry": "Industry", "owner": "Account Owner", "country": "Billing Country",
        "status": "Account Status", "churned_at": "Churn Date", "potential": "Account Potential"})


def _accounts_as_they_stood(accounts: pd.DataFrame, cut: pd.Timestamp) -> pd.DataFrame:
    """The accounts sheet at `cut`: a churn after it had not happened yet."""
    acc = accounts.copy()
    later = acc.churned_at > cut
    acc.loc[later, "status"] = "Customer"
    acc.loc[later, "churned_at"] = pd.NaT
    return acc


def _plant_alternate_channel(p_mql: np.ndarray, p_sal: np.ndarray, p_won: np.ndarray, channel: np.ndarray,
                             is_spin: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The alternate channel is a data-provider list of contacts sales can work (a third qualify,
    as a salesperson's pick from Jigsaw would), with enough won deals a year to be a yardstick; the
    spin doctor's broad reach brings leads sales mostly rejects (one in five accepted) and that
    rarely close, so they are reliably worth less than the list's."""
    p_mql = np.where(channel == ALTERNATE_CHANNEL, 0.35, p_mql)
    p_sal = np.where(is_spin, 0.2, p_sal)
    p_won = np.where(is_spin, 0.1, p_won)
    return p_mql, p_sal, p_won


def _plant_ignored_leads(leads: pd.DataFrame, activities: pd.DataFrame, reach: np.ndarray,
                         seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """EMEA never touches two in five of the marketing leads it leaves at MQL: no First Response,
    no activity (the 'never touched' figure)."""
    rng = np.random.default_rng(seed + 1001)
    marketing = leads.channel.isin(CHANNELS[:6]).to_numpy()
    pick = (leads.territory.to_numpy() == "EMEA") & marketing & (reach == 1) & (rng.random(len(leads)) < 0.4)
    ignored = set(leads.lead_id[pick])
    leads = leads.copy()
    leads.loc[pick, "first_response_at"] = pd.NaT
    leads.loc[pick, "assigned_at"] = pd.NaT
    activities = activities[~activities.lead_id.isin(ignored)].reset_index(drop=True)
    activities["source_row"] = np.arange(2, len(activities) + 2)
    return leads, activities


def _plant_returning_leads(leads: pd.DataFrame, activities: pd.DataFrame, reach: np.ndarray, exits: np.ndarray,
                           seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Quiet leads that come back (seed 000: find, engage, close, grow): one in twelve of the old
    leads that never qualified and never exited gets a new MQL date 190-360 days after creation
    (touched within hours; two in five then accepted), and one in twenty of the old leads left at
    MQL gets a touch 200-300 days after its handoff. Recycled while quiet, never lost."""
    rng = np.random.default_rng(seed + 1002)
    anchor = pd.Timestamp(ANCHOR)
    n = len(leads)
    old = (leads.created_at < anchor - pd.Timedelta(days=400)).to_numpy() & ~exits
    u = rng.random(n)
    back = old & (reach == 0) & (u < 1 / 12)
    leads = leads.copy()
    delay = pd.to_timedelta(rng.uniform(190, 360, n), unit="D")
    new_mql = (leads.created_at + delay).dt.floor("s")
    touch = (new_mql + pd.to_timedelta(rng.uniform(2, 20, n), unit="h")).dt.floor("s")
    accepted = back & (rng.random(n) < 0.4)
    sal = (touch + pd.to_timedelta(rng.uniform(1, 4, n), unit="D")).dt.floor("s")
    leads.loc[back, "mql_at"] = new_mql[back]
    leads.loc[back, "assigned_at"] = new_mql[back]
    leads.loc[back, "first_response_at"] = touch[back]
    leads.loc[back, ["stage", "current_stage"]] = ["mql", "Marketing Qualified Lead"]
    leads.loc[accepted, "sal_at"] = sal[accepted]
    leads.loc[accepted, ["stage", "current_stage"]] = ["sal", "Sales Accepted"]
    late = old & (reach == 1) & (u > 1 - 1 / 20) & leads.mql_at.notna().to_numpy()
    late_touch = (leads.mql_at + pd.to_timedelta(rng.uniform(200, 300, n), unit="D")).dt.floor("s")
    late &= (late_touch < anchor).to_numpy()
    extra = pd.DataFrame({
        "activity_id": [f"A{900000 + i}" for i in range(int(late.sum()))],
        "lead_id": leads.lead_id[late].to_numpy(),
        "occurred_at": late_touch[late].to_numpy(),
        "activity_type": "Call",
        "owner": leads.owner[late].to_numpy(),
    })
    activities = pd.concat([activities, extra], ignore_index=True)
    activities["source_row"] = np.arange(2, len(activities) + 2)
    return leads, activities


def to_arrow(tables: dict[str, pd.DataFrame]) -> dict[str, pa.Table]:
    return {k: pa.Table.from_pandas(v, preserve_index=False) for k, v in tables.items()}


def as_it_stood(tables: dict[str, pd.DataFrame], cut: pd.Timestamp) -> dict[str, pd.DataFrame]:
    """The demo as an export taken at `cut`: later records gone, later stage dates not yet there."""
    t = {k: v.copy() for k, v in tables.items()}
    leads = t["leads"][t["leads"].created_at <= cut].copy()
    order = ["mql_at", "sal_at", "opportunity_at", "proposal_at", "won_at"]
    for c in [*order, "exit_at", "assigned_at", "first_response_at"]:
        leads.loc[leads[c] > cut, c] = pd.NaT
    leads.loc[leads.exit_at.isna(), "exit_reason"] = None
    keys = np.array(["lead", "mql", "sal", "opportunity", "proposal", "won"], dtype=object)
    reached = np.zeros(len(leads), dtype=int)
    for i, c in enumerate(order, start=1):
        reached = np.where(leads[c].notna(), i, reached)
    leads["stage"] = keys[reached]
    names = np.array(["Lead", "Marketing Qualified Lead", "Sales Accepted", "Opportunity", "Proposal",
                      "Closed Won"], dtype=object)
    leads["current_stage"] = np.where(leads.exit_at.notna(), leads.current_stage, names[reached])
    t["leads"] = leads
    deals = t["deals"][t["deals"].created_at <= cut].copy()
    later = deals.closed_at > cut
    deals.loc[later, ["closed_at"]] = pd.NaT
    deals.loc[later, ["is_won", "is_lost"]] = False
    deals.loc[later, "lost_reason"] = None
    deals.loc[later, "stage"] = "opportunity"
    deals.loc[later, "current_stage"] = "Qualification"
    t["deals"] = deals
    t["activities"] = t["activities"][t["activities"].occurred_at <= cut]
    if "accounts" in t:
        t["accounts"] = _accounts_as_they_stood(t["accounts"], cut)
    return demo_pipeline.as_it_stood(t, tables, cut)


def build(path: str | Path | None = None, n_leads: int = 30000, seed: int = 42, *, actor=None) -> int:
    """Replace the database's contents with the demo, loaded as two batches: the export as it stood
    a week before the anchor, then the full one, so the meeting brief has a 'last week' to compare
    with (undo the second to go back a week). Returns the last batch id."""
    from revmachine.ingest import load as load_mod
    from revmachine.ingest.stage import Staged

    tables = generate(n_leads, seed)
    configure_demo(path)
    anchor = pd.Timestamp(ANCHOR)
    week_ago = anchor - pd.Timedelta(days=7)
    note = f"demo data ({n_leads} leads, seed {seed})"
    load_mod.load(Staged([], [], [], to_arrow(as_it_stood(tables, week_ago))), path, modes={"*": "replace"},
                  note=f"{note}, as it stood on {week_ago:%Y-%m-%d}", snapshot_at=week_ago.to_pydatetime(), actor=actor)
    res = load_mod.load(Staged([], [], [], to_arrow(tables)), path, modes={"*": "replace"}, note=note,
                        snapshot_at=anchor.to_pydatetime(), actor=actor)
    demo_pipeline.seed_meeting(path, tables)  # forecast calls of past quarters, marketing's pipeline target
    return res.batch_id


def configure_demo(path: str | Path | None = None) -> None:
    """The demo team's settings (DEMO_SETTINGS, DEMO_STAGE_SLA_HOURS), written before the data is
    loaded so the loads' marts and meeting snapshots use them."""
    from revmachine import db

    with db.write(path, rebuilds_marts=True) as con:
        for key, value in DEMO_SETTINGS.items():
            con.execute("insert or replace into config_settings values (?, ?)", [key, value])
        for stage, hours in DEMO_STAGE_SLA_HOURS.items():
            con.execute("update config_stages set sla_hours = ? where stage = ?", [hours, stage])


def write_spreadsheets(out_dir: Path | None = None, n_leads: int = 30000, seed: int = 42) -> list[Path]:
    """The demo as files an analyst would upload, with CRM-style headers (Salesforce-like)."""
    out = out_dir or config.DEMO_DIR
    out.mkdir(parents=True, exist_ok=True)
    t = generate(n_leads, seed)
    leads = t["leads"].drop(columns=["source_row", "stage", "followup_count", "amount"]).rename(columns={
        "lead_id": "Lead ID", "created_at": "Create Date", "channel": "Lead Source", "campaign": "Campaign",
        "company": "Company", "territory": "Region", "owner": "Lead Owner", "current_stage": "Lead Status",
        "mql_at": "MQL Date", "sal_at": "SAL Date", "opportunity_at": "Opportunity Date",
        "proposal_at": "Proposal Date", "won_at": "Won Date", "exit_at": "Exit Date",
        "exit_reason": "Exit Reason", "assigned_at": "Assigned Date", "first_response_at": "First Response"})
    deals = demo_pipeline.spreadsheet_columns(t["deals"]).drop(columns=["source_row", "stage", "is_won", "is_lost"]).rename(columns={
        "deal_id": "Opportunity ID", "lead_id": "Lead ID", "deal_name": "Opportunity Name",
        "company": "Account Name", "owner": "Opportunity Owner", "territory": "Region",
        "channel": "Lead Source", "campaign": "Primary Campaign Source", "product": "Product",
        "current_stage": "Stage", "created_at": "Created Date", "closed_at": "Close Date",
        "amount": "Amount", "lost_reason": "Loss Reason", "deal_type": "Type", "probability": "Probability (%)",
        "forecast_category": "Forecast Category"})
    acts = t["activities"].drop(columns=["source_row"]).rename(columns={
        "activity_id": "Activity ID", "lead_id": "Lead ID", "occurred_at": "Activity Date",
        "activity_type": "Activity Type", "owner": "Assigned To"})
    paths = []
    history = demo_pipeline.history_sheet(t["deal_field_history"])
    for name, df in (("leads.csv", leads), ("deals.csv", deals), ("activities.csv", acts),
                     ("OpportunityFieldHistory.csv", history)):
        p = out / name
        df.to_csv(p, index=False, date_format="%Y-%m-%d %H:%M:%S")
        paths.append(p)
    camp = t["campaigns"].drop(columns=["source_row"]).rename(columns={
        "campaign_id": "Campaign ID", "campaign_name": "Campaign Name", "channel": "Channel",
        "owner": "Campaign Owner", "start_date": "Start Date", "end_date": "End Date",
        "targeting": "Target Audience", "content": "Content", "spend": "Actual Cost"})
    spend = t["spend"].drop(columns=["source_row", "period_end"]).rename(columns={
        "period_start": "Month", "function": "Function", "channel": "Channel", "amount": "Amount"})
    spend["Month"] = pd.to_datetime(spend["Month"]).dt.strftime("%Y-%m")
    quotas = demo_pipeline.quota_sheet(t["targets"])
    tg = t["targets"]
    tg = tg[tg["scope"].fillna("team") != "personal"].copy() if "scope" in tg else tg.copy()
    tg["Quarter"] = pd.to_datetime(tg.period_start).dt.to_period("Q").astype(str).str.replace("Q", "-Q")
    tg = tg.rename(columns={"territory": "Territory", "revenue_target": "Revenue Target",
                            "mql_quota": "MQL Quota"})[["Quarter", "Territory", "Revenue Target", "MQL Quota"]]
    owners = t["owners"].drop(columns=["source_row"]).rename(columns={
        "owner": "Sales Rep", "manager": "Manager", "territory": "Territory"})
    p = out / "marketing_and_targets.xlsx"
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        camp.to_excel(xw, sheet_name="Campaigns", index=False)
        spend.to_excel(xw, sheet_name="Spend", index=False)
        tg.to_excel(xw, sheet_name="Targets", index=False)
        owners.to_excel(xw, sheet_name="Sales Team", index=False)
        if quotas is not None:
            quotas.to_excel(xw, sheet_name="Quotas", index=False)
        if "accounts" in t:
            _accounts_sheet(t["accounts"]).to_excel(xw, sheet_name="Accounts", index=False)
    paths.append(p)
    return paths
