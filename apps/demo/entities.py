"""The people and organisations of the Nanjing demo (run by `seed_demo` through
`apps.demo.subjects`): twenty natural persons, thirty organisations of Nanjing's districts with
their leaders and further responsible people, each with an identifier whose check characters are
valid (GB 11643 citizen IDs, GB 32100 unified social credit codes). The same on every run."""

from __future__ import annotations

import random
from dataclasses import dataclass

from apps.catalog.choices import SubjectType
from apps.core.choices import ResponsibleRole
from apps.core.identifiers import citizen_id_check_character, uscc_check_character
from apps.subjects.models import Subject

DISTRICTS = {
    "320102": "玄武区",
    "320104": "秦淮区",
    "320105": "建邺区",
    "320106": "鼓楼区",
    "320111": "浦口区",
    "320113": "栖霞区",
    "320114": "雨花台区",
    "320115": "江宁区",
}

# Natural persons: name, region of the ID (Nanjing districts), birth date, male.
PERSONS = [
    ("张伟", "320102", "19750314", True),
    ("王芳", "320104", "19820725", False),
    ("李强", "320105", "19680911", True),
    ("刘洋", "320106", "19900203", True),
    ("陈静", "320111", "19851117", False),
    ("杨磊", "320113", "19790628", True),
    ("赵敏", "320114", "19880409", False),
    ("黄建华", "320115", "19650822", True),
    ("周婷", "320102", "19930115", False),
    ("吴志刚", "320104", "19721030", True),
    ("徐丽", "320105", "19860519", False),
    ("孙浩", "320106", "19950807", True),
    ("马晓东", "320111", "19700226", True),
    ("朱红梅", "320113", "19780912", False),
    ("胡俊", "320114", "19830401", True),
    ("郭雪", "320115", "19910623", False),
    ("何永明", "320102", "19630718", True),
    ("高慧", "320104", "19871205", False),
    ("林峰", "320106", "19760330", True),
    ("罗佳", "320115", "19980114", False),
]

# Organisations: name, subject type, USCC registration/type prefix (91 enterprise, 92 individual
# business, 31 law firm), district, industry, established, registered capital (万元), profile
# (good, normal, troubled: which records it collects), leader (index into PERSONS: the legal
# representative, or the principal of an unincorporated organisation).
L, U = SubjectType.LEGAL_PERSON, SubjectType.UNINCORPORATED
ORGANISATIONS = [
    ("南京紫金山智能科技有限公司", L, "91", "320102", "软件和信息技术服务业", "2015-04-20", "1000", "good", 0),
    ("南京秦淮河餐饮管理有限公司", L, "91", "320104", "餐饮业", "2012-09-03", "200", "normal", 17),
    ("南京建邺环球贸易有限公司", L, "91", "320105", "批发业", "2010-06-18", "500", "troubled", 3),
    ("南京鼓楼医药连锁有限公司", L, "91", "320106", "零售业", "2008-03-11", "3000", "good", 7),
    ("南京浦口新材料科技有限公司", L, "91", "320111", "化学原料和化学制品制造业", "2016-11-08", "5000", "normal", 18),
    ("南京栖霞建设工程有限公司", L, "91", "320113", "房屋建筑业", "2009-07-22", "8000", "troubled", 5),
    ("南京雨花软件开发有限公司", L, "91", "320114", "软件和信息技术服务业", "2018-01-15", "300", "good", 6),
    ("南京江宁汽车零部件制造有限公司", L, "91", "320115", "汽车制造业", "2011-05-30", "12000", "normal", 12),
    ("南京金陵食品股份有限公司", L, "91", "320104", "食品制造业", "2003-08-08", "20000", "good", 10),
    ("南京长江物流有限公司", L, "91", "320113", "道路运输业", "2013-10-12", "2000", "normal", 13),
    ("南京玄武湖文化传媒有限公司", L, "91", "320102", "文化艺术业", "2017-03-27", "100", "troubled", 11),
    ("南京钟山房地产开发有限公司", L, "91", "320102", "房地产业", "2006-12-01", "30000", "troubled", 5),
    ("南京新街口百货有限公司", L, "91", "320102", "零售业", "2001-09-20", "6000", "good", 0),
    ("南京夫子庙旅游服务有限公司", L, "91", "320104", "商务服务业", "2014-04-02", "500", "normal", 17),
    ("南京明城装饰工程有限公司", L, "91", "320106", "建筑装饰、装修和其他建筑业", "2019-06-06", "1000", "troubled", 14),
    ("南京仙林生物医药有限公司", L, "91", "320113", "医药制造业", "2016-02-29", "15000", "good", 4),
    ("南京河西商业管理有限公司", L, "91", "320105", "商务服务业", "2015-08-17", "2000", "normal", 15),
    ("南京汤山温泉酒店有限公司", L, "91", "320115", "住宿业", "2012-12-12", "5000", "normal", 7),
    ("南京龙江环保科技有限公司", L, "91", "320106", "生态保护和环境治理业", "2020-05-11", "500", "normal", 19),
    ("南京板桥电力设备有限公司", L, "91", "320114", "电气机械和器材制造业", "2007-11-23", "8000", "good", 18),
    ("南京燕子矶化工有限公司", L, "91", "320113", "化学原料和化学制品制造业", "2005-04-14", "4000", "troubled", 3),
    ("南京禄口航空服务有限公司", L, "91", "320115", "航空运输业", "2018-09-09", "1000", "normal", 15),
    ("南京梅花山园林绿化有限公司", L, "91", "320102", "公共设施管理业", "2014-03-12", "800", "normal", 13),
    ("南京石城人力资源服务有限公司", L, "91", "320106", "商务服务业", "2021-07-01", "200", "troubled", 14),
    ("南京启航创业投资合伙企业（有限合伙）", U, "91", "320105", "资本市场服务", "2019-10-18", "10000", "normal", 2),
    ("南京同源企业管理咨询合伙企业（普通合伙）", U, "91", "320104", "商务服务业", "2020-03-03", "100", "normal", 9),
    ("南京市建邺区陈氏建材经营部", U, "91", "320105", "批发业", "2016-06-15", "50", "troubled", 4),
    ("南京市鼓楼区王记烧饼店", U, "92", "320106", "餐饮业", "2013-05-20", "", "good", 1),
    ("南京市玄武区婷婷服装店", U, "92", "320102", "零售业", "2018-08-08", "", "normal", 8),
    ("南京钟英律师事务所", U, "31", "320106", "法律服务", "2011-01-10", "", "normal", 16),
]

# Further responsible people: (organisation, person, role, from).
OTHER_LINKS = [
    (2, 9, ResponsibleRole.ACTUAL_CONTROLLER, "2010-06-18"),
    (5, 2, ResponsibleRole.ACTUAL_CONTROLLER, "2015-01-01"),
    (11, 2, ResponsibleRole.ACTUAL_CONTROLLER, "2006-12-01"),
    (14, 12, ResponsibleRole.ACTUAL_CONTROLLER, "2019-06-06"),
    (20, 9, ResponsibleRole.ACTUAL_CONTROLLER, "2018-03-20"),
    (8, 7, ResponsibleRole.ACTUAL_CONTROLLER, "2003-08-08"),
    (12, 16, ResponsibleRole.ACTUAL_CONTROLLER, "2001-09-20"),
    (20, 11, ResponsibleRole.DIRECTLY_RESPONSIBLE, "2024-03-01"),
    (7, 15, ResponsibleRole.PRINCIPAL, "2022-01-01"),
]


@dataclass
class Entity:
    """One demo subject: its data and, once saved, its row."""

    index: int
    name: str
    identifier: str
    kind: str
    region: str
    industry: str = ""
    established: str = ""
    capital: str = ""
    profile: str = "normal"
    leader: int | None = None
    subject: Subject | None = None

    @property
    def is_person(self) -> bool:
        return self.kind == SubjectType.NATURAL_PERSON

    @property
    def is_enterprise(self) -> bool:
        """An enterprise (USCC 91…): registered by the market bureau, in GJ0101."""
        return self.identifier.startswith("91")

    @property
    def district(self) -> str:
        return DISTRICTS.get(self.region, "")


def _citizen_id(region: str, birth: str, n: int, male: bool) -> str:
    sex = 2 * (n % 5) + (1 if male else 0)
    body = f"{region}{birth}{10 + (n * 13) % 80:02d}{sex}"
    return body + citizen_id_check_character(body)


ORG_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # the USCC alphabet


def _organisation_code(rng: random.Random) -> str:
    """9 characters: 8 of a code (MA + 6) and its GB 11714 check character."""
    body = "MA" + "".join(rng.choice(ORG_CODE_CHARS) for _ in range(6))
    values = [int(ch) if ch.isdigit() else ord(ch) - 55 for ch in body]
    check = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def _uscc(prefix: str, region: str, rng: random.Random) -> str:
    body = f"{prefix}{region}{_organisation_code(rng)}"
    return body + uscc_check_character(body)


def demo_entities() -> tuple[list[Entity], list[Entity]]:
    """(persons, organisations), the same on every run."""
    persons = [
        Entity(i, name, _citizen_id(region, birth, i, male), SubjectType.NATURAL_PERSON, region)
        for i, (name, region, birth, male) in enumerate(PERSONS)
    ]
    rng = random.Random("credit_portal nanjing demo organisations")  # noqa: S311 - demo data, not secrets
    organisations = [
        Entity(
            index=i,
            name=name,
            identifier=_uscc(prefix, region, rng),
            kind=kind,
            region=region,
            industry=industry,
            established=established,
            capital=capital,
            profile=profile,
            leader=leader,
        )
        for i, (name, kind, prefix, region, industry, established, capital, profile, leader) in enumerate(ORGANISATIONS)
    ]
    return persons, organisations
