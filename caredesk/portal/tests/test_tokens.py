"""The API tokens page: make a token (shown once), list, revoke."""

from __future__ import annotations

from caredesk.accounts.models import ApiToken
from caredesk.accounts.services import issue_api_token
from tests.personas import World


def test_a_new_token_is_shown_once_and_then_only_its_prefix(world: World, client_for) -> None:
    client = client_for("alice")
    made = client.post("/tokens/", {"name": "monitoring script"})
    secret = made.context["issued"].secret
    assert secret.encode() in made.content and b"shown only this once" in made.content
    listing = client.get("/tokens/").content
    assert secret.encode() not in listing and b"monitoring script" in listing
    assert ApiToken.objects.get().prefix.encode() in listing


def test_a_token_needs_a_name(world: World, client_for) -> None:
    response = client_for("alice").post("/tokens/", {"name": ""})
    assert response.status_code == 422 and response.context["form"].errors["name"]


def test_revoking_a_token(world: World, client_for) -> None:
    token = issue_api_token(world.alice, "old").token
    client = client_for("alice")
    assert client.post(f"/tokens/{token.pk}/revoke/")["Location"] == "/tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert b"Revoked" in client.get("/tokens/").content


def test_nobody_revokes_someone_elses_token(world: World, client_for) -> None:
    token = issue_api_token(world.alice, "alice's").token
    assert client_for("bob").post(f"/tokens/{token.pk}/revoke/").status_code == 404
    assert client_for("bob").post(f"/tokens/{'9' * 18}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
