"""URLs shown in messages and logs never carry the secrets a user put in them."""
from __future__ import annotations

import pytest

from shipper.urls import http_problem, redact


@pytest.mark.parametrize(("url", "shown"), [
    ("https://elastic:hunter2@es.example:9200", "https://***@es.example:9200"),
    ("http://elastic:pa/ss?w#rd@127.0.0.1:9200/prefix", "http://***@127.0.0.1:9200/prefix"),
    ("elastic:hunter2@127.0.0.1:9200", "***@127.0.0.1:9200"),
    ("https://es.example/?api_key=hunter2&pretty", "https://es.example/?api_key=***&***"),
    ("https://es.example:9200#hunter2", "https://es.example:9200#***"),
    ("sqs://https://sqs.eu-west-1.amazonaws.com/123456789012/logs", "sqs://https://sqs.eu-west-1.amazonaws.com/123456789012/logs"),
    ("s3://bucket/AWSLogs/", "s3://bucket/AWSLogs/"),
])
def test_redact_masks_userinfo_and_query_values(url: str, shown: str) -> None:
    """Userinfo (even with unencoded '/', '?', '#'), query values and fragments are masked; the rest is kept."""
    assert redact(url) == shown


@pytest.mark.parametrize("url", ["http://127.0.0.1:9200", "https://es.example", "https://u:p@es.example:443/prefix"])
def test_usable_elasticsearch_urls_pass(url: str) -> None:
    """Scheme, host and (for http) a port are all an Elasticsearch URL needs."""
    assert http_problem(url) is None


def test_problem_with_a_url_never_shows_its_password() -> None:
    """The message about an unusable URL shows it redacted."""
    problem = http_problem("elastic:hunter2@127.0.0.1:9200")
    assert problem is not None and "hunter2" not in problem and "***@127.0.0.1:9200" in problem
