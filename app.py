"""Revenue Machine: the navigation (no SQL, no business logic here).

Every page renders the shared frame itself (revmachine.ui.start_page: wide layout, the sidebar
filters), so a direct link or a rerun of a page keeps the filters. The Data page is drawn by
another hand and does not: its frame is rendered here, so the filters keep their state there too.
"""

import streamlit as st

from revmachine import ui

pages = [
    st.Page("views/home.py", title="Meeting home", default=True),
    st.Page("views/dashboard.py", title="Dashboard", url_path="dashboard"),
    st.Page("views/funnel.py", title="Funnel"),
    st.Page("views/matrix.py", title="Marketer matrix", url_path="matrix"),
    st.Page("views/planning.py", title="Planning"),
    st.Page("views/meeting.py", title="Meeting"),
    st.Page("views/data.py", title="Data"),
]
pg = st.navigation(pages)
if pg.url_path == "data":
    ui.frame()
pg.run()
