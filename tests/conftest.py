"""Shared fixtures: tiny hand-written datasets and the path of the real public data."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.paths import PROJ_ROOT

REAL_DATA = PROJ_ROOT.parent / "shared" / "data" / "real"


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A small valid dataset: orders, customers, channels."""
    d = tmp_path / "tiny"
    write(d, "channels.csv", "channel_id,name,type\nCH1,直销,direct\nCH2,天猫,ecommerce\n")
    write(d, "customers.csv", "customer_id,name,region\nC1,星辰科技有限公司,华东\nC2,<script>alert(1)</script>,华南\n")
    write(
        d,
        "orders.csv",
        "order_id,order_date,customer_id,amount,channel_id\n"
        "O1,2026-03-05,C1,100.5,CH1\nO2,2026-03-06,C2,200,CH2\nO3,2026-03-07,C1,-20,CH1\n",
    )
    return d


@pytest.fixture
def real_data() -> Path:
    if not REAL_DATA.exists():
        pytest.skip(f"real public data not found at {REAL_DATA} (it lives in ../shared, outside the repository)")
    return REAL_DATA
