"""Masking of personal data (``mask_pii: true`` in params).

Customer names become stable pseudonyms (the same customer keeps the same mask
across tables and runs, so lists can still be matched by ``customer_id``), and
phone numbers and e-mail addresses inside any text are replaced.
"""

from __future__ import annotations

import hashlib

import pandas as pd

from workbench.data.schema import TABLES, TEXT

EMAIL_RE = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
# Mainland mobiles (1[3-9]x, 11 digits), landlines (0xx-xxxxxxxx) and +country numbers.
PHONE_RE = r"(?:\+?\d{1,3}[\s-]?)?(?:1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}|0\d{2,3}[\s-]?\d{7,8})(?!\d)"
EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"


def pseudonym(value: str, prefix: str = "Customer") -> str:
    """A stable, non-reversible stand-in for a name."""
    digest = hashlib.sha256(str(value).encode("utf-8")).hexdigest()[:6].upper()
    return f"{prefix}-{digest}"


def mask_text(s: pd.Series) -> pd.Series:
    """Replace e-mail addresses and phone numbers inside text."""
    if s.isna().all():
        return s
    return s.str.replace(EMAIL_RE, EMAIL_MASK, regex=True).str.replace(PHONE_RE, PHONE_MASK, regex=True)


def mask_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Masked copies: customer names pseudonymised, phones and e-mails removed from all text."""
    out = {}
    for name, df in tables.items():
        df = df.copy()
        spec = TABLES.get(name)
        for col in df.columns:
            c = spec.column(col) if spec else None
            if name == "customers" and col == "name":
                df[col] = df[col].map(pseudonym, na_action="ignore").astype("str")
            elif (c is not None and c.kind == TEXT) or (c is None and pd.api.types.is_string_dtype(df[col])):
                df[col] = mask_text(df[col].astype("str"))
        out[name] = df
    return out
