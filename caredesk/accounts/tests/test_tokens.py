"""Personal API tokens: issued once, stored hashed, revocable, rate-limited when issued
from a password."""

from __future__ import annotations

from django.test import Client

from caredesk.accounts import services
from caredesk.accounts.models import ApiToken
from tests.personas import PASSWORD, World


def test_the_secret_is_shown_once_and_stored_hashed(world: World) -> None:
    issued = services.issue_api_token(world.alice, "script")
    stored = ApiToken.objects.get()
    assert issued.secret.startswith("cd_")
    assert issued.secret not in (stored.key_hash, stored.prefix)
    assert services.user_for_token(issued.secret) == world.alice


def test_a_revoked_token_stops_working(world: World) -> None:
    issued = services.issue_api_token(world.alice, "script")
    services.revoke_api_token(world.alice, issued.token.pk)
    assert services.user_for_token(issued.secret) is None


def test_programs_get_a_token_for_their_credentials(api, world: World) -> None:  # type: ignore[no-untyped-def]
    response = api(None).post("/auth/tokens", {"email": "alice@acme.example", "password": PASSWORD, "name": "ci"})
    assert response.status_code == 201, response.content
    token = response.json()["token"]
    me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.json()["email"] == "alice@acme.example"


def test_the_token_endpoint_is_rate_limited(api, world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LOGIN_RATE_PER_IP = 3
    codes = [
        api(None).post("/auth/tokens", {"email": "alice@acme.example", "password": "wrong", "name": "x"}).status_code
        for _ in range(5)
    ]
    assert codes[:3] == [401, 401, 401]
    assert codes[3:] == [429, 429]


def test_wrong_credentials_get_the_error_shape(api, world: World) -> None:  # type: ignore[no-untyped-def]
    response = api(None).post("/auth/tokens", {"email": "alice@acme.example", "password": "nope", "name": "x"})
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "invalid_credentials",
            "message": "The e-mail address or password is not right.",
            "fields": {},
        }
    }


def test_tokens_can_be_listed_and_revoked_through_the_api(api, world: World) -> None:  # type: ignore[no-untyped-def]
    client = api("alice")
    tokens = client.get("/me/tokens").json()
    assert [t["name"] for t in tokens] == ["tests"]
    assert "token" not in tokens[0]
    assert client.delete(f"/me/tokens/{tokens[0]['id']}").status_code == 204
    assert client.get("/me/tokens").status_code == 401  # it was this client's own token


def test_tokens_stop_working_while_the_password_is_expired(api, world: World) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    import time_machine

    from caredesk.accounts.policy import expires_at

    client = api("alice")
    with time_machine.travel(expires_at(world.alice) + timedelta(days=1)):
        response = client.get("/me")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "password_expired"


def test_token_lookups_are_cached_briefly_and_revocation_clears_them(
    world: World, settings, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    settings.TOKEN_CACHE_SECONDS = 5
    issued = services.issue_api_token(world.alice, "script")
    assert services.user_for_token(issued.secret) == world.alice  # looks it up, records its use
    with django_assert_num_queries(0):
        assert services.user_for_token(issued.secret) == world.alice
    services.revoke_api_token(world.alice, issued.token.pk)
    assert services.user_for_token(issued.secret) is None
