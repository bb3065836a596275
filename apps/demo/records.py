"""The credit records of the Nanjing demo, as the rows the two demo agencies send in: one
builder per catalog item (its columns, dates and document numbers), and the groups saying which
subjects each (provider, item) batch covers and how many rows it has. Seeded generators: the same
rows, with the same source record ids, on every run."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass

from apps.catalog.choices import Severity
from apps.catalog.models import CatalogItem
from apps.demo.entities import PERSONS, Entity

FIRST_DAY = datetime.date(2023, 1, 1)
LAST_DAY = datetime.date(2026, 10, 31)

MARKET = "南京市市场监督管理局"
TAX = "国家税务总局南京市税务局"
TAX_INSPECTION = "国家税务总局南京市税务局稽查局"


# --- record rows -----------------------------------------------------------------------------------


class Rows:
    """Builds the rows of one (provider, item) group: dates, document numbers, choices."""

    def __init__(self, provider_key: str, code: str):
        self.rng = random.Random(f"credit_portal demo {provider_key} {code}")  # noqa: S311 - demo data
        self.numbers: dict[tuple[str, int], int] = {}

    def dates(self, count: int, first: datetime.date = FIRST_DAY, last: datetime.date = LAST_DAY):
        span = (last - first).days
        return sorted(first + datetime.timedelta(days=self.rng.randint(0, span)) for _ in range(count))

    def number(self, prefix: str, day: datetime.date) -> str:
        key = (prefix, day.year)
        self.numbers[key] = self.numbers.get(key, self.rng.randint(8, 40)) + self.rng.randint(1, 9)
        return f"{prefix}〔{day.year}〕{self.numbers[key]}号"

    def pick(self, *options):
        return self.rng.choice(options)

    def amount(self, low: int, high: int, step: int = 100) -> str:
        return f"{self.rng.randrange(low, high, step)}.00"


def _iso(day: datetime.date) -> str:
    return day.isoformat()


def _plus_days(day: datetime.date, days: int) -> datetime.date:
    return day + datetime.timedelta(days=days)


def _plus_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _dishonest(r: Rows, prefix: str, day: datetime.date, severity: str = "") -> dict:
    """The standard columns of a dishonest row: document, dates, severity."""
    row = {
        "document_number": r.number(prefix, day),
        "document_date": _iso(day),
        "determined_on": _iso(day),
        "ended_on": _iso(_plus_days(day, -r.rng.randint(15, 150))),
    }
    if severity:
        row["severity"] = severity
    return row


# Each builder: (rows, entity, day, provider key) -> the row's columns besides identifier, name
# and source record id.
Builder = Callable[[Rows, Entity, datetime.date, str], dict]


def gj0101(r: Rows, e: Entity, day, provider) -> dict:
    return {
        "determined_on": _iso(day),
        "entity_name": e.name,
        "entity_type": "企业",
        "legal_representative": PERSONS[e.leader][0],
        "registration_authority": f"南京市{e.district}市场监督管理局",
        "establishment_date": e.established,
        "registered_capital": e.capital,
    }


LICENCES = [
    ("食品经营许可证", "JY1", "普通"),
    ("食品生产许可证", "SC1", "普通"),
    ("特种设备使用登记证", "TS2", "登记"),
    ("工业产品生产许可证", "XK06", "普通"),
]


def gj0102(r: Rows, e: Entity, day, provider) -> dict:
    if e.industry in ("餐饮业", "食品制造业", "住宿业") or e.identifier.startswith("92"):
        name, prefix, kind = LICENCES[1] if e.industry == "食品制造业" else LICENCES[0]
    elif "制造" in e.industry or "化学" in e.industry:
        name, prefix, kind = r.pick(LICENCES[2], LICENCES[3])
    else:
        name, prefix, kind = r.pick(LICENCES[0], LICENCES[2])
    return {
        "determined_on": _iso(day),
        "licence_number": f"{prefix}{e.region}{r.rng.randint(10_000_000, 99_999_999)}",
        "licence_name": name,
        "licence_category": kind,
        "decision_date": _iso(day),
        "valid_until": _iso(_plus_years(day, 5)),
        "licensing_authority": f"南京市{e.district}市场监督管理局" if kind == "普通" else MARKET,
    }


def gj0106(r: Rows, e: Entity, day, provider) -> dict:
    right = r.pick("注册商标", "注册商标", "发明专利", "实用新型专利", "外观设计专利")
    if right == "注册商标":
        number, title = str(r.rng.randint(40_000_000, 79_999_999)), e.name[2:4] + r.pick("", "优选", "智造", "云")
    else:
        number = f"ZL{day.year - 1}{r.rng.randint(1, 3)}{r.rng.randint(1_000_000, 9_999_999)}.{r.rng.randint(0, 9)}"
        title = r.pick("一种节能控制装置", "一种数据处理方法及系统", "一种复合材料及其制备方法", "包装盒（礼品）")
    return {
        "determined_on": _iso(day),
        "right_type": right,
        "registration_number": number,
        "right_name": title,
        "grant_date": _iso(day),
    }


def gj0201(r: Rows, e: Entity, day, provider) -> dict:
    if e.identifier.startswith("92"):
        name, level, body = "南京市诚信经营示范店", "市级", MARKET
    else:
        name, level, body = r.pick(
            ("江苏省守合同重信用企业", "省级", "江苏省市场监督管理局"),
            ("江苏省守合同重信用企业", "省级", "江苏省市场监督管理局"),
            ("南京市质量奖", "市级", "南京市人民政府"),
            ("全国守合同重信用企业", "国家级", "国家市场监督管理总局"),
        )
    return {
        "determined_on": _iso(day),
        "honour_name": name,
        "honour_level": level,
        "awarding_body": body,
        "award_date": _iso(day),
        "document_number": r.number({"省级": "苏市监", "市级": "宁政发", "国家级": "国市监信"}[level], day),
    }


MARKET_PENALTIES = {
    Severity.MINOR: [("未按规定在营业场所醒目位置公示营业执照", "警告", 0)],
    Severity.GENERAL: [
        ("销售超过保质期的食品", "罚款", 5_000),
        ("发布虚假广告，对商品的性能作虚假宣传", "罚款", 20_000),
        ("价格违法：不按规定明码标价", "罚款", 2_000),
        ("销售侵犯注册商标专用权的商品", "没收违法所得、没收非法财物", 10_000),
        ("使用未经定期检验的特种设备", "罚款", 30_000),
    ],
    Severity.SERIOUS: [
        ("生产经营不符合食品安全标准的食品，情节严重", "吊销许可证件", 150_000),
        ("生产销售不合格产品，货值金额较大", "责令停产停业", 200_000),
    ],
}
PERSON_PENALTIES = {
    Severity.MINOR: [("未按规定办理登记从事经营活动，经责令及时改正", "警告", 0)],
    Severity.GENERAL: [("未取得营业执照从事食品经营活动", "罚款", 5_000)],
    Severity.SERIOUS: [("销售假冒注册商标的商品，情节严重", "没收违法所得、没收非法财物", 50_000)],
}
TAX_PENALTIES = {
    Severity.MINOR: [("未按照规定期限办理纳税申报和报送纳税资料", "罚款", 500)],
    Severity.GENERAL: [
        ("未按照规定开具发票", "罚款", 5_000),
        ("未按照规定设置、保管账簿或者保管记账凭证", "罚款", 3_000),
        ("扣缴义务人应扣未扣个人所得税", "罚款", 10_000),
    ],
    Severity.SERIOUS: [
        ("通过虚假纳税申报少缴增值税，构成偷税", "罚款", 300_000),
        ("虚开增值税普通发票", "没收违法所得、没收非法财物", 100_000),
    ],
}
TAX_PERSON_PENALTIES = {
    Severity.MINOR: [("未按照规定期限办理个人所得税综合所得汇算清缴", "警告", 0)],
    Severity.GENERAL: [("取得经营所得未依法申报纳税", "罚款", 8_000)],
    Severity.SERIOUS: [("隐匿经营收入少缴个人所得税，构成偷税", "罚款", 120_000)],
}


def _severity(r: Rows, e: Entity) -> str:
    """Mostly general; serious more often for the troubled; now and then minor."""
    roll = r.rng.random()
    serious = 0.45 if e.profile == "troubled" else 0.12
    if roll < 0.08:
        return Severity.MINOR
    return Severity.SERIOUS if roll < 0.08 + serious else Severity.GENERAL


def gj0301(r: Rows, e: Entity, day, provider) -> dict:
    severity = _severity(r, e)
    if provider == "market":
        table, prefix, authority = (PERSON_PENALTIES if e.is_person else MARKET_PENALTIES), "宁市监罚", MARKET
    else:
        table, prefix, authority = (TAX_PERSON_PENALTIES if e.is_person else TAX_PENALTIES), "宁税稽罚", TAX_INSPECTION
    violation, penalty, base = r.pick(*table[severity])
    row = _dishonest(r, prefix, day, severity)
    row.update(
        decision_number=row["document_number"],
        violation=violation,
        penalty_type=penalty,
        decision_date=_iso(day),
        authority=authority,
    )
    if base:
        row["penalty_amount"] = r.amount(base, base * 4)
    return row


def gj0302(r: Rows, e: Entity, day, provider) -> dict:
    if provider == "market":
        prefix, underlying, method = "宁市监强执", "宁市监罚", r.pick("加处罚款或者滞纳金", "申请人民法院强制执行")
    else:
        prefix, underlying, method = "宁税强执", "宁税稽罚", r.pick("加处罚款或者滞纳金", "划拨款项")
    row = _dishonest(r, prefix, day)
    earlier = _plus_days(day, -r.rng.randint(90, 240))
    row.update(
        decision_number=row["document_number"],
        underlying_decision=f"{underlying}〔{earlier.year}〕{r.rng.randint(10, 400)}号",
        enforcement_method=method,
        enforcement_date=_iso(day),
    )
    return row


def gj0303(r: Rows, e: Entity, day, provider) -> dict:
    means = r.pick("欺骗", "欺骗", "其他不正当手段")
    row = _dishonest(r, "宁市监撤许", day, Severity.SERIOUS if means == "欺骗" else Severity.GENERAL)
    row.update(
        decision_number=row["document_number"],
        licence_name=r.pick("食品经营许可证", "工业产品生产许可证"),
        improper_means=means,
        revocation_date=_iso(day),
        bar_years=3 if means == "欺骗" else 1,
    )
    return row


def gj0304(r: Rows, e: Entity, day, provider) -> dict:
    row = _dishonest(r, "宁市监信认" if provider == "market" else "宁税信认", day)
    matters = ("食品经营许可告知承诺", "企业变更登记", "住所（经营场所）登记承诺")
    if provider == "tax":
        matters = ("增值税一般纳税人登记", "税务注销即办", "出口退（免）税备案")
    row.update(
        decision_number=row["document_number"],
        matter=r.pick(*matters),
        conduct_type=r.pick("提供虚假材料", "隐瞒有关情况", "承诺内容与实际不符"),
        finding_date=_iso(day),
    )
    return row


def gj0305(r: Rows, e: Entity, day, provider) -> dict:
    row = _dishonest(r, "宁市监禁", day)
    lifetime = e.profile == "troubled" and r.rng.random() < 0.3
    row.update(
        decision_number=row["document_number"],
        field=r.pick("食品生产经营", "特种设备作业"),
        lifetime="是" if lifetime else "否",
        ban_start=_iso(day),
    )
    if not lifetime:
        row["ban_end"] = _iso(_plus_years(day, 5))
    return row


def gj0309(r: Rows, e: Entity, day, provider) -> dict:
    row = _dishonest(r, "宁税稽处", day)
    row.update(
        decision_number=row["document_number"],
        violation_type=r.pick("偷税（逃避缴纳税款）", "虚开增值税专用发票", "逃避追缴欠税", "虚开普通发票"),
        determination_date=_iso(day),
        tax_authority=TAX_INSPECTION,
    )
    return row


def gj0310(r: Rows, e: Entity, day, provider) -> dict:
    row = _dishonest(r, "宁税欠告", day)
    row.update(
        tax_category=r.pick("增值税", "企业所得税", "城镇土地使用税", "房产税"),
        arrears_amount=r.amount(20_000, 900_000),
        arrears_since=_iso(_plus_days(day, -r.rng.randint(120, 400))),
        announcement_date=_iso(day),
        tax_authority=f"国家税务总局南京市{e.district}税务局",
    )
    return row


def gj0311(r: Rows, e: Entity, day, provider) -> dict:
    row = _dishonest(r, "宁税费催", day)
    months = r.rng.randint(3, 14)
    since = _plus_days(day, -31 * (months + 1)).replace(day=1)
    row.update(
        arrears_since=_iso(since),
        arrears_months=months,
        arrears_amount=r.amount(30_000, 400_000),
        demand_date=_iso(day),
        refused="是",
    )
    return row


def gj0312(r: Rows, e: Entity, day, provider) -> dict:
    row = _dishonest(r, "宁市监异", day)
    row.update(
        listing_reason=r.pick(
            "未按照规定期限公示年度报告",
            "未按照规定期限公示年度报告",
            "通过登记的住所或者经营场所无法联系",
            "未在责令期限内公示有关企业信息",
        ),
        listing_date=_iso(day),
        deciding_authority=f"南京市{e.district}市场监督管理局",
    )
    removed = _plus_days(day, r.rng.randint(40, 300))
    if e.profile != "troubled" and removed < LAST_DAY:
        row["removal_date"] = _iso(removed)
    return row


def gj0313(r: Rows, e: Entity, day, provider) -> dict:
    row = _dishonest(r, "宁市监严", day)
    row.update(
        decision_number=row["document_number"],
        listing_reason=r.pick(
            "因提交虚假材料取得企业登记被撤销登记",
            "列入经营异常名录届满3年仍未履行相关义务",
            "受到较重行政处罚后再次实施同类违法行为",
        ),
        listing_date=_iso(day),
        deciding_authority=MARKET,
    )
    return row


def gj0401(r: Rows, e: Entity, day, provider) -> dict:
    kind, matter = r.pick(
        ("证明事项告知承诺", "食品经营许可（告知承诺）"),
        ("审批替代型", "企业住所（经营场所）登记"),
        ("主动型", "诚信经营、明码标价公开承诺"),
        ("行业自律型", "商业综合体消费维权公开承诺"),
    )
    return {
        "determined_on": _iso(day),
        "commitment_type": kind,
        "matter": matter,
        "commitment_date": _iso(day),
        "accepting_body": MARKET,
    }


def gj0402(r: Rows, e: Entity, day, provider) -> dict:
    return {
        "determined_on": _iso(day),
        "commitment_reference": r.pick("食品经营许可（告知承诺）", "企业住所（经营场所）登记", "诚信经营公开承诺"),
        "fulfilment": r.pick("已履约", "已履约", "履约中"),
        "check_date": _iso(day),
        "checking_body": MARKET,
    }


def gj0403(r: Rows, e: Entity, day, provider) -> dict:
    if provider == "market":
        item, body = r.pick("企业公示信息抽查", "食品安全监督抽检", "广告发布行为检查"), MARKET
    else:
        item, body = r.pick("发票使用情况检查", "纳税申报真实性检查"), TAX
    results = ["未发现问题", "未发现问题", "未发现问题", "发现问题已责令改正"]
    if e.profile == "troubled":
        results += ["通过登记的住所（经营场所）无法联系", "发现违法行为移送处理", "不配合检查"]
    return {
        "determined_on": _iso(day),
        "inspection_date": _iso(day),
        "inspection_item": item,
        "result": r.pick(*results),
        "inspecting_body": body,
    }


def gj0404(r: Rows, e: Entity, day, provider) -> dict:
    return {
        "determined_on": _iso(day),
        "inspection_date": _iso(day),
        "inspection_type": r.pick("现场检查", "现场检查", "专项检查", "联合检查", "非现场检查"),
        "result": r.pick(
            "未发现违法违规行为",
            "台账记录不完整，已当场责令整改",
            "发现部分商品未明码标价，已责令限期改正",
            "特种设备定期检验合格，安全管理制度健全",
        ),
        "inspecting_body": f"南京市{e.district}市场监督管理局",
    }


def gj0405(r: Rows, e: Entity, day, provider) -> dict:
    reasons = {
        "market": ("多次被消费者投诉虚假宣传", "年度报告长期未公示", "食品安全抽检不合格"),
        "tax": ("连续三个月零申报且进项异常", "欠缴税款逾期未缴", "发票开具异常"),
    }[provider]
    return {
        "determined_on": _iso(day),
        "interview_date": _iso(day),
        "interviewing_body": MARKET if provider == "market" else TAX,
        "reason": r.pick(*reasons),
        "rectification_required": r.pick("是", "否"),
    }


def gj0202(r: Rows, e: Entity, day, provider) -> dict:
    return {
        "determined_on": _iso(day),
        "evaluation_year": day.year - 1,
        "published_date": _iso(day),
        "tax_authority": f"国家税务总局南京市{e.district}税务局",
    }


def gj0406(r: Rows, e: Entity, day, provider) -> dict:
    levels = {"good": ("A",), "normal": ("B", "B", "M", "A"), "troubled": ("C", "D", "M")}[e.profile]
    return {
        "determined_on": _iso(day),
        "evaluation_year": day.year - 1,
        "credit_level": r.pick(*levels),
        "evaluation_date": _iso(day),
    }


# --- which subjects each group covers ------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    provider: str  # "market" or "tax"
    code: str
    count: int
    pool: str  # see _pool
    build: Builder
    integrate: bool = True
    yearly: bool = False  # one row per subject and year, published in April (tax ratings)


GROUPS = [
    Group("market", "GJ0101", 0, "registered", gj0101),  # one per enterprise: count unused
    Group("market", "GJ0102", 20, "businesses", gj0102),
    Group("market", "GJ0106", 12, "innovators", gj0106),
    Group("market", "GJ0201", 8, "good", gj0201),
    Group("market", "GJ0301", 40, "market_offenders", gj0301),
    Group("market", "GJ0302", 6, "troubled", gj0302),
    Group("market", "GJ0303", 3, "troubled", gj0303),
    Group("market", "GJ0304", 5, "market_offenders", gj0304),
    Group("market", "GJ0305", 3, "troubled_people", gj0305),
    Group("market", "GJ0312", 20, "lapsed", gj0312),
    Group("market", "GJ0313", 4, "troubled_registered", gj0313),
    Group("market", "GJ0401", 8, "supervised", gj0401),
    Group("market", "GJ0402", 5, "supervised", gj0402),
    Group("market", "GJ0403", 25, "supervised", gj0403),
    Group("market", "GJ0404", 12, "supervised", gj0404, integrate=False),
    Group("market", "GJ0405", 6, "market_offenders", gj0405, integrate=False),
    Group("tax", "GJ0202", 15, "good", gj0202, yearly=True),
    Group("tax", "GJ0301", 25, "offenders", gj0301),
    Group("tax", "GJ0302", 5, "troubled", gj0302),
    Group("tax", "GJ0304", 3, "troubled", gj0304),
    Group("tax", "GJ0309", 4, "troubled_or_people", gj0309),
    Group("tax", "GJ0310", 12, "troubled_or_normal", gj0310),
    Group("tax", "GJ0311", 5, "troubled", gj0311),
    Group("tax", "GJ0403", 12, "organisations", gj0403, integrate=False),
    Group("tax", "GJ0406", 25, "organisations", gj0406, yearly=True),
    Group("tax", "GJ0405", 4, "offenders", gj0405, integrate=False),
]


def _pool(name: str, persons: list[Entity], organisations: list[Entity]) -> list[Entity]:
    """The subjects a group draws from; an entity listed twice is drawn twice as often."""
    supervised = [e for e in organisations if e.identifier[:2] in ("91", "92")]  # registered by the market bureau
    troubled = [e for e in organisations if e.profile == "troubled"]
    normal = [e for e in organisations if e.profile == "normal"]
    troubled_people = list({e.leader: persons[e.leader] for e in troubled}.values())
    pools = {
        "registered": [e for e in organisations if e.is_enterprise],
        "businesses": [e for e in supervised if "投资" not in e.name],
        "innovators": [e for e in organisations if "科技" in e.name or "制造" in e.industry or "食品" in e.name],
        "good": [e for e in organisations if e.profile == "good"],
        "supervised": supervised,
        "organisations": organisations,
        "troubled": troubled,
        "troubled_registered": [e for e in troubled if e.is_enterprise],
        "troubled_people": troubled_people,
        "troubled_or_people": troubled + troubled_people[:2],
        "troubled_or_normal": troubled * 2 + normal[::2],
        "lapsed": [e for e in troubled * 2 + normal if e.is_enterprise],
        # Dishonest records fall mostly on the troubled, sometimes on others, now and then on people.
        "offenders": troubled * 3 + normal + persons[3::4],
        "market_offenders": [e for e in troubled * 3 + normal if e.identifier[:2] != "31"] + persons[3::4],
    }
    return pools[name]


def group_rows(group: Group, item: CatalogItem, persons, organisations) -> list[dict]:
    r = Rows(group.provider, group.code)
    pool = [e for e in _pool(group.pool, persons, organisations) if e.kind in item.subject_types]
    if not pool:
        return []
    if group.code == "GJ0101":
        picks = [(e, day) for e, day in zip(pool, r.dates(len(pool)), strict=True)]
        r.rng.shuffle(picks)
    elif group.yearly:
        pairs = [(e, year) for year in (2023, 2024, 2025, 2026) for e in pool]
        chosen = sorted(r.rng.sample(pairs, min(group.count, len(pairs))), key=lambda p: (p[1], p[0].index))
        picks = [(e, datetime.date(year, 4, r.rng.randint(8, 28))) for e, year in chosen]
    else:
        picks = [(r.pick(*pool), day) for day in r.dates(group.count)]
    rows = []
    for n, (entity, day) in enumerate(picks, start=1):
        row = {
            "identifier": entity.identifier,
            "name": entity.name,
            "source_record_id": f"DEMO-{group.code}-{n:03d}",
        }
        row.update(group.build(r, entity, day, group.provider))
        rows.append(row)
    return rows
