"""Tell someone when an unattended push fails or a guardrail trips: ``notify: {webhook: URL}`` in feedsync.yaml
receives a JSON summary (POST). A notification that cannot be delivered is logged, never fatal."""

from __future__ import annotations

import logging
from typing import Any

from feedsync import __version__, secrets
from feedsync.config import NotifyConfig
from feedsync.destinations.http import Requester, make_client
from feedsync.diagnostics import Report
from feedsync.errors import ConfigError, RemoteError

log = logging.getLogger("feedsync.notify")


def summary(report: Report | None, *, failed: bool, reason: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "tool": "feedsync",
        "version": __version__,
        "event": "push_failed" if failed else "push_refused",
        "reason": reason,
    }
    if report is not None:
        body["channels"] = {
            name: {"items": r.items, "rejected": r.rejected, "published": r.published, "refused": r.refused}
            for name, r in report.channels.items()
        }
        body["errors"] = report.diagnostics.errors
        body["first_findings"] = [f"{d.code} {d.message}" for d in report.diagnostics[:10]]
    return body


def notify(config: NotifyConfig | None, report: Report | None, *, failed: bool, reason: str) -> bool:
    """POST the summary to the webhook, if one is configured. True when it was delivered."""
    if config is None or config.webhook is None:
        return False
    try:
        url = config.webhook.value() if hasattr(config.webhook, "value") else str(config.webhook)
    except ConfigError as exc:  # e.g. the environment variable holding the URL is not set
        log.warning("could not send the notification: %s", exc)
        return False
    if not url.startswith(("http://", "https://")):
        log.warning("could not send the notification: the webhook (from %r) is not an http(s) URL", config.webhook)
        return False
    secrets.register_url(url)
    requester = Requester(make_client(), attempts=3)
    body = secrets.mask_data(summary(report, failed=failed, reason=reason))
    try:
        requester.request("POST", url, operation="notify", json=body)
    except RemoteError as exc:
        log.warning("could not deliver the notification: %s", exc)
        return False
    return True
