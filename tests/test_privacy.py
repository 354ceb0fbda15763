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
