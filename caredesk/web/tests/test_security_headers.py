"""Every answer carries a strict Content-Security-Policy; with HTTPS on, HSTS covers the
subdomains too; no template has inline script, event handlers or style attributes for the
policy to block; the API docs work offline from our own static files."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.personas import World

ROOT = Path(__file__).resolve().parents[2]


def _policy(response: Any) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in (p.strip() for p in header.split(";"))}


@pytest.mark.parametrize("path", ["/login/", "/", "/console/", "/api/v1/me", "/api/v1/docs", "/no-such-page/"])
def test_every_answer_has_a_strict_content_security_policy(world: World, path: str) -> None:
    client = Client()
    client.force_login(world.agent)
    policy = _policy(client.get(path))
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert "unsafe" not in " ".join(policy.values())


def test_a_refused_request_has_the_policy_too(world: World) -> None:
    assert "Content-Security-Policy" in Client().get("/?q=%00")


@pytest.mark.parametrize("template", sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("*/**/templates/**/*.html")))
def test_no_page_template_has_inline_script_handlers_or_styles(template: str) -> None:
    if "/notifications/" in template:
        pytest.skip("e-mail, not a page: mail programs need inline styles, and no policy applies")
    text = (ROOT / template).read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")", text), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    assert not re.search(r"\sstyle\s*=", text), "style attribute"
    assert "<style" not in text


def test_hsts_covers_subdomains_when_https_is_on(tmp_path: Path) -> None:
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS)"
    )
    env = {"CAREDESK_DATA_DIR": str(tmp_path), "CAREDESK_HTTPS": "true", "DJANGO_SETTINGS_MODULE": "caredesk.settings",
           "PATH": "/usr/bin:/bin"}  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    assert out.stdout.split() == ["31536000", "True"]


def test_an_https_answer_sends_hsts_with_subdomains(world: World, settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_SSL_REDIRECT = False
    response = Client().get("/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in Client().get("/login/")  # plain HTTP: never


def test_the_api_docs_load_swagger_ui_from_our_own_static_files(world: World) -> None:
    page = Client().get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn" not in html.lower() and "https://" not in html
    scripts = re.findall(r'<script src="([^"]+)"', html)
    styles = re.findall(r'rel="stylesheet" href="([^"]+)"', html)
    assert any("swagger-ui-bundle" in s for s in scripts) and styles
    for url in scripts + styles:
        assert url.startswith("/static/"), url
        asset = Client().get(url)
        assert asset.status_code == 200, url
        assert b"".join(asset.streaming_content) if asset.streaming else asset.content
