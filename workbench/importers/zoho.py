"""Zoho CRM module exports (Deals, Leads, Accounts, Contacts) into the canonical model.

Zoho writes one file per module, CSV or XLSX, with the record's ``Record Id`` first,
display labels as headers (``Deal Name``, ``Closing Date``) — or API names
(``Deal_Name``, ``Closing_Date``) when the export comes from the API or a data
backup — and, for every lookup, a ``.id`` twin holding the linked record's
``zcrm_`` id (``Account Name`` / ``Account Name.id``).

What becomes what:

====================  =========================================================
Zoho                  canonical
====================  =========================================================
Deals                 ``leads`` (one opportunity per row): status from ``Stage``
                      (Closed Won → won; Closed Lost, Closed Lost to Competition
                      → lost; the open stages → open), ``closed_date`` from
                      ``Closing Date`` of closed deals only, ``customer_id`` from
                      ``Account Name.id``, ``rep_id`` from ``Deal Owner.id``,
                      ``channel_id`` from ``Lead Source``
Leads                 ``leads`` too (``record_type`` = lead): status from
                      ``Lead Status`` (Junk / Lost Lead / Not Qualified → lost,
                      the rest open); converted leads are no longer in the
                      Leads module: they are the deals
Accounts              ``customers``: Industry, Rating as ``tier``, Billing City,
                      Billing State as ``region``
Contacts              the ``acquisition_channel_id`` of their account (the Lead
                      Source of its earliest contact) when no deal gives one
owners                ``reps`` (id and name of every owner)
Lead Source values    ``channels`` (type from :data:`CHANNEL_TYPES`, else other)
Stage values          ``stages`` (Zoho's standard order and probabilities)
====================  =========================================================

Joins use ids, never names. A deal whose ``Account Name`` is set but whose
``Account Name.id`` is blank stays without a customer, and the report says how many.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from workbench.importers.fields import Field, VendorOverrides, load_overrides, norm, norm_series
from workbench.importers.read import SourceFile, read_source
from workbench.importers.report import ImportReport, MappingError
from workbench.importers.tables import (
    Export,
    channels_table,
    check_record_ids,
    drop_rows,
    frame,
    leave_blank,
    merged_values,
    reps_table,
    stages_table,
)
from workbench.importers.values import (
    _text,
    coerce_kind,
    is_drop,
    map_values,
    parse_money,
    raise_bad,
    status_values,
    to_probability,
)
from workbench.importers.write import check_output, write_dataset

log = logging.getLogger(__name__)

MODULE_NAMES = {"deals": "Deals", "leads": "Leads", "accounts": "Accounts", "contacts": "Contacts"}

_ID = Field("record_id", ("Record Id", "Id", "Record ID", "record_id", "Deal Id", "Lead Id", "Account Id",
                          "Contact Id"), True)
_CREATED = ("Created Time", "Created_Time", "Created Date", "Created On")
_MODIFIED = ("Modified Time", "Modified_Time", "Last Modified Time")
_SOURCE = ("Lead Source", "Lead_Source")

FIELDS: dict[str, tuple[Field, ...]] = {
    "deals": (
        _ID,
        Field("deal_name", ("Deal Name", "Deal_Name", "Potential Name", "Potential_Name")),
        Field("owner_id", ("Deal Owner.id", "Owner.id", "Deal Owner Id", "Owner_id", "Owner Id")),
        Field("owner_name", ("Deal Owner", "Owner", "Owner.name", "Deal Owner Name")),
        Field("account_id", ("Account Name.id", "Account_Name.id", "Account Id", "Account_Name_id")),
        Field("account_name", ("Account Name", "Account_Name", "Account_Name.name")),
        Field("stage", ("Stage",), True),
        Field("amount", ("Amount",)),
        Field("closing_date", ("Closing Date", "Closing_Date", "Close Date")),
        Field("lead_source", _SOURCE),
        Field("type", ("Type",)),
        Field("probability", ("Probability (%)", "Probability", "Probability(%)")),
        Field("reason_for_loss", ("Reason For Loss", "Reason_For_Loss__s", "Reason For Loss__s",
                                  "Reason_For_Loss", "Loss Reason", "Lost Reason")),
        Field("competitor", ("Competitor", "Competitor Name", "Competitor__c", "Competitor_Name")),
        Field("currency", ("Currency",)),
        Field("exchange_rate", ("Exchange Rate", "Exchange_Rate")),
        Field("created_time", _CREATED, True),
        Field("modified_time", _MODIFIED),
    ),
    "leads": (
        _ID,
        Field("owner_id", ("Lead Owner.id", "Owner.id", "Lead Owner Id", "Owner_id", "Owner Id")),
        Field("owner_name", ("Lead Owner", "Owner", "Owner.name")),
        Field("company", ("Company",)),
        Field("lead_status", ("Lead Status", "Lead_Status"), True),
        Field("lead_source", _SOURCE),
        Field("industry", ("Industry",)),
        Field("rating", ("Rating",)),
        Field("created_time", _CREATED, True),
        Field("modified_time", _MODIFIED),
    ),
    "accounts": (
        _ID,
        Field("account_name", ("Account Name", "Account_Name"), True),
        Field("owner_id", ("Account Owner.id", "Owner.id", "Account Owner Id", "Owner_id", "Owner Id")),
        Field("owner_name", ("Account Owner", "Owner", "Owner.name")),
        Field("industry", ("Industry",)),
        Field("rating", ("Rating",)),
        Field("account_type", ("Account Type", "Account_Type")),
        Field("billing_city", ("Billing City", "Billing_City")),
        Field("billing_state", ("Billing State", "Billing_State")),
        Field("billing_country", ("Billing Country", "Billing_Country")),
        Field("created_time", _CREATED),
        Field("modified_time", _MODIFIED),
    ),
    "contacts": (
        _ID,
        Field("owner_id", ("Contact Owner.id", "Owner.id", "Contact Owner Id", "Owner_id")),
        Field("owner_name", ("Contact Owner", "Owner", "Owner.name")),
        Field("account_id", ("Account Name.id", "Account_Name.id", "Account Id")),
        Field("account_name", ("Account Name", "Account_Name")),
        Field("lead_source", _SOURCE),
        Field("created_time", _CREATED),
    ),
}

# Headers that only one module has: they tell a Deals export from a Leads export.
SIGNATURES: dict[str, tuple[str, ...]] = {
    "deals": ("Deal Name", "Deal_Name", "Stage", "Closing Date", "Closing_Date", "Deal Owner", "Expected Revenue",
              "Expected_Revenue", "Potential Name", "Next Step"),
    "leads": ("Lead Status", "Lead_Status", "Lead Owner", "Company", "No. of Employees", "Converted",
              "Lead Conversion Time", "Annual Revenue"),
    "accounts": ("Account Type", "Account_Type", "Account Owner", "Account Number", "Billing City", "Billing_City",
                 "Parent Account", "Ticker Symbol", "Ownership", "Account Site"),
    "contacts": ("Contact Owner", "Mailing City", "Mailing_City", "Reports To", "Date of Birth", "Department",
                 "Assistant", "Other Phone", "Secondary Email"),
}

STAGES: tuple[tuple[str, int, float, str], ...] = (
    # Zoho CRM's standard Deals pipeline: stage, order, probability, status.
    ("Qualification", 1, 0.10, "open"),
    ("Needs Analysis", 2, 0.20, "open"),
    ("Value Proposition", 3, 0.40, "open"),
    ("Id. Decision Makers", 4, 0.60, "open"),
    ("Identify Decision Makers", 4, 0.60, "open"),
    ("Perception Analysis", 5, 0.70, "open"),
    ("Proposal/Price Quote", 6, 0.75, "open"),
    ("Negotiation/Review", 7, 0.90, "open"),
    ("Closed Won", 8, 1.00, "won"),
    ("Closed Lost", 9, 0.00, "lost"),
    ("Closed Lost to Competition", 10, 0.00, "lost"),
)
STAGE_STATUS = status_values({s: st for s, _, _, st in STAGES})

LEAD_STATUS = status_values({
    "Not Contacted": "open", "Attempted to Contact": "open", "Contact in Future": "open", "Contacted": "open",
    "Pre-Qualified": "open", "Pre Qualified": "open", "Qualified": "open",
    "Junk Lead": "lost", "Lost Lead": "lost", "Not Qualified": "lost",
})

CHANNEL_TYPES = {
    "Cold Call": "telesales", "Online Store": "ecommerce", "Partner": "partner", "Seminar Partner": "partner",
    "Trade Show": "direct", "Internal Seminar": "direct", "Employee Referral": "direct",
    "External Referral": "direct", "Sales Email Alias": "direct",
}
UNKNOWN_CHANNEL = "unknown"  # a literal 'unknown' Lead Source: its own channel, never where blanks go
VALUE_FIELDS = ("status", "lead_status", "stage", "channel_id", "tier", "industry", "region")


def detect_module(src: SourceFile) -> tuple[str | None, dict[str, int]]:
    """The Zoho module an export comes from, by the headers only that module has."""
    cols = {norm(c) for c in src.frame.columns}
    scores = {m: len(cols & {norm(s) for s in sig}) for m, sig in SIGNATURES.items()}
    best = max(scores, key=scores.get)
    if scores[best] == 0:
        stem = norm(src.path.stem)
        for m in MODULE_NAMES:
            if m.rstrip("s") in stem:
                return m, scores
        return None, scores
    return best, scores


def _all_hints() -> list[str]:
    return [a for fs in FIELDS.values() for f in fs for a in f.aliases] + [s for v in SIGNATURES.values() for s in v]


def read_exports(
    files: Iterable[str | Path] = (),
    *,
    deals: str | Path | None = None,
    leads: str | Path | None = None,
    accounts: str | Path | None = None,
    contacts: str | Path | None = None,
    sheet: str | None = None,
) -> dict[str, SourceFile]:
    """Read Zoho exports: named ones as their module (checked), the others by their headers.

    Raises
    ------
    MappingError
        An export given as one module that looks like another (a Deals export given
        as Leads), a file whose module cannot be told, or two files for one module.
    """
    hints = _all_hints()
    out: dict[str, SourceFile] = {}
    named = {"deals": deals, "leads": leads, "accounts": accounts, "contacts": contacts}
    for module, path in named.items():
        if path is None:
            continue
        src = read_source(path, hints, sheet)
        found, scores = detect_module(src)
        if found is not None and found != module and scores[found] > scores[module]:
            sig = [c for c in src.frame.columns if norm(c) in {norm(s) for s in SIGNATURES[found]}]
            raise MappingError(
                f"{src.label}: given as a Zoho {MODULE_NAMES[module]} export, but it looks like a "
                f"{MODULE_NAMES[found]} export (it has {', '.join(sig[:4])}); pass it as --{found} {src.path}")
        out[module] = src
    for path in files:
        src = read_source(path, hints, sheet)
        module, _ = detect_module(src)
        if module is None:
            raise MappingError(
                f"{src.label}: cannot tell which Zoho module this export comes from (none of the headers "
                f"{', '.join(s for v in SIGNATURES.values() for s in v[:2])} is there); pass it as "
                f"--deals, --leads, --accounts or --contacts")
        if module in out:
            raise MappingError(f"{src.label}: a second {MODULE_NAMES[module]} export "
                               f"(the first is {out[module].label}); import one file per module")
        out[module] = src
    if not out:
        raise MappingError("no Zoho export given; pass the Deals, Leads, Accounts or Contacts exports")
    return out


def _export(module: str, src: SourceFile, ov: VendorOverrides, report: ImportReport) -> Export:
    return Export(module, src, FIELDS[module], ov, report, f"Zoho {MODULE_NAMES[module]} export")


def _owner(m: Export) -> tuple[pd.Series, pd.Series]:
    """(rep id, rep name) of each row: the owner's id when the export has it, else the name."""
    cached = getattr(m, "owner_", None)
    if cached is not None:
        return cached
    name = m.text("owner_name")
    rep_id = name
    if m.has("owner_id"):
        rep_id = m.ids("owner_id")
    elif m.has("owner_name"):
        m.report.warn(f"{m.src.label}: no owner id column (e.g. '{MODULE_NAMES[m.module][:-1]} Owner.id'); reps are "
                      f"identified by the owner's name")
    m.owner_ = (rep_id, name)
    return m.owner_


def _channel(m: Export) -> pd.Series:
    return m.mapped("lead_source", "channel_id", "leads", "channel_id")


def _deals(m: Export, ov: VendorOverrides, report: ImportReport) -> pd.DataFrame:
    src, f = m.src, m.src.frame
    lead_id = m.ids("record_id")
    if lead_id.isna().any():
        raise_bad(lead_id.isna(), f[m.cols["record_id"]].fillna("(blank)"), src=src, column=m.cols["record_id"],
                  expected="a record id (every Zoho record has one)")
    stage_raw = m.raw("stage")
    stage_map = {s.stage: s.status for s in ov.stages if s.status}
    status = map_values(stage_raw, merged_values(ov, "status", {**STAGE_STATUS, **stage_map}), src=src,
                        column=m.cols["stage"], target="status", report=report,
                        how_to_map="values: {status: {'<stage>': open | won | lost | __drop__}} "
                                   "(or stages: [{stage: ..., order: ..., status: ...}])")
    blank = status.isna()
    if blank.any():
        raise_bad(blank, stage_raw.fillna("(blank)"), src=src, column=m.cols["stage"], expected="a deal stage")
    stage = stage_raw if "stage" not in ov.values else map_values(
        stage_raw, ov.values["stage"], src=src, column=m.cols["stage"], target="stage", unknown="keep", report=report)
    stage = coerce_kind(stage, "leads", "stage", src=src, source_column=m.cols["stage"])
    # leads.stage is the furthest stage reached. A lost deal's Zoho stage is where it closed
    # (Closed Lost), which says nothing of how far it got: left blank, kept in crm_stage.
    lost_stage = status.eq("lost")
    if lost_stage.any():
        stage = stage.where(~lost_stage)
        report.fill("leads", "stage", "(blank)", int(lost_stage.sum()),
                    "a lost deal's Zoho stage is its closing stage, not the furthest stage reached "
                    "(kept in crm_stage)")
    closing = m.get("closing_date", "leads", "closed_date")
    closed = status.isin(["won", "lost"])
    rep_id, _ = _owner(m)
    reason = m.text("reason_for_loss")
    to_comp = norm_series(stage_raw).eq(norm("Closed Lost to Competition"))
    if to_comp.any():
        reason = reason.where(reason.notna() | ~to_comp, "Lost to Competition")
    customer = m.ids("account_id")
    if m.has("account_name"):
        named = m.text("account_name").notna()
        no_id = named & customer.isna()
        if not m.has("account_id"):
            report.warn(f"{src.label}: no 'Account Name.id' column, so no deal is linked to a customer "
                        f"(joins use ids, never names); export the lookup ids with the deals")
        elif no_id.any():
            report.warn(f"{src.label}: {int(no_id.sum())} deal(s) name an account but have no 'Account Name.id' "
                        f"(line {m.lines(no_id)}); left without a customer (joins use ids, never names)")
    extra: dict[str, pd.Series] = {}
    if m.has("currency"):
        amount, extra = _home_currency(m, ov, report)
    else:
        amount = m.get("amount", "leads", "amount")
    df = pd.DataFrame({
        "lead_id": lead_id, "created_date": m.get("created_time", "leads", "created_date"),
        "channel_id": _channel(m), "status": status, "stage": stage,
        "closed_date": closing.where(closed), "amount": amount, "rep_id": rep_id, "customer_id": customer,
        "lost_reason": reason.where(status.eq("lost")),
        "competitor": m.text("competitor"),
        "record_type": "deal", "crm_stage": _text(stage_raw),
        "expected_close_date": closing.where(~closed),
    }, index=f.index)
    for col, values in extra.items():
        df[col] = values
    if m.has("deal_name"):
        df["deal_name"] = m.text("deal_name")
    if m.has("type"):
        df["type"] = m.text("type")
    if m.has("probability"):
        df["probability"] = to_probability(m.number("probability"))
    if m.has("modified_time"):
        df["modified_date"] = m.get("modified_time", "leads", "created_date")
    df = check_record_ids(df, "lead_id", src=src, source_column=m.cols["record_id"], report=report, table="leads")
    df = drop_rows(df, is_drop(df["status"]), report=report, table="leads", file=src.label,
                   reason="stage mapped to __drop__", id_column="lead_id")
    return df


def _home_currency(m: Export, ov: VendorOverrides, report: ImportReport) -> tuple[pd.Series, dict[str, pd.Series]]:
    """Deal amounts in the home currency of a multi-currency org, with what each was before.

    Zoho records on each deal its ``Currency`` and the ``Exchange Rate`` of that currency
    against the org's home currency (1 home = rate × foreign), so the home amount is
    ``Amount / Exchange Rate``. The home currency is ``currency`` of the mapping file (or
    ``--currency``), else the one currency whose deals all have rate 1. A deal in another
    currency without a rate stops the import: guessing a rate would make up money.

    Returns
    -------
    (amount, extras)
        Home-currency amounts; ``amount_original``, ``currency_original`` and
        ``exchange_rate`` columns when anything was converted (else no extras).
    """
    src, col = m.src, m.cols["currency"]
    cur = m.text("currency").str.upper()
    amount, bad = parse_money(m.raw("amount"), src=src, column=m.cols["amount"], mixed=True) \
        if m.has("amount") else (m.blank(), pd.Series(False, index=m.index))
    raise_bad(bad, m.raw("amount"), src=src, column=m.cols.get("amount", ""), expected="numbers")
    seen = list(cur.dropna().unique())
    home = (ov.currency or "").upper() or None
    if len(seen) <= 1 and (home is None or seen in ([], [home])):
        report.currency = home or (seen[0] if seen else None)
        return amount.astype("float64"), {}
    if not m.has("exchange_rate"):
        raise MappingError(
            f"{src.label}, column '{col}': deals in {len(seen)} currencies ({', '.join(map(str, seen[:5]))}) and no "
            f"'Exchange Rate' column to convert them; export the Exchange Rate field with the deals (a dataset "
            f"holds one currency)")
    rate = m.number("exchange_rate").astype("float64")
    if home is None:
        unit = [c for c in seen if (rate[cur.eq(c)].dropna() == 1.0).all() and rate[cur.eq(c)].notna().any()]
        if len(unit) != 1:
            raise MappingError(
                f"{src.label}: deals in {', '.join(map(str, seen))}; cannot tell the home currency (the one whose "
                f"Exchange Rate is always 1; found {', '.join(unit) or 'none'}); give it: --currency CODE, or "
                f"currency: CODE in the mapping file")
        home = unit[0]
    foreign = cur.notna() & cur.ne(home)
    no_rate = foreign & ~(rate > 0)
    if no_rate.any():
        raise_bad(no_rate, m.raw("exchange_rate").fillna("(blank)"), src=src, column=m.cols["exchange_rate"],
                  expected=f"a positive exchange rate (the deal is not in the home currency {home})")
    converted = amount.where(~foreign, amount / rate)
    for (c, r), n in pd.DataFrame({"c": cur[foreign], "r": rate[foreign]}).value_counts(sort=False).items():
        report.converted.append({"table": "leads", "column": m.cols["amount"], "from": c, "to": home,
                                 "rate": float(r), "rows": int(n)})
    report.currency = home
    extras = {"amount_original": amount, "currency_original": cur,
              "exchange_rate": rate.where(foreign, 1.0).where(cur.notna())}
    return converted.astype("float64"), extras


def _leads(m: Export, ov: VendorOverrides, report: ImportReport) -> pd.DataFrame:
    src, f = m.src, m.src.frame
    status = map_values(m.raw("lead_status"), merged_values(ov, "lead_status", LEAD_STATUS), src=src,
                        column=m.cols["lead_status"], target="status", report=report,
                        how_to_map="values: {lead_status: {'<Lead Status>': open | lost | won | __drop__}}")
    status = status.fillna("open")  # a lead nobody has worked on yet
    rep_id, _ = _owner(m)
    df = pd.DataFrame({
        "lead_id": m.ids("record_id"), "created_date": m.get("created_time", "leads", "created_date"),
        "channel_id": _channel(m), "status": status, "stage": pd.NA, "rep_id": rep_id,
        "record_type": "lead",
        "lead_status": m.text("lead_status"),
        "company": m.text("company"),
    }, index=f.index)
    df = check_record_ids(df, "lead_id", src=src, source_column=m.cols["record_id"], report=report, table="leads")
    return drop_rows(df, is_drop(df["status"]), report=report, table="leads", file=src.label,
                     reason="Lead Status mapped to __drop__", id_column="lead_id")


def _accounts(m: Export, ov: VendorOverrides, report: ImportReport) -> pd.DataFrame:
    src, f = m.src, m.src.frame

    region = m.mapped("billing_state", "region")
    if m.has("billing_country"):
        region = region.fillna(m.text("billing_country"))
    df = pd.DataFrame({
        "customer_id": m.ids("record_id"), "name": m.text("account_name"), "industry": m.mapped("industry", "industry"),
        "region": region, "city": m.text("billing_city"),
        "created_date": m.get("created_time", "customers", "created_date"),
        "tier": m.mapped("rating", "tier"),
        "account_type": m.text("account_type"),
    }, index=f.index)
    return check_record_ids(df, "customer_id", src=src, source_column=m.cols["record_id"], report=report,
                            table="customers")


def build_tables(sources: Mapping[str, SourceFile], overrides: VendorOverrides | None = None,
                 report: ImportReport | None = None) -> tuple[dict[str, pd.DataFrame], ImportReport]:
    """Canonical tables from read Zoho exports.

    Parameters
    ----------
    sources : mapping
        ``{module: SourceFile}`` for modules among deals, leads, accounts, contacts
        (see :func:`read_exports`).
    overrides : VendorOverrides, optional
        The user's mapping file (aliases, value maps, stages, channel types).
    report : ImportReport, optional

    Returns
    -------
    (tables, report)
        ``leads``, ``customers``, ``reps``, ``channels``, ``stages`` as far as the
        exports hold them.
    """
    ov = overrides or VendorOverrides()
    report = report or ImportReport("zoho")
    mods = {k: _export(k, src, ov, report) for k, src in sources.items()}
    tables: dict[str, pd.DataFrame] = {}
    owners: list[pd.DataFrame] = []
    for m in mods.values():
        rid, rname = _owner(m)
        owners.append(pd.DataFrame({"rep_id": rid, "name": rname}))

    parts = []
    if "deals" in mods:
        parts.append(_deals(mods["deals"], ov, report))
    if "leads" in mods:
        parts.append(_leads(mods["leads"], ov, report))
    leads = pd.concat(parts, ignore_index=True) if parts else None
    if leads is not None:
        dup = leads["lead_id"].duplicated(keep=False)
        if dup.any():
            raise MappingError(f"{int(dup.sum())} rows of the Deals and Leads exports share a Record Id "
                               f"(e.g. {leads.loc[dup, 'lead_id'].iloc[0]}); is one file given twice?")

    # customers: the Accounts export, plus accounts that deals or contacts link to by id
    cust = _accounts(mods["accounts"], ov, report) if "accounts" in mods else None
    linked = []
    for key in ("deals", "contacts"):
        m = mods.get(key)
        if m is not None and m.has("account_id"):
            linked.append(pd.DataFrame({"customer_id": m.ids("account_id"),
                                        "name": m.text("account_name"),
                                        "source": m.src.label}))
    if linked:
        lk = pd.concat(linked, ignore_index=True).dropna(subset=["customer_id"]).drop_duplicates("customer_id")
        known = set(cust["customer_id"]) if cust is not None else set()
        stub = lk.loc[~lk["customer_id"].isin(known)]
        if len(stub):
            if cust is not None:
                report.warn(f"{len(stub)} account(s) linked from deals/contacts are not in the Accounts export "
                            f"(e.g. {', '.join(stub['customer_id'].head(3))}); added to customers with id and name only")
            cust = pd.concat([cust, stub[["customer_id", "name"]]], ignore_index=True) if cust is not None \
                else stub[["customer_id", "name"]].reset_index(drop=True)
    if cust is not None and len(cust):
        cust = _acquisition(cust, leads, mods.get("contacts"), ov, report)
        tables["customers"] = frame("customers", cust)
        report.crm_ids["customers.customer_id"] = "Record Id"  # the Accounts Record Id (or a deal's Account Name.id)

    if leads is not None:
        blank = leads["channel_id"].isna()
        leave_blank(leads, blank, ov, report, "no Lead Source")
        tables["leads"] = frame("leads", leads)
        tables["stages"] = stages_table(leads, STAGES, ov)
        report.crm_ids["leads.lead_id"] = "Record Id"  # of the Deals or Leads module

    reps = reps_table(owners, report)
    if reps is not None:
        tables["reps"] = reps

    ch = _channels(tables, ov)
    if ch is not None:
        tables["channels"] = ch
    return tables, report


def _acquisition(cust: pd.DataFrame, leads: pd.DataFrame | None, contacts: Export | None, ov: VendorOverrides,
                 report: ImportReport) -> pd.DataFrame:
    """Acquisition channel of each customer: the Lead Source of its first deal, else of its first contact."""
    cust = cust.copy()
    cust["acquisition_channel_id"] = pd.NA
    first = []
    if leads is not None and "customer_id" in leads:
        d = leads.dropna(subset=["customer_id"])
        d = d.loc[d["channel_id"].notna()].sort_values("created_date")
        first.append(d.drop_duplicates("customer_id").set_index("customer_id")["channel_id"])
    if contacts is not None and contacts.has("account_id") and contacts.has("lead_source"):
        c = pd.DataFrame({"customer_id": contacts.ids("account_id"), "channel_id": _channel(contacts),
                          "created": contacts.get("created_time", "customers", "created_date")})
        c = c.dropna(subset=["customer_id", "channel_id"]).sort_values("created")
        first.append(c.drop_duplicates("customer_id").set_index("customer_id")["channel_id"])
    for s in first:
        cust["acquisition_channel_id"] = cust["acquisition_channel_id"].fillna(cust["customer_id"].map(s))
    n = int(cust["acquisition_channel_id"].notna().sum())
    if n:
        report.fill("customers", "acquisition_channel_id", "(Lead Source)", n,
                    "the Lead Source of the customer's first deal, else of its first contact")
    return cust


def _channels(tables: Mapping[str, pd.DataFrame], ov: VendorOverrides) -> pd.DataFrame | None:
    used = []
    if "leads" in tables:
        used += tables["leads"]["channel_id"].tolist()
    if "customers" in tables:
        used += tables["customers"]["acquisition_channel_id"].tolist()
    return channels_table(used, ov, CHANNEL_TYPES, UNKNOWN_CHANNEL, "Unknown lead source")


def import_zoho(
    files: Iterable[str | Path] = (),
    *,
    out: str | Path,
    deals: str | Path | None = None,
    leads: str | Path | None = None,
    accounts: str | Path | None = None,
    contacts: str | Path | None = None,
    mapping: str | Path | Mapping | None = None,
    sheet: str | None = None,
    currency: str | None = None,
    name: str | None = None,
    force: bool = False,
) -> ImportReport:
    """Import Zoho CRM exports into a dataset folder (atomically) and return the report.

    Parameters
    ----------
    files : iterable of path
        Exports whose module is told from their headers.
    out : path
        The dataset folder to write; must not exist (or be empty) unless ``force``.
    deals, leads, accounts, contacts : path, optional
        Exports named by module (checked against their headers).
    mapping : path or dict, optional
        A user mapping file (:class:`~workbench.importers.base.VendorOverrides`).
    sheet : str, optional
        Sheet of the XLSX exports to read (default: the one that looks like the export).
    currency, name : str, optional
        ``dataset.yaml`` values; the mapping file's are used otherwise, and a single
        value of the Deals ``Currency`` column before the default.
    force : bool
        Replace an existing output folder.
    """
    check_output(out, force)
    ov = load_overrides(mapping, modules=_module_fields(), value_fields=VALUE_FIELDS)
    if currency:
        ov = ov.model_copy(update={"currency": currency})
    sources = read_exports(files, deals=deals, leads=leads, accounts=accounts, contacts=contacts, sheet=sheet)
    report = ImportReport("zoho")
    tables, report = build_tables(sources, ov, report)
    cur = currency or ov.currency or report.currency
    meta = {"name": name or ov.name or "Zoho CRM import", "currency": cur, "company_name": ov.company_name,
            "fiscal_year_start": ov.fiscal_year_start}
    write_dataset(out, tables, report=report, meta=meta, force=force)
    return report


def _module_fields() -> dict[str, list[str]]:
    return {m: [f.name for f in fs] for m, fs in FIELDS.items()}
