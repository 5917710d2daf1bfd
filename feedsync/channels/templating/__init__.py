"""Templates and expressions of channel profiles, and feedsync's own page templates (``render_page``: the HTML
report): the only package that imports jinja2 (and markupsafe).

- ``environment``: the Jinja fence proper: the sandboxed, bounded environment, compiling and rendering;
- ``errors``: ``TemplateProblem`` (does not compile) and ``RenderError`` (the template's fault on one product),
  told apart from feedsync's own bugs, which propagate;
- ``evaluator``: the direct evaluator of Jinja's syntax tree for one-expression templates (the fast path);
- ``codegen``: one generated Python function per channel giving every field's value (the fields' direct
  expressions inline; a field's text kept for the next item that reads the same values);
- ``purity``: which names a template's value depends on alone (what lets ``codegen`` reuse its text);
- ``filters``: feedsync's own filters, plain Python on text.
"""

from feedsync.channels.templating.codegen import FieldFailed
from feedsync.channels.templating.environment import Compiled, Templating, render_page
from feedsync.channels.templating.errors import RenderError, TemplateFault, TemplateProblem, fault_text
from feedsync.channels.templating.filters import (
    bullets,
    collapse,
    name_variant,
    plaintext,
    titlecase,
    truncate_words,
    variant_pairs,
)

__all__ = [
    "Compiled",
    "FieldFailed",
    "RenderError",
    "TemplateFault",
    "TemplateProblem",
    "Templating",
    "bullets",
    "collapse",
    "fault_text",
    "name_variant",
    "plaintext",
    "render_page",
    "titlecase",
    "truncate_words",
    "variant_pairs",
]
