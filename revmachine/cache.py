"""The one module that imports Streamlit: query results cached on the data version.

`call(fn, *args)` runs `fn(con, *args)` on a short-lived read-only connection, cached by
(function, arguments, data version). The data version is the database file's identity (inode,
mtime, size), so a load or an undo - which swap in a new file - invalidates every entry at once,
and a rerun with nothing changed costs a stat() and a dictionary lookup.

`state_call(fn, *args)` does the same on the app-state file (state.py: action items, plan versions,
roles, the audit), keyed on that file's identity: adding an action item invalidates what reads the
app state and nothing that reads the data.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import streamlit as st

from revmachine import db, state


@st.cache_data(max_entries=512, show_spinner=False)
def _call(fn_path: str, version: str, db_path: str, args: tuple, kwargs: tuple) -> Any:
    mod, _, name = fn_path.rpartition(".")
    fn = getattr(importlib.import_module(mod), name)
    with db.read(db_path) as con:
        return fn(con, *args, **dict(kwargs))


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    path = db.resolve()
    return _call(f"{fn.__module__}.{fn.__qualname__}", db.data_version(path), str(path), args,
                 tuple(sorted(kwargs.items())))


def version() -> str:
    return db.data_version(db.resolve())


@st.cache_data(max_entries=256, show_spinner=False)
def _state_call(fn_path: str, version: str, db_path: str, args: tuple, kwargs: tuple) -> Any:
    mod, _, name = fn_path.rpartition(".")
    fn = getattr(importlib.import_module(mod), name)
    with state.read(db_path) as con:
        return fn(con, *args, **dict(kwargs))


def state_call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    path = db.resolve()
    return _state_call(f"{fn.__module__}.{fn.__qualname__}", state.version(path), str(path), args,
                       tuple(sorted(kwargs.items())))
