"""Revenue Machine: the navigation and the shared frame (no SQL, no business logic here).

The sign-in comes first (revmachine.signin.gate: with sign-in configured, a signed-out visitor sees
nothing else). The frame (wide layout, the sidebar filters; revmachine.ui.frame) is drawn here,
before the page, so the filters keep their state from page to page; a page run on its own draws it
itself.
"""

import streamlit as st

from revmachine import signin, ui

# with sign-in configured, a signed-out visitor gets the sign-in screen instead of the pages
signin.gate(navigation=True)
pages = [
    st.Page("views/home.py", title="Meeting home", default=True),
    st.Page("views/dashboard.py", title="Dashboard", url_path="dashboard"),
    st.Page("views/pipeline.py", title="Pipeline", url_path="pipeline"),
    st.Page("views/funnel.py", title="Funnel"),
    st.Page("views/matrix.py", title="Marketer matrix", url_path="matrix"),
    st.Page("views/planning.py", title="Planning"),
    st.Page("views/meeting.py", title="Meeting"),
    st.Page("views/data.py", title="Data"),
    st.Page("views/team.py", title="Team"),
]
pg = st.navigation(pages)
ui.frame()
pg.run()
