"""Compiling a template or expression: Jinja's own code is generated only for what Jinja renders, and what it
refuses is refused the same (message and line) as Jinja's ``from_string`` and ``compile_expression`` refuse it."""

from __future__ import annotations

import jinja2
import pytest

from feedsync.channels.templating import TemplateProblem, Templating

BAD_TEMPLATES = [
    "{{ title | shout }}",  # unknown filter, in a shape the direct evaluator takes
    "{{ title is shouting }}",  # unknown test
    "{{ title | shout }} and text",  # unknown filter, in a template Jinja renders
    "line one\n{{ title | upper | shout }}",  # on line 2
    "{{ title ",  # unclosed
    "{{ title }} {% if %}",  # a syntax error after a good expression
    "{% for x in %}{% endfor %}",
]

BAD_EXPRESSIONS = [
    "title | shout",
    "title is shouting",
    "title }} text {{ brand",  # more after the expression
    "title brand",
    "title +",
    "",
    "(title",
]


def _jinja_template_error(source: str) -> tuple[str, int | None]:
    with pytest.raises(jinja2.TemplateSyntaxError) as caught:
        Templating([]).env.from_string(source)
    return caught.value.message or str(caught.value), caught.value.lineno


@pytest.mark.parametrize("source", BAD_TEMPLATES)
def test_a_template_is_refused_as_jinja_refuses_it(source: str) -> None:
    message, line = _jinja_template_error(source)
    with pytest.raises(TemplateProblem) as caught:
        Templating([]).template(source)
    assert (str(caught.value.args[0]), caught.value.lineno) == (message, line)


@pytest.mark.parametrize("source", BAD_EXPRESSIONS)
def test_an_expression_is_refused_as_jinja_refuses_it(source: str) -> None:
    with pytest.raises(jinja2.TemplateSyntaxError) as jinja_caught:
        Templating([]).env.compile_expression(source)
    with pytest.raises(TemplateProblem) as caught:
        Templating([]).expression(source)
    assert str(caught.value.args[0]) == (jinja_caught.value.message or str(jinja_caught.value))


def _compiles(templating: Templating, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    seen: list[object] = []
    original = type(templating.env).compile

    def counting(self: jinja2.Environment, source: object, *args: object, **kwargs: object) -> object:
        seen.append(source)
        return original(self, source, *args, **kwargs)

    monkeypatch.setattr(type(templating.env), "compile", counting)
    return seen


def test_jinja_generates_code_only_for_what_it_renders(monkeypatch: pytest.MonkeyPatch) -> None:
    templating = Templating([])
    seen = _compiles(templating, monkeypatch)
    data = templating.context({"title": "Tee", "brand": "Acme", "sizes": ["S", "M"]})
    plain = templating.template("{{ title }}")
    direct = templating.template("{{ brand ~ ' ' ~ title | upper }}")
    expression = templating.expression("sizes | join('/')")
    assert seen == []  # a plain lookup and the direct evaluator need no code of Jinja's
    assert (plain.call(data), direct.call(data), expression.call(data)) == ("Tee", "Acme TEE", "S/M")
    rendered = templating.template("{% for s in sizes %}{{ s }}{% endfor %}")
    looped = templating.expression("sizes | map('lower') | list")
    assert len(seen) == 2
    assert (rendered.call(data), looped.call(data)) == ("SM", ["s", "m"])
