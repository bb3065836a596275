"""The public catalog pages (/public/catalog/, no login): the published catalogs with their items,
the published measure lists and exemption lists; a draft, an approved and a superseded version
are 404; a list in consultation shows its entries and comments and takes a comment from the
public, rate-limited per address."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from apps.catalog import services
from apps.catalog.choices import ListStatus
from apps.catalog.models import ConsultationComment
from tests.catalog.factories import (
    ApprovedCatalogFactory,
    CatalogFactory,
    CatalogItemFactory,
    ConsultationCatalogFactory,
    ExemptionListFactory,
    ExemptionRuleFactory,
    MeasureFactory,
    MeasureListFactory,
    PublishedCatalogFactory,
    PublishedMeasureListFactory,
)
from tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _text(response) -> str:
    return response.content.decode()


def test_the_index_lists_published_and_consulted_versions_only(client, policy):
    published = PublishedCatalogFactory(title="南京市公共信用信息补充目录")
    draft = CatalogFactory(title="起草中的目录")
    approved = ApprovedCatalogFactory(title="已批准未公布的目录")
    consulted = ConsultationCatalogFactory(title="征求意见中的目录")
    superseded = PublishedCatalogFactory(title="已被替代的目录", status=ListStatus.SUPERSEDED)
    measures = PublishedMeasureListFactory(title="联合奖惩措施清单（公布）")
    MeasureListFactory(title="联合奖惩措施清单（草稿）")
    exemptions = ExemptionListFactory(title="轻微失信免罚清单（公布）", status=ListStatus.PUBLISHED)

    page = _text(client.get(reverse("catalog:public_index")))
    for shown in (published, consulted, measures, exemptions):
        assert shown.title in page, shown.title
    for hidden in (draft, approved, superseded):
        assert hidden.title not in page, hidden.title
    assert "联合奖惩措施清单（草稿）" not in page
    assert reverse("catalog:public_document", args=["catalogs", published.pk]) in page
    assert reverse("catalog:public_consultation", args=["catalogs", consulted.pk]) in page
    # the regulation named is the active policy's
    assert "《南京市社会信用条例》" in page


def test_a_published_catalog_shows_its_items_and_an_item_opens(client, policy):
    catalog = PublishedCatalogFactory()
    item = CatalogItemFactory(
        catalog=catalog, code="CS0042", name="欠缴社会保险费信息", legal_basis="《社会保险法》第八十六条"
    )
    page = _text(client.get(reverse("catalog:public_document", args=["catalogs", catalog.pk])))
    assert "欠缴社会保险费信息" in page
    item_url = reverse("catalog:public_item", args=[catalog.pk, item.pk])
    assert item_url in page
    page = _text(client.get(item_url))
    assert "CS0042" in page and "《社会保险法》第八十六条" in page and item.get_disclosure_display() in page


@pytest.mark.parametrize("factory", [CatalogFactory, ApprovedCatalogFactory, ConsultationCatalogFactory])
def test_a_version_not_published_is_404_and_so_are_its_items(client, policy, factory):
    catalog = factory()
    item = CatalogItemFactory(catalog=catalog)
    assert client.get(reverse("catalog:public_document", args=["catalogs", catalog.pk])).status_code == 404
    assert client.get(reverse("catalog:public_item", args=[catalog.pk, item.pk])).status_code == 404


def test_an_item_under_another_catalogs_number_is_404(client, policy):
    published, draft = PublishedCatalogFactory(), CatalogFactory()
    item = CatalogItemFactory(catalog=draft)
    assert client.get(reverse("catalog:public_item", args=[published.pk, item.pk])).status_code == 404


def test_published_measures_and_exemption_rules_are_shown_drafts_are_not(client, policy):
    measures = PublishedMeasureListFactory()
    MeasureFactory(measure_list=measures, name="限制参与政府采购", implementing_body="市财政局")
    draft = MeasureListFactory()
    MeasureFactory(measure_list=draft, name="草稿中的措施")
    exemptions = ExemptionListFactory(status=ListStatus.PUBLISHED)
    ExemptionRuleFactory(exemption_list=exemptions, conduct="首次未按规定公示年度报告且及时补报")

    page = _text(client.get(reverse("catalog:public_document", args=["measure-lists", measures.pk])))
    assert "限制参与政府采购" in page and "市财政局" in page
    assert client.get(reverse("catalog:public_document", args=["measure-lists", draft.pk])).status_code == 404
    page = _text(client.get(reverse("catalog:public_document", args=["exemption-lists", exemptions.pk])))
    assert "首次未按规定公示年度报告且及时补报" in page


def test_the_consultation_shows_entries_and_comments_without_personal_names(client, policy):
    catalog = ConsultationCatalogFactory()
    CatalogItemFactory(catalog=catalog, name="拟新增的信息项")
    officer = OfficerFactory(full_name="李科员")
    services.comment_add(catalog, by=officer, text="建议明确归集频率")
    page = _text(client.get(reverse("catalog:public_consultation", args=["catalogs", catalog.pk])))
    assert "拟新增的信息项" in page and "建议明确归集频率" in page
    assert officer.organization.name in page and "李科员" not in page
    # a published catalog is not in consultation: its consultation page is 404, as is a draft's
    for other in (PublishedCatalogFactory(), CatalogFactory()):
        assert client.get(reverse("catalog:public_consultation", args=["catalogs", other.pk])).status_code == 404


def test_the_public_comments_during_the_consultation(client, policy):
    catalog = ConsultationCatalogFactory()
    url = reverse("catalog:public_consultation", args=["catalogs", catalog.pk])
    response = client.post(url, {"author_name": "王市民", "text": "建议公开信息项的法律依据全文"})
    assert response.status_code == 302
    comment = ConsultationComment.objects.get()
    assert (comment.document, comment.author_id, comment.author_name) == (catalog, None, "王市民")
    assert comment.history.get().history_change_reason == str(services.PUBLIC_COMMENT_REASON)
    page = _text(client.get(url))
    assert "建议公开信息项的法律依据全文" in page and "公众意见" in page and "王市民" not in page
    # the form names what is missing
    response = client.post(url, {"author_name": "", "text": ""})
    assert response.status_code == 200 and ConsultationComment.objects.count() == 1
    # once the consultation is over (approved), the page is gone and nothing more is taken
    catalog.status = ListStatus.APPROVED
    catalog.save()
    assert client.post(url, {"author_name": "王市民", "text": "再提一条"}).status_code == 404
    assert ConsultationComment.objects.count() == 1


def test_public_comments_are_limited_per_address_and_hour(client, policy, settings):
    settings.CATALOG_PUBLIC_COMMENTS_PER_ADDRESS_PER_HOUR = 2
    catalog = ConsultationCatalogFactory()
    url = reverse("catalog:public_consultation", args=["catalogs", catalog.pk])
    for n in range(2):
        assert client.post(url, {"author_name": "甲", "text": f"意见{n}"}).status_code == 302
    refused = client.post(url, {"author_name": "甲", "text": "意见3"})
    assert refused.status_code == 429 and "2" in _text(refused)
    assert ConsultationComment.objects.count() == 2
    # another address is not held back
    assert client.post(url, {"author_name": "乙", "text": "意见4"}, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_the_workbench_page_links_to_the_public_page(client, policy):
    from tests.factories import ClerkFactory

    client.force_login(ClerkFactory())
    published, consulted = PublishedCatalogFactory(), ConsultationCatalogFactory()
    page = _text(client.get(reverse("catalog:document_detail", args=["catalogs", published.pk])))
    assert reverse("catalog:public_document", args=["catalogs", published.pk]) in page
    page = _text(client.get(reverse("catalog:document_detail", args=["catalogs", consulted.pk])))
    assert reverse("catalog:public_consultation", args=["catalogs", consulted.pk]) in page
