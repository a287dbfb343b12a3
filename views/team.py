"""Team: who you are, the audit trail (every change, with who and when), and - for admins - who has
which role."""

import datetime as dt

import pandas as pd
import streamlit as st

from revmachine import access, audit, cache, db, export, format, signin, state, ui
from revmachine.errors import UserError
from revmachine.format import esc

if not ui.frame_drawn():
    ui.frame()
st.title("Team")
who = signin.actor()
on = signin.enabled()
st.caption(esc(f"You: {who.label} · {who.role} ({who.source})." if on else
               f"Sign-in is off: this app is {who.id}'s, on this machine, and every change is recorded under that "
               "name. The roles below take effect once sign-in is configured (README: Team mode)."))

st.subheader("Audit trail")
st.caption("Every change, newest first: loads and undos, settings, mappings, action items, plan versions, "
           "forecast calls, roles. Times are the server's local time.")
trail = cache.state_call(audit.trail)
if len(trail):
    shown = audit.for_export(trail.head(500)).drop(columns=["action"])
    st.dataframe(format.table(shown, labels={"audit_id": "#", "changed_at": "When", "actor": "Who", "actor_name": "Name",
                                             "role": "Role", "via": "How", "what": "What", "target": "On",
                                             "detail": "Detail"}),
                 hide_index=True, width="stretch",
                 column_config={"#": st.column_config.TextColumn(width=50), "Detail": st.column_config.TextColumn(
                     width="large")})
    st.download_button(f"Download the audit trail (csv, {format.count(len(trail))} rows)",
                       export.csv_bytes(audit.for_export(trail)), f"audit_{dt.date.today():%Y-%m-%d}.csv",
                       "text/csv", key="dl_audit")
else:
    st.caption("Nothing has been changed yet.")

st.subheader("Who has which role")
st.caption("Viewers see every page, export, and add or change action items and forecast calls; analysts also "
           "load data, map columns, change settings, undo loads and save plan versions; admins also decide who "
           "has which role. An e-mail rule names one person and wins; otherwise the highest role of their "
           "domain and group rules (the identity provider's groups claim). Admins listed in secrets.toml are "
           "always admins.")
if not who.may("roles"):
    st.info(esc("Roles are given by an admin" + (f": {', '.join(signin.admins())}." if signin.admins() else ".")))
    st.stop()

rules = cache.state_call(state.rules)
unknown = cache.state_call(state.unknown_users)
table = pd.DataFrame([{"kind": r.kind, "value": r.value, "role": r.role} for r in rules],
                     columns=["kind", "value", "role"])
edited = st.data_editor(table, key="rules_editor", num_rows="dynamic", hide_index=True, width="stretch",
                        column_config={
                            "kind": st.column_config.SelectboxColumn("Kind", options=list(access.RULE_KINDS),
                                                                     required=True, width="small"),
                            "value": st.column_config.TextColumn("E-mail, domain or group", width="large"),
                            "role": st.column_config.SelectboxColumn("Role", options=[*access.ROLES, access.REFUSED],
                                                                     required=True, width="small")})
choice = st.radio("Someone no rule names", list(access.UNKNOWN_CHOICES), horizontal=True, key="unknown_users",
                  index=list(access.UNKNOWN_CHOICES).index(unknown),
                  format_func=lambda c: {"refuse": "is refused", "viewer": "is a viewer"}[c])
if st.button("Save the roles", key="save_roles", type="primary"):
    try:
        new_rules = access.clean_rules(edited.to_dict("records"))
        keeps = None
        if on:
            claims = st.user.to_dict()

            def keeps(rs, unk):
                return access.role_for(claims, rs, unknown=unk, admins=signin.admins(),
                                       groups_claim=signin.groups_claim())[0] == "admin"
        state.save_rules(db.resolve(), who, new_rules, choice, keeps_admin=keeps)
        st.success(f"Saved {len(new_rules)} rule(s): they apply from each person's next page.")
    except UserError as exc:
        ui.user_error(exc)

st.markdown("**People who opened the app**")
people = cache.state_call(state.people)
if len(people):
    st.dataframe(format.table(people, labels={"user_id": "Who", "role_source": "Why", "via": "How",
                                              "first_seen": "First seen", "last_seen": "Last seen"}),
                 hide_index=True, width="stretch")
else:
    st.caption("Nobody has signed in yet.")
