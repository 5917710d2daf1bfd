"""Delivery, a push's last stage: guardrails, publish or sync, the staged commit, the snapshot, the run record."""

from feedsync.delivery.deliver import Delivery, open_destinations

__all__ = ["Delivery", "open_destinations"]
