"""The catalog lifecycle (Nanjing arts. 25, 33; Tianjin arts. 10, 31) and its rules."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.catalog import services
from apps.catalog.choices import Level, ListStatus, MeasureTarget
from apps.catalog.models import Catalog, CatalogItem, MeasureList
from apps.catalog.selectors import compare_lists, measures_for, published_item, require_published_item
from apps.core.exceptions import Conflict
from tests.catalog.factories import (
    CatalogFactory,
    CatalogItemFactory,
    ConsultationCatalogFactory,
    MeasureFactory,
    MeasureListFactory,
    PublishedCatalogFactory,
    PublishedMeasureListFactory,
)
from tests.factories import AuthorityUserFactory, ClerkFactory, OfficerFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _publish(document, clerk, authority):
    start = TODAY()
    services.list_open_consultation(document, by=clerk, start=start, end=start, reason="征求意见")
    services.list_approve(document, by=authority, approval_document="宁政复〔2026〕8号", reason="市政府批准")
    return services.list_publish(document, by=authority, reason="公布")


def test_the_full_lifecycle_and_supersession():
    """Nanjing art. 25: drafted, put to consultation, approved, published; a newer version of the
    same level supersedes the old one."""
    clerk, authority = ClerkFactory(), AuthorityUserFactory()
    first = services.list_create(Catalog, by=clerk, level=Level.CITY, title="补充目录", reason="编制")
    CatalogItemFactory(catalog=first, code="NJ001")
    _publish(first, clerk, authority)
    first.refresh_from_db()
    assert first.status == ListStatus.PUBLISHED and first.effective_date == TODAY()

    second = services.list_new_version(first, by=clerk, reason="年度调整")
    assert second.version == first.version + 1 and second.based_on == first
    assert list(second.items.values_list("code", flat=True)) == ["NJ001"]
    CatalogItemFactory(catalog=second, code="NJ002")
    _publish(second, clerk, authority)
    first.refresh_from_db()
    assert first.status == ListStatus.SUPERSEDED and first.superseded_at is not None
    # Only the items of the version in force can be used.
    assert published_item("NJ002").catalog == second
    old_item = first.items.get(code="NJ001")
    with pytest.raises(ValidationError, match="NJ001"):
        require_published_item(old_item)
    require_published_item(second.items.get(code="NJ001"))
    # Every step is in the history with user and reason.
    reasons = list(second.history.order_by("history_date").values_list("history_change_reason", "history_user"))
    assert ("市政府批准", authority.pk) in reasons and ("公布", authority.pk) in reasons


def test_records_need_a_published_item():
    draft_item = CatalogItemFactory()
    with pytest.raises(ValidationError) as caught:
        require_published_item(draft_item)
    assert caught.value.code == "item_not_published"
    with pytest.raises(ValidationError):
        published_item("NOPE")


@pytest.mark.parametrize("status", [ListStatus.CONSULTATION, ListStatus.APPROVED, ListStatus.PUBLISHED])
def test_only_drafts_can_be_edited(status):
    clerk = ClerkFactory()
    catalog = CatalogFactory()
    item = CatalogItemFactory(catalog=catalog)
    catalog.status = status
    from apps.core.audit import audited_save

    audited_save(catalog, by=None, reason="test")
    item.refresh_from_db()
    item.name = "改名"
    with pytest.raises(Conflict):
        services.catalog_item_save(item, by=clerk, reason="改名")
    with pytest.raises(Conflict):
        services.catalog_item_save(CatalogItem(catalog=catalog, code="X1", name="x"), by=clerk, reason="新增")
    with pytest.raises(Conflict):
        services.entry_remove(item, by=clerk, reason="删除")
    assert CatalogItem.objects.get(pk=item.pk).name != "改名"


def test_who_may_take_which_step():
    clerk, authority, officer = ClerkFactory(), AuthorityUserFactory(), OfficerFactory()
    with pytest.raises(PermissionDenied):
        services.list_create(Catalog, by=officer, level=Level.CITY, title="x", reason="x")
    with pytest.raises(PermissionDenied):
        services.list_create(Catalog, by=authority, level=Level.CITY, title="x", reason="x")
    consultation = ConsultationCatalogFactory()
    for user in (clerk, officer):
        with pytest.raises(PermissionDenied):
            services.list_approve(consultation, by=user, approval_document="x", reason="x")
    services.list_approve(consultation, by=authority, approval_document="宁政复〔2026〕9号", reason="批准")
    with pytest.raises(PermissionDenied):
        services.list_publish(consultation, by=clerk, reason="x")


def test_consultation_rules():
    clerk, authority = ClerkFactory(), AuthorityUserFactory()
    empty = CatalogFactory()
    with pytest.raises(ValidationError):
        services.list_open_consultation(empty, by=clerk, start=TODAY(), end=TODAY(), reason="x")
    catalog = CatalogItemFactory().catalog
    with pytest.raises(ValidationError):
        services.list_open_consultation(
            catalog, by=clerk, start=TODAY(), end=TODAY() - dt.timedelta(days=1), reason="x"
        )
    with pytest.raises(ValidationError):
        services.list_open_consultation(
            catalog, by=clerk, start=TODAY() - dt.timedelta(days=1), end=TODAY(), reason="x"
        )
    services.list_open_consultation(catalog, by=clerk, start=TODAY(), end=TODAY() + dt.timedelta(days=30), reason="x")
    # Not approved while the consultation runs; steps out of order are conflicts.
    with pytest.raises(Conflict):
        services.list_approve(catalog, by=authority, approval_document="x", reason="x")
    with pytest.raises(Conflict):
        services.list_publish(catalog, by=authority, reason="x")
    with pytest.raises(Conflict):
        services.list_open_consultation(catalog, by=clerk, start=TODAY(), end=TODAY(), reason="x")
    # Comments during the consultation, a reply, then back to draft.
    comment = services.comment_add(catalog, by=OfficerFactory(), text="建议补充公开期限说明")
    services.comment_add(catalog, by=clerk, text="来信意见", on_behalf_of="市民张某")
    services.comment_reply(comment, by=clerk, reply="已采纳")
    assert catalog.comments.count() == 2
    services.list_reopen(catalog, by=clerk, reason="根据意见修改")
    with pytest.raises(Conflict):
        services.comment_add(catalog, by=OfficerFactory(), text="太晚了")


def test_approval_needs_the_document_number():
    with pytest.raises(ValidationError):
        services.list_approve(
            ConsultationCatalogFactory(), by=AuthorityUserFactory(), approval_document=" ", reason="x"
        )


def test_one_pending_version_per_level():
    clerk = ClerkFactory()
    services.list_create(Catalog, by=clerk, level=Level.CITY, title="a", reason="x")
    with pytest.raises(Conflict):
        services.list_create(Catalog, by=clerk, level=Level.CITY, title="b", reason="x")
    services.list_create(Catalog, by=clerk, level=Level.PROVINCIAL, title="c", reason="x")


def test_a_city_item_may_not_redefine_a_national_code():
    national = PublishedCatalogFactory(level=Level.NATIONAL)
    CatalogItemFactory(catalog=national, code="GJ0301", name="行政处罚信息")
    city_item = CatalogItemFactory.build(catalog=CatalogFactory(), code="GJ0301")
    with pytest.raises(ValidationError) as caught:
        services.catalog_item_save(city_item, by=ClerkFactory(), reason="x")
    assert "code" in caught.value.message_dict and "行政处罚信息" in caught.value.message_dict["code"][0]


def test_forbidden_field_on_a_draft_item_is_refused_and_consent_allows_income():
    """Nanjing art. 29: 宗教信仰 or blood_type refused; income accepted with written consent."""
    clerk = ClerkFactory()
    for bad in ({"name": "belief", "label": "宗教信仰"}, {"name": "blood_type", "label": "ABO"}):
        item = CatalogItemFactory.build(catalog=CatalogFactory(), record_fields=[{**bad, "type": "text"}])
        with pytest.raises(ValidationError) as caught:
            services.catalog_item_save(item, by=clerk, reason="x")
        assert "《南京市社会信用条例》第二十九条" in caught.value.message_dict["record_fields"][0]
    income = [{"name": "income", "label": "月收入", "type": "decimal"}]
    item = CatalogItemFactory.build(catalog=CatalogFactory(), subject_types=["natural_person"], record_fields=income)
    with pytest.raises(ValidationError):
        services.catalog_item_save(item, by=clerk, reason="x")
    item.consent_collected = True
    services.catalog_item_save(item, by=clerk, reason="经书面同意采集")
    assert item.pk


def test_dishonest_items_always_require_a_document():
    item = CatalogItemFactory.build(catalog=CatalogFactory(), document_required=False)
    services.catalog_item_save(item, by=ClerkFactory(), reason="x")
    assert item.document_required is True


def test_measure_lookup_returns_only_published_measures_for_status_and_matter():
    """Nanjing art. 33: a measure not published may not be applied."""
    published = PublishedMeasureListFactory()
    wanted = MeasureFactory(
        measure_list=published, applies_to=MeasureTarget.SERIOUS, matters=["bidding", "public_procurement"]
    )
    MeasureFactory(measure_list=published, applies_to=MeasureTarget.SERIOUS, matters=["honours"])
    MeasureFactory(measure_list=published, applies_to=MeasureTarget.DISHONEST, matters=["bidding"])
    MeasureFactory(measure_list=MeasureListFactory(), applies_to=MeasureTarget.SERIOUS, matters=["bidding"])
    assert measures_for(MeasureTarget.SERIOUS, "bidding") == [wanted]
    assert measures_for(MeasureTarget.RED, "bidding") == []


def test_measure_lists_follow_the_same_lifecycle():
    clerk, authority = ClerkFactory(), AuthorityUserFactory()
    measure_list = services.list_create(MeasureList, by=clerk, level=Level.CITY, title="奖惩清单", reason="编制")
    measure = MeasureFactory.build(measure_list=measure_list, matters=[])
    with pytest.raises(ValidationError):
        services.measure_save(measure, by=clerk, reason="x")
    measure.matters = ["bidding"]
    services.measure_save(measure, by=clerk, reason="x")
    _publish(measure_list, clerk, authority)
    assert measures_for(MeasureTarget.SERIOUS, "bidding") == [measure]


def test_version_comparison_lists_added_removed_and_changed():
    old = PublishedCatalogFactory()
    CatalogItemFactory(catalog=old, code="A1", name="甲")
    CatalogItemFactory(catalog=old, code="B1", name="乙")
    new = CatalogFactory()
    CatalogItemFactory(catalog=new, code="A1", name="甲（修订）")
    CatalogItemFactory(catalog=new, code="C1", name="丙")
    comparison = compare_lists(old, new)
    assert [i.code for i in comparison.added] == ["C1"]
    assert [i.code for i in comparison.removed] == ["B1"]
    assert [(c.code, [f[1:] for f in c.fields]) for c in comparison.changed] == [("A1", [("甲", "甲（修订）")])]
