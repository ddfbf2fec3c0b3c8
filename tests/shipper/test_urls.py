"""URLs shown in messages and logs never carry the secrets a user put in them."""
from __future__ import annotations

import pytest

from shipper.urls import http_problem, redact, split_urls


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


def test_a_list_of_node_urls_is_split_and_redacted_per_url() -> None:
    """Comma-separated node URLs are several URLs: each is checked and each one's userinfo masked."""
    urls = "https://u:p@es1.example:9200, http://127.0.0.1:9201"
    assert split_urls(urls) == ["https://u:p@es1.example:9200", "http://127.0.0.1:9201"]
    assert redact(urls) == "https://***@es1.example:9200,http://127.0.0.1:9201"
    assert http_problem(urls) is None
    problem = http_problem("http://127.0.0.1:9200,http://u:hunter2@127.0.0.1")
    assert problem is not None and "hunter2" not in problem


def test_a_comma_inside_a_password_does_not_split_the_url() -> None:
    """Only a comma followed by a scheme starts another URL, so no part of a password is ever shown."""
    assert split_urls("https://elastic:pa,ss@es.example:9200") == ["https://elastic:pa,ss@es.example:9200"]
    assert redact("https://elastic:pa,ss@es.example:9200") == "https://***@es.example:9200"
