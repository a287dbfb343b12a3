import hashlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "maven_crm"


@pytest.fixture
def db_path(tmp_path, monkeypatch):
    p = tmp_path / "rm.duckdb"
    monkeypatch.setenv("REVMACHINE_DB", str(p))
    monkeypatch.setenv("REVMACHINE_NO_DEMO", "1")
    return p


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    from revmachine import demo

    p = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    demo.build(p, n_leads=6000)
    return p


@pytest.fixture(scope="session")
def demo_full_db(tmp_path_factory):
    """The demo at its full size (30,000 leads): the planted story needs it (a campaign is judged
    against the alternate channel with an interval from its sample, and 6,000 leads are too few)."""
    from revmachine import demo

    p = tmp_path_factory.mktemp("demo_full") / "demo.duckdb"
    demo.build(p)
    return p


@pytest.fixture
def demo_full_env(demo_full_db, monkeypatch, tmp_path):
    import shutil

    p = tmp_path / "demo_full.duckdb"
    shutil.copyfile(demo_full_db, p)
    monkeypatch.setenv("REVMACHINE_DB", str(p))
    return p


@pytest.fixture
def demo_env(demo_db, monkeypatch, tmp_path):
    import shutil

    p = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, p)
    monkeypatch.setenv("REVMACHINE_DB", str(p))
    return p


def file_hash(p: Path) -> str | None:
    return hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None


@pytest.fixture
def maven():
    if not SHARED.exists():
        pytest.skip("shared/data/maven_crm is absent (a user's own clone)")
    return SHARED
