"""Template limits: every way a template can ask for unbounded work is refused before it is done, on Jinja's
path and on the direct evaluator's, while ordinary templates render as before."""

from __future__ import annotations

import html as html_module
import re

import pytest

from feedsync.channels.bounds import MAX_LENGTH, LimitExceeded
from feedsync.channels.templating import RenderError, TemplateProblem, Templating, bullets, plaintext

DATA = {"title": "Merino Tee", "n": 10, "tags": ["a", "b"]}


def render(source: str) -> str:
    templating = Templating([])
    return templating.template(source).call(templating.context(DATA))


BOMBS = [
    "{{ 'x' * 10**10 }}",
    "{{ 'x' * 100000 * 100000 }}",
    "{{ [1, 2] * 10**9 }}",
    "{{ 7 ** 1000000000 }}",
    "{{ n * 10**5000 }}",
    "{{ 'x'|center(10000000000) }}",
    "{{ 'x'|indent(10000000000) }}",
    "{{ title|wordwrap(1, true, 'y' * 1000000) }}",
    "{{ '%*s'|format(10000000000, 'x') }}",
    "{{ ([1] * 100000)|join('x' * 100000) }}",
    "{{ title|replace('', 'x' * 1000000) }}",
    "{{ 'x'|batch(10000000000, 'y')|list }}",
    "{{ 'x'|slice(10000000000)|list }}",
    "{{ [1]|tojson(10000000000) }}",
    "{{ lipsum(1000000000) }}",
    "{{ title.ljust(10000000000) }}",
    "{{ title.zfill(10000000000) }}",
    "{{ ('-' * 1000).join(range(100000)|map('string')) }}",
    "{{ '{:>10000000000}'.format(title) }}",
    "{{ ('{0}' * 100000).format('y' * 100000) }}",
    "{{ '%10000000000s' % title }}",
    "{{ ('%(a)s' * 100000) % {'a': 'y' * 100000} }}",
    "{% set x = 'x' * 1000000 %}{% set x = x ~ x %}{% set x = x ~ x %}{{ x|length }}",
    "{% set x = 'x' * 1000000 %}{% set x = x + x %}{% set x = x + x %}{{ x|length }}",
    "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
    "{% for a in range(100000) %}{% for b in range(100000) if b < 0 %}{% endfor %}{% endfor %}",
    "{% for a in range(100000) %}{{ 'x' * 100 }}{% endfor %}",
    "{% macro f(n) %}{{ f(n) ~ f(n) }}{% endmacro %}{{ f(1) }}",
    "{% macro f() %}{% for i in range(1000) %}{{ i }}{% endfor %}{% endmacro %}"
    "{% for i in range(1000) %}{{ f() }}{% endfor %}",
    "{% for x in [1] recursive %}{{ loop(range(100000)) }}{% endfor %}",
]


@pytest.mark.parametrize("source", BOMBS)
def test_a_template_bomb_is_refused_before_it_runs_away(source: str) -> None:
    with pytest.raises(LimitExceeded, match="template limit exceeded"):
        render(source)


@pytest.mark.parametrize(
    "expression", ["n * 10**10 * 10**10 * 10**3000", "[n] * 10**9", "title ~ title * 10**6", "title.rjust(10**9)"]
)
def test_expressions_are_bounded_too(expression: str) -> None:
    templating = Templating([])
    with pytest.raises(LimitExceeded):
        templating.expression(expression).call(templating.context(DATA))


def test_a_limit_is_a_render_error_so_the_product_gets_a_finding() -> None:
    assert issubclass(LimitExceeded, RenderError)


@pytest.mark.parametrize(
    "source",
    [
        "{{ title ~ ' ' ~ n }}",  # the direct evaluator: concatenation is checked after, one step past the limit
        "{{ title.ljust(10000000000) }}",  # the direct evaluator: method calls are checked before
        "{{ tags|join('x' * 1000000) }}",
    ],
)
def test_the_direct_evaluator_keeps_the_limits(source: str) -> None:
    templating = Templating([])
    compiled = templating.template(source)
    big = {**DATA, "title": "t" * MAX_LENGTH}
    with pytest.raises(LimitExceeded):
        compiled.call(templating.context(big))


def test_a_bomb_in_constants_does_not_run_when_the_profile_is_compiled() -> None:
    templating = Templating([])
    compiled = templating.template("{{ 'x'|center(10000000000) }}")  # Jinja folds constant filters at compile time
    with pytest.raises(LimitExceeded):
        compiled.call(templating.context(DATA))


def test_a_template_nested_too_deeply_to_compile_is_a_template_problem() -> None:
    with pytest.raises(TemplateProblem, match="nests too deeply"):
        Templating([]).template("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ '%5.2f'|format(3.14159) }}", " 3.14"),
        ("{{ '{:>8}|{:,}'.format(title[:4], 1234567) }}", "    Meri|1,234,567"),
        ("{{ '%s-%s' % (title, n) }}", "Merino Tee-10"),
        ("{% for i in range(3) %}{{ i }}{{ loop.length }}{% endfor %}", "031323"),
        ("{% for t in tags if t != 'a' %}{{ t }}{% else %}none{% endfor %}", "b"),
        ("{{ (title ~ '!') * 2 }}", "Merino Tee!Merino Tee!"),
        ("{{ title|center(14) }}", "Merino Tee"),  # rendered fields are stripped by the channel, not here
        ("{{ [1, 2] + [3] }}", "[1, 2, 3]"),
        ("{{ 2 ** 10 }} {{ n * 3 }} {{ 7 % 3 }}", "1024 30 1"),
        ("{{ title|replace('e', 'E') }}", "MErino TEE"),
        ("{{ tags|join(', ') }}", "a, b"),
        ("{% macro f(x) %}<{{ x }}>{% endmacro %}{{ f(title) }}", "<Merino Tee>"),
    ],
)
def test_ordinary_templates_render_as_before(source: str, expected: str) -> None:
    assert render(source).strip() == expected.strip()


def test_each_evaluation_gets_the_full_budget_again() -> None:
    templating = Templating([])
    compiled = templating.template("{% for i in range(60000) %}{% endfor %}done")
    for _ in range(3):  # 180,000 iterations in all, 60,000 per evaluation
        assert compiled.call(templating.context(DATA)) == "done"


@pytest.mark.parametrize(
    "html",
    [
        "<ul><li>One</li><LI class='x'>Two &amp; more</LI><li>Three<li>Four</li></ul>",
        "<li>a</li><li></li><li> </li><li>b</li><li>c</li><li>d</li><li>e</li><li>f</li>",
        "<li <b>x</li> <li>y",
        "a < b > c <li>no end",
        "<<li>>x</li>",
    ],
)
def test_the_linear_html_filters_give_what_their_patterns_gave(html: str) -> None:
    items = [text for item in re.findall(r"<li[^>]*>(.*?)</li>", html, re.I | re.S) if (text := plaintext(item))]
    assert bullets(html) == items[:5] and bullets(html, 2) == items[:2]
    expected = " ".join(html_module.unescape(re.sub(r"<[^>]*>", " ", html)).split())
    assert plaintext(html) == expected
