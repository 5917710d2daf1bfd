"""Third-party libraries stay behind their fences (DESIGN.md, "Layout"): every import in every module of the
package, at module level or inside a function, by statement or by ``importlib.import_module``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

FENCES: dict[str, tuple[str, ...]] = {
    "typer": ("feedsync/cli/",),
    "click": ("feedsync/cli/",),
    "jinja2": ("feedsync/channels/templating/",),
    "markupsafe": ("feedsync/channels/templating/",),
    "tenacity": ("feedsync/destinations/http.py",),
    "lxml": ("feedsync/formats/", "feedsync/sources/"),
    "orjson": ("feedsync/formats/json_listings.py", "feedsync/jsonread.py"),
    "polars": ("feedsync/columnar/",),
    "openpyxl": ("feedsync/sources/xlsx.py",),
}
"""Library -> the only places (a package folder or one module) that may import it. lxml: the feed formats and
the XML sources; orjson: the Amazon listings writer and JSON read quickly (``jsonread``: the row cache's entries,
the columnar side's keys); polars: the columnar engine; openpyxl: the Excel workbook reader; httpx is fenced by
construction instead (see the last test)."""


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and (getattr(node.func, "attr", None) or getattr(node.func, "id", None)) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def crossings(module: str, source: str) -> list[str]:
    """Each import in ``source`` (the module at path ``module``, relative to the repository) of a fenced library
    from outside its fence, as ``module:line: ...`` naming the library and its fence."""
    problems = []
    for line, name in _imported(ast.parse(source, module)):
        library = name.partition(".")[0]
        allowed = FENCES.get(library)
        if allowed is not None and not module.startswith(allowed):
            problems.append(f"{module}:{line}: imports {name}, fenced in {' and '.join(allowed)}")
    return problems


def _modules() -> list[Path]:
    return sorted((REPO / "feedsync").rglob("*.py"))


def test_no_module_imports_a_library_outside_its_fence() -> None:
    problems = [
        problem
        for path in _modules()
        for problem in crossings(path.relative_to(REPO).as_posix(), path.read_text(encoding="utf-8"))
    ]
    assert not problems, "imports crossing a fence (DESIGN.md, Layout):\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("module", "source", "found"),
    [
        ("feedsync/diff.py", "from lxml import etree\n", ["feedsync/diff.py:1: imports lxml, fenced in"]),
        (
            "feedsync/diagnostics/renderers/html.py",
            "def render():\n    from jinja2 import Environment\n",
            ["feedsync/diagnostics/renderers/html.py:2: imports jinja2, fenced in feedsync/channels/templating/"],
        ),
        ("feedsync/docgen.py", "import typer.main as m\n", ["feedsync/docgen.py:1: imports typer.main, fenced in"]),
        ("feedsync/destinations/sftp.py", "x = __import__('tenacity')\n", ["feedsync/destinations/sftp.py:1:"]),
        ("feedsync/x.py", "import importlib\nimportlib.import_module('markupsafe')\n", ["feedsync/x.py:2:"]),
        ("feedsync/formats/xml_rss.py", "from lxml import etree\n", []),
        ("feedsync/sources/google_feed.py", "import lxml.etree\n", []),
        ("feedsync/cli/docgen.py", "def f():\n    import typer\n", []),
        ("feedsync/channels/templating/evaluator.py", "from jinja2 import nodes\n", []),
        ("feedsync/channels/profile.py", "from feedsync.channels.templating import Templating\n", []),
    ],
)
def test_the_check_finds_a_crossing_wherever_the_import_is(module: str, source: str, found: list[str]) -> None:
    problems = crossings(module, source)
    assert len(problems) == len(found)
    assert all(problem.startswith(prefix) for problem, prefix in zip(problems, found, strict=True)), problems


def test_only_the_http_layer_builds_httpx_clients() -> None:
    builders = {"Client", "AsyncClient", "HTTPTransport", "AsyncHTTPTransport"}
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in builders
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "httpx"
            ):
                found.append(f"{path.relative_to(REPO).as_posix()}:{node.lineno}")
    assert found and all(where.startswith("feedsync/destinations/http.py:") for where in found), found
