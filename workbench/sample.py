"""A deterministic, realistic bundled sample company: 星辰智能家居.

:func:`generate_sample` writes a complete dataset folder in the canonical data
model (``workbench.data.schema``): every table, ``dataset.yaml`` and a
``truth.json`` that records the effects planted in the data and the exact counts
of the data-quality imperfections, so that the analyses (and their tests) can be
checked against a known answer.

The company is a Chinese smart-home maker selling through direct sales,
distributors, Tmall / JD / Douyin stores, its own retail stores, partners and
telesales, in seven regions, over a fixed 24-month window 2024-11-01 ..
2026-10-31 ("as of" 2026-10-31). Everything is drawn from one
``numpy.random.default_rng(seed)`` and vectorised, so the same ``seed`` and
``scale`` give byte-identical CSV files and ``scale=25`` (about a million order
lines) runs in well under a minute.

:func:`build_sample` is the pure part (DataFrames and the truth dict in memory);
:func:`generate_sample` adds the file writing.
"""

from __future__ import annotations

import json
import logging
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.schema import TABLES

logger = logging.getLogger(__name__)

__all__ = ["build_sample", "generate_sample", "SAMPLE_TABLES"]

# --------------------------------------------------------------------------- #
# The fixed calendar
# --------------------------------------------------------------------------- #
_START = np.datetime64("2024-11-01", "D")
_AS_OF = np.datetime64("2026-10-31", "D")
_N_DAYS = int((_AS_OF - _START) / np.timedelta64(1, "D")) + 1  # 730
_AS_OF_DAY = _N_DAYS - 1
_MONTHS = np.arange(np.datetime64("2024-11", "M"), np.datetime64("2026-11", "M"))
_N_MONTHS = len(_MONTHS)  # 24
_MONTH_START = (_MONTHS.astype("datetime64[D]") - _START).astype(np.int64)
_MONTH_LEN = np.diff(np.append(_MONTH_START, _N_DAYS))
_MOY = _MONTHS.astype(np.int64) % 12 + 1  # month of year, 1..12
_PERIODS = _MONTHS.astype(str)  # "2024-11" ...
_LAST12 = slice(12, 24)  # 2025-11 .. 2026-10


def _day(date: str) -> int:
    """Day offset of an ISO date from the window start."""
    return int((np.datetime64(date, "D") - _START) / np.timedelta64(1, "D"))


def _dstr(days: np.ndarray) -> np.ndarray:
    """ISO date strings ("YYYY-MM-DD") of integer day offsets from the window start."""
    days = np.asarray(days, dtype=np.int64)
    return (_START + days.astype("timedelta64[D]")).astype(str)


def _month_of(days: np.ndarray) -> np.ndarray:
    """Month index 0..23 of in-window day offsets."""
    return np.searchsorted(_MONTH_START, days, side="right") - 1


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Vectorised ``f"{prefix}{n:0{width}d}"``."""
    digits = np.strings.zfill(np.asarray(numbers, dtype=np.int64).astype(str), width)
    return np.strings.add(prefix, digits)


# --------------------------------------------------------------------------- #
# Master data of the sample company
# --------------------------------------------------------------------------- #
DATASET_NAME = "星辰智能家居（示例公司）"
COMPANY_NAME = "星辰智能"
CURRENCY = "CNY"

REGIONS = np.array(["华东", "华南", "华北", "华中", "西南", "西北", "东北"])
REGION_WEIGHTS = np.array([0.30, 0.22, 0.18, 0.11, 0.10, 0.05, 0.04])
CITIES = {
    "华东": ["上海", "杭州", "南京", "苏州", "宁波", "合肥", "济南", "青岛", "福州", "厦门"],
    "华南": ["广州", "深圳", "东莞", "佛山", "南宁", "海口"],
    "华北": ["北京", "天津", "石家庄", "太原", "呼和浩特"],
    "华中": ["武汉", "长沙", "郑州", "南昌"],
    "西南": ["成都", "重庆", "昆明", "贵阳"],
    "西北": ["西安", "兰州", "乌鲁木齐", "银川"],
    "东北": ["沈阳", "大连", "长春", "哈尔滨"],
}

# channel_id, name, type
CHANNELS = [
    ("CH01", "直销", "direct"),
    ("CH02", "经销商", "distributor"),
    ("CH03", "天猫旗舰店", "ecommerce"),
    ("CH04", "京东自营", "ecommerce"),
    ("CH05", "线下门店", "retail"),
    ("CH06", "合作伙伴", "partner"),
    ("CH07", "电话销售", "telesales"),
    ("CH08", "抖音旗舰店", "ecommerce"),
]
_CH_IDS = np.array([c[0] for c in CHANNELS])
_CH_TYPES = np.array([c[2] for c in CHANNELS])
DIRECT, DIST, TMALL, JD, RETAIL, PARTNER, TELE, DOUYIN = range(8)
_LEAD_CH = np.array([DIRECT, DIST, PARTNER, TELE])
_CONSUMER_CH = np.array([TMALL, JD, RETAIL, DOUYIN])
_ECOM_CH = np.array([TMALL, JD, DOUYIN])
UNKNOWN_CHANNEL = "CH99"

# Spend (CNY / month at scale 1), response exponent and base volume at mean spend:
# leads / month for lead channels, orders / month for consumer channels.
_SPEND_BASE = np.array([300e3, 420e3, 600e3, 450e3, 250e3, 160e3, 120e3, 380e3])
_EXPONENT = np.array([0.45, 0.55, 0.60, 0.50, 0.35, 0.40, 0.50, 0.70])
_VOLUME_BASE = np.array([110.0, 170.0, 250.0, 190.0, 125.0, 65.0, 80.0, 100.0])
_CARRY_OVER = 0.4
_SPEND_NOISE = 0.6  # lognormal sigma of month-to-month spend changes
# Seasonality of consumer demand (on top of the spend response), by month of year.
_ECOM_SEASON = {1: 0.85, 2: 0.70, 3: 0.90, 4: 0.95, 5: 1.05, 6: 1.80,
                7: 0.90, 8: 0.90, 9: 0.95, 10: 1.00, 11: 2.20, 12: 1.15}
_RETAIL_SEASON = {1: 1.00, 2: 0.80, 3: 0.95, 4: 1.00, 5: 1.10, 6: 1.05,
                  7: 0.95, 8: 0.95, 9: 1.00, 10: 1.20, 11: 1.10, 12: 1.05}

# product_id, name, category, list_price, unit_cost, consumer weight, B2B weight
PRODUCTS = [
    ("P001", "星辰智能门锁 S1 指纹款", "智能门锁", 1299, 610, 8, 6),
    ("P002", "星辰智能门锁 S2 Pro 人脸识别", "智能门锁", 2299, 1060, 6, 3),
    ("P003", "星辰智能门锁 Max 掌静脉", "智能门锁", 3499, 1620, 2, 1),
    ("P004", "星辰猫眼门锁 V5", "智能门锁", 1899, 880, 4, 2),
    ("P005", "星辰工程指纹锁 E1", "智能门锁", 899, 455, 1, 12),
    ("P006", "星辰公寓密码锁 A3", "智能门锁", 699, 340, 1, 10),
    ("P007", "星辰云台摄像头 C1", "智能摄像头", 199, 92, 10, 3),
    ("P008", "星辰云台摄像头 C2 2K", "智能摄像头", 299, 138, 8, 3),
    ("P009", "星辰户外摄像头 W3", "智能摄像头", 499, 228, 5, 4),
    ("P010", "星辰双摄摄像头 C5", "智能摄像头", 399, 182, 4, 2),
    ("P011", "星辰可视门铃 D1", "智能摄像头", 349, 158, 5, 3),
    ("P012", "星辰商用摄像头 B8", "智能摄像头", 899, 415, 0.5, 8),
    ("P013", "星辰智能灯泡 L1", "智能照明", 59, 21, 9, 4),
    ("P014", "星辰智能吸顶灯 L3", "智能照明", 499, 205, 4, 5),
    ("P015", "星辰智能灯带 L2", "智能照明", 129, 48, 5, 2),
    ("P016", "星辰智能开关 K1", "智能照明", 99, 37, 5, 8),
    ("P017", "星辰无主灯套装 L9", "智能照明", 2999, 1340, 1.5, 3),
    ("P018", "星辰护眼台灯 L5", "智能照明", 199, 79, 4, 1),
    ("P019", "星辰扫拖机器人 R1", "扫地机器人", 1999, 1090, 6, 0.5),
    ("P020", "星辰扫拖机器人 R3", "扫地机器人", 2999, 1590, 5, 0.5),
    ("P021", "星辰自清洁扫地机 R5 Pro", "扫地机器人", 3999, 2140, 4, 0.5),
    ("P022", "星辰全能基站扫地机 R7 Ultra", "扫地机器人", 4999, 2690, 2.5, 0.3),
    ("P023", "星辰商用清洁机器人 RB1", "扫地机器人", 12999, 7150, 0.1, 1.5),
    ("P024", "星辰智能音箱 mini", "智能音箱", 149, 68, 8, 1),
    ("P025", "星辰智能音箱 X1", "智能音箱", 299, 138, 5, 1),
    ("P026", "星辰带屏音箱 X3", "智能音箱", 599, 275, 3, 1),
    ("P027", "星辰智能中控屏 H1", "智能音箱", 1299, 598, 2, 6),
    ("P028", "星辰智能网关 G1", "智能传感器", 199, 84, 4, 8),
    ("P029", "星辰门窗传感器 S1", "智能传感器", 59, 21, 5, 8),
    ("P030", "星辰人体传感器 M1", "智能传感器", 69, 24, 4, 6),
]
_N_PROD = len(PRODUCTS)
_P_CAT = np.array([p[2] for p in PRODUCTS])
_P_LIST = np.array([p[3] for p in PRODUCTS], dtype=float)
_P_COST = np.array([p[4] for p in PRODUCTS], dtype=float)
_P_W_CONSUMER = np.array([p[5] for p in PRODUCTS], dtype=float)
_P_W_B2B = np.array([p[6] for p in PRODUCTS], dtype=float)

# Stages in order, with the CRM's default probability.
STAGES = [("初步接洽", 1, 0.10), ("需求确认", 2, 0.25), ("方案报价", 3, 0.50),
          ("商务谈判", 4, 0.75), ("赢单", 5, 1.00)]
_STAGE_NAMES = np.array([s[0] for s in STAGES])
# P(reach stage k+1 | reached stage k), k = 1..4, by lead channel.
# P(won | reached 方案报价) = t34 * t45: 0.15 for distributors, 0.45 elsewhere.
_TRANSITIONS = {
    DIRECT: [0.60, 0.70, 0.75, 0.60],
    DIST: [0.65, 0.75, 0.50, 0.30],
    PARTNER: [0.55, 0.70, 0.75, 0.60],
    TELE: [0.45, 0.60, 0.75, 0.60],
}
_WEAK_RATE = 0.15
_OTHER_RATE = 0.45
_DEAL_MEDIAN = {DIRECT: 25e3, DIST: 40e3, PARTNER: 22e3, TELE: 5e3}
_EXISTING_CUSTOMER_SHARE = 0.20  # leads (non-telesales) from existing business customers

LOST_REASONS = np.array(["价格过高", "选择竞品", "预算取消", "需求变化", "决策延期", "联系不上"])
_LOST_P = {
    DIRECT: [0.22, 0.25, 0.15, 0.15, 0.13, 0.10],
    DIST: [0.40, 0.30, 0.08, 0.10, 0.07, 0.05],
    PARTNER: [0.22, 0.25, 0.15, 0.15, 0.13, 0.10],
    TELE: [0.25, 0.10, 0.10, 0.15, 0.10, 0.30],
}

COMPETITORS = ["优居科技", "智享家", "安途智能", "海岚电子"]
_COMPETITOR_P = [0.40, 0.22, 0.23, 0.15]
YOUJU_VARIANTS = ["优居科技", "优居", "Youju Tech"]
_YOUJU_VARIANT_P = [0.60, 0.25, 0.15]

# Teams: name, region, channel of each of its five reps.
_D, _Di, _Pa, _R, _T = "direct", "distributor", "partner", "retail", "telesales"
TEAMS = [
    ("华东一组", "华东", [_D, _Di, _Di, _Pa, _R]),
    ("华东二组", "华东", [_D, _D, _D, _Pa, _Pa]),
    ("华南一组", "华南", [_D, _D, _Di, _Pa, _R]),
    ("华南二组", "华南", [_D, _Di, _Di, _Pa, _R]),
    ("华北一组", "华北", [_D, _D, _Di, _Pa, _R]),
    ("华北二组", "华北", [_D, _Di, _Di, _Pa, _R]),
    ("华中一组", "华中", [_D, _D, _Di, _Pa, _R]),
    ("西南一组", "西南", [_D, _D, _Di, _Pa, _R]),
    ("西北一组", "西北", [_D, _D, _Di, _Pa, _R]),
    ("东北一组", "东北", [_D, _D, _Di, _Pa, _R]),
    ("电销一组", "华中", [_T] * 5),
    ("电销二组", "华中", [_T] * 5),
]
_TYPE_TO_CH = {"direct": DIRECT, "distributor": DIST, "partner": PARTNER,
               "retail": RETAIL, "telesales": TELE}

# Planted effects
MISSED_REGION = "西南"
_MISSED_ATTAINMENT = 0.77
UNDERCUT_COMPETITOR = "优居科技"
UNDERCUT_CATEGORY = "智能门锁"
UNDERCUT_START = "2026-03-01"
_UNDERCUT_DISCOUNT = 0.15
TRAINED_TEAM = "华东二组"
TRAINING_START = "2026-03-01"
TRAINING_ACTION_ID = "A007"
_TRAINING_UPLIFT = 0.12
_VIP_SHARE_TARGET = 0.40
LOW_NPS_CHANNEL = TELE
_NPS_MEAN = np.array([8.4, 7.8, 8.0, 8.2, 8.3, 8.1, 5.0, 7.9])
_NPS_SD = np.array([1.5, 1.6, 1.6, 1.5, 1.4, 1.6, 2.0, 1.7])

_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金")
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏飞宇浩凯婷雪琳晨欣佳子涵梓轩博文思雨宁昊然嘉怡俊健峰志鑫帅斌倩颖慧蕾冰阳辉亮坤彤")
_BRAND_A = list("恒华鑫盛瑞嘉宏泰安德兴信达顺和新诚永丰金海天正东明中博佳联汇")
_BRAND_B = list("远通源宇峰锦辉祥隆润昌发合科腾创力邦晟景成业汇翔图福康乐美茂")

# industry -> name endings
_INDUSTRY_WORDS = {
    "房地产开发": ["置业有限公司", "房地产开发有限公司", "地产集团有限公司"],
    "酒店": ["酒店管理有限公司", "酒店有限公司", "国际酒店"],
    "长租公寓": ["公寓管理有限公司", "住房租赁有限公司", "寓所服务有限公司"],
    "物业管理": ["物业服务有限公司", "物业管理有限公司", "物业集团有限公司"],
    "连锁零售": ["商贸有限公司", "连锁超市有限公司", "百货有限公司"],
    "办公楼宇": ["实业有限公司", "商业管理有限公司", "置地有限公司"],
    "装修公司": ["装饰工程有限公司", "装饰设计有限公司", "家装有限公司"],
    "教育机构": ["教育科技有限公司", "培训学校", "教育集团有限公司"],
    "医疗机构": ["健康管理有限公司", "医院", "诊所"],
    "建材家居": ["建材有限公司", "家居有限公司", "建材市场"],
    "家电卖场": ["电器有限公司", "家电商行", "电器城"],
    "五金批发": ["五金机电有限公司", "五金商行", "五金批发部"],
    "系统集成商": ["智能科技有限公司", "信息技术有限公司", "系统工程有限公司"],
    "智能家居方案商": ["智能家居有限公司", "智能系统工程有限公司", "智慧生活科技有限公司"],
    "民宿": ["民宿", "客栈", "精品民宿"],
    "小微商户": ["商行", "便利店", "小卖部"],
    "美容美发": ["美容美发店", "美容会所", "造型工作室"],
    "餐饮": ["餐饮管理有限公司", "餐厅", "酒家"],
}
_INDUSTRIES = np.array(list(_INDUSTRY_WORDS))
_IND_IDX = {name: i for i, name in enumerate(_INDUSTRIES)}
_CONSUMER_INDUSTRY = "个人消费者"


def _ind_p(weights: dict[str, float]) -> np.ndarray:
    p = np.zeros(len(_INDUSTRIES))
    for k, v in weights.items():
        p[_IND_IDX[k]] = v
    return p / p.sum()


_VIP_INDUSTRY_P = _ind_p({"房地产开发": 35, "酒店": 15, "长租公寓": 15, "物业管理": 15,
                          "连锁零售": 10, "办公楼宇": 10})
_BIZ_INDUSTRY_P = {
    DIRECT: _ind_p({"房地产开发": 20, "物业管理": 18, "酒店": 14, "长租公寓": 14, "办公楼宇": 10,
                    "装修公司": 10, "教育机构": 7, "医疗机构": 7}),
    DIST: _ind_p({"建材家居": 35, "装修公司": 25, "家电卖场": 25, "五金批发": 15}),
    PARTNER: _ind_p({"系统集成商": 35, "智能家居方案商": 35, "装修公司": 15, "物业管理": 15}),
    TELE: _ind_p({"民宿": 30, "小微商户": 30, "美容美发": 20, "餐饮": 20}),
}

# Feedback comment templates: theme x (positive, negative) x (zh, en) x 3 variants.
_THEMES = ["delivery", "price", "after_sales", "quality", "installation", "service"]
_COMMENTS = {
    "delivery": (
        (["物流很快，第二天就到了，包装完好。", "配送准时，快递员还帮忙搬上楼，点赞。",
          "大促期间发货也很及时，没有延误。"],
         ["Fast delivery, arrived the next day and well packed.",
          "Delivery was on time and the courier was very helpful.",
          "Shipped promptly even during the Double 11 rush."]),
        (["物流太慢了，等了一个多星期才到货。", "快递外箱破损，门锁面板有划痕，很失望。",
          "大促发货延迟，客服也说不清什么时候能到。"],
         ["Delivery took more than a week, far too slow.",
          "The box arrived damaged and the lock panel was scratched.",
          "Shipping was delayed during the sale and nobody could tell me when it would arrive."]),
    ),
    "price": (
        (["价格实惠，活动力度大，性价比很高。", "赶上618活动很划算，比线下便宜不少。",
          "批量采购价格合理，折扣给得到位。"],
         ["Good value for money, the discount was generous.",
          "The 618 deal was great, much cheaper than in store.",
          "Fair volume pricing for our project."]),
        (["价格偏高，同样配置的优居便宜两三百。", "刚买完就降价了，也不给保价，体验很差。",
          "报价比竞品贵，续约希望能有更多优惠。"],
         ["Too expensive, Youju sells a similar lock for less.",
          "The price dropped right after I bought it and there was no price protection.",
          "The quote was higher than competitors; we expect a better renewal price."]),
    ),
    "after_sales": (
        (["售后响应及时，工程师上门很快解决了问题。", "客服耐心专业，换货流程很顺畅。",
          "保修期内免费更换了配件，很满意。"],
         ["After-sales responded quickly and the engineer fixed it on site.",
          "Support was patient and professional; the exchange was smooth.",
          "A part was replaced free under warranty, very satisfied."]),
        (["售后电话一直打不通，问题拖了两周还没解决。", "退换货流程太复杂，来回寄了好几次。",
          "售后推诿责任，说是安装问题不给保修。"],
         ["Could not get through to after-sales; the issue has been open for two weeks.",
          "The return process is far too complicated.",
          "After-sales blamed the installation and refused the warranty claim."]),
    ),
    "quality": (
        (["做工精致，指纹识别灵敏，用了半年没出问题。", "摄像头画质清晰，夜视效果很好。",
          "扫地机器人避障很聪明，清扫很干净。"],
         ["Solid build quality and the fingerprint reader is fast.",
          "Camera image is sharp and night vision is excellent.",
          "The robot vacuum avoids obstacles well and cleans thoroughly."]),
        (["用了不到一个月就频繁断网，App经常显示离线。", "电池续航比宣传的短很多。",
          "门锁偶尔识别失败，家里老人用起来不方便。"],
         ["Keeps dropping off Wi-Fi, the app often shows it offline.",
          "Battery life is much shorter than advertised.",
          "The lock sometimes fails to recognise fingerprints."]),
    ),
    "installation": (
        (["安装师傅很专业，半小时就装好了，还耐心讲解使用方法。", "预约安装很方便，师傅准时上门。",
          "项目批量安装进度快，按期交付。"],
         ["The installer was professional and done in half an hour.",
          "Booking installation was easy and the technician was on time.",
          "Bulk installation for our project finished on schedule."]),
        (["安装师傅迟到两个小时，还额外收费。", "门锁和门不匹配，上门两次才装好。",
          "安装预约要等一周，太慢了。"],
         ["The installer was two hours late and charged extra.",
          "The lock did not fit our door; it took two visits to install.",
          "Had to wait a week for an installation slot."]),
    ),
    "service": (
        (["电话销售讲解清楚，推荐的方案很合适。", "顾问回复及时，下单流程简单。",
          "电话回访很贴心，问题当场解决。"],
         ["The sales call was clear and the recommendation fit our needs.",
          "The advisor replied quickly and ordering was simple.",
          "The follow-up call was thoughtful and solved my issue."]),
        (["推销电话太频繁，一天打好几次，很反感。", "销售电话里承诺的赠品没有兑现。",
          "电话里说的和实际收到的产品不一样。"],
         ["Too many sales calls, several a day, very annoying.",
          "The free gift promised on the phone never arrived.",
          "What I was told on the phone did not match what I received."]),
    ),
}
# theme probabilities by channel
_THEME_P = np.array([
    [0.10, 0.25, 0.20, 0.20, 0.25, 0.00],  # direct
    [0.10, 0.25, 0.20, 0.20, 0.25, 0.00],  # distributor
    [0.35, 0.25, 0.12, 0.20, 0.08, 0.00],  # tmall
    [0.35, 0.25, 0.12, 0.20, 0.08, 0.00],  # jd
    [0.05, 0.20, 0.20, 0.25, 0.30, 0.00],  # retail
    [0.10, 0.25, 0.20, 0.20, 0.25, 0.00],  # partner
    [0.03, 0.12, 0.25, 0.10, 0.05, 0.45],  # telesales
    [0.35, 0.25, 0.12, 0.20, 0.08, 0.00],  # douyin
])
_FEEDBACK_CHANNEL_SHARE = np.array([0.12, 0.08, 0.22, 0.18, 0.12, 0.08, 0.10, 0.10])
_SOURCES = np.array(["survey", "interview", "social", "app_review"])
_SOURCE_P = {"b2b": [0.65, 0.30, 0.05, 0.00], "consumer": [0.55, 0.00, 0.25, 0.20],
             "telesales": [0.60, 0.10, 0.30, 0.00]}

_FEATURES = {  # competitor -> price, quality, service, delivery, brand
    COMPANY_NAME: [6, 8, 7, 7, 7],
    "优居科技": [8, 7, 6, 7, 6],
    "智享家": [7, 7, 8, 6, 7],
    "安途智能": [5, 8, 7, 6, 8],
    "海岚电子": [9, 5, 5, 7, 5],
}
_FEATURE_DIMS = ["price", "quality", "service", "delivery", "brand"]

# competitor -> category -> price relative to our list price
_PRICE_FACTORS = {
    "优居科技": {"智能门锁": 1.00, "智能摄像头": 0.95, "智能照明": 0.92},
    "智享家": {"扫地机器人": 1.05, "智能音箱": 0.97, "智能照明": 1.03},
    "安途智能": {"智能门锁": 1.08, "智能摄像头": 1.02, "智能传感器": 0.98},
    "海岚电子": {"智能音箱": 0.90, "扫地机器人": 0.94, "智能传感器": 0.93},
}
_SHARE_RATIO = {"优居科技": (0.6, 1.1), "智享家": (0.4, 0.9), "安途智能": (0.3, 0.7),
                "海岚电子": (0.2, 0.5)}

SAMPLE_TABLES = tuple(TABLES)


# --------------------------------------------------------------------------- #
# Small vectorised helpers
# --------------------------------------------------------------------------- #
def _cat(rng: np.random.Generator, p: np.ndarray, size: int) -> np.ndarray:
    """Draw ``size`` category indices with probabilities ``p`` (inverse CDF)."""
    cp = np.cumsum(np.asarray(p, dtype=float))
    cp /= cp[-1]
    return np.minimum(np.searchsorted(cp, rng.random(size), side="right"), len(cp) - 1)


def _cat_by_group(rng: np.random.Generator, table: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Draw one category per row, with the probability row ``table[group]``."""
    out = np.zeros(len(group), dtype=np.int64)
    u = rng.random(len(group))
    for g in np.unique(group):
        m = group == g
        cp = np.cumsum(table[g])
        cp /= cp[-1]
        out[m] = np.minimum(np.searchsorted(cp, u[m], side="right"), len(cp) - 1)
    return out


def _pick(rng: np.random.Generator, candidates: np.ndarray, size: int) -> np.ndarray:
    """``size`` uniform draws from ``candidates``."""
    return candidates[rng.integers(0, len(candidates), size)]


def _within_group_index(group_sizes: np.ndarray) -> np.ndarray:
    """0, 1, .., n-1 for each group, concatenated (a vectorised cumcount)."""
    total = int(group_sizes.sum())
    starts = np.repeat(np.cumsum(group_sizes) - group_sizes, group_sizes)
    return np.arange(total) - starts


def _people_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` Chinese personal names (surname + one or two given characters)."""
    sur = np.array(_SURNAMES)[rng.integers(0, len(_SURNAMES), n)]
    g1 = np.array(_GIVEN)[rng.integers(0, len(_GIVEN), n)]
    g2 = np.array(_GIVEN)[rng.integers(0, len(_GIVEN), n)]
    two = rng.random(n) < 0.6
    given = np.where(two, np.strings.add(g1, g2), g1)
    return np.strings.add(sur, given)


def _unique_people(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct personal names (for reps, managers and owners)."""
    names = _people_names(rng, 4 * n + 20)
    _, first = np.unique(names, return_index=True)
    return names[np.sort(first)][:n]


def _py(obj: Any) -> Any:
    """Turn numpy scalars and arrays inside ``obj`` into plain JSON-able Python."""
    if isinstance(obj, dict):
        return {str(k): _py(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | np.ndarray):
        return [_py(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return round(float(obj), 6)
    if isinstance(obj, np.str_):
        return str(obj)
    return obj


# --------------------------------------------------------------------------- #
# Master tables
# --------------------------------------------------------------------------- #
def _channels_table() -> pd.DataFrame:
    return pd.DataFrame(CHANNELS, columns=["channel_id", "name", "type"])


def _products_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "product_id": [p[0] for p in PRODUCTS],
            "name": [p[1] for p in PRODUCTS],
            "category": _P_CAT,
            "list_price": _P_LIST,
            "unit_cost": _P_COST,
        }
    )


def _stages_table() -> pd.DataFrame:
    return pd.DataFrame(STAGES, columns=["stage", "order", "probability"])


def _reps(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Reps as arrays: id, name, team, region index, channel index, manager, hire day."""
    n = sum(len(t[2]) for t in TEAMS)
    names = _unique_people(rng, n + len(TEAMS) + 6)
    rep_names, managers, extra = names[:n], names[n:n + len(TEAMS)], names[n + len(TEAMS):]
    team, region, channel, manager = [], [], [], []
    for ti, (tname, treg, chans) in enumerate(TEAMS):
        for ct in chans:
            team.append(tname)
            region.append(int(np.flatnonzero(REGIONS == treg)[0]))
            channel.append(_TYPE_TO_CH[ct])
            manager.append(managers[ti])
    hire = rng.integers(_day("2015-03-01"), _day("2024-09-01"), n)
    return {
        "id": _ids("R", np.arange(1, n + 1), 3),
        "name": rep_names,
        "team": np.array(team),
        "region": np.array(region),
        "channel": np.array(channel),
        "manager": np.array(manager),
        "hire": hire,
        "extra_people": extra,
        "team_managers": dict(zip([t[0] for t in TEAMS], managers, strict=True)),
    }


def _rep_candidates(reps: dict, channel: int, region: int) -> np.ndarray:
    """Reps that can serve ``channel`` in ``region`` (telesales serves every region)."""
    m = reps["channel"] == channel
    if channel != TELE:
        m &= reps["region"] == region
    cands = np.flatnonzero(m)
    if len(cands) == 0:  # no rep of that channel in that region: any rep of the channel
        cands = np.flatnonzero(reps["channel"] == channel)
    return cands


def _assign_reps(rng, reps, channel: np.ndarray, region: np.ndarray) -> np.ndarray:
    """One rep index per row from the reps serving that (channel, region); -1 if none."""
    out = np.full(len(channel), -1, dtype=np.int64)
    for c in np.unique(channel):
        if not np.any(reps["channel"] == c):
            continue
        for r in np.unique(region[channel == c]):
            m = (channel == c) & (region == r)
            out[m] = _pick(rng, _rep_candidates(reps, int(c), int(r)), int(m.sum()))
    return out


# --------------------------------------------------------------------------- #
# Spend and its response
# --------------------------------------------------------------------------- #
def _spend(rng: np.random.Generator, scale: float) -> dict[str, np.ndarray]:
    """Monthly spend per channel, its adstock and the demand index it drives."""
    t = np.arange(_N_MONTHS)
    growth = 1.2 ** (t / 12.0)
    plan = np.ones((len(CHANNELS), _N_MONTHS))
    for c in _ECOM_CH:
        plan[c, _MOY == 11] = 1.5
        plan[c, _MOY == 6] = 1.35
    noise = rng.lognormal(0.0, _SPEND_NOISE, plan.shape)
    spend = np.round(_SPEND_BASE[:, None] * scale * growth * plan * noise, 2)
    adstock = np.empty_like(spend)
    prev = spend[:, 0] / (1.0 - _CARRY_OVER)
    for m in range(_N_MONTHS):  # 24 steps of a recursion, not a loop over rows
        prev = spend[:, m] + _CARRY_OVER * prev
        adstock[:, m] = prev
    mean_ad = adstock.mean(axis=1)
    demand = (adstock / mean_ad[:, None]) ** _EXPONENT[:, None]
    season = np.ones_like(spend)
    for c in _ECOM_CH:
        season[c] = [_ECOM_SEASON[int(m)] for m in _MOY]
    season[RETAIL] = [_RETAIL_SEASON[int(m)] for m in _MOY]
    return {"spend": spend, "adstock": adstock, "mean_adstock": mean_ad,
            "demand": demand, "season": season}


# --------------------------------------------------------------------------- #
# Leads and the pipeline
# --------------------------------------------------------------------------- #
def _leads(rng: np.random.Generator, scale: float, reps: dict, sp: dict) -> dict[str, np.ndarray]:
    """Simulate leads through the stages; returns per-lead arrays."""
    lam = _VOLUME_BASE[_LEAD_CH, None] * scale * sp["demand"][_LEAD_CH]
    counts = rng.poisson(lam)  # (4, 24)
    ch = np.repeat(np.repeat(_LEAD_CH, _N_MONTHS), counts.ravel())
    mon = np.repeat(np.tile(np.arange(_N_MONTHS), len(_LEAD_CH)), counts.ravel())
    day = _MONTH_START[mon] + np.floor(rng.random(len(ch)) * _MONTH_LEN[mon]).astype(np.int64)
    order = np.argsort(day, kind="stable")
    ch, day = ch[order], day[order]
    n = len(ch)
    region = _cat(rng, REGION_WEIGHTS, n)
    rep = _assign_reps(rng, reps, ch, region)
    team = reps["team"][rep]

    trans = np.array([_TRANSITIONS[int(c)] for c in _LEAD_CH])  # rows in _LEAD_CH order
    tmap = np.full(len(CHANNELS), -1)  # channel index -> row of trans
    tmap[_LEAD_CH] = np.arange(len(_LEAD_CH))
    t = trans[tmap[ch]]
    p_base = t.prod(axis=1)
    treated = (team == TRAINED_TEAM) & (day >= _day(TRAINING_START))
    # the negotiation training lifts 方案报价→商务谈判 and 商务谈判→赢单 by the same factor g,
    # chosen so that P(won) rises by exactly _TRAINING_UPLIFT for every treated lead
    g = np.sqrt((p_base + _TRAINING_UPLIFT) / p_base)
    t[treated, 2] *= g[treated]
    t[treated, 3] *= g[treated]
    if np.any(t > 1.0):  # pragma: no cover - guards the constants above
        raise ValueError("training uplift pushes a stage probability above 1")
    p_won = t.prod(axis=1)

    passes = rng.random((n, 4)) < t
    reach = 1 + np.cumprod(passes, axis=1).sum(axis=1)  # furthest stage, 1..5
    won = reach == 5
    dur = 1 + np.floor(rng.exponential(9.0, (n, 4))).astype(np.int64)
    enter = np.concatenate([day[:, None], day[:, None] + np.cumsum(dur, axis=1)], axis=1)
    lost_delay = 1 + np.floor(rng.exponential(12.0, n)).astype(np.int64)
    close = np.where(won, enter[:, 4], enter[np.arange(n), reach - 1] + lost_delay)
    closed = close <= _AS_OF_DAY
    reached = np.arange(5)[None, :] < reach[:, None]
    visible = ((enter <= _AS_OF_DAY) & reached).sum(axis=1)  # stages entered by the as-of day
    status = np.where(closed, np.where(won, "won", "lost"), "open")

    median = np.zeros(len(CHANNELS))
    median[list(_DEAL_MEDIAN)] = list(_DEAL_MEDIAN.values())
    amount = np.round(median[ch] * rng.lognormal(0.0, 0.45, n), -2)

    lost = status == "lost"
    reason_idx = _cat_by_group(rng, np.array([_LOST_P[int(c)] for c in _LEAD_CH]), tmap[ch])
    lost_reason = np.where(lost, LOST_REASONS[reason_idx], "")
    u = rng.random(n)
    has_comp = (lost & (lost_reason == "选择竞品")) | (lost & (lost_reason == "价格过高") & (u < 0.4))
    has_comp |= (status == "open") & (visible >= 3) & (u < 0.25)
    has_comp |= (status == "won") & (u < 0.15)
    comp_idx = _cat(rng, _COMPETITOR_P, n)
    variant = np.array(YOUJU_VARIANTS)[_cat(rng, _YOUJU_VARIANT_P, n)]
    comp_name = np.where(comp_idx == 0, variant, np.array(COMPETITORS)[comp_idx])
    competitor = np.where(has_comp, comp_name, "")

    existing = (ch != TELE) & (rng.random(n) < _EXISTING_CUSTOMER_SHARE)
    return {
        "channel": ch, "day": day, "region": region, "rep": rep, "team": team,
        "treated": treated, "p_won": p_won, "p_base": p_base, "reach": reach, "won": won,
        "enter": enter, "close": close, "closed": closed, "visible": visible,
        "status": status, "amount": amount, "lost_reason": lost_reason,
        "competitor": competitor, "existing": existing,
        "customer": np.full(n, -1, dtype=np.int64),
    }


# --------------------------------------------------------------------------- #
# Customers
# --------------------------------------------------------------------------- #
def _business_names(rng, region: np.ndarray, industry: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Company names: city + two-character brand + industry ending."""
    n = len(region)
    city = _cities(rng, region)
    a = np.array(_BRAND_A)[rng.integers(0, len(_BRAND_A), n)]
    b = np.array(_BRAND_B)[rng.integers(0, len(_BRAND_B), n)]
    words = np.array([_INDUSTRY_WORDS[i] for i in _INDUSTRIES])  # (n_ind, 3)
    ending = words[industry, rng.integers(0, 3, n)]
    return np.strings.add(np.strings.add(city, np.strings.add(a, b)), ending), city


def _cities(rng, region: np.ndarray) -> np.ndarray:
    out = np.empty(len(region), dtype=object)
    for r in np.unique(region):
        m = region == r
        cities = np.array(CITIES[REGIONS[r]])
        w = 1.0 / np.arange(1, len(cities) + 1) ** 0.6  # big cities first
        out[m] = cities[_cat(rng, w, int(m.sum()))]
    return out.astype(str)


def _make_unique(names: np.ndarray, suffixes: list[str]) -> np.ndarray:
    """Make names unique by appending ``suffixes[k]`` to the k-th repeat of a name."""
    s = pd.Series(names)
    k = s.groupby(s, sort=False).cumcount().to_numpy()
    if k.max(initial=0) == 0:
        return names
    suf = np.array(suffixes + [f"第{i}分部" for i in range(len(suffixes) + 1, int(k.max()) + 2)])
    return np.strings.add(names.astype(str), suf[k])


# --------------------------------------------------------------------------- #
# Orders
# --------------------------------------------------------------------------- #
def _order_lines(rng, orders: dict, consumer: np.ndarray) -> dict[str, np.ndarray]:
    """Expand orders into lines with product, quantity, unit price, amount and cost."""
    n_orders = len(orders["day"])
    nl = np.where(consumer, 1 + np.minimum(rng.poisson(0.35, n_orders), 3),
                  1 + np.minimum(rng.poisson(1.6, n_orders), 5))
    o = np.repeat(np.arange(n_orders), nl)
    cons_line = consumer[o]
    prod = np.empty(len(o), dtype=np.int64)
    prod[cons_line] = _cat(rng, _P_W_CONSUMER, int(cons_line.sum()))
    prod[~cons_line] = _cat(rng, _P_W_B2B, int((~cons_line).sum()))
    # one line per product within an order
    _, first = np.unique(o * 64 + prod, return_index=True)
    o, prod = o[first], prod[first]
    cons_line = consumer[o]
    ch = orders["channel"][o]
    moy = _MOY[_month_of(orders["day"][o])]

    disc = np.zeros(len(o))
    ecom = np.isin(ch, _ECOM_CH)
    peak = ecom & np.isin(moy, [6, 11])
    disc[ecom] = rng.uniform(0.0, 0.08, int(ecom.sum()))
    disc[peak] = rng.uniform(0.10, 0.20, int(peak.sum()))
    ret = ch == RETAIL
    disc[ret] = rng.uniform(0.0, 0.05, int(ret.sum()))
    b2b_disc = np.array([0.15, 0.32, 0, 0, 0, 0.22, 0.08, 0])
    b = ~cons_line
    disc[b] = b2b_disc[ch[b]] + rng.uniform(0.0, 0.05, int(b.sum()))
    unit_price = np.round(_P_LIST[prod] * (1.0 - disc), 2)

    qty = np.ones(len(o), dtype=np.int64)
    u = rng.random(len(o))
    qty[cons_line] += (u[cons_line] < 0.12).astype(np.int64) + (u[cons_line] < 0.03)
    w = rng.uniform(0.3, 1.7, len(o))
    share = w / np.bincount(o, weights=w, minlength=n_orders)[o]
    q_b2b = np.rint(orders["target"][o] * share / unit_price)
    qty[b] = np.maximum(1, q_b2b[b]).astype(np.int64)
    return {"order": o, "product": prod, "qty": qty, "unit_price": unit_price}


def _money(qty: np.ndarray, unit: np.ndarray) -> np.ndarray:
    return np.round(qty * unit, 2)


# --------------------------------------------------------------------------- #
# Targets
# --------------------------------------------------------------------------- #
def _plan(rng, actual: np.ndarray, att: np.ndarray, round_to: float) -> np.ndarray:
    """Monthly targets for rows of ``actual`` (K x 24) so that each 12-month block
    lands at attainment ``att`` (K x 2) before rounding."""
    out = np.zeros_like(actual, dtype=float)
    noise = rng.lognormal(0.0, 0.08, actual.shape)
    for b, sl in enumerate((slice(0, 12), slice(12, 24))):
        blk = np.maximum(actual[:, sl], 0.0)
        tot = blk.sum(axis=1)
        floor = np.maximum(tot, round_to * 12)
        w = (0.5 * np.divide(blk, tot[:, None], out=np.full_like(blk, 1 / 12),
                             where=tot[:, None] > 0) + 0.5 / 12) * noise[:, sl]
        w /= w.sum(axis=1, keepdims=True)
        out[:, sl] = (floor / att[:, b])[:, None] * w
    return np.round(out / round_to) * round_to


def _target_rows(period_kpi_level: tuple[str, str], keys: np.ndarray, values: np.ndarray,
                 decimals: int | None = None) -> pd.DataFrame:
    kpi, level = period_kpi_level
    k, m = values.shape
    vals = values.ravel()
    if decimals is not None:
        vals = np.round(vals, decimals)
    return pd.DataFrame({
        "period": np.tile(_PERIODS, k),
        "kpi": kpi,
        "level": level,
        "key": np.repeat(keys, m),
        "target": vals.astype(float),
    })


# --------------------------------------------------------------------------- #
# The whole company
# --------------------------------------------------------------------------- #
def build_sample(seed: int = 7, scale: float = 1.0, lead_scale: float | None = None,
                 regions: int | None = None, reps: int | None = None) -> tuple[dict[str, pd.DataFrame], dict]:
    """Build the sample company in memory.

    Parameters
    ----------
    seed : int
        Seed of the single ``numpy.random.default_rng`` that drives everything.
    scale : float
        Size multiplier (> 0). ``1.0`` gives about 40,000 order lines; order lines,
        customers, leads, feedback and spend grow linearly with it, master data
        (channels, products, stages, reps) does not.
    lead_scale : float, optional
        Size multiplier of the leads alone (default ``scale``): ``scale=25,
        lead_scale=50`` gives about a million order lines and 500,000 leads. Won
        leads become orders, so order lines grow a little with it.
    regions, reps : int, optional
        Reshape the organisation to this many regions / reps
        (:mod:`workbench.sample_variants`); the default keeps the sample company's
        seven regions and sixty reps.

    Returns
    -------
    tables : dict of str to DataFrame
        One frame per canonical table (``workbench.data.schema.TABLES``), with the
        canonical column names in order, dates as ``YYYY-MM-DD`` strings and blanks
        as empty strings / NaN.
    truth : dict
        The planted effects and imperfection counts (see :func:`generate_sample`).
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    for name, v in (("scale", scale), ("lead_scale", scale if lead_scale is None else lead_scale)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v <= 0:
            raise ValueError(f"{name} must be a finite number > 0, got {v!r}")
    for name, v in (("regions", regions), ("reps", reps)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1):
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    scale = float(scale)
    lead_scale = scale if lead_scale is None else float(lead_scale)
    t0 = time.perf_counter()
    rng = np.random.default_rng(int(seed))
    reps_wanted = reps
    reps = _reps(rng)
    n_reps = len(reps["id"])
    sp = _spend(rng, scale)

    # ---- consumer order volume (drives the number of consumers) ------------------
    lam = _VOLUME_BASE[_CONSUMER_CH, None] * scale * sp["demand"][_CONSUMER_CH] \
        * sp["season"][_CONSUMER_CH]
    c_counts = rng.poisson(lam)
    c_ch = np.repeat(np.repeat(_CONSUMER_CH, _N_MONTHS), c_counts.ravel())
    c_mon = np.repeat(np.tile(np.arange(_N_MONTHS), len(_CONSUMER_CH)), c_counts.ravel())
    c_day = _MONTH_START[c_mon] + np.floor(rng.random(len(c_ch)) * _MONTH_LEN[c_mon]).astype(np.int64)
    # e-commerce peaks: half of the November / June orders fall in the run-up to 11.11 / 6.18
    moy = _MOY[c_mon]
    peak = np.isin(c_ch, _ECOM_CH) & np.isin(moy, [6, 11]) & (rng.random(len(c_ch)) < 0.5)
    peak_len = np.where(moy == 11, 11, 18)
    c_day = np.where(peak, _MONTH_START[c_mon] + np.floor(rng.random(len(c_ch)) * peak_len)
                     .astype(np.int64), c_day)
    n_c_orders = len(c_ch)
    n_cons = max(1, round(n_c_orders / 1.45))

    # ---- leads -------------------------------------------------------------------
    L = _leads(rng, lead_scale, reps, sp)
    n_leads = len(L["day"])
    won_closed = L["won"] & L["closed"]
    new_biz_leads = np.flatnonzero(won_closed & ~L["existing"])
    n_new = len(new_biz_leads)
    n_old = max(5, round(900 * scale))
    n_vip = max(3, round(0.04 / 0.96 * (n_cons + n_old + n_new)))

    # ---- customers: [VIP | old business | new business | consumers] ---------------
    i_vip = np.arange(n_vip)
    i_old = n_vip + np.arange(n_old)
    i_new = n_vip + n_old + np.arange(n_new)
    i_cons = n_vip + n_old + n_new + np.arange(n_cons)
    n_cust = n_vip + n_old + n_new + n_cons
    kind = np.concatenate([np.full(n_vip, 0), np.full(n_old, 1), np.full(n_new, 2), np.full(n_cons, 3)])
    c_region = np.empty(n_cust, dtype=np.int64)
    c_created = np.empty(n_cust, dtype=np.int64)
    c_acq = np.empty(n_cust, dtype=np.int64)
    c_rep = np.full(n_cust, -1, dtype=np.int64)
    c_ind = np.full(n_cust, -1, dtype=np.int64)

    c_region[i_vip] = _cat(rng, REGION_WEIGHTS, n_vip)
    c_created[i_vip] = rng.integers(_day("2015-01-01"), _day("2024-10-31"), n_vip)
    c_acq[i_vip] = np.array([DIRECT, DIST, PARTNER])[_cat(rng, [0.6, 0.2, 0.2], n_vip)]
    c_ind[i_vip] = _cat(rng, _VIP_INDUSTRY_P, n_vip)

    c_region[i_old] = _cat(rng, REGION_WEIGHTS, n_old)
    c_created[i_old] = rng.integers(_day("2015-01-01"), _day("2024-10-31"), n_old)
    c_acq[i_old] = np.array([DIRECT, DIST, PARTNER, TELE])[_cat(rng, [0.35, 0.35, 0.15, 0.15], n_old)]
    c_rep[np.concatenate([i_vip, i_old])] = _assign_reps(
        rng, reps, c_acq[np.concatenate([i_vip, i_old])], c_region[np.concatenate([i_vip, i_old])])

    c_region[i_new] = L["region"][new_biz_leads]
    c_created[i_new] = L["close"][new_biz_leads]
    c_acq[i_new] = L["channel"][new_biz_leads]
    c_rep[i_new] = L["rep"][new_biz_leads]
    L["customer"][new_biz_leads] = i_new

    biz = np.concatenate([i_old, i_new])
    ind_table = np.array([_BIZ_INDUSTRY_P[c] for c in (DIRECT, DIST, PARTNER, TELE)])
    ch_to_row = np.full(len(CHANNELS), 0)
    ch_to_row[[DIRECT, DIST, PARTNER, TELE]] = [0, 1, 2, 3]
    c_ind[biz] = _cat_by_group(rng, ind_table, ch_to_row[c_acq[biz]])

    # existing-customer leads go to a VIP or old business customer of the lead's region
    pool = np.concatenate([i_vip, i_old])
    ex = np.flatnonzero(L["existing"])
    for r in range(len(REGIONS)):
        m = ex[L["region"][ex] == r]
        cands = pool[c_region[pool] == r]
        if len(m) == 0:
            continue
        if len(cands) == 0:
            cands = pool
        L["customer"][m] = _pick(rng, cands, len(m))

    # consumers: one first order each, the remaining orders drawn by loyalty weight
    c_region[i_cons] = _cat(rng, REGION_WEIGHTS, n_cons)
    perm = rng.permutation(n_c_orders)
    c_cust = np.empty(n_c_orders, dtype=np.int64)
    first_k = min(n_cons, n_c_orders)
    c_cust[perm[:first_k]] = np.arange(first_k)
    loyalty = rng.lognormal(0.0, 0.8, n_cons)
    c_cust[perm[first_k:]] = _cat(rng, loyalty, n_c_orders - first_k)
    c_cust = i_cons[c_cust]

    # ---- all purchase orders ---------------------------------------------------
    # won leads -> one order at the close date
    wl = np.flatnonzero(won_closed)
    # repeat orders of business customers
    rb = np.concatenate([i_old, i_new])
    lo = np.where(kind[rb] == 1, 0, np.minimum(c_created[rb] + 1, _AS_OF_DAY))
    active_m = (_N_DAYS - lo) / 30.4
    k_rb = rng.poisson(0.05 * active_m * rng.lognormal(0.0, 0.3, len(rb)))
    rb_c = np.repeat(rb, k_rb)
    rb_day = np.repeat(lo, k_rb) + np.floor(rng.random(len(rb_c)) * (_N_DAYS - np.repeat(lo, k_rb))).astype(np.int64)
    # VIP key accounts: frequent, large orders
    k_v = rng.poisson(0.30 * _N_MONTHS * rng.lognormal(0.0, 0.25, n_vip))
    v_c = np.repeat(i_vip, k_v)
    v_day = rng.integers(0, _N_DAYS, len(v_c))

    n_wl, n_rb, n_v = len(wl), len(rb_c), len(v_c)
    orders = {
        "day": np.concatenate([c_day, L["close"][wl], rb_day, v_day]),
        "customer": np.concatenate([c_cust, L["customer"][wl], rb_c, v_c]),
        "channel": np.concatenate([c_ch, L["channel"][wl], c_acq[rb_c], c_acq[v_c]]),
        "kind": np.concatenate([np.full(n_c_orders, 0), np.full(n_wl, 1), np.full(n_rb, 2),
                                np.full(n_v, 3)]),
        "lead": np.concatenate([np.full(n_c_orders, -1), wl, np.full(n_rb + n_v, -1)]),
        "target": np.concatenate([
            np.zeros(n_c_orders),
            L["amount"][wl],
            np.round(12e3 * rng.lognormal(0.0, 0.6, n_rb), -2),
            np.round(14e3 * rng.lognormal(0.0, 0.45, n_v), -2),
        ]),
    }
    orders["region"] = c_region[orders["customer"]]
    rep = np.concatenate([np.full(n_c_orders, -1), L["rep"][wl], c_rep[rb_c], c_rep[v_c]])
    retail = orders["channel"] == RETAIL
    rep[retail] = _assign_reps(rng, reps, orders["channel"][retail], orders["region"][retail])
    orders["rep"] = rep
    n_orders = len(orders["day"])
    consumer = orders["kind"] == 0

    # consumer created date / acquisition channel = their first order
    cons_orders = np.flatnonzero(consumer)
    srt = cons_orders[np.lexsort((orders["day"][cons_orders], orders["customer"][cons_orders]))]
    cust_sorted = orders["customer"][srt]
    firsts = srt[np.r_[True, cust_sorted[1:] != cust_sorted[:-1]]]
    c_created[orders["customer"][firsts]] = orders["day"][firsts]
    c_acq[orders["customer"][firsts]] = orders["channel"][firsts]

    # ---- lines --------------------------------------------------------------------
    lines = _order_lines(rng, orders, consumer)
    lo_ = lines["order"]
    l_cust = orders["customer"][lo_]
    is_vip_line = l_cust < n_vip
    amount = _money(lines["qty"], lines["unit_price"])
    # scale the VIP key-account orders so that VIPs carry the planned revenue share
    r_non = amount[~is_vip_line].sum()
    vip3 = orders["kind"][lo_] == 3
    r_vip_other = amount[is_vip_line & ~vip3].sum()
    r_vip3 = amount[vip3].sum()
    if r_vip3 > 0:
        f = (_VIP_SHARE_TARGET / (1 - _VIP_SHARE_TARGET) * r_non - r_vip_other) / r_vip3
        lines["qty"][vip3] = np.maximum(1, np.rint(lines["qty"][vip3] * max(f, 0.05))).astype(np.int64)
    amount = _money(lines["qty"], lines["unit_price"])
    cost = _money(lines["qty"], _P_COST[lines["product"]])

    # won-lead amount = the value of the order it became
    lead_amount = L["amount"].copy()
    wl_lines = orders["lead"][lo_] >= 0
    sums = np.bincount(orders["lead"][lo_][wl_lines], weights=amount[wl_lines], minlength=n_leads)
    lead_amount[wl] = np.round(sums[wl], 2)

    # ---- returns: ~2 % of lines, credited 3..60 days later, one credit note per order
    n_pl = len(lo_)
    ret_day_of_order = orders["day"] + 3 + np.floor(rng.exponential(10.0, n_orders)).astype(np.int64)
    ret_day_of_order = np.minimum(ret_day_of_order, _AS_OF_DAY)
    is_ret = (rng.random(n_pl) < 0.0205) & (orders["day"][lo_] <= _AS_OF_DAY - 3)
    ri = np.flatnonzero(is_ret)
    r_qty = np.where(consumer[lo_[ri]], lines["qty"][ri],
                     np.maximum(1, np.rint(lines["qty"][ri] * rng.uniform(0.05, 0.5, len(ri)))))
    r_qty = -r_qty.astype(np.int64)

    # order ids in date order
    tie = rng.random(n_orders)
    oseq = np.empty(n_orders, dtype=np.int64)
    oseq[np.lexsort((tie, orders["day"]))] = np.arange(n_orders)
    order_code = _ids("SO", oseq + 1, 7)

    all_o = np.concatenate([lo_, lo_[ri]])
    is_return = np.concatenate([np.zeros(n_pl, bool), np.ones(len(ri), bool)])
    ln_prod = np.concatenate([lines["product"], lines["product"][ri]])
    ln_qty = np.concatenate([lines["qty"], r_qty])
    ln_unit = np.concatenate([lines["unit_price"], lines["unit_price"][ri]])
    ln_amount = np.concatenate([amount, _money(r_qty, lines["unit_price"][ri])])
    ln_cost = np.concatenate([cost, _money(r_qty, _P_COST[lines["product"][ri]])])
    ln_day = np.where(is_return, ret_day_of_order[all_o], orders["day"][all_o])
    srt = np.lexsort((ln_prod, is_return, oseq[all_o], ln_day))
    all_o, is_return, ln_prod, ln_qty, ln_unit, ln_amount, ln_cost, ln_day = (
        a[srt] for a in (all_o, is_return, ln_prod, ln_qty, ln_unit, ln_amount, ln_cost, ln_day))
    ln_cust = orders["customer"][all_o]
    ln_ch = orders["channel"][all_o]
    ln_rep = orders["rep"][all_o]
    ln_reg = orders["region"][all_o]
    ln_month = _month_of(ln_day)

    # ---- customer table (clean) ---------------------------------------------------
    tier = np.empty(n_cust, dtype=object)
    tier[i_vip] = np.array(["A", "B"])[_cat(rng, [0.85, 0.15], n_vip)]
    tier[biz] = np.array(["A", "B", "C"])[_cat(rng, [0.04, 0.30, 0.66], len(biz))]
    tier[i_cons] = np.array(["B", "C"])[_cat(rng, [0.2, 0.8], n_cons)]
    names = np.empty(n_cust, dtype=object)
    city = np.empty(n_cust, dtype=object)
    b_all = np.concatenate([i_vip, biz])
    bn, bc = _business_names(rng, c_region[b_all], c_ind[b_all])
    names[b_all] = _make_unique(bn, ["", "分公司"])
    city[b_all] = bc
    pn = _people_names(rng, n_cons)
    tail = _ids("", rng.integers(0, 10000, n_cons), 4)
    cn = np.strings.add(np.strings.add(pn, "（尾号"), np.strings.add(tail, "）"))
    names[i_cons] = _make_unique(cn, ["", "（2）"])
    city[i_cons] = _cities(rng, c_region[i_cons])
    industry = np.where(c_ind >= 0, _INDUSTRIES[np.maximum(c_ind, 0)], _CONSUMER_INDUSTRY)

    cust_order = np.lexsort((np.arange(n_cust), c_created))
    cust_id = np.empty(n_cust, dtype=object)
    cust_id[cust_order] = _ids("C", np.arange(1, n_cust + 1), 7)
    cust_id = cust_id.astype(str)

    # ---- revenue facts used by targets, truth and market share ---------------------
    rev_region = np.zeros((len(REGIONS), _N_MONTHS))
    np.add.at(rev_region, (ln_reg, ln_month), ln_amount)
    rev_channel = np.zeros((len(CHANNELS), _N_MONTHS))
    np.add.at(rev_channel, (ln_ch, ln_month), ln_amount)
    has_rep = ln_rep >= 0
    rev_rep = np.zeros((n_reps, _N_MONTHS))
    np.add.at(rev_rep, (ln_rep[has_rep], ln_month[has_rep]), ln_amount[has_rep])
    team_names = np.array([t[0] for t in TEAMS])
    team_index = {str(t): i for i, t in enumerate(team_names)}
    team_of_rep = np.array([team_index[str(t)] for t in reps["team"]])  # 60 reps
    rev_team = np.zeros((len(TEAMS), _N_MONTHS))
    np.add.at(rev_team, team_of_rep, rev_rep)
    total_rev = float(ln_amount.sum())
    vip_rev = float(ln_amount[ln_cust < n_vip].sum())

    # ---- targets -------------------------------------------------------------------
    miss = int(np.flatnonzero(REGIONS == MISSED_REGION)[0])
    reg_att = np.column_stack([rng.uniform(0.96, 1.06, len(REGIONS)),
                               rng.uniform(0.96, 1.08, len(REGIONS))])
    reg_att[miss, 1] = _MISSED_ATTAINMENT
    t_region = _plan(rng, rev_region, reg_att, 1000.0)
    ch_att = rng.uniform(0.95, 1.07, (len(CHANNELS), 2))
    t_channel = _plan(rng, rev_channel, ch_att, 1000.0)
    team_reg = np.array([int(np.flatnonzero(REGIONS == t[1])[0]) for t in TEAMS])
    team_att = reg_att[team_reg] * rng.uniform(0.97, 1.03, (len(TEAMS), 2))
    tele_team = np.array([t[2][0] == _T for t in TEAMS])
    team_att[tele_team] = rng.uniform(0.95, 1.07, (int(tele_team.sum()), 2))
    t_team = _plan(rng, rev_team, team_att, 1000.0)
    rep_att = team_att[team_of_rep] * rng.uniform(0.92, 1.08, (n_reps, 2))
    t_rep = _plan(rng, rev_rep, rep_att, 100.0)

    purchase = ~is_return
    ord_month = _month_of(orders["day"])
    n_ord_company = np.bincount(ord_month, minlength=_N_MONTHS)[None, :].astype(float)
    n_ord_channel = np.zeros((len(CHANNELS), _N_MONTHS))
    np.add.at(n_ord_channel, (orders["channel"], ord_month), 1)
    in_window = c_created >= 0
    new_cust = np.bincount(_month_of(c_created[in_window]), minlength=_N_MONTHS)[None, :].astype(float)
    conv_team = np.full((len(TEAMS), _N_MONTHS), 0.18)
    conv_team[tele_team] = 0.13
    trained = int(np.flatnonzero(team_names == TRAINED_TEAM)[0])
    conv_team[trained, _MONTHS >= np.datetime64(TRAINING_START[:7], "M")] = 0.30
    conv_channel = np.tile(np.array([0.19, 0.09, 0.17, 0.13])[:, None], (1, _N_MONTHS))
    targets = pd.concat([
        _target_rows(("revenue", "company"), np.array([""]), t_region.sum(axis=0, keepdims=True)),
        _target_rows(("revenue", "channel"), _CH_IDS, t_channel),
        _target_rows(("revenue", "region"), REGIONS, t_region),
        _target_rows(("revenue", "team"), team_names, t_team),
        _target_rows(("revenue", "rep"), reps["id"], t_rep),
        _target_rows(("orders", "company"), np.array([""]),
                     np.rint(n_ord_company * rng.uniform(0.97, 1.06, n_ord_company.shape))),
        _target_rows(("orders", "channel"), _CH_IDS,
                     np.rint(n_ord_channel * rng.uniform(0.95, 1.08, n_ord_channel.shape))),
        _target_rows(("new_customers", "company"), np.array([""]),
                     np.rint(new_cust * rng.uniform(0.95, 1.10, new_cust.shape))),
        _target_rows(("conversion_rate", "channel"), _CH_IDS[_LEAD_CH], conv_channel, 3),
        _target_rows(("conversion_rate", "team"), team_names, conv_team, 3),
        _target_rows(("margin", "company"), np.array([""]), np.full((1, _N_MONTHS), 0.38), 3),
    ], ignore_index=True)
    last12_target = t_region[:, _LAST12].sum(axis=1)
    region_att_last12 = rev_region[:, _LAST12].sum(axis=1) / last12_target
    region_att_first12 = rev_region[:, :12].sum(axis=1) / t_region[:, :12].sum(axis=1)

    # ---- feedback --------------------------------------------------------------------
    n_fb = max(20, round(2500 * scale))
    w_ord = _FEEDBACK_CHANNEL_SHARE[orders["channel"]] / np.maximum(
        np.bincount(orders["channel"], minlength=len(CHANNELS)), 1)[orders["channel"]]
    fb_day_all = orders["day"] + 2 + np.floor(rng.exponential(7.0, n_orders)).astype(np.int64)
    key = np.log(rng.random(n_orders)) / w_ord
    key[fb_day_all > _AS_OF_DAY] = -np.inf
    pick = np.sort(np.argsort(-key, kind="stable")[:min(n_fb, n_orders)])
    pick = pick[np.isfinite(key[pick])]
    fb_day = fb_day_all[pick]
    fb_ch = orders["channel"][pick]
    fb_cust = orders["customer"][pick]
    nps = np.clip(np.rint(rng.normal(_NPS_MEAN[fb_ch], _NPS_SD[fb_ch])), 0, 10).astype(np.int64)
    csat = np.clip(np.rint(1.0 + 0.4 * nps + rng.normal(0.0, 0.5, len(pick))), 1, 5).astype(np.int64)
    theme = _cat_by_group(rng, _THEME_P, fb_ch)
    negative = (nps <= 6) | ((nps == 7) & (rng.random(len(pick)) < 0.5))
    lang = (rng.random(len(pick)) < 0.15).astype(np.int64)
    variant = rng.integers(0, 3, len(pick))
    tmpl = np.array([[[_COMMENTS[th][s][lg] for lg in range(2)] for s in range(2)]
                     for th in _THEMES])  # (theme, sentiment, lang, variant)
    comment = tmpl[theme, negative.astype(np.int64), lang, variant]
    seg = np.where(fb_ch == TELE, 2, np.where(np.isin(fb_ch, _CONSUMER_CH), 1, 0))
    src_table = np.array([_SOURCE_P["b2b"], _SOURCE_P["consumer"], _SOURCE_P["telesales"]])
    source = _SOURCES[_cat_by_group(rng, src_table, seg)]
    fb_order = np.lexsort((pick, fb_day))
    fb = pd.DataFrame({
        "response_id": _ids("FB", np.arange(1, len(pick) + 1), 7),
        "date": _dstr(fb_day[fb_order]),
        "customer_id": np.where(source[fb_order] == "social", "", cust_id[fb_cust[fb_order]]),
        "channel_id": _CH_IDS[fb_ch[fb_order]],
        "nps": nps[fb_order],
        "csat": csat[fb_order],
        "comment": comment[fb_order],
        "source": source[fb_order],
    })

    # ---- competitor prices --------------------------------------------------------
    obs_days = np.concatenate([_MONTH_START[:, None], _MONTH_START[:, None] + 15], axis=1).ravel()
    undercut_day = _day(UNDERCUT_START)
    cp_frames = []
    for comp, cats in _PRICE_FACTORS.items():
        for cat, base in cats.items():
            prods = np.flatnonzero(_P_CAT == cat)
            dd, pp, cc = np.meshgrid(obs_days, prods, np.array([TMALL, JD]), indexing="ij")
            dd, pp, cc = dd.ravel(), pp.ravel(), cc.ravel()
            factor = base * (1.0 + rng.normal(0.0, 0.01, len(dd)))
            # category-level observations from store checks (no product id)
            md = _MONTH_START
            cfactor = base * (1.0 + rng.normal(0.0, 0.015, len(md)))
            if comp == UNDERCUT_COMPETITOR and cat == UNDERCUT_CATEGORY:
                after = dd >= undercut_day
                factor = np.where(after,
                                  np.clip((1 - _UNDERCUT_DISCOUNT) * (1 + rng.normal(0, 0.008, len(dd))),
                                          0.83, 0.87),
                                  rng.uniform(0.975, 1.025, len(dd)))
                cafter = md >= undercut_day
                cfactor = np.where(cafter, 1 - _UNDERCUT_DISCOUNT, rng.uniform(0.98, 1.02, len(md)))
            cp_frames.append(pd.DataFrame({
                "date": _dstr(dd), "competitor": comp, "product_id": np.array([p[0] for p in PRODUCTS])[pp],
                "category": cat, "channel_id": _CH_IDS[cc],
                "price": np.round(_P_LIST[pp] * factor), "_d": dd,
            }))
            cp_frames.append(pd.DataFrame({
                "date": _dstr(md), "competitor": comp, "product_id": "", "category": cat,
                "channel_id": _CH_IDS[RETAIL],
                "price": np.round(_P_LIST[prods].mean() * cfactor), "_d": md,
            }))
    comp_prices = (pd.concat(cp_frames, ignore_index=True)
                   .sort_values(["_d", "competitor", "category", "channel_id", "product_id"],
                                kind="stable")
                   .drop(columns="_d").reset_index(drop=True))

    # ---- market share (complete quarters 2025-Q1 .. 2026-Q3) ---------------------
    q_first = np.arange(2, 23, 3)  # month index of Jan / Apr / Jul / Oct starts
    q_labels = [f"{_PERIODS[m][:4]}-Q{(int(_PERIODS[m][5:7]) - 1) // 3 + 1}" for m in q_first]
    q_rev = np.stack([rev_region[:, m:m + 3].sum(axis=1) for m in q_first], axis=1)  # (R, Q)
    ms_frames = []
    ours = q_rev * (1.0 + rng.normal(0.0, 0.03, q_rev.shape))
    for comp in [COMPANY_NAME, *COMPETITORS]:
        if comp == COMPANY_NAME:
            sales = ours
        else:
            lo_r, hi_r = _SHARE_RATIO[comp]
            ratio = rng.uniform(lo_r, hi_r, (len(REGIONS), 1)) * (1 + rng.normal(0, 0.05, q_rev.shape))
            if comp == UNDERCUT_COMPETITOR:  # the price cut buys share from 2026-Q2 on
                ratio = ratio * np.where(np.array(q_labels) >= "2026-Q2", 1.12, 1.0)[None, :]
            sales = ours * ratio
        rr, qq = np.meshgrid(np.arange(len(REGIONS)), np.arange(len(q_first)), indexing="ij")
        ms_frames.append(pd.DataFrame({
            "period": np.array(q_labels)[qq.ravel()], "competitor": comp,
            "region": REGIONS[rr.ravel()], "sales": np.round(sales.ravel(), 2),
        }))
    market_share = (pd.concat(ms_frames, ignore_index=True)
                    .sort_values(["period", "region"], kind="stable").reset_index(drop=True))

    features = pd.DataFrame(
        [(comp, dim, float(score)) for comp, scores in _FEATURES.items()
         for dim, score in zip(_FEATURE_DIMS, scores, strict=True)],
        columns=["competitor", "dimension", "score"],
    )

    # ---- inventory (stale: last snapshot 2026-06-30) -------------------------------
    units = np.zeros((len(CHANNELS), _N_PROD))
    np.add.at(units, (ln_ch[purchase], ln_prod[purchase]), ln_qty[purchase])
    avg_units = units / _N_MONTHS
    inv_months = np.flatnonzero(_MONTHS <= np.datetime64("2026-06", "M"))
    snap_day = _MONTH_START[inv_months] + _MONTH_LEN[inv_months] - 1
    dd, cc, pp = np.meshgrid(snap_day, np.arange(len(CHANNELS)), np.arange(_N_PROD), indexing="ij")
    dd, cc, pp = dd.ravel(), cc.ravel(), pp.ravel()
    cover = rng.uniform(0.3, 2.2, len(dd))
    on_hand = np.rint(avg_units[cc, pp] * cover).astype(np.int64)
    on_hand[rng.random(len(dd)) < 0.03] = 0
    inventory = pd.DataFrame({
        "date": _dstr(dd), "channel_id": _CH_IDS[cc],
        "product_id": np.array([p[0] for p in PRODUCTS])[pp], "on_hand": on_hand,
    })

    # ---- actions -------------------------------------------------------------------
    mgr = reps["team_managers"]
    ext = reps["extra_people"]
    actions = pd.DataFrame(
        [
            ("A001", "2025-01-15", "天猫旗舰店详情页与主图全面改版", "channel", "CH03", "revenue", ext[0]),
            ("A002", "2025-04-01", "经销商季度返利政策调整（阶梯返点）", "channel", "CH02", "revenue", ext[1]),
            ("A003", "2025-05-20", "618大促全渠道联合营销", "company", "", "revenue", ext[2]),
            ("A004", "2025-09-01", "电话销售外呼话术优化与质检", "channel", "CH07", "nps", mgr["电销一组"]),
            ("A005", "2025-11-10", "西南区域重点客户拜访计划", "region", "西南", "revenue", mgr["西南一组"]),
            ("A006", "2026-01-10", "京东自营仓配升级，次日达覆盖扩大", "channel", "CH04", "csat", ext[3]),
            (TRAINING_ACTION_ID, TRAINING_START, "销售谈判技巧培训（顾问式销售与商务谈判）", "team",
             TRAINED_TEAM, "conversion_rate", mgr[TRAINED_TEAM]),
            ("A008", "2026-04-15", "智能门锁以旧换新限时活动（应对竞品降价）", "company", "", "revenue", ext[4]),
            ("A009", "2026-07-01", "售后服务工单系统上线", "company", "", "csat", ext[5]),
        ],
        columns=["action_id", "start_date", "description", "level", "key", "kpi", "owner"],
    )

    # ---- assemble clean frames -------------------------------------------------------
    product_ids = np.array([p[0] for p in PRODUCTS])
    ret_suffix = np.where(is_return, "-R", "")
    orders_df = pd.DataFrame({
        "order_id": np.strings.add(order_code[all_o], ret_suffix),
        "order_date": _dstr(ln_day),
        "customer_id": cust_id[ln_cust],
        "amount": ln_amount,
        "channel_id": _CH_IDS[ln_ch],
        "product_id": product_ids[ln_prod],
        "quantity": ln_qty,
        "cost": ln_cost,
        "rep_id": np.where(ln_rep >= 0, reps["id"][np.maximum(ln_rep, 0)], ""),
        "region": REGIONS[ln_reg],
    })
    customers_df = pd.DataFrame({
        "customer_id": cust_id,
        "name": names.astype(str),
        "industry": industry,
        "region": REGIONS[c_region],
        "city": city.astype(str),
        "created_date": _dstr(c_created),
        "acquisition_channel_id": _CH_IDS[c_acq],
        "tier": tier.astype(str),
    }).iloc[cust_order].reset_index(drop=True)

    lead_ids = _ids("L", np.arange(1, n_leads + 1), 7)
    stage_of = np.maximum(L["visible"], 1) - 1
    leads_df = pd.DataFrame({
        "lead_id": lead_ids,
        "created_date": _dstr(L["day"]),
        "channel_id": _CH_IDS[L["channel"]],
        "status": L["status"],
        "stage": _STAGE_NAMES[stage_of],
        "closed_date": np.where(L["closed"], _dstr(np.minimum(L["close"], _AS_OF_DAY)), ""),
        "amount": lead_amount,
        "rep_id": reps["id"][L["rep"]],
        "customer_id": np.where(L["customer"] >= 0, cust_id[np.maximum(L["customer"], 0)], ""),
        "lost_reason": L["lost_reason"],
        "competitor": L["competitor"],
    })
    sh_lead = np.repeat(np.arange(n_leads), L["visible"])
    sh_k = _within_group_index(L["visible"])
    stage_history = pd.DataFrame({
        "lead_id": lead_ids[sh_lead],
        "stage": _STAGE_NAMES[sh_k],
        "entered_date": _dstr(L["enter"][sh_lead, sh_k]),
    })
    reps_df = pd.DataFrame({
        "rep_id": reps["id"], "name": reps["name"], "team": reps["team"],
        "region": REGIONS[reps["region"]], "channel_id": _CH_IDS[reps["channel"]],
        "manager": reps["manager"], "hire_date": _dstr(reps["hire"]),
    })
    spend_df = pd.DataFrame({
        "period": np.tile(_PERIODS, len(CHANNELS)),
        "channel_id": np.repeat(_CH_IDS, _N_MONTHS),
        "amount": sp["spend"].ravel(),
    })

    # ---- truth on the clean data -------------------------------------------------
    truth = _effects_truth(L, sp, scale, orders_df, fb, n_vip, cust_id, vip_rev, total_rev,
                           region_att_last12, region_att_first12, n_cust)

    # ---- imperfections ---------------------------------------------------------------
    orders_df, customers_df, fb, imp = _imperfections(rng, scale, orders_df, customers_df, fb)
    region_att_files = _attainment_from_frames(orders_df, targets)
    truth["missed_target_region"]["attainment_in_files"] = region_att_files.get(MISSED_REGION)
    truth["imperfections"] = imp
    imp["stale"] = {"inventory": {"last_date": str(inventory["date"].max()),
                                  "dataset_last_date": str(_AS_OF)}}

    tables = {
        "orders": orders_df, "customers": customers_df, "channels": _channels_table(),
        "products": _products_table(), "leads": leads_df, "stage_history": stage_history,
        "stages": _stages_table(), "reps": reps_df, "spend": spend_df, "targets": targets,
        "feedback": fb, "competitor_prices": comp_prices, "market_share": market_share,
        "competitor_features": features, "inventory": inventory, "actions": actions,
    }
    for name, df in tables.items():  # canonical names and order, nothing else
        tables[name] = df[TABLES[name].column_names]
    truth["row_counts"] = {name: len(df) for name, df in tables.items()}
    truth["window"] = {"start": str(_START), "end": str(_AS_OF), "as_of": str(_AS_OF),
                       "months": _N_MONTHS}
    truth["company_name"] = COMPANY_NAME
    truth["currency"] = CURRENCY
    truth["seed"] = int(seed)
    truth["scale"] = scale
    if lead_scale != scale or regions is not None or reps_wanted is not None:
        from workbench.sample_variants import split_regions, split_reps

        vrng = np.random.default_rng([int(seed), 1])  # its own stream: the base tables stay as they are
        variant: dict[str, Any] = {"lead_scale": lead_scale}
        if regions is not None:
            tables, variant["region_parent"] = split_regions(tables, int(regions), vrng)
        if reps_wanted is not None:
            tables, variant["rep_parent"] = split_reps(tables, int(reps_wanted), vrng)
        variant["note"] = ("reshaped organisation: planted effects by region or rep refer to the "
                           "parent values in region_parent / rep_parent; imperfection counts of "
                           "orders, customers and feedback are unchanged")
        truth["variant"] = variant
        truth["row_counts"] = {name: len(df) for name, df in tables.items()}
    logger.info("built sample company: %d order lines, %d customers, %d leads in %.1f s",
                len(tables["orders"]), len(tables["customers"]), n_leads,
                time.perf_counter() - t0)
    return tables, _py(truth)


def _effects_truth(L, sp, scale, orders_df, fb, n_vip, cust_id, vip_rev, total_rev,
                   att_last12, att_first12, n_cust) -> dict:
    """The planted effects, with the planted parameters and what the clean data shows."""
    ch = L["channel"]
    closed = L["closed"]
    reached3 = L["reach"] >= 3
    cm = closed & reached3

    def _rate(mask):
        m = mask & cm
        return float(L["won"][m].mean()) if m.any() else None

    lead_counts = {str(_CH_IDS[c]): int((ch == c).sum()) for c in _LEAD_CH}
    weak = {
        "channel_id": str(_CH_IDS[DIST]), "channel_name": CHANNELS[DIST][1],
        "from_stage": "方案报价", "to_stage": "赢单",
        "rate": _WEAK_RATE, "other_rate": _OTHER_RATE,
        "observed_rate": _rate(ch == DIST), "observed_other_rate": _rate(ch != DIST),
        "lead_counts": lead_counts,
        "definition": "P(won | reached 方案报价) among closed leads; other_rate is the "
                      "planted rate of every other lead channel before the training action",
    }

    start = _day(TRAINING_START)
    team_mask = L["team"] == TRAINED_TEAM
    before = team_mask & (L["day"] < start)
    after = team_mask & (L["day"] >= start)
    obs_end = _day("2026-08-01")  # leads created later are mostly still open

    def _obs(mask):
        m = mask & closed & (L["day"] < obs_end)
        return float(L["won"][m].mean()) if m.any() else None

    training = {
        "action_id": TRAINING_ACTION_ID, "team": TRAINED_TEAM, "start_date": TRAINING_START,
        "kpi": "conversion_rate", "uplift": _TRAINING_UPLIFT,
        "before_rate": float(L["p_won"][before].mean()) if before.any() else None,
        "after_rate": float(L["p_won"][after].mean()) if after.any() else None,
        "observed_before": _obs(before), "observed_after": _obs(after),
        "stages_affected": ["方案报价→商务谈判", "商务谈判→赢单"],
        "definition": "win rate = P(lead ends won) by the team of the lead's rep, for leads "
                      "created before vs on/after start_date; before/after_rate are the "
                      "planted expectations, observed_* use closed leads created before "
                      "2026-08-01",
    }

    others = {str(r): float(a) for r, a in zip(REGIONS, att_last12, strict=True)
              if r != MISSED_REGION}
    missed = {
        "region": MISSED_REGION, "kpi": "revenue", "level": "region",
        "periods": [str(_PERIODS[12]), str(_PERIODS[-1])],
        "attainment": float(att_last12[REGIONS == MISSED_REGION][0]),
        "other_regions_attainment": others,
        "first_12_months_attainment": {str(r): float(a) for r, a in
                                       zip(REGIONS, att_first12, strict=True)},
        "definition": "sum of order amounts (returns netted) / sum of monthly region revenue "
                      "targets over the periods, on the clean data (attainment_in_files: "
                      "after exact duplicates are dropped, blank regions are lost)",
    }

    undercut = {
        "competitor": UNDERCUT_COMPETITOR, "category": UNDERCUT_CATEGORY,
        "start_date": UNDERCUT_START, "discount": _UNDERCUT_DISCOUNT,
        "before_band": 0.03,
        "definition": "competitor price / our list_price: 1 - discount from start_date on, "
                      "within ±before_band before",
    }

    vip_ids = sorted(str(x) for x in cust_id[:n_vip])
    purchase = ~orders_df["order_id"].str.endswith("-R")
    per_cust = orders_df.loc[purchase].groupby("customer_id")["order_id"].nunique()
    is_vip = per_cust.index.isin(vip_ids)
    vip = {
        "n_customers": n_vip, "share_of_customers": n_vip / n_cust,
        "revenue_share": vip_rev / total_rev, "planned_revenue_share": _VIP_SHARE_TARGET,
        "mean_orders_vip": float(per_cust[is_vip].mean()),
        "mean_orders_others": float(per_cust[~is_vip].mean()),
        "customer_ids": vip_ids, "description": "B2B key accounts (大客户), created before the window",
    }

    nps_by = fb.groupby("channel_id")["nps"].mean()
    low_nps = {
        "channel_id": str(_CH_IDS[LOW_NPS_CHANNEL]), "channel_name": CHANNELS[LOW_NPS_CHANNEL][1],
        "planted_mean_nps": float(_NPS_MEAN[LOW_NPS_CHANNEL]),
        "planted_mean_nps_others": {str(_CH_IDS[c]): float(_NPS_MEAN[c])
                                    for c in range(len(CHANNELS)) if c != LOW_NPS_CHANNEL},
        "observed_mean_nps": {str(k): float(v) for k, v in nps_by.items()},
    }

    response = {}
    for c in range(len(CHANNELS)):
        metric = "leads" if c in _LEAD_CH else "orders"
        k = scale * _VOLUME_BASE[c] / sp["mean_adstock"][c] ** _EXPONENT[c]
        response[str(_CH_IDS[c])] = {
            "metric": metric, "exponent": float(_EXPONENT[c]),
            "k": float(k), "base_per_month_at_mean": float(_VOLUME_BASE[c]),
            "mean_adstock": float(sp["mean_adstock"][c]),
            "seasonality": ("ecommerce" if c in _ECOM_CH else "retail" if c == RETAIL
                            else None),
        }
    spend_resp = {
        "carry_over": _CARRY_OVER,
        "adstock": "adstock_t = spend_t + carry_over * adstock_{t-1}, adstock_{-1} = "
                   "spend_0 / (1 - carry_over); spend from spend.csv (period order)",
        "response": "expected monthly metric = k * adstock_t ** exponent * season"
                    " = scale * base_per_month_at_mean * (adstock_t / mean_adstock) ** exponent"
                    " * season, season = seasonality[<channel's seasonality>][month of year]"
                    " (1 when null); monthly counts are Poisson around it",
        "channels": response,
        "seasonality": {
            "ecommerce": {str(m): float(v) for m, v in _ECOM_SEASON.items()},
            "retail": {str(m): float(v) for m, v in _RETAIL_SEASON.items()},
        },
        "revenue_note": "lead channels' revenue follows won leads, consumer channels' "
                        "revenue follows orders, so revenue responds the same way",
    }
    variants = {"canonical": UNDERCUT_COMPETITOR, "variants": list(YOUJU_VARIANTS),
                "column": "leads.competitor"}
    return {
        "weak_channel": weak, "missed_target_region": missed, "undercut": undercut,
        "training_action": training, "vip_segment": vip, "low_nps_channel": low_nps,
        "spend_response": spend_resp, "competitor_variants": variants,
    }


def _attainment_from_frames(orders_df: pd.DataFrame, targets: pd.DataFrame) -> dict[str, float]:
    """Last-12-month region revenue attainment as an analyst would compute it from files."""
    o = orders_df.drop_duplicates()
    o = o.loc[o["region"] != ""]
    last = set(_PERIODS[_LAST12])
    o = o.loc[o["order_date"].str[:7].isin(last)]
    actual = o.groupby("region")["amount"].sum()
    t = targets.loc[(targets["kpi"] == "revenue") & (targets["level"] == "region")
                    & targets["period"].isin(last)].groupby("key")["target"].sum()
    return {str(r): float(actual.get(r, 0.0) / t[r]) for r in t.index}


def _imperfections(rng, scale, orders_df, customers_df, fb):
    """Plant the data-quality problems; return the changed frames and exact counts."""
    orders_df = orders_df.copy()
    customers_df = customers_df.copy()
    fb = fb.copy()
    n = len(orders_df)

    # orders.region blank (~3 %)
    blank = rng.choice(n, size=round(0.03 * n), replace=False)
    orders_df.loc[blank, "region"] = ""

    # orphan customer ids: whole orders (~0.3 % of lines) of customers missing from the table
    codes, uniq = pd.factorize(orders_df["order_id"])
    n_ord = len(uniq)
    orphan_orders = np.flatnonzero(rng.random(n_ord) < 0.003)
    ghost_of_order = np.full(n_ord, -1)
    ghost_of_order[orphan_orders] = np.arange(len(orphan_orders))
    g = ghost_of_order[codes]
    orphan_rows = g >= 0
    orders_df.loc[orphan_rows, "customer_id"] = _ids("C9", 1 + g[orphan_rows], 6)

    # a few orders booked on a channel id that does not exist
    free = np.setdiff1d(np.arange(n_ord), orphan_orders)
    ch99_orders = rng.choice(free, size=min(len(free), max(2, round(4 * scale))), replace=False)
    orders_df.loc[np.isin(codes, ch99_orders), "channel_id"] = UNKNOWN_CHANNEL

    # exact duplicate lines (a double import), placed right after their originals; only
    # otherwise clean lines are doubled, so every other count is the same with or
    # without dropping the duplicates first
    clean = np.flatnonzero((orders_df["region"].to_numpy() != "") & ~orphan_rows
                           & (orders_df["channel_id"].to_numpy() != UNKNOWN_CHANNEL))
    dup = rng.choice(clean, size=min(len(clean), max(1, round(0.003 * n))), replace=False)
    idx = np.concatenate([np.arange(n), np.sort(dup)])
    orders_df = orders_df.iloc[np.sort(idx, kind="stable")].reset_index(drop=True)

    # customers entered twice: same name, a second customer_id, created later
    nc = len(customers_df)
    created = customers_df["created_date"].to_numpy(dtype=str).astype("datetime64[D]")
    eligible = np.flatnonzero(created <= _AS_OF - np.timedelta64(30, "D"))
    n_dup = min(len(eligible), max(3, round(15 * scale)))
    src = np.sort(rng.choice(eligible, size=n_dup, replace=False))
    twins = customers_df.iloc[src].copy()
    new_created = np.minimum(created[src] + rng.integers(15, 200, n_dup).astype("timedelta64[D]"), _AS_OF)
    twins["created_date"] = new_created.astype(str)
    twin_ids = _ids("C", np.arange(nc + 1, nc + n_dup + 1), 7)
    pairs = [[str(a), str(b)] for a, b in zip(twins["customer_id"], twin_ids, strict=True)]
    twins["customer_id"] = twin_ids
    customers_df = pd.concat([customers_df, twins], ignore_index=True)
    nc = len(customers_df)
    ind_blank = rng.choice(nc, size=round(0.08 * nc), replace=False)
    customers_df.loc[ind_blank, "industry"] = ""
    city_blank = rng.choice(nc, size=round(0.05 * nc), replace=False)
    customers_df.loc[city_blank, "city"] = ""

    # feedback: a handful of csat 6 (scale 1..5) and ~10 % empty comments
    nf = len(fb)
    n_bad = min(nf, max(3, round(5 * scale)))
    bad = rng.choice(nf, size=n_bad, replace=False)
    fb.loc[bad, "csat"] = 6
    empty = rng.choice(nf, size=round(0.10 * nf), replace=False)
    fb.loc[empty, "comment"] = ""

    known_customers = set(customers_df["customer_id"])
    imp = {
        "missing": {
            "customers.industry": int((customers_df["industry"] == "").sum()),
            "customers.city": int((customers_df["city"] == "").sum()),
            "orders.region": int((orders_df["region"] == "").sum()),
        },
        "duplicates": {
            "orders.exact_duplicate_lines": int(orders_df.duplicated().sum()),
            "customers.entered_twice": len(pairs),
            "customers.duplicate_pairs": pairs,
        },
        "orphans": {
            "orders.customer_id": int((~orders_df["customer_id"].isin(known_customers)).sum()),
            "orders.channel_id": int((orders_df["channel_id"] == UNKNOWN_CHANNEL).sum()),
            "unknown_channel_id": UNKNOWN_CHANNEL,
        },
        "out_of_range": {"feedback.csat": int((fb["csat"] > 5).sum())},
        "empty_text": {"feedback.comment": int((fb["comment"] == "").sum())},
        "counting": "rows in the files as written; the exact duplicates are copies of "
                    "otherwise clean order lines, so the other counts do not change when "
                    "duplicates are dropped first",
    }
    return orders_df, customers_df, fb, imp


# --------------------------------------------------------------------------- #
# Writing
# --------------------------------------------------------------------------- #
PARQUET_ROWS = 2_000_000
"""Tables longer than this are written as Parquet: ten million order lines take minutes to
write as CSV (and to parse again), seconds as Parquet. The default sample (41,000 order
lines) and ``--scale 25`` (a million) stay CSV."""


def _write_csv(df: pd.DataFrame, path: Path, encoding: str = "utf-8") -> None:
    df.to_csv(path, index=False, encoding=encoding, lineterminator="\n")


def _write_products_xlsx(df: pd.DataFrame, path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "产品主数据"
    ws.append([f"产品主数据（导出于 {_AS_OF}）"])
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):  # 30 rows of master data
        ws.append([v.item() if hasattr(v, "item") else v for v in row])
    wb.save(path)


def generate_sample(out_dir: str | Path, seed: int = 7, scale: float = 1.0, lead_scale: float | None = None,
                    regions: int | None = None, reps: int | None = None,
                    parquet_rows: int | None = PARQUET_ROWS) -> dict:
    """Write a complete sample dataset folder to out_dir; return the truth dict (also
    written as out_dir/truth.json).

    Parameters
    ----------
    out_dir : str or Path
        Folder to write to (created if missing; files of the same names are replaced).
    seed : int, default 7
        Seed of ``numpy.random.default_rng``; the same seed and scale give
        byte-identical CSV files.
    scale : float, default 1.0
        Size multiplier (> 0): about 40,000 order lines per unit of scale.
    lead_scale, regions, reps : optional
        Benchmark variants (see :func:`build_sample`); the defaults write the
        bundled sample.
    parquet_rows : int or None, default :data:`PARQUET_ROWS`
        A table with more rows than this is written as ``<table>.parquet`` (the data
        model allows it) instead of CSV; ``None`` writes CSV whatever the size.

    Returns
    -------
    dict
        The truth: ``weak_channel``, ``missed_target_region``, ``undercut``,
        ``training_action``, ``vip_segment``, ``low_nps_channel``,
        ``spend_response``, ``competitor_variants`` (the planted effects with their
        exact parameters), ``imperfections`` (exact counts of the planted data
        quality problems as found in the files), ``row_counts``, ``window``,
        ``company_name``, ``currency``, ``seed``, ``scale`` and ``files``.

    Notes
    -----
    Files: ``<table>.csv`` for every table (UTF-8, ``\\n`` line endings) except
    ``customers.csv`` (GB18030, as Excel on a Chinese Windows saves it) and
    ``products.xlsx`` (one title row above the header row), and ``<table>.parquet``
    for a table longer than ``parquet_rows`` (the order lines from about
    ``--scale 50``); plus ``dataset.yaml`` and ``truth.json``.
    """
    import yaml

    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables, truth = build_sample(seed=seed, scale=scale, lead_scale=lead_scale, regions=regions, reps=reps)
    from workbench.sample_touchpoints import add_touchpoints

    add_touchpoints(tables, truth, seed=seed)  # issue 16: touch paths with a planted assister
    files = {}
    for name, df in tables.items():
        for stale in (out / f"{name}.csv", out / f"{name}.parquet"):  # one file per table, whatever was there
            stale.unlink(missing_ok=True)
        if name == "products":
            path = out / "products.xlsx"
            _write_products_xlsx(df, path)
        elif parquet_rows is not None and len(df) > parquet_rows:
            path = out / f"{name}.parquet"
            df.to_parquet(path, index=False)
        elif name == "customers":
            path = out / "customers.csv"
            _write_csv(df, path, encoding="gb18030")
        else:
            path = out / f"{name}.csv"
            _write_csv(df, path)
        files[name] = path.name
    truth["files"] = files
    # the planted exact duplicate lines are a double import: the dataset says so
    meta = {"name": DATASET_NAME, "currency": CURRENCY, "company_name": COMPANY_NAME,
            "fiscal_year_start": 1, "duplicate_lines": "drop"}
    (out / "dataset.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False),
                                      encoding="utf-8")
    (out / "truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    logger.info("wrote sample company to %s in %.1f s", out, time.perf_counter() - t0)
    return truth
