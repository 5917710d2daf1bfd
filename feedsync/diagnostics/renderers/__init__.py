"""Renderers turn a Report into text for people or machines."""

from feedsync.diagnostics.renderers.concise import encoded_concise, render_concise, render_line
from feedsync.diagnostics.renderers.summary import render_summary

__all__ = ["encoded_concise", "render_concise", "render_line", "render_summary"]
