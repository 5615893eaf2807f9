"""佐证材料 in an S3-compatible bucket: stored there, served only through the ledger's
permission-checked view (streamed, or a short-lived signed URL), refused files never stored."""

from __future__ import annotations

import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commitments.models import Evidence
from commitments.services.errors import InvalidInput, TransitionNotAllowed
from commitments.services.evidence import evidence_add
from commitments.services.workflow.moves import commitment_submit
from tests.factories import UnitFactory, UserFactory
from tests.workflow.conftest import PDF_BYTES, S, make_commitment, pdf

pytestmark = pytest.mark.django_db

EXE = b"MZ\x90\x00" + b"\x00" * 60


@pytest.fixture
def commitment(unit):
    return make_commitment(S.IN_PROGRESS, lead_unit=unit)


@pytest.fixture
def outsider(db):
    user = UserFactory(username="health", is_staff=True)
    UnitFactory(name="市卫健委").members.add(user)
    return user


def test_an_upload_in_the_admin_lands_in_the_bucket_under_a_name_of_its_own(
    client, bucket, commitment, member
):
    # given: a unit member on their commitment's evidence form
    client.force_login(member)
    upload = SimpleUploadedFile("验收报告.pdf", PDF_BYTES, content_type="application/pdf")
    # when
    response = client.post(
        f"/admin/commitments/commitment/{commitment.pk}/move/add_evidence/", {"file": upload}
    )
    # then: the bytes are in the bucket, under the commitment's folder, not the user's name
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert bucket.objects() == [evidence.file.name]
    assert evidence.file.name.startswith(f"evidence/{commitment.pk}/")
    assert "验收" not in evidence.file.name
    assert bucket.read(evidence.file.name) == PDF_BYTES


def test_the_stored_object_is_private(bucket, commitment, member):
    evidence = evidence_add(commitment=commitment, actor=member, file=pdf())
    grants = bucket.client.get_object_acl(Bucket=bucket.name, Key=evidence.file.name)["Grants"]
    grantees = {grant["Grantee"].get("URI") for grant in grants}
    assert not grantees & {
        "http://acs.amazonaws.com/groups/global/AllUsers",
        "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
    }


def test_who_may_see_the_commitment_downloads_the_file_streamed_from_the_bucket(
    client, bucket, commitment, member, supervisor, outsider
):
    evidence = evidence_add(commitment=commitment, actor=member, file=pdf())
    url = f"/evidence/{evidence.pk}/"
    for user in (member, supervisor):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user
        assert response.streaming
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Length"] == str(len(PDF_BYTES))
        assert response["Cache-Control"] == "private, no-store"
    # and: another unit's member and an anonymous caller learn nothing, not even that it exists
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404


def test_a_file_gone_from_the_bucket_is_a_404_not_an_error(client, bucket, commitment, member):
    evidence = evidence_add(commitment=commitment, actor=member, file=pdf())
    bucket.client.delete_object(Bucket=bucket.name, Key=evidence.file.name)
    client.force_login(member)
    assert client.get(f"/evidence/{evidence.pk}/").status_code == 404


def test_redirect_mode_hands_out_a_signed_url_valid_for_a_minute_after_the_same_check(
    client, bucket, commitment, member, outsider, settings
):
    # given: browsers can reach the bucket, so the bytes need not pass through the web process
    settings.STORAGE_DOWNLOAD_REDIRECT = True
    evidence = evidence_add(commitment=commitment, actor=member, file=pdf("验收报告.pdf"))
    client.force_login(outsider)
    assert client.get(f"/evidence/{evidence.pk}/").status_code == 404
    # when
    client.force_login(member)
    response = client.get(f"/evidence/{evidence.pk}/")
    # then: a redirect to the object, signed and short-lived
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    location = response["Location"]
    assert location.startswith(f"{bucket.endpoint}/{bucket.name}/{evidence.file.name}?")
    query = parse_qs(urlsplit(location).query)
    assert query["X-Amz-Expires"] == ["60"] and query["X-Amz-Signature"]
    # and: the bucket answers it with the ledger's own headers
    with urllib.request.urlopen(location, timeout=10) as answer:
        assert answer.read() == PDF_BYTES
        assert answer.headers["Content-Type"] == "application/pdf"
        assert (
            "filename*=utf-8''%E9%AA%8C%E6%94%B6%E6%8A%A5%E5%91%8A.pdf"
            in (answer.headers["Content-Disposition"])
        )


# --- refused files ---------------------------------------------------------------------------


def test_a_refused_file_leaves_nothing_in_the_bucket(client, bucket, commitment, member):
    client.force_login(member)
    upload = SimpleUploadedFile("报告.pdf", EXE, content_type="application/pdf")
    response = client.post(
        f"/admin/commitments/commitment/{commitment.pk}/move/add_evidence/", {"file": upload}
    )
    assert "文件内容与扩展名不符" in response.content.decode()
    assert bucket.objects() == [] and not Evidence.objects.exists()


def test_a_submission_refused_by_its_second_file_stores_not_even_the_first(
    bucket, commitment, member
):
    with pytest.raises(InvalidInput):
        commitment_submit(
            commitment=commitment,
            actor=member,
            evidence_text="已建成",
            files=[pdf("验收.pdf"), pdf("照片.pdf", content=EXE)],
        )
    assert bucket.objects() == [] and not Evidence.objects.exists()


def test_a_submission_refused_as_a_move_stores_none_of_its_files(bucket, unit, member):
    # given: already submitted, where adding evidence is allowed but submitting again is not
    commitment = make_commitment(S.SUBMITTED, lead_unit=unit)
    with pytest.raises(TransitionNotAllowed):
        commitment_submit(
            commitment=commitment, actor=member, evidence_text="再次申请", files=[pdf()]
        )
    assert bucket.objects() == [] and not Evidence.objects.exists()
