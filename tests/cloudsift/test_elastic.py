"""Connecting to the real node: credentials in the URL work and are never shown."""
from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from cloudsift.elastic import EsSettings, connect
from cloudsift.errors import CloudsiftError


def _with_userinfo(settings: EsSettings, password: str) -> str:
    parts = urlsplit(settings.url)
    return parts._replace(netloc=f"{settings.username}:{quote(password, safe='')}@{parts.netloc}").geturl()


def test_userinfo_in_the_url_authenticates(es_settings: EsSettings) -> None:
    """`http://user:password@host:port` alone (no other credentials) reaches the secured node."""
    client = connect(EsSettings(_with_userinfo(es_settings, es_settings.password or "")))
    try:
        assert client.cluster.health()["status"] in ("green", "yellow")
    finally:
        client.close()


def test_rejected_userinfo_is_not_echoed(es_settings: EsSettings) -> None:
    """The 401 message names the node with its userinfo masked, never the password."""
    with pytest.raises(CloudsiftError) as info:
        connect(EsSettings(_with_userinfo(es_settings, "wrong-s3cret")))
    text = str(info.value)
    assert "rejected the credentials" in text and "s3cret" not in text and "***@" in text


def test_settings_repr_hides_userinfo() -> None:
    """The settings' repr masks a password given inside the URL."""
    assert "hunter2" not in repr(EsSettings("https://elastic:hunter2@es.example:9200"))
