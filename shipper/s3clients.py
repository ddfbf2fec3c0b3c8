"""S3 clients per region: a request must be signed for the region its bucket lives in.

One queue may name buckets in several regions (an organization's logging buckets), so the region
is chosen per bucket: the one configured for it (`buckets:`), else the region the notification
says (`awsRegion`), else the source's own.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# AWS region names (us-east-1, eu-central-2, us-gov-west-1, cn-north-1); anything else in a
# notification is ignored, since boto3 builds the endpoint host name from it.
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")


def region_or_none(text: Any) -> str | None:
    """`text` if it is a well-formed region name, else None (notifications are hostile input)."""
    return text if isinstance(text, str) and REGION.fullmatch(text) else None


class S3Clients:
    """Hands out one S3 client per region from one boto3 session (same credentials everywhere)."""

    def __init__(self, session: Any, regions: Mapping[str, str]) -> None:
        self._session = session
        self._regions = dict(regions)
        self._clients: dict[str | None, Any] = {}

    def region(self, bucket: str, hint: str | None = None) -> str | None:
        """The region to sign for: the bucket's configured one, else `hint`, else the session's default."""
        return self._regions.get(bucket) or hint or self._session.region_name

    def client(self, bucket: str, hint: str | None = None) -> Any:
        """An S3 client for `bucket` (created once per region)."""
        region = self.region(bucket, hint)
        if region not in self._clients:
            self._clients[region] = self._session.client("s3", region_name=region)
        return self._clients[region]
