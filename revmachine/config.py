"""Settings from environment variables, read at call time (tests change them per test)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = ROOT / "queries"
DATA_DIR = ROOT / "data"
DEMO_DIR = DATA_DIR / "demo"


def db_path() -> Path:
    """REVMACHINE_DB, else data/revmachine.duckdb beside the app (absolute)."""
    raw = os.environ.get("REVMACHINE_DB") or os.environ.get("APP_DB_PATH")
    return Path(raw).expanduser().resolve() if raw else DATA_DIR / "revmachine.duckdb"


def timezone() -> str:
    """Timezone in which timezone-naive timestamps are read and periods are bucketed."""
    return os.environ.get("REVMACHINE_TZ", "UTC")


def max_upload_bytes() -> int:
    """Files over this size are refused before parsing (REVMACHINE_MAX_UPLOAD_MB, default 500)."""
    return int(float(os.environ.get("REVMACHINE_MAX_UPLOAD_MB", "500")) * 1024 * 1024)


def max_unzipped_bytes() -> int:
    """An xlsx whose parts expand past this is refused as a zip bomb (REVMACHINE_MAX_UNZIPPED_MB)."""
    return int(float(os.environ.get("REVMACHINE_MAX_UNZIPPED_MB", "2048")) * 1024 * 1024)


def staging_memory_mb() -> int:
    """Memory the staging of one upload may use in DuckDB (REVMACHINE_STAGING_MEMORY_MB, default 6144):
    past it DuckDB spills to disk or refuses the file, never the server."""
    return int(float(os.environ.get("REVMACHINE_STAGING_MEMORY_MB", "6144")))


def demo_leads() -> int:
    """Size of the demo built on first start when there is no database (REVMACHINE_DEMO_LEADS)."""
    return int(os.environ.get("REVMACHINE_DEMO_LEADS", "30000"))


def build_demo_on_start() -> bool:
    return os.environ.get("REVMACHINE_NO_DEMO", "").lower() not in {"1", "true", "yes"}


def session_hours() -> float:
    """How long a sign-in lasts (REVMACHINE_SESSION_HOURS, default 12): past it, the identity
    provider is asked again (Streamlit's own cookie would last 30 days)."""
    return float(os.environ.get("REVMACHINE_SESSION_HOURS", "12"))
