"""The canonical data model (``../shared/DATA_MODEL.md`` v1) as code.

Every table is a :class:`TableSpec`: its columns with a kind, which are required,
the primary key (if one exists) and the foreign keys that point at other tables.
The loader coerces and validates against these specs; the data quality report
reads them to know what "valid", "duplicate" and "orphan" mean.

Per column the schema also decides what a blank or an odd value becomes:

- ``bucket_blank``: the column classifies a row (a lead's source, an order's
  channel, a rep's team). A blank is kept as the value ``"(blank)"``
  (:data:`workbench.data.aliases.BLANK`), counted and reported as a warning, so
  every row still counts; a literal ``unknown`` stays its own value. A blank in
  an identifying column (``order_id``, ``lead_id`` ...) stays an error.
- ``category`` columns map spellings through :mod:`workbench.data.aliases`
  (``Closed Won`` → ``won``) plus the params' ``value_aliases``.
- ``date_bounds``: a date after the run date or before ``plausible_from``
  cannot be true; off for dates that may lie ahead (a planned action, a hire).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Column kinds understood by workbench.data.coerce
ID = "id"  # text key: stripped, never numeric ("007" stays "007")
TEXT = "text"
DATE = "date"  # ISO 8601 date or datetime, plus common real-world spellings
PERIOD = "period"  # YYYY-MM, YYYY-Qn or YYYY
MONEY = "money"  # plain number in the dataset's currency; "¥1,234" accepted
NUMBER = "number"
CATEGORY = "category"  # text restricted to `allowed` (case-insensitive, aliases mapped)

MAX_MAGNITUDE = 1e13
"""Numbers beyond this (a 14-digit amount, 1e308, inf) cannot be true: an error, never a value."""
PLAUSIBLE_FROM = "1990-01-01"
"""Default earliest believable date (an Excel zero or a typed 1900 is not one)."""

CHANNEL_TYPES = ("direct", "distributor", "ecommerce", "retail", "partner", "telesales", "other")
LEAD_STATUSES = ("open", "won", "lost")
TARGET_LEVELS = ("company", "channel", "region", "team", "rep")


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    kind: str
    required: bool = False
    allowed: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    pii: bool = False  # masked when ``mask_pii`` is on
    bucket_blank: bool = False  # a blank classifies as "(blank)" instead of missing / an error
    date_bounds: bool = True  # a date after the run date or before plausible_from is flagged


@dataclass(frozen=True)
class ForeignKey:
    """``column`` of this table refers to ``ref_column`` of ``ref_table``."""

    column: str
    ref_table: str
    ref_column: str


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: its columns, primary key, foreign keys and date column."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    date_column: str | None = None  # drives date coverage and freshness
    # A feed (orders, leads ...) goes stale when exports stop; master data and plans
    # (customers, actions, targets) legitimately stop changing, so freshness does not apply.
    tracks_freshness: bool = True
    money: str | None = None  # the money column the audit reconciles (read vs used)
    extra_notes: str = field(default="")
    one_of: tuple[str, ...] = ()
    """Columns of which every row needs at least one (a touch names its lead or its customer): the loader
    reports a row where all are blank as an error naming the columns, as for a blank required column."""

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None


def _c(name, kind, required=False, **kw) -> Column:
    return Column(name, kind, required, **kw)


def _fk(col, table, ref=None) -> ForeignKey:
    return ForeignKey(col, table, ref or col)


TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in [
        TableSpec(
            "orders",
            "one order line",
            (
                _c("order_id", ID, True),
                _c("order_date", DATE, True),
                _c("customer_id", ID, True),
                _c("amount", MONEY, True),
                _c("channel_id", ID, bucket_blank=True),
                _c("product_id", ID),
                _c("quantity", NUMBER),
                _c("cost", MONEY),
                _c("rep_id", ID),
                _c("region", TEXT),  # blanks stay missing: data quality counts them (see data_model.md)
            ),
            key=(),  # an order has many lines; exact duplicate lines are the duplicates
            foreign_keys=(
                _fk("customer_id", "customers"),
                _fk("channel_id", "channels"),
                _fk("product_id", "products"),
                _fk("rep_id", "reps"),
            ),
            date_column="order_date",
            money="amount",
        ),
        TableSpec(
            "customers",
            "one customer",
            (
                _c("customer_id", ID, True),
                _c("name", TEXT, pii=True),
                _c("industry", TEXT),
                _c("region", TEXT, bucket_blank=True),
                _c("city", TEXT),
                _c("created_date", DATE),
                _c("acquisition_channel_id", ID, bucket_blank=True),
                _c("tier", TEXT, bucket_blank=True),
            ),
            key=("customer_id",),
            foreign_keys=(_fk("acquisition_channel_id", "channels", "channel_id"),),
            date_column="created_date",
            tracks_freshness=False,
        ),
        TableSpec(
            "channels",
            "one sales channel",
            (
                _c("channel_id", ID, True),
                _c("name", TEXT),
                _c("type", CATEGORY, allowed=CHANNEL_TYPES),
            ),
            key=("channel_id",),
        ),
        TableSpec(
            "products",
            "one product",
            (
                _c("product_id", ID, True),
                _c("name", TEXT),
                _c("category", TEXT),
                _c("list_price", MONEY, min=0),
                _c("unit_cost", MONEY, min=0),
            ),
            key=("product_id",),
        ),
        TableSpec(
            "leads",
            "one lead or opportunity",
            (
                _c("lead_id", ID, True),
                _c("created_date", DATE, True),
                _c("channel_id", ID, True, bucket_blank=True),
                _c("status", CATEGORY, True, allowed=LEAD_STATUSES),
                _c("stage", TEXT),
                _c("closed_date", DATE),
                _c("amount", MONEY),
                _c("rep_id", ID),
                _c("customer_id", ID),
                _c("lost_reason", TEXT),
                _c("competitor", TEXT),
            ),
            key=("lead_id",),
            foreign_keys=(
                _fk("channel_id", "channels"),
                _fk("rep_id", "reps"),
                _fk("customer_id", "customers"),
                _fk("stage", "stages"),
            ),
            date_column="created_date",
            money="amount",
        ),
        TableSpec(
            "stage_history",
            "one stage a lead entered",
            (
                _c("lead_id", ID, True),
                _c("stage", TEXT, True),
                _c("entered_date", DATE, True),
            ),
            key=("lead_id", "stage"),
            foreign_keys=(_fk("lead_id", "leads"), _fk("stage", "stages")),
            date_column="entered_date",
        ),
        TableSpec(
            "stages",
            "the ordered sales stages",
            (
                _c("stage", TEXT, True),
                _c("order", NUMBER, True, min=1),
                _c("probability", NUMBER, min=0, max=1),
            ),
            key=("stage",),
        ),
        TableSpec(
            "reps",
            "one sales rep",
            (
                _c("rep_id", ID, True),
                _c("name", TEXT),
                _c("team", TEXT, bucket_blank=True),
                _c("region", TEXT, bucket_blank=True),
                _c("channel_id", ID),
                _c("manager", TEXT),
                _c("hire_date", DATE, date_bounds=False),
            ),
            key=("rep_id",),
            foreign_keys=(_fk("channel_id", "channels"),),
        ),
        TableSpec(
            "spend",
            "channel / marketing cost of a period",
            (
                _c("period", PERIOD, True),
                _c("channel_id", ID, True),
                _c("amount", MONEY, True),
            ),
            key=("period", "channel_id"),
            foreign_keys=(_fk("channel_id", "channels"),),
            date_column="period",
            money="amount",
        ),
        TableSpec(
            "targets",
            "one target",
            (
                _c("period", PERIOD, True),
                _c("kpi", TEXT, True),
                _c("level", CATEGORY, True, allowed=TARGET_LEVELS),
                _c("key", ID),
                _c("target", NUMBER, True),
            ),
            key=("period", "kpi", "level", "key"),
            date_column="period",
            tracks_freshness=False,
        ),
        TableSpec(
            "feedback",
            "one feedback response",
            (
                _c("response_id", ID, True),
                _c("date", DATE, True),
                _c("customer_id", ID),
                _c("channel_id", ID, bucket_blank=True),
                _c("nps", NUMBER, min=0, max=10),
                _c("csat", NUMBER, min=1, max=5),
                _c("comment", TEXT, pii=True),
                _c("source", TEXT),
            ),
            key=("response_id",),
            foreign_keys=(_fk("customer_id", "customers"), _fk("channel_id", "channels")),
            date_column="date",
        ),
        TableSpec(
            "competitor_prices",
            "one observed competitor price",
            (
                _c("date", DATE, True),
                _c("competitor", TEXT, True),
                _c("product_id", ID),
                _c("category", TEXT),
                _c("channel_id", ID),
                _c("price", MONEY, True, min=0),
            ),
            foreign_keys=(_fk("product_id", "products"), _fk("channel_id", "channels")),
            date_column="date",
        ),
        TableSpec(
            "market_share",
            "sales of one player in a period",
            (
                _c("period", PERIOD, True),
                _c("competitor", TEXT, True),
                _c("region", TEXT),
                _c("sales", MONEY, True, min=0),
            ),
            key=("period", "competitor", "region"),
            date_column="period",
            money="sales",
        ),
        TableSpec(
            "competitor_features",
            "one rating of one player",
            (
                _c("competitor", TEXT, True),
                _c("dimension", TEXT, True),
                _c("score", NUMBER, True),
            ),
            key=("competitor", "dimension"),
        ),
        TableSpec(
            "inventory",
            "channel stock on a date",
            (
                _c("date", DATE, True),
                _c("channel_id", ID, True),
                _c("product_id", ID, True),
                _c("on_hand", NUMBER, True),
            ),
            key=("date", "channel_id", "product_id"),
            foreign_keys=(_fk("channel_id", "channels"), _fk("product_id", "products")),
            date_column="date",
        ),
        TableSpec(
            "actions",
            "one improvement action taken",
            (
                _c("action_id", ID, True),
                _c("start_date", DATE, True, date_bounds=False),
                _c("description", TEXT, True),
                _c("level", CATEGORY, allowed=TARGET_LEVELS),
                _c("key", ID),
                _c("kpi", TEXT),
                _c("owner", TEXT),
            ),
            key=("action_id",),
            date_column="start_date",
            tracks_freshness=False,
        ),
        TableSpec(
            "touchpoints",
            "one touch of a lead or customer by a channel",
            (
                _c("touch_id", ID),
                _c("lead_id", ID),
                _c("customer_id", ID),
                _c("ts", DATE, True),
                _c("channel_id", ID, True, bucket_blank=True),  # as a lead's source: a touch without one counts
                _c("cost", MONEY, min=0),
                _c("campaign", TEXT),
            ),
            key=(),  # touches are events, like order lines: an exact repeat of a line is the duplicate
            foreign_keys=(
                _fk("lead_id", "leads"),
                _fk("customer_id", "customers"),
                _fk("channel_id", "channels"),
            ),
            date_column="ts",
            money="cost",
            one_of=("lead_id", "customer_id"),
        ),
    ]
}

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
