"""Attachments are size- and type-limited, stored through the storage API, and obey D-1.3."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from caredesk.cases.models import Attachment
from tests.personas import World, admin_case


def test_upload_list_and_download(api, world: World) -> None:  # type: ignore[no-untyped-def]
    case = admin_case(world.alice)
    upload = SimpleUploadedFile("show-version.txt", b"model X100 firmware 4.2", content_type="text/plain")
    response = api("alice").upload(f"/cases/{case.case_id}/attachments", {"file": upload})
    assert response.status_code == 201, response.content
    listed = api("bob").get(f"/cases/{case.case_id}/attachments").json()
    assert [a["filename"] for a in listed] == ["show-version.txt"]
    download = api("agent").get(f"/cases/{case.case_id}/attachments/{listed[0]['id']}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"model X100 firmware 4.2"
    assert download["Content-Type"] == "application/octet-stream"
    assert api("charlie").get(f"/cases/{case.case_id}/attachments/{listed[0]['id']}").status_code == 404


def test_too_large_and_wrong_types_are_refused(api, world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ATTACHMENT_MAX_BYTES = 1024
    case = admin_case(world.alice)
    big = SimpleUploadedFile("big.txt", b"x" * 1025)
    assert api("alice").upload(f"/cases/{case.case_id}/attachments", {"file": big}).status_code == 422
    exe = SimpleUploadedFile("setup.exe", b"MZ")
    response = api("alice").upload(f"/cases/{case.case_id}/attachments", {"file": exe})
    assert response.status_code == 422
    assert "file" in response.json()["error"]["fields"]
    assert not Attachment.objects.exists()


def test_internal_files_are_for_staff_only(api, world: World) -> None:  # type: ignore[no-untyped-def]
    case = admin_case(world.alice)
    upload = SimpleUploadedFile("notes.txt", b"internal")
    assert (
        api("alice").upload(f"/cases/{case.case_id}/attachments", {"file": upload, "internal": "true"}).status_code
        == 403
    )
    upload = SimpleUploadedFile("notes.txt", b"internal")
    assert (
        api("agent").upload(f"/cases/{case.case_id}/attachments", {"file": upload, "internal": "true"}).status_code
        == 201
    )
    assert api("alice").get(f"/cases/{case.case_id}/attachments").json() == []


def test_path_tricks_in_file_names_are_kept_as_names_only(api, world: World) -> None:  # type: ignore[no-untyped-def]
    case = admin_case(world.alice)
    upload = SimpleUploadedFile("../../etc/passwd.txt", b"x")
    assert api("alice").upload(f"/cases/{case.case_id}/attachments", {"file": upload}).status_code == 201
    stored = Attachment.objects.get()
    assert stored.filename == "passwd.txt"
    assert ".." not in stored.file.name
