"""The case forms guide the officer (issue 17 item 4): the subject's eligible records to tick, the
measures of the case's list only, the fields kept after a refusal, only the steps the workflow
table's guards allow, buttons named by their step, and a prompt to record the notice's delivery."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.catalog.choices import MeasureTarget
from apps.core.selectors import active_policy
from apps.sanctions import services
from apps.sanctions.choices import CaseStatus, ListType
from apps.sanctions.models import ListingCase
from apps.sanctions.services.serious import SERIOUS_CASE
from tests.catalog.factories import MeasureFactory, MeasureListFactory
from tests.factories import OfficerFactory
from tests.sanctions.factories import DECISION, backdate, make_world
from tests.subjects.factories import CompanyFactory, MarkedRecordFactory, RecordFactory

# The cases and records here carry fixed 2026 dates: the clock is set to match (any real date passes).
pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-02T10:00")]


@pytest.fixture
def world(policy):
    return make_world()


def _new_case_url(world, list_type=ListType.SERIOUS, subject=None):
    identifier = (subject or world.company).identifier
    return reverse("sanctions:case_new") + f"?list_type={list_type}&identifier={identifier}"


def _filing(world, **fields):
    return {
        "facts": "销售不合格食品，情节严重",
        "legal_basis": "《食品安全法》第一百二十四条",
        "basis_records": [world.record.pk],
        "measures": [world.measures["serious"].pk],
        "reason": "立案",
        **fields,
    }


# --- 1. choose records, not ids ---------------------------------------------------------------


def test_the_new_case_page_offers_only_the_subjects_eligible_records(client, world):
    """What `check_basis` accepts, among the records the officer's agency may see."""
    own = world.officer.organization
    minor = RecordFactory(subject=world.company, item=world.record.item, provider=own, severity="minor")
    MarkedRecordFactory(subject=world.company, item=world.record.item, provider=own, severity="serious")
    RecordFactory(subject=world.company, item=world.record.item, provider=own, severity="serious", status="revoked")
    RecordFactory(subject=world.company, item=world.record.item, severity="serious")  # another agency's
    RecordFactory(item=world.record.item, provider=own, severity="serious")  # another subject's
    client.force_login(world.officer)

    response = client.get(_new_case_url(world))
    offered = list(response.context["form"].fields["basis_records"].queryset)
    assert offered == [world.record]
    page = response.content.decode()
    assert 'type="checkbox" name="basis_records"' in page and 'name="identifier"' in page
    record = world.record
    assert record.item.name in page and record.document_number in page and "2026-03-01" in page
    assert record.get_severity_display() in page
    # a minor first-time record may rest a key-attention case (Nanjing art. 37), not a serious one
    response = client.get(_new_case_url(world, ListType.KEY_ATTENTION))
    assert set(response.context["form"].fields["basis_records"].queryset) == {world.record, minor}


def test_the_subject_comes_first_and_an_unknown_one_is_said_at_its_field(client, world):
    client.force_login(world.officer)
    response = client.get(reverse("sanctions:case_new"))
    assert response.status_code == 200 and response.context["form"] is None
    response = client.get(reverse("sanctions:case_new"), {"list_type": "serious", "identifier": "914403001922038216"})
    assert response.context["form"] is None and response.context["chooser"].errors["identifier"]


def test_the_officer_files_a_case_by_ticking_records_and_measures(client, world):
    client.force_login(world.officer)
    response = client.post(_new_case_url(world), _filing(world))
    case = ListingCase.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("sanctions:case_detail", args=[case.pk])
    assert case.status == CaseStatus.DRAFT and case.subject == world.company
    assert list(case.basis_records.all()) == [world.record]
    assert list(case.measures.all()) == [world.measures["serious"]]


def test_a_record_not_offered_is_refused_at_its_field_and_the_service_has_the_last_word(client, world):
    other = RecordFactory(subject=CompanyFactory(), provider=world.officer.organization, severity="serious")
    client.force_login(world.officer)
    response = client.post(_new_case_url(world), _filing(world, basis_records=[other.pk]))
    assert response.status_code == 200 and response.context["form"].errors["basis_records"]
    # none ticked: the form lets it through, the service refuses it, at the field
    response = client.post(_new_case_url(world), _filing(world, basis_records=[]))
    assert response.context["form"].errors["basis_records"] == [str(services.MSG_NO_BASIS)]
    assert "销售不合格食品，情节严重" in response.content.decode()  # what was typed stays
    assert not ListingCase.objects.exists()


def test_only_officers_open_the_new_case_page(client, world):
    from tests.factories import ClerkFactory

    client.force_login(ClerkFactory())
    assert client.get(reverse("sanctions:case_new")).status_code == 403
    client.force_login(OfficerFactory())
    assert client.get(reverse("sanctions:case_list")).content.decode().count(reverse("sanctions:case_new")) == 1


# --- 2. only the measures of this list -----------------------------------------------------------


def test_only_the_published_measures_of_the_cases_list_are_offered(client, world):
    draft_list = MeasureListFactory()  # not published: not in force (Nanjing art. 42)
    MeasureFactory(measure_list=draft_list, applies_to=MeasureTarget.SERIOUS)
    client.force_login(world.officer)
    for list_type, target in (
        (ListType.SERIOUS, "serious"),
        (ListType.KEY_ATTENTION, "key_attention"),
        (ListType.RED, "red"),
    ):
        form = client.get(_new_case_url(world, list_type)).context["form"]
        assert list(form.fields["measures"].queryset) == [world.measures[target]], list_type
    # a red-list proposal rests on no dishonest record; only key-attention asks for the exemption rule
    form = client.get(_new_case_url(world, ListType.RED)).context["form"]
    assert "basis_records" not in form.fields and "exemption_rule" not in form.fields
    assert "exemption_rule" in client.get(_new_case_url(world, ListType.KEY_ATTENTION)).context["form"].fields
    # another list's measure, posted anyway, is refused at the field
    response = client.post(_new_case_url(world), _filing(world, measures=[world.measures["red"].pk]))
    assert response.context["form"].errors["measures"] and not ListingCase.objects.exists()


# --- 3. fields kept after a refusal --------------------------------------------------------------


def _case(world, *, delivered_on=None, statement=False):
    case = services.case_open(
        by=world.officer,
        list_type=ListType.SERIOUS,
        subject=world.company,
        facts="销售不合格食品",
        legal_basis="《食品安全法》",
        basis_records=[world.record],
        measures=[world.measures["serious"]],
        record_item=world.listing_item,
        reason="立案",
    )
    backdate(case, dt.date(2026, 9, 1))
    services.case_issue_notice(
        case,
        by=world.officer,
        notice_number="宁市监告〔2026〕9号",
        issued_on=dt.date(2026, 9, 30),
        delivered_on=delivered_on,
        reason="告知",
    )
    if statement:
        services.case_record_statement(case, by=world.officer, statement="不服", reason="收到申辩")
    return case


def test_a_refused_decision_comes_back_filled_in_with_the_errors_at_their_fields(client, world):
    case = _case(world, delivered_on=timezone.localdate(), statement=True)
    client.force_login(world.officer)
    typed = {
        **{k: str(v) for k, v in DECISION.items()},
        "decision_number": "宁市监信认〔2026〕77号",
        "listing_start": "2026-12-10",
        "listing_end": "2026-12-01",  # before the start: the service refuses it
        "statement_finding": "",  # a statement was received: the service asks for the finding
        "record_item": world.listing_item.pk,
        "reason": "作出认定",
    }
    response = client.post(reverse("sanctions:case_step", args=[case.pk, "decide"]), typed)
    assert response.status_code == 200
    form = {offer.name: form for offer, form in response.context["offers"]}["decide"]
    assert form.errors["listing_end"] == [str(services.MSG_PERIOD)]
    assert form.errors["statement_finding"] == [str(services.MSG_STATEMENT_FINDING)]
    page = response.content.decode()
    assert 'value="宁市监信认〔2026〕77号"' in page and DECISION["cause"] in page and 'value="2026-12-10"' in page
    case.refresh_from_db()
    assert case.status == CaseStatus.STATEMENT_RECEIVED and not case.decision_number


def test_a_step_form_missing_a_field_comes_back_filled_in(client, world):
    case = _case(world)
    client.force_login(world.officer)
    response = client.post(reverse("sanctions:case_step", args=[case.pk, "delivery"]), {"reason": "直接送达"})
    assert response.status_code == 200 and 'value="直接送达"' in response.content.decode()
    forms = {offer.name: form for offer, form in response.context["offers"]}
    assert forms["delivery"].errors["delivered_on"] and forms["delivery"].is_bound
    assert not forms["statement"].is_bound  # the other steps' forms are fresh


# --- 4. steps offered only when their guard allows, named by their step -------------------------


def _step_actions(page: str, case) -> set[str]:
    return {
        name
        for name in ("delivery", "statement", "lapse", "decide", "drop")
        if reverse("sanctions:case_step", args=[case.pk, name]) in page
    }


def test_the_lapse_is_offered_only_after_the_statement_deadline(client, world):
    running = _case(world, delivered_on=timezone.localdate())
    client.force_login(world.officer)
    page = client.get(reverse("sanctions:case_detail", args=[running.pk])).content.decode()
    assert "lapse" not in _step_actions(page, running) and "decide" not in _step_actions(page, running)
    # the table offers it, blocked: its reason (the deadline) shows instead of its button
    lapse = SERIOUS_CASE.step("lapse")
    assert f"<strong>{lapse.label}</strong>：" in page and str(running.statement_period.due_on) in page

    # another case, delivered long ago: the period has run out
    lapsed = _case(world, delivered_on=dt.date(2026, 9, 30))
    page = client.get(reverse("sanctions:case_detail", args=[lapsed.pk])).content.decode()
    assert "lapse" in _step_actions(page, lapsed)
    assert f'<button type="submit" class="primary">{lapse.label}</button>' in page


def test_buttons_are_named_by_their_step(client, world):
    case = _case(world)
    client.force_login(world.officer)
    response = client.get(reverse("sanctions:case_detail", args=[case.pk]))
    page = response.content.decode()
    assert "执行此步骤" not in page
    for offer, _form in response.context["offers"]:
        if offer.open:
            assert f'<button type="submit" class="primary">{offer.step.label}</button>' in page


# --- 5. a prompt to record the notice's delivery -------------------------------------------------


def test_the_case_page_prompts_to_record_the_delivery_until_it_is_recorded(client, world):
    case = _case(world)
    client.force_login(world.officer)
    page = client.get(reverse("sanctions:case_detail", args=[case.pk])).content.decode()
    assert 'id="delivery-prompt"' in page
    days = active_policy().listing_statement_days
    assert f"陈述申辩期为{days}个工作日" in page and 'href="#step-delivery"' in page
    assert page.index('id="delivery-prompt"') < page.index('class="panel actions"')
    services.case_record_delivery(case, by=world.officer, delivered_on=timezone.localdate(), reason="直接送达")
    page = client.get(reverse("sanctions:case_detail", args=[case.pk])).content.decode()
    assert 'id="delivery-prompt"' not in page
    # the credit office reads the case; the prompt is for those who record the delivery
    from tests.factories import ClerkFactory

    other = _case(world)
    client.force_login(ClerkFactory())
    assert 'id="delivery-prompt"' not in client.get(reverse("sanctions:case_detail", args=[other.pk])).content.decode()
