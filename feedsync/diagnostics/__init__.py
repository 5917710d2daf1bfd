"""Findings as data: Diagnostic, the code registry, and one Report per run."""

from feedsync.diagnostics.codes import CODES, CodeInfo, code_info
from feedsync.diagnostics.diagnostic import Diagnostic, Emit, Location, Severity, locate
from feedsync.diagnostics.report import ChannelResult, Report

__all__ = [
    "CODES",
    "ChannelResult",
    "CodeInfo",
    "Diagnostic",
    "Emit",
    "Location",
    "Report",
    "Severity",
    "code_info",
    "locate",
]
