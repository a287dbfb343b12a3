-- account_outcomes: the numerators and denominators of the customer figures (new accounts, won
-- revenue by kind, account billing size, customer retention, renewals, churn, net revenue
-- retention, wallet share) for several periods at once; revmachine/accounts.py forms the ratios.
-- Grain: one row per period in $labels (period i = [$starts[i], $ends[i]) ).
-- Parameters: $labels, $starts, $ends (lists, same length); $territory, $channel, $owner,
--   $sourced_by (lists; empty = all); $currency: '' = every deal's money, else only the money of
--   deals in that currency (money is never added across currencies).
-- Definitions (revmachine/metrics.py has them in words):
-- * In the period: won deals closed in [start, end); their revenue by deal_kind (account_deals);
--   new accounts: accounts with an acquisition deal (is_acquisition) closed in the period.
-- * The trailing year: the twelve months to the period's end (to the data's as-of date when the
--   period runs past it), [year_start, window_end); the base year is the twelve months before it,
--   [base_start, year_start). A period to date is compared like for like: its trailing year ends
--   with it, and the previous or year-ago period to date's ends with that one.
-- * Billing size: won revenue over the trailing year / accounts with a won deal (with an amount) in it.
-- * Retention: the accounts that bought in the base year (a won deal passing the filters) and the
--   share of them that bought or renewed again in the trailing year (any won deal of the account:
--   the filters choose the customers, and all of their purchases count). Net revenue retention: all
--   won revenue of those accounts in the trailing year / in the base year.
-- * Renewals due in the period: renewal deals closed (won or lost) in it, and open renewals whose
--   expected close date has passed in it (overdue).
-- * Churned accounts: account_churn departures dated in the period.
-- * Wallet share: won revenue over the trailing year of the accounts with a potential (accounts
--   sheet) / the sum of their potentials.
with

as_of as (
    select cast(data_as_of() as date) as as_of
),

periods as (
    select
        p.period,
        p.period_start,
        p.period_end,
        least(p.period_end, a.as_of + 1) as window_end
    from periods_of($labels, $starts, $ends) as p
    cross join as_of as a
),

windows as (
    select
        *,
        cast(window_end - interval 12 month as date) as year_start,
        cast(window_end - interval 24 month as date) as base_start
    from periods
),

-- deals under the shared filters (all currencies: counts), and their money in $currency
deals_f as (
    select *
    from account_deals
    where passes_filters($territory, $channel, $owner, $sourced_by, territory, channel, owner, sourced_by)
),

won_f as (
    select * from deals_f where status = 'won' and closed_date is not null
),

won_m as (
    select * from won_f where $currency = '' or coalesce(currency, '') = $currency
),

-- every won deal of an account, whatever the filters (a retained customer's repurchases)
won_all_m as (
    select *
    from account_deals
    where
        status = 'won' and closed_date is not null and account_key is not null
        and ($currency = '' or coalesce(currency, '') = $currency)
),

in_period as (
    select
        p.period,
        count(*) as won_deals,
        count(w.account_key) as won_with_account,
        count(distinct w.account_key) filter (where w.is_acquisition) as new_accounts,
        count(*) filter (where w.deal_kind = 'new' and w.account_key is null) as new_without_account,
        count(*) filter (where w.deal_kind = 'new') as new_deals,
        count(*) filter (where w.deal_kind = 'expansion') as expansion_deals,
        count(*) filter (where w.deal_kind = 'renewal') as renewal_deals,
        count(*) filter (where w.deal_kind is null) as unclassified_deals,
        count(*) filter (where w.kind_rule = 'type') as by_type,
        count(*) filter (where w.kind_rule = 'account') as by_account,
        count(*) filter (where w.kind_rule = 'name') as by_name,
        count(*) filter (where w.kind_rule = 'account' and w.type_state = 'unclear') as by_account_unclear
    from periods as p
    inner join won_f as w on w.closed_date >= p.period_start and w.closed_date < p.period_end
    group by p.period
),

money_in_period as (
    select
        p.period,
        count(*) as won_deals_m,
        count(w.amount) as won_with_amount_m,
        sum(w.amount) as won_revenue_m,
        sum(w.amount) filter (where w.deal_kind = 'new') as new_revenue,
        count(w.amount) filter (where w.deal_kind = 'new') as new_with_amount,
        count(*) filter (where w.deal_kind = 'new') as new_deals_m,
        sum(w.amount) filter (where w.deal_kind = 'expansion') as expansion_revenue,
        count(w.amount) filter (where w.deal_kind = 'expansion') as expansion_with_amount,
        count(*) filter (where w.deal_kind = 'expansion') as expansion_deals_m,
        sum(w.amount) filter (where w.deal_kind = 'renewal') as renewal_revenue,
        count(w.amount) filter (where w.deal_kind = 'renewal') as renewal_with_amount,
        count(*) filter (where w.deal_kind = 'renewal') as renewal_deals_m,
        sum(w.amount) filter (where w.deal_kind is null) as unclassified_revenue
    from periods as p
    inner join won_m as w on w.closed_date >= p.period_start and w.closed_date < p.period_end
    group by p.period
),

trailing_year as (
    select
        p.period,
        count(distinct w.account_key) as active_accounts,
        count(distinct w.account_key) filter (where w.amount is not null) as active_with_amount,
        sum(w.amount) as year_revenue,
        count(*) as year_deals,
        count(w.amount) as year_with_amount
    from windows as p
    inner join won_m as w
        on w.account_key is not null and w.closed_date >= p.year_start and w.closed_date < p.window_end
    group by p.period
),

wallet_accounts as (
    select
        p.period,
        w.account_key,
        sum(w.amount) as revenue,
        max(w.account_potential) as potential
    from windows as p
    inner join won_m as w
        on w.account_potential is not null and w.account_potential > 0
        and w.closed_date >= p.year_start and w.closed_date < p.window_end
    group by p.period, w.account_key
),

wallet as (
    select
        period,
        count(*) as wallet_accounts,
        sum(coalesce(revenue, 0)) as wallet_revenue,
        sum(potential) as wallet_potential
    from wallet_accounts
    group by period
),

base as (
    select distinct
        p.period,
        w.account_key
    from windows as p
    inner join won_f as w
        on w.account_key is not null and w.closed_date >= p.base_start and w.closed_date < p.year_start
),

recent as (
    select distinct
        p.period,
        a.account_key
    from windows as p
    inner join won_all_m as a on a.closed_date >= p.year_start and a.closed_date < p.window_end
),

retention as (
    select
        b.period,
        count(*) as base_accounts,
        count(r.account_key) as retained_accounts
    from base as b
    left join recent as r on b.period = r.period and b.account_key = r.account_key
    group by b.period
),

cohort_revenue as (
    select
        b.period,
        sum(a.amount) filter (where a.closed_date < w.year_start) as base_revenue,
        count(a.amount) filter (where a.closed_date < w.year_start) as base_with_amount,
        sum(a.amount) filter (where a.closed_date >= w.year_start) as retained_revenue
    from base as b
    inner join windows as w on b.period = w.period
    inner join won_all_m as a
        on b.account_key = a.account_key and a.closed_date >= w.base_start and a.closed_date < w.window_end
    group by b.period
),

renewals as (
    select
        p.period,
        count(*) filter (where d.status = 'won' and d.closed_date >= p.period_start) as renewals_won,
        count(*) filter (where d.status = 'lost' and d.closed_date >= p.period_start) as renewals_lost,
        count(*) filter (where d.status = 'open') as renewals_overdue
    from periods as p
    inner join deals_f as d
        on d.deal_kind = 'renewal'
        and (
            (d.status in ('won', 'lost') and d.closed_date >= p.period_start and d.closed_date < p.period_end)
            or (
                d.status = 'open' and d.expected_close_date >= p.period_start
                and d.expected_close_date < p.window_end
            )
        )
    group by p.period
),

churn as (
    select
        p.period,
        count(distinct c.account_key) as churned_accounts,
        count(distinct c.account_key) filter (where c.churn_reason = 'renewal lost') as churned_renewal_lost,
        count(distinct c.account_key) filter (where c.churn_reason = 'no purchase for twelve months')
            as churned_lapsed,
        count(distinct c.account_key) filter (where c.churn_reason = 'accounts sheet') as churned_flagged
    from periods as p
    inner join account_churn as c
        on c.churned_date >= p.period_start and c.churned_date < p.period_end
        and passes_filters($territory, $channel, $owner, $sourced_by, c.territory, c.channel, c.owner, c.sourced_by)
    group by p.period
),

-- what the data holds (one row, repeated): what each figure needs, and where the data starts
facts as (
    select
        (select min(closed_date) from account_deals where status = 'won') as first_won_date,
        (select count(*) from account_deals where status = 'won') as won_in_data,
        (select count(*) from account_deals where status = 'won' and account_key is not null)
            as won_with_account_in_data,
        (select count(*) from account_deals where deal_type is not null) as typed_in_data,
        (select count(*) from account_deals where deal_kind = 'renewal') as renewals_in_data,
        (select count(*) from account_list where potential is not null) as accounts_with_potential,
        (select count(*) from account_list where is_churned_flag) as accounts_flagged,
        (
            select count(*) from account_churn
            where churned_date is null
                and passes_filters($territory, $channel, $owner, $sourced_by, territory, channel, owner, sourced_by)
        ) as churned_undated,
        (select as_of from as_of) as as_of
),

final as (
    select
        w.period,
        w.period_start,
        w.period_end,
        w.window_end,
        w.year_start,
        w.base_start,
        coalesce(i.won_deals, 0) as won_deals,
        coalesce(i.won_with_account, 0) as won_with_account,
        coalesce(i.new_accounts, 0) as new_accounts,
        coalesce(i.new_without_account, 0) as new_without_account,
        coalesce(i.new_deals, 0) as new_deals,
        coalesce(i.expansion_deals, 0) as expansion_deals,
        coalesce(i.renewal_deals, 0) as renewal_deals,
        coalesce(i.unclassified_deals, 0) as unclassified_deals,
        coalesce(i.by_type, 0) as by_type,
        coalesce(i.by_account, 0) as by_account,
        coalesce(i.by_name, 0) as by_name,
        coalesce(i.by_account_unclear, 0) as by_account_unclear,
        coalesce(m.won_deals_m, 0) as won_deals_m,
        coalesce(m.won_with_amount_m, 0) as won_with_amount_m,
        m.won_revenue_m,
        m.new_revenue,
        coalesce(m.new_with_amount, 0) as new_with_amount,
        coalesce(m.new_deals_m, 0) as new_deals_m,
        m.expansion_revenue,
        coalesce(m.expansion_with_amount, 0) as expansion_with_amount,
        coalesce(m.expansion_deals_m, 0) as expansion_deals_m,
        m.renewal_revenue,
        coalesce(m.renewal_with_amount, 0) as renewal_with_amount,
        coalesce(m.renewal_deals_m, 0) as renewal_deals_m,
        m.unclassified_revenue,
        coalesce(t.active_accounts, 0) as active_accounts,
        coalesce(t.active_with_amount, 0) as active_with_amount,
        t.year_revenue,
        coalesce(t.year_deals, 0) as year_deals,
        coalesce(t.year_with_amount, 0) as year_with_amount,
        coalesce(wl.wallet_accounts, 0) as wallet_accounts,
        wl.wallet_revenue,
        wl.wallet_potential,
        coalesce(r.base_accounts, 0) as base_accounts,
        coalesce(r.retained_accounts, 0) as retained_accounts,
        cr.base_revenue,
        coalesce(cr.base_with_amount, 0) as base_with_amount,
        cr.retained_revenue,
        coalesce(rn.renewals_won, 0) as renewals_won,
        coalesce(rn.renewals_lost, 0) as renewals_lost,
        coalesce(rn.renewals_overdue, 0) as renewals_overdue,
        coalesce(c.churned_accounts, 0) as churned_accounts,
        coalesce(c.churned_renewal_lost, 0) as churned_renewal_lost,
        coalesce(c.churned_lapsed, 0) as churned_lapsed,
        coalesce(c.churned_flagged, 0) as churned_flagged,
        f.first_won_date,
        f.won_in_data,
        f.won_with_account_in_data,
        f.typed_in_data,
        f.renewals_in_data,
        f.accounts_with_potential,
        f.accounts_flagged,
        f.churned_undated,
        f.as_of
    from windows as w
    cross join facts as f
    left join in_period as i on w.period = i.period
    left join money_in_period as m on w.period = m.period
    left join trailing_year as t on w.period = t.period
    left join wallet as wl on w.period = wl.period
    left join retention as r on w.period = r.period
    left join cohort_revenue as cr on w.period = cr.period
    left join renewals as rn on w.period = rn.period
    left join churn as c on w.period = c.period
)

select * from final
