"""Zoho CRM exports → canonical tables, value by value; bad exports → clear errors, nothing written."""

import io
import json

import pandas as pd
import pytest

from workbench.cli import main
from workbench.data import load_dataset
from workbench.importers import MappingError, import_zoho
from workbench.sample import build_sample

DEALS = """Record Id,Deal Owner.id,Deal Owner,Deal Name,Account Name.id,Account Name,Amount,Stage,Closing Date,Lead Source,Type,Probability (%),Reason For Loss,Created Time,Modified Time,Next Step,Tag
zcrm_4876876000000345001,zcrm_4876876000000223001,Alice Wong,Acme renewal,zcrm_4876876000000111001,Acme Ltd,"$12,500.00",Closed Won,2024-03-15,Partner,Existing Business,100,,2024-01-10 09:30:00,2024-03-15 10:00:00,,vip
zcrm_4876876000000345002,zcrm_4876876000000223002,Bob Li,Beta pilot,zcrm_4876876000000111002,Beta Co,800,Closed Lost to Competition,2024-04-01,Cold Call,New Business,0,,2024-02-01 11:00:00,2024-04-01 10:00:00,,
zcrm_4876876000000345003,zcrm_4876876000000223001,Alice Wong,Acme expansion,zcrm_4876876000000111001,Acme Ltd,"1,000.50",Negotiation/Review,2024-06-30,,New Business,90,,2024-03-01 08:00:00,2024-03-02 10:00:00,Call CFO,
zcrm_4876876000000345004,zcrm_4876876000000223002,Bob Li,Gamma trial,,Gamma GmbH,300,Closed Lost,2024-05-05,Partner,,0,Price,2024-03-05 08:00:00,2024-05-05 10:00:00,,
"""
ACCOUNTS = """Record Id,Account Owner.id,Account Owner,Account Name,Account Type,Industry,Rating,Billing City,Billing State,Billing Country,Created Time
zcrm_4876876000000111001,zcrm_4876876000000223001,Alice Wong,Acme Ltd,Customer,Manufacturing,Active,Leeds,West Yorkshire,UK,2023-11-02 10:00:00
zcrm_4876876000000111002,zcrm_4876876000000223002,Bob Li,Beta Co,Prospect,Retail,,Shanghai,,China,2024-01-20 09:00:00
"""
LEADS = """Record Id,Lead Owner.id,Lead Owner,First Name,Last Name,Company,Email,Lead Source,Lead Status,Industry,Created Time
zcrm_4876876000000500001,zcrm_4876876000000223001,Alice Wong,Ann,Lee,Delta,ann@delta.test,Trade Show,Contacted,Retail,2024-04-02 09:00:00
zcrm_4876876000000500002,zcrm_4876876000000223002,Bob Li,Ben,Ng,Eps,ben@eps.test,Cold Call,Junk Lead,,2024-04-03 09:00:00
"""


def write(path, text, encoding="utf-8-sig"):
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def zoho(tmp_path):
    d = tmp_path / "exports"
    d.mkdir()
    return {
        "deals": write(d / "Deals_2024_11_27.csv", DEALS),
        "accounts": write(d / "Accounts.csv", ACCOUNTS),
        "leads": write(d / "Leads.csv", LEADS),
    }


def test_label_exports_become_canonical_tables(zoho, tmp_path):
    out = tmp_path / "ds"
    report = import_zoho(list(zoho.values()), out=out, currency="USD")
    ds = load_dataset(out)  # strict: no error
    leads = ds["leads"].set_index("lead_id")
    won = leads.loc["zcrm_4876876000000345001"]
    assert (won["status"], won["stage"], won["amount"], won["closed_date"]) == ("won", "Closed Won", 12500.0,
                                                                              pd.Timestamp("2024-03-15"))
    assert (won["rep_id"], won["customer_id"], won["channel_id"]) == (
        "zcrm_4876876000000223001", "zcrm_4876876000000111001", "Partner")
    assert won["created_date"] == pd.Timestamp("2024-01-10 09:30")
    comp = leads.loc["zcrm_4876876000000345002"]
    assert (comp["status"], comp["lost_reason"]) == ("lost", "Lost to Competition")
    open_ = leads.loc["zcrm_4876876000000345003"]
    assert open_["status"] == "open" and pd.isna(open_["closed_date"]) and open_["amount"] == 1000.5
    assert open_["expected_close_date"] == "2024-06-30" and open_["channel_id"] == "(blank)"
    gamma = leads.loc["zcrm_4876876000000345004"]
    assert pd.isna(gamma["customer_id"]) and gamma["lost_reason"] == "Price"  # never joined by name
    lead = leads.loc["zcrm_4876876000000500002"]
    assert (lead["status"], lead["channel_id"], lead["record_type"]) == ("lost", "Cold Call", "lead")
    assert leads["status"].value_counts().to_dict() == {"lost": 3, "won": 1, "open": 2}

    cust = ds["customers"].set_index("customer_id")
    assert cust.loc["zcrm_4876876000000111001", ["name", "industry", "region", "city", "tier"]].tolist() == [
        "Acme Ltd", "Manufacturing", "West Yorkshire", "Leeds", "Active"]
    assert cust.loc["zcrm_4876876000000111002", "region"] == "China"  # no state: the country
    assert cust["acquisition_channel_id"].to_dict() == {"zcrm_4876876000000111001": "Partner",
                                                        "zcrm_4876876000000111002": "Cold Call"}
    assert ds["reps"].set_index("rep_id")["name"].to_dict() == {"zcrm_4876876000000223001": "Alice Wong",
                                                                "zcrm_4876876000000223002": "Bob Li"}
    # a lost deal's stage is where it closed, not how far it got: blank, kept in crm_stage
    assert ds["stages"][["stage", "order"]].values.tolist() == [["Negotiation/Review", 1], ["Closed Won", 2]]
    assert pd.isna(comp["stage"]) and comp["crm_stage"] == "Closed Lost to Competition"
    ch = ds["channels"].set_index("channel_id")["type"].to_dict()
    assert ch == {"Cold Call": "telesales", "Partner": "partner", "Trade Show": "direct"}
    assert ds.meta.currency == "USD"

    assert report.tables == {"customers": 2, "leads": 6, "stages": 2, "reps": 2, "channels": 3}
    assert report.rows_read == 8
    assert [f["role"] for f in report.files] == ["Zoho Deals export", "Zoho Accounts export", "Zoho Leads export"]
    assert report.unmapped["Deals_2024_11_27.csv"] == ["Next Step", "Tag"]
    assert {"table": "leads", "column": "channel_id", "value": "(blank)", "rows": 1,
            "reason": "no Lead Source"} in report.filled
    assert any("1 deal(s) name an account but have no 'Account Name.id' (line 5)" in w for w in report.warnings)
    saved = json.loads((out / "import_report.json").read_text(encoding="utf-8"))
    assert saved["tables"] == report.tables and saved["mapped"][0]["values"]["Closed Won"] == {"to": "won", "rows": 1}


def test_api_name_xlsx_export(tmp_path):
    deals = pd.DataFrame({
        "id": ["zcrm_1", "zcrm_2"], "Deal_Name": ["A", "B"], "Owner": ["Alice", "Bob"],
        "Owner.id": ["zcrm_u1", "zcrm_u2"], "Account_Name": ["Acme", "Beta"], "Account_Name.id": ["zcrm_a1", "zcrm_a2"],
        "Stage": ["Closed Won", "Qualification"], "Amount": [1200.0, None], "Closing_Date": ["2024-02-01", "2024-09-01"],
        "Lead_Source": ["Online Store", "Online Store"],
        "Created_Time": [pd.Timestamp("2024-01-01 08:00"), pd.Timestamp("2024-01-05 08:00")],
    })
    p = tmp_path / "Deals.xlsx"
    deals.to_excel(p, index=False, sheet_name="Deals")
    import_zoho(deals=p, out=tmp_path / "ds")
    ds = load_dataset(tmp_path / "ds")
    got = ds["leads"][["lead_id", "status", "amount", "rep_id", "customer_id", "channel_id", "created_date"]]
    assert got.astype(object).where(got.notna(), None).values.tolist() == [
        ["zcrm_1", "won", 1200.0, "zcrm_u1", "zcrm_a1", "Online Store", pd.Timestamp("2024-01-01 08:00")],
        ["zcrm_2", "open", None, "zcrm_u2", "zcrm_a2", "Online Store", pd.Timestamp("2024-01-05 08:00")]]
    assert ds["customers"]["name"].tolist() == ["Acme", "Beta"]  # known only from the deals' lookups
    assert ds["channels"].values.tolist() == [["Online Store", "Online Store", "ecommerce"]]


def test_deals_given_as_leads(zoho, tmp_path):
    with pytest.raises(MappingError, match=r"given as a Zoho Leads export, but it looks like a Deals export .*--deals"):
        import_zoho(leads=zoho["deals"], out=tmp_path / "ds")
    assert not (tmp_path / "ds").exists()


def test_unknown_stage_lists_values_and_how_to_map(zoho, tmp_path):
    text = DEALS.replace("Negotiation/Review", "Demo Booked").replace("Closed Lost,", "Verbal Yes,")
    p = write(tmp_path / "Deals.csv", text)
    with pytest.raises(MappingError) as err:
        import_zoho([p], out=tmp_path / "ds")
    msg = str(err.value)
    assert "Deals.csv, column 'Stage': 2 value(s) the mapping to status does not know" in msg
    assert "'Demo Booked' (1 rows)" in msg and "'Verbal Yes' (1 rows)" in msg and "values: {status:" in msg
    assert not (tmp_path / "ds").exists()
    # ... and the way to map them
    mapping = tmp_path / "m.yaml"
    mapping.write_text("stages:\n  - {stage: Demo Booked, order: 3, probability: 0.4, status: open}\n"
                       "values:\n  status: {Verbal Yes: won}\n", encoding="utf-8")
    report = import_zoho([p], out=tmp_path / "ds", mapping=mapping)
    ds = load_dataset(tmp_path / "ds")
    assert ds["leads"].set_index("lead_id")["status"]["zcrm_4876876000000345004"] == "won"
    stages = ds["stages"].set_index("stage")
    assert stages.loc["Demo Booked", "probability"] == 0.4 and stages.loc["Demo Booked", "order"] == 1
    assert report.mapped[0]["values"]["Demo Booked"] == {"to": "open", "rows": 1}


def test_renamed_labels_and_custom_fields(tmp_path):
    text = DEALS.replace("Stage,", "Sales Stage,", 1).replace("Deal Owner.id", "Sales Rep.id")
    p = write(tmp_path / "Deals.csv", text)
    with pytest.raises(MappingError) as err:
        import_zoho(deals=p, out=tmp_path / "ds")
    msg = str(err.value)
    assert "lacks 1 required column(s): 'stage' (looked for 'Stage'); closest: 'Sales Stage'" in msg
    assert "columns: {deals: {stage: 'Sales Stage'}}" in msg
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns:\n  deals:\n    stage: Sales Stage\n    owner_id: Sales Rep.id\n", encoding="utf-8")
    report = import_zoho(deals=p, out=tmp_path / "ds", mapping=mapping)
    assert report.columns["Deals.csv"]["stage"] == "Sales Stage"
    assert load_dataset(tmp_path / "ds")["leads"]["rep_id"].iloc[0] == "zcrm_4876876000000223001"
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns:\n  deal:\n    stage: X\n", encoding="utf-8")
    with pytest.raises(MappingError, match="unknown module 'deal' \\(did you mean 'deals'\\?\\)"):
        import_zoho(deals=p, out=tmp_path / "ds2", mapping=bad)


def test_duplicate_record_ids(tmp_path):
    lines = DEALS.splitlines()
    exact = write(tmp_path / "Deals.csv", "\n".join(lines + [lines[1]]) + "\n")
    report = import_zoho([exact], out=tmp_path / "ok")
    assert report.dropped == [{"table": "leads", "file": "Deals.csv", "rows": 1,
                               "reason": "exact repeat of an earlier row (same Record Id)",
                               "examples": ["zcrm_4876876000000345001"], "money": 12_500.0}]
    assert "dropped 1 row(s) (amount 12,500.00) of Deals.csv" in report.to_text()
    assert report.tables["leads"] == 4
    changed = lines[1].replace("Closed Won", "Closed Lost")
    conflict = write(tmp_path / "Deals2.csv", "\n".join(lines + [changed]) + "\n")
    with pytest.raises(MappingError, match=r"Deals2.csv, column 'Record Id': 1 record id\(s\) appear on 2 rows with "
                                           r"different values, e.g. zcrm_4876876000000345001 \(lines 2, 6\)"):
        import_zoho([conflict], out=tmp_path / "ds")
    assert not (tmp_path / "ds").exists()


def test_bad_cells_name_file_column_values(tmp_path):
    p = write(tmp_path / "Deals.csv", DEALS.replace("2024-04-01,Cold Call", "01/04/2024,Cold Call"))
    with pytest.raises(MappingError, match=r"Deals.csv, column 'Closing Date': 1 value cannot be read as dates, "
                                           r"e.g. '01/04/2024' \(line 3\). State the format"):
        import_zoho([p], out=tmp_path / "ds")
    p = write(tmp_path / "Deals.csv", DEALS.replace('"1,000.50"', '"¥1,000.50"'))
    with pytest.raises(MappingError, match="column 'Amount': amounts in 2 currencies"):
        import_zoho([p], out=tmp_path / "ds")
    p = write(tmp_path / "Deals.csv", DEALS, encoding="gbk")
    assert import_zoho([p], out=tmp_path / "gbk").tables["leads"] == 4  # an Excel re-save in GBK reads the same


def test_cli_import_zoho(zoho, tmp_path, capsys):
    out = tmp_path / "ds"
    assert main(["import", "zoho", "--deals", str(zoho["deals"]), "--accounts", str(zoho["accounts"]),
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "wrote   leads: 4 rows" in printed and "is ready" in printed
    assert main(["import", "zoho", "--leads", str(zoho["deals"]), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "looks like a Deals export" in err and "Nothing was written" in err


# ----------------------------------------------------------------------------- round trip

_ZOHO_STAGE = {"初步接洽": "Qualification", "需求确认": "Needs Analysis", "方案报价": "Proposal/Price Quote",
               "商务谈判": "Negotiation/Review", "赢单": "Closed Won"}


def _blank(df):
    return df.astype(object).where(df.notna() & df.astype(str).ne(""), None)


def test_sample_round_trip_through_zoho_layout(tmp_path):
    """The sample company exported as Zoho would write it, imported back: the same tables."""
    t, _ = build_sample(seed=3, scale=0.05)
    leads, cust, reps, ch = t["leads"], t["customers"], t["reps"], t["channels"]
    rep_name = reps.set_index("rep_id")["name"]
    ch_name = ch.set_index("channel_id")["name"]
    cust_name = cust.set_index("customer_id")["name"]
    zstage = leads["stage"].map(_ZOHO_STAGE)
    lost = leads["status"].eq("lost")
    zstage = zstage.where(~lost, "Closed Lost")
    deals = pd.DataFrame({
        "Record Id": leads["lead_id"], "Deal Owner.id": leads["rep_id"], "Deal Owner": leads["rep_id"].map(rep_name),
        "Deal Name": "Deal " + leads["lead_id"], "Account Name.id": leads["customer_id"],
        "Account Name": leads["customer_id"].map(cust_name),
        "Amount": leads["amount"].map(lambda v: f"{v:,.2f}"), "Stage": zstage,
        "Closing Date": leads["closed_date"].where(leads["closed_date"].astype(bool), "2026-12-31"),
        "Lead Source": leads["channel_id"].map(ch_name), "Reason For Loss": leads["lost_reason"],
        "Competitor": leads["competitor"], "Created Time": leads["created_date"] + " 00:00:00",
    })
    accounts = pd.DataFrame({
        "Record Id": cust["customer_id"], "Account Name": cust["name"], "Industry": cust["industry"],
        "Rating": cust["tier"], "Billing City": cust["city"], "Billing State": cust["region"],
        "Created Time": cust["created_date"],
    })
    deals.to_csv(tmp_path / "Deals.csv", index=False, encoding="utf-8-sig")
    accounts.to_excel(tmp_path / "Accounts.xlsx", index=False)
    stage_rows = "".join(f"  - {{stage: {s}, order: {o}, probability: {p}}}\n"
                         for s, o, p in t["stages"].itertuples(index=False))
    mapping = tmp_path / "zoho_sample.yaml"
    mapping.write_text(
        "values:\n"
        f"  stage: {{{', '.join(f'{z}: {c}' for c, z in _ZOHO_STAGE.items())}}}\n"
        f"  channel_id: {{{', '.join(f'{n}: {i}' for i, n in ch_name.items())}}}\n"
        f"stages:\n{stage_rows}"
        f"channel_types: {{{', '.join(f'{i}: {ty}' for i, ty in ch.set_index('channel_id')['type'].items())}}}\n",
        encoding="utf-8")
    import_zoho([tmp_path / "Deals.csv", tmp_path / "Accounts.xlsx"], out=tmp_path / "ds", mapping=mapping)
    ds = load_dataset(tmp_path / "ds")

    cols = ["lead_id", "created_date", "channel_id", "status", "closed_date", "amount", "rep_id", "customer_id",
            "lost_reason", "competitor"]
    got = ds["leads"].set_index("lead_id").loc[leads["lead_id"]].reset_index()
    want = leads.assign(created_date=pd.to_datetime(leads["created_date"]),
                        closed_date=pd.to_datetime(leads["closed_date"].replace("", None)))
    pd.testing.assert_frame_equal(_blank(got[cols]), _blank(want[cols]), check_dtype=False)
    # A lost deal's Zoho stage is where it closed, not the furthest stage reached: blank.
    assert (got.loc[~lost, "stage"] == leads.loc[~lost, "stage"]).all()
    assert got.loc[lost, "stage"].isna().all() and set(got.loc[lost, "crm_stage"]) == {"Closed Lost"}

    ccols = ["customer_id", "name", "industry", "region", "city", "created_date", "tier"]
    gc = ds["customers"].set_index("customer_id").loc[cust["customer_id"]].reset_index()
    wc = cust.assign(created_date=pd.to_datetime(cust["created_date"]))
    pd.testing.assert_frame_equal(_blank(gc[ccols]), _blank(wc[ccols]), check_dtype=False)
    gr = ds["reps"].set_index("rep_id")["name"]
    assert gr.to_dict() == rep_name[gr.index].to_dict()
    gch = ds["channels"].set_index("channel_id")
    assert gch.loc[:, ["name", "type"]].to_dict("index") == ch.set_index("channel_id").loc[gch.index, ["name", "type"]].to_dict("index")
    gs = ds["stages"].set_index("stage")
    ws = t["stages"].set_index("stage")
    seen = [s for s in ws.index if s in gs.index]  # stages some open or won deal is at
    assert seen == [s for s in ws.index if s in set(got.loc[~lost, "stage"])] and len(seen) >= 3
    assert gs.loc[seen, "probability"].tolist() == ws.loc[seen, "probability"].tolist()
    assert gs["order"].tolist() == list(range(1, len(seen) + 1)) and gs.index.tolist() == seen  # the sample's order


def test_example_override_files_are_valid(zoho, tmp_path):
    from workbench.paths import PROJ_ROOT

    m = PROJ_ROOT / "params" / "mappings" / "zoho_overrides.example.yaml"
    text = DEALS.replace("Stage,", "Sales Stage,", 1).replace(",Tag\n", ",Competitor__c\n", 1).replace(",vip", ",Rival")
    p = write(tmp_path / "Deals.csv", text)
    report = import_zoho([p], out=tmp_path / "ds", mapping=m)
    ds = load_dataset(tmp_path / "ds")
    assert ds.meta.currency == "USD" and report.tables["leads"] == 4
    assert ds["leads"]["channel_id"].tolist() == ["CH05", "Cold Call", "unknown", "CH05"]
    assert ds["leads"]["competitor"].tolist()[0] == "Rival"
    assert ds["channels"].set_index("channel_id").loc["CH05"].tolist() == ["Partner", "partner"]


MULTI = """Record Id,Deal Owner.id,Deal Owner,Deal Name,Amount,Currency,Exchange Rate,Stage,Closing Date,Lead Source,Created Time
zcrm_1,zcrm_9,Alice,US deal,"$1,000.00",USD,1,Closed Won,2024-03-15,渠道伙伴,2024-01-10 09:30:00
zcrm_2,zcrm_9,Alice,EU deal,"€ 920.00",EUR,0.92,Closed Won,2024-03-16,Partner,2024-01-11 09:30:00
zcrm_3,zcrm_9,Alice,UK deal,"£ 395.00",GBP,0.79,Qualification,2024-06-30,Partner,2024-01-12 09:30:00
zcrm_4,zcrm_9,Alice,EU deal 2,460,EUR,0.92,Closed Lost,2024-03-20,Partner,2024-01-13 09:30:00
"""


def test_multi_currency_deals_are_converted_to_the_home_currency(tmp_path):
    p = write(tmp_path / "Deals.csv", MULTI)
    report = import_zoho(deals=p, out=tmp_path / "ds")
    ds = load_dataset(tmp_path / "ds")
    leads = ds["leads"].set_index("lead_id")
    # 1 USD = 0.92 EUR: 920 EUR is 1,000 USD; 395 GBP at 0.79 is 500 USD
    assert leads["amount"].round(2).to_dict() == {"zcrm_1": 1000.0, "zcrm_2": 1000.0, "zcrm_3": 500.0,
                                                  "zcrm_4": 500.0}
    assert leads["currency_original"].to_dict() == {"zcrm_1": "USD", "zcrm_2": "EUR", "zcrm_3": "GBP",
                                                    "zcrm_4": "EUR"}
    assert leads["amount_original"].astype(float).tolist() == [1000.0, 920.0, 395.0, 460.0]
    assert leads["exchange_rate"].astype(float).tolist() == [1.0, 0.92, 0.79, 0.92]
    assert ds.meta.currency == "USD" and report.currency == "USD"
    assert sorted((c["from"], c["rate"], c["rows"]) for c in report.converted) == [("EUR", 0.92, 2), ("GBP", 0.79, 1)]
    assert "converted 2 leads row(s) in EUR to USD at 1 USD = 0.92 EUR (Amount)" in report.to_text()
    types = ds["channels"].set_index("channel_id")["type"].to_dict()
    assert types == {"渠道伙伴": "partner", "Partner": "partner"}


def test_multi_currency_needs_rates_and_a_home(tmp_path):
    no_rate = MULTI.replace(",0.79,", ",,")
    p = write(tmp_path / "Deals.csv", no_rate)
    with pytest.raises(MappingError, match=r"column 'Exchange Rate': 1 value cannot be read as a positive exchange "
                                           r"rate .*home currency USD.*line 4"):
        import_zoho(deals=p, out=tmp_path / "ds")
    without = pd.read_csv(io.StringIO(MULTI), dtype=str).drop(columns=["Exchange Rate"])
    p = write(tmp_path / "Deals.csv", without.to_csv(index=False))
    with pytest.raises(MappingError, match="deals in 3 currencies \\(USD, EUR, GBP\\) and no 'Exchange Rate' column"):
        import_zoho(deals=p, out=tmp_path / "ds")
    # a home currency given explicitly: EUR deals at rate 0.92 are foreign even so
    p = write(tmp_path / "Deals.csv", MULTI)
    import_zoho(deals=p, out=tmp_path / "ds2", currency="USD")
    assert load_dataset(tmp_path / "ds2").meta.currency == "USD"
    assert not (tmp_path / "ds").exists()


def test_blank_lead_source_and_a_literal_unknown_stay_apart(tmp_path):
    """A deal without a Lead Source goes to the loader's (blank) bucket; a Lead Source 'unknown' is its own channel."""
    deals = DEALS.replace(",,New Business,90,", ",unknown,New Business,90,")  # deal 3 had a blank source
    deals += ("zcrm_4876876000000345005,zcrm_4876876000000223002,Bob Li,Zeta,,,100,Qualification,2024-07-01,,"
              ",10,,2024-03-06 08:00:00,2024-03-06 08:00:00,,\n")
    p = write(tmp_path / "Deals.csv", deals)
    report = import_zoho(deals=p, out=tmp_path / "ds")
    ds = load_dataset(tmp_path / "ds")
    counts = ds["leads"]["channel_id"].value_counts().to_dict()
    assert counts == {"Partner": 2, "Cold Call": 1, "unknown": 1, "(blank)": 1}
    assert set(ds["channels"]["channel_id"]) == {"Partner", "Cold Call", "unknown"}
    assert [f["rows"] for f in report.filled if f["column"] == "channel_id"] == [1]


def test_unknown_stage_names_close_spellings(tmp_path):
    p = write(tmp_path / "Deals.csv", DEALS.replace("Closed Won", "Closed Wonn"))
    with pytest.raises(MappingError) as err:
        import_zoho(deals=p, out=tmp_path / "ds")
    msg = str(err.value)
    assert "1 value(s) the mapping to status does not know: 'Closed Wonn' (1 rows) (first at line 2)" in msg
    assert "'Closed Wonn' is close to 'closedwon' (→ won)" in msg and "spellings of lost, open, won" in msg


def test_amounts_that_cannot_be_true_are_named_at_their_source_line(tmp_path):
    p = write(tmp_path / "Deals.csv", "Record Id,Stage,Amount,Created Time\nz1,Closed Won,100,2024-01-02\n"
                                      "z2,Closed Won,inf,2024-01-02\nz3,Closed Won,1e308,2024-01-03\n")
    with pytest.raises(MappingError, match=r"Deals.csv, column 'Amount': 2 values cannot be read as a true amount "
                                           r".*'inf', '1e308' \(line 3, 4\)"):
        import_zoho(deals=p, out=tmp_path / "ds")
    assert not (tmp_path / "ds").exists()
