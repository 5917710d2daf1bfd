"""Renderers turn a Report into text for people or machines."""

from feedsync.diagnostics.renderers.concise import render_concise, render_line
from feedsync.diagnostics.renderers.summary import render_summary

__all__ = ["render_concise", "render_line", "render_summary"]
