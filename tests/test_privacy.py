"""``mask_pii``: e-mails, phones (CN and international), 身份证, QQ and WeChat ids go; ordinary numbers stay."""

import pandas as pd
import pytest

from workbench.privacy import mask_string, mask_tables, mask_text, pseudonym

# (text, masked): every personal value named in issue 15, alone and inside a sentence
MASKED = [
    # international phones
    ("+1 (415) 555-0100", "[phone]"),
    ("+44 20 7946 0958", "[phone]"),
    ("+86 138 0013 8000", "[phone]"),
    ("(415) 555-0100", "[phone]"),
    ("415.555.0100", "[phone]"),
    ("call me at 415-555-0100 today", "call me at [phone] today"),
    ("0044 20 7946 0958", "[phone]"),
    # Chinese mobiles and landlines, with or without +86 / 0086
    ("13800138000", "[phone]"),
    ("138-0013-8000", "[phone]"),
    ("010-12345678", "[phone]"),
    ("0755 1234 5678", "[phone]"),
    ("+8613800138000", "[phone]"),
    ("+86 13800138000", "[phone]"),
    ("0086 13800138000", "[phone]"),
    ("008613800138000", "[phone]"),
    ("+86 10 12345678", "[phone]"),
    ("+86-755-1234-5678", "[phone]"),
    ("(010)12345678", "[phone]"),
    ("联系电话13800138000谢谢", "联系电话[phone]谢谢"),
    ("电话：010-12345678转123，找王经理", "电话：[phone]，找王经理"),
    # 身份证: 18 digits (X/x check character) and the old 15
    ("11010519491231002X", "[id-card]"),
    ("11010519491231002x", "[id-card]"),
    ("身份证号110105194912310021已登记", "身份证号[id-card]已登记"),
    ("110105491231002", "[id-card]"),
    # QQ and WeChat ids in context (the word stays, the id goes)
    ("QQ: 123456789", "QQ: [qq]"),
    ("QQ号 123456789", "QQ号 [qq]"),
    ("扣扣 123456789", "扣扣 [qq]"),
    ("加我qq：10001", "加我qq：[qq]"),
    ("微信: wxid_abc123", "微信: [wechat]"),
    ("WeChat: abc_def", "WeChat: [wechat]"),
    ("vx: abc_123", "vx: [wechat]"),
    ("威信 abcdef1", "威信 [wechat]"),
    ("微信号abc_def1", "微信号[wechat]"),
    ("微信 13800138000", "微信 [phone]"),
    # e-mails
    ("ann@delta.test", "[email]"),
    ("write to a.b+c@mail.example.com.cn please", "write to [email] please"),
]

# ordinary text and numbers that must come through unchanged
KEPT = [
    "12,345.67", "金额 ¥1,234,567.89", "1,000,000", "-1234.5", "+12", "+12.5%", "15.5%", "100%",
    "2026-03-31", "2026-03-31 14:05:00", "2026/03/31", "13:45", "2026", "Q3 2026", "2025-Q4",
    "SO-2024-0001", "ORD-000123", "C0000001", "订单 20260331", "订单号 123456789", "发票号 04400123",
    "12345678", "价格 13800 元", "买了 3 台，共 4500 元", "version 1.2.3", "0.15730337078651685",
    "WeChat group is great", "vx was slow", "QQ音乐很好用", "2026-0755-1234",
]


@pytest.mark.parametrize("text,masked", MASKED)
def test_personal_values_are_masked(text, masked):
    assert mask_string(text) == masked


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_numbers_stay(text):
    assert mask_string(text) == text


def test_stable_tokens_keep_different_values_apart():
    a, b = mask_string("13800138000", stable=True), mask_string("13900139000", stable=True)
    assert a.startswith("[phone-") and b.startswith("[phone-") and a != b
    assert mask_string("13800138000", stable=True) == a  # the same value, the same token


def test_every_text_column_of_every_table_is_masked():
    tables = {
        "customers": pd.DataFrame({"customer_id": ["C1", "13800138000"], "name": ["Acme", "王五 13900139000"],
                                   "city": ["上海", "北京"],
                                   "contact": ["ann@delta.test", "QQ: 123456789"]}),  # an extra column
        "leads": pd.DataFrame({"lead_id": ["L1"], "customer_id": ["13800138000"], "status": ["lost"],
                               "lost_reason": ["客户说微信: wxid_abc123 再联系"], "amount": [12345.67]}),
        "feedback": pd.DataFrame({"response_id": ["R1"], "date": pd.to_datetime(["2026-03-31"]),
                                  "comment": ["call +1 (415) 555-0100, id 11010519491231002X"], "nps": [9]}),
        "reps": pd.DataFrame({"rep_id": ["R1"], "name": ["张三 138-0013-8000"], "manager": ["bob@x.test"]}),
        "actions": pd.DataFrame({"action_id": ["A1"], "start_date": pd.to_datetime(["2026-01-01"]),
                                 "description": ["Call 0755 1234 5678 about the 12,345.67 order"]}),
    }
    out = mask_tables(tables)
    cust = out["customers"]
    assert cust["name"].tolist() == [pseudonym("Acme"), pseudonym("王五 13900139000")]
    assert cust["city"].tolist() == ["上海", "北京"]
    assert cust["contact"].tolist() == ["[email]", "QQ: [qq]"]
    # an id that is a phone number gets the same stable token in both tables: they still join
    assert cust["customer_id"][0] == "C1" and cust["customer_id"][1].startswith("[phone-")
    assert out["leads"]["customer_id"][0] == cust["customer_id"][1]
    assert out["leads"]["lost_reason"][0] == "客户说微信: [wechat] 再联系"
    assert out["leads"]["amount"][0] == 12345.67
    assert out["feedback"]["comment"][0] == "call [phone], id [id-card]"
    assert out["feedback"]["nps"][0] == 9
    assert out["reps"].loc[0, ["rep_id", "name", "manager"]].tolist() == ["R1", "张三 [phone]", "[email]"]
    assert out["actions"]["description"][0] == "Call [phone] about the 12,345.67 order"
    assert tables["leads"]["lost_reason"][0].startswith("客户说微信: wxid")  # the input is not changed


@pytest.mark.parametrize("text,masked", MASKED + [("+33 1 23 45 67 89", "[phone]")])
def test_series_masking_finds_what_the_string_masking_finds(text, masked):
    """The vectorised pre-filter of mask_text never hides a value mask_string would mask."""
    s = pd.Series([text, "plain", None, text], dtype="str")
    out = mask_text(s)
    assert out.tolist()[0] == masked and out.tolist()[3] == masked and out.tolist()[1] == "plain"
    assert pd.isna(out.tolist()[2]) and out.dtype == s.dtype


# ----------------------------------------------------------------------------- a masked run, end to end

PLANTED = ["+1 (415) 555-0100", "+44 20 7946 0958", "+86 138 0013 8000", "(415) 555-0100", "415.555.0100",
           "13800138000", "138-0013-8000", "010-12345678", "0755 1234 5678", "11010519491231002X",
           "110105491231002", "QQ: 123456789", "QQ号 987654321", "微信: wxid_abc123", "WeChat: abc_def",
           "ann@delta.test"]
SECRETS = ["555-0100", "7946 0958", "138 0013 8000", "13800138000", "138-0013-8000", "12345678", "1234 5678",
           "11010519491231002X", "110105491231002", "123456789", "987654321", "wxid_abc123", "abc_def",
           "ann@delta.test", "测试公司"]


def _plant(folder):
    """The strings of issue 15 in lost reasons, customer names, feedback comments and an action."""
    from workbench.data.loader import read_table_file

    def rewrite(table, fn):
        path = folder / f"{table}.csv"
        df = read_table_file(table, path)[0].astype("str").replace({"nan": "", "<NA>": "", "None": ""})
        fn(df)
        path.unlink()
        df.to_csv(path, index=False, encoding="utf-8-sig")

    def leads(df):
        for i, s in zip(df.index[df["status"] == "lost"], PLANTED, strict=False):
            df.loc[i, "lost_reason"] = f"价格 {s}"

    def customers(df):
        for i, s in enumerate(PLANTED):
            df.loc[i, "name"] = f"测试公司 {s}"

    def feedback(df):
        for i, s in enumerate(PLANTED):
            df.loc[i, "comment"] = f"客户反馈很好，请联系 {s} 跟进。Great product, call {s}."

    def actions(df):
        df.loc[0, "description"] = "Call 13800138000 and mail ann@delta.test"

    for table, fn in (("leads", leads), ("customers", customers), ("feedback", feedback), ("actions", actions)):
        rewrite(table, fn)


@pytest.mark.slow
def test_masked_run_publishes_none_of_the_planted_strings(tmp_path):
    from workbench.cli import main
    from workbench.data import load_dataset
    from workbench.sample import generate_sample

    data = tmp_path / "ds"
    generate_sample(data, seed=5, scale=0.1)
    _plant(data)
    raw = load_dataset(data, strict=False)
    assert raw["leads"]["lost_reason"].str.contains("wxid_abc123", regex=False).sum() == 1  # planted, and read
    params = tmp_path / "params.yaml"
    params.write_text("mask_pii: true\n", encoding="utf-8")
    assert main(["run", "--params", str(params), "--data", str(data), "--out", str(tmp_path / "reports"),
                 "--only", "20_channel_evaluation", "-q"]) == 0
    run = next(p for p in (tmp_path / "reports").iterdir() if p.is_dir() and (p / "run.json").exists())
    files = [p for p in run.rglob("*") if p.is_file() and p.suffix in (".html", ".csv", ".json", ".ipynb")]
    assert any(p.name == "lost_reasons.csv" for p in files)
    leaked = {str(p.relative_to(run)): [s for s in SECRETS if s in p.read_text(encoding="utf-8", errors="ignore")]
              for p in files}
    assert {k: v for k, v in leaked.items() if v} == {}
    # the planted reasons reach the report masked (the table lists the reasons of mature leads only)
    reasons = next(p for p in files if p.name == "lost_reasons.csv").read_text(encoding="utf-8-sig")
    shown = {line.split(",")[1] for line in reasons.splitlines()[1:]}
    assert "价格 [phone]" in shown and len({r for r in shown if r.startswith("价格 ") and "[" in r}) >= 2


def test_issue_messages_quoting_values_are_masked(tmp_path):
    from workbench.data import load_dataset
    from workbench.privacy import mask_dataset

    d = tmp_path / "ds"
    d.mkdir()
    (d / "orders.csv").write_text(
        "order_id,order_date,customer_id,amount\nO1,2026-03-31,C1,12345.67\nO2,call 13800138000,C1,10\n",
        encoding="utf-8")
    ds = load_dataset(d, strict=False)
    assert any("13800138000" in str(i) for i in ds.issues)  # the loader quotes the bad value
    mask_dataset(ds)
    assert not any("13800138000" in str(i) for i in ds.issues)
    assert any("[phone]" in i.message for i in ds.issues)
