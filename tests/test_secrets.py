"""The secret registry: values registered once are masked in every form they travel in."""

from __future__ import annotations

import base64
import html
import json
import re
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsync import secrets
from feedsync.config import SecretRef
from feedsync.errors import ConfigError

SECRET = "Atzr|IwEB/refresh+token=&x"


def test_a_registered_secret_is_masked_in_every_encoding() -> None:
    secrets.register(SECRET)
    for form in (
        SECRET,
        quote(SECRET),
        quote(SECRET, safe=""),
        quote_plus(SECRET),
        json.dumps(SECRET)[1:-1],
        base64.b64encode(SECRET.encode()).decode(),
        base64.urlsafe_b64encode(SECRET.encode()).decode().rstrip("="),
        "Atzr|IwEB/refresh+token=&amp;x",
        SECRET.encode().hex(),
        SECRET.encode().hex().upper(),
    ):
        assert secrets.mask(f"before {form} after") == "before *** after", form


def test_longest_first_and_short_values_ignored() -> None:
    secrets.register("Atzr|abc", "Atzr|abcdef", "x", "", None)
    assert secrets.mask("Atzr|abc and Atzr|abcdef, x") == "*** and ***, x"


def test_nothing_registered_leaves_text_alone() -> None:
    assert secrets.mask("Atzr|abc") == "Atzr|abc"
    assert secrets.mask_data({"a": ["Atzr|abc"]}) == {"a": ["Atzr|abc"]}


def test_basic_auth_pair_is_masked_as_the_header_carries_it() -> None:
    secrets.register_basic("ck_1234", "cs_5678")
    header = base64.b64encode(b"ck_1234:cs_5678").decode()
    assert secrets.mask(f"Authorization: Basic {header}") == "Authorization: Basic ***"


def test_credential_query_values_of_a_configured_url() -> None:
    secrets.register_url("https://hooks.example.com/in?token=t0k3n&format=json&id=abcdefghij")
    text = secrets.mask("POST https://hooks.example.com/in?token=t0k3n&format=json&id=abcdefghij")
    assert text == "POST https://hooks.example.com/in?token=***&format=json&id=***"


def test_secret_ref_registers_what_it_reads(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FS_TEST_SECRET", "env-secret-value")
    (tmp_path / "key").write_text("file-secret-value\n", encoding="utf-8")
    SecretRef(env="FS_TEST_SECRET").value()
    SecretRef(file=tmp_path / "key").value()
    assert secrets.mask("env-secret-value file-secret-value") == "*** ***"


def test_clip_masks_before_it_cuts() -> None:
    secrets.register("0123456789abcdef")
    assert secrets.clip("x" * 10 + "0123456789abcdef", 14) == "x" * 10 + "***"
    assert "0123" not in secrets.clip("x" * 10 + "0123456789abcdef", 14)


def test_mask_data_masks_keys_and_values() -> None:
    secrets.register("hunter22")
    assert secrets.mask_data({"hunter22": ["a hunter22", 3, None]}) == {"***": ["a ***", 3, None]}


def test_a_secret_file_not_utf8_is_a_config_error_that_shows_none_of_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    key = tmp_path / "key.json"
    key.write_bytes('{"private_key": "SECRETKEYDATA"}'.encode("utf-16"))  # (a BOM first: ff fe)
    with pytest.raises(ConfigError) as info:
        SecretRef(file=key).value()
    message = str(info.value)
    assert message == (
        f"cannot read secret file {key}: it is not UTF-8 text (byte 0 is not; it starts as UTF-16 does, as some "
        "Windows tools save files); save it as UTF-8"
    )
    assert "SECRET" not in message and "private" not in message


def _escapes_recased(text: str, case: str) -> str:
    """``text`` with the hex digits of its ``%xx`` escapes in ``case`` (lower, upper, or mixed: ``%2f%2B``)."""
    parts = text.split("%")
    out = [parts[0]]
    for index, part in enumerate(parts[1:]):
        pair = part[:2]
        if case == "lower":
            pair = pair.lower()
        elif case == "mixed":
            pair = pair.lower() if index % 2 else pair.upper()[0] + pair[1].lower()
        out.append(pair + part[2:])
    return "%".join(out)


@pytest.mark.parametrize("case", ["lower", "mixed"])
def test_percent_escapes_are_masked_in_either_case(case: str) -> None:
    secret = "tok/en+va=lue&Ré x"
    secrets.register(secret)
    for encoded in (quote(secret, safe=""), quote(secret), quote_plus(secret), quote_plus(secret, safe="")):
        spelled = _escapes_recased(encoded, case)
        assert spelled != encoded
        assert secrets.mask(f"GET /x?a={spelled}&b=2") == "GET /x?a=***&b=2", spelled


def test_other_escapers_spellings_are_masked() -> None:
    """What other encoders write: escapes of characters Python leaves alone, PHP's ``\\/`` in JSON, a JSON text
    escaped again (a JSON log line holding an echoed JSON body), HTML numeric references, a query value encoded
    twice (a URL in another's query)."""
    secret = "tok/en+va=lue"
    secrets.register(secret)
    for spelled in (
        "tok%2Fen%2Bva%3Dlue",
        "tok%2fen%2bva%3dlue",  # escapes in lower case
        "tok\\/en+va=lue",
        "tok\\\\/en+va=lue",
        "tok\\u002fen\\u002Bva\\u003dlue",
        "tok&#47;en&#x2B;va&#61;lue",
        "tok%252Fen%252Bva%253Dlue",
    ):
        assert secrets.mask(f"[{spelled}]") == "[***]", spelled


@settings(max_examples=100)
@given(secret=st.text(min_size=4, max_size=24).filter(lambda text: text.strip() == text))
def test_any_secret_is_masked_as_encoders_write_it(secret: str) -> None:
    secrets.clear()
    secrets.register(secret)
    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], html.escape(secret)}
    forms.add("".join(f"&#x{ord(char):x};" if not char.isalnum() else char for char in secret))
    for encoded in (quote(secret, safe=""), quote(secret), quote_plus(secret), quote_plus(secret, safe="")):
        forms |= {encoded, _escapes_recased(encoded, "lower"), _escapes_recased(encoded, "mixed")}
        forms.add(json.dumps(json.dumps(encoded)[1:-1])[1:-1])
    forms.add(json.dumps(json.dumps(secret)[1:-1])[1:-1])  # a JSON text holding it, escaped again
    every_byte = "".join(f"%{byte:02X}" for byte in secret.encode("utf-8", "surrogatepass"))
    forms |= {every_byte, every_byte.lower(), every_byte.replace("%", "%25")}  # an encoder escaping every byte
    for form in forms:
        assert secrets.mask(f"<{form}>") == "<***>", form


def _shifted(raw: bytes, prefix: bytes, urlsafe: bool) -> str:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return encode(prefix + raw).decode("ascii")


@pytest.mark.parametrize("urlsafe", [False, True])
@pytest.mark.parametrize("prefix", [b"", b"x", b"xy", b"user:", b"ck_1234:", b"long prefix of 13"])
@pytest.mark.parametrize("suffix", [b"", b"\n", b";more"])
def test_base64_of_a_secret_at_any_offset_is_masked(prefix: bytes, suffix: bytes, urlsafe: bool) -> None:
    """A secret inside a longer base64 text (an HTTP Basic header, a JWT, a token wrapping it) at each of the three
    alignments: no run of the base64 that carries only the secret's bits is left, padded or not."""
    secret = "Atzr|IwEB/refresh+token=&x"
    secrets.register(secret)
    raw = secret.encode()
    encoded = _shifted(raw + suffix, prefix, urlsafe)
    for text in (encoded, encoded.rstrip("=")):
        masked = secrets.mask(f"Authorization: Basic {text} end")
        assert "***" in masked
        # what is left of the base64 carries at most the 4 bits of the secret the characters beside it share
        left = masked.removeprefix("Authorization: Basic ").removesuffix(" end").split("***")
        assert len(left) == 2
        head, tail = left
        assert len(head) <= len(_shifted(b"", prefix, urlsafe).rstrip("=")), (prefix, head)
        assert len(tail.rstrip("=")) <= len(_shifted(suffix, b"", urlsafe).rstrip("=")) + 1, (suffix, tail)


def test_masking_compiles_once_per_change_of_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """The forms are compiled into one pattern at the first masking after secrets are registered, not at each
    masking, and not again for a secret registered twice."""
    compiled = []
    compile_ = secrets._compile
    monkeypatch.setattr(secrets, "_compile", lambda forms: compiled.append(len(forms)) or compile_(forms))
    secrets.register("tok/en+va=lue")
    secrets.register("other-secret")
    assert compiled == []
    for _ in range(100):
        assert secrets.mask("tok%2fen%2bva%3dlue other-secret") == "*** ***"
    secrets.register("tok/en+va=lue")
    secrets.mask("tok%2fen%2bva%3dlue")
    assert len(compiled) == 1
    secrets.register("third-secret")
    assert secrets.mask_data(["third-secret"]) == ["***"]
    assert len(compiled) == 2


def test_a_private_key_is_masked_in_the_forms_encoders_give_it_and_compiles_at_once() -> None:
    """A value longer than ``SPELLED_MAX`` (a PEM private key) is masked as it is, JSON-escaped (``\\n``, ``\\/``),
    HTML-escaped and URL-encoded with escapes in either case, base64 and hex; its pattern is of those whole forms
    (a pattern of each character in each of its spellings took seconds to compile: every Google push has a key)."""
    body = base64.b64encode(bytes(range(256)) * 4).decode()
    key = "-----BEGIN PRIVATE KEY-----\n" + "\n".join(body[i : i + 64] for i in range(0, len(body), 64)) + "\n"
    secrets.register(key)
    lower = _escapes_recased(quote(key, safe=""), "lower")
    for form in (key, json.dumps(key)[1:-1], json.dumps(key)[1:-1].replace("/", "\\/"), html.escape(key), lower):
        assert secrets.mask(f"<{form}>") == "<***>", form[:40]
    assert secrets.mask(base64.b64encode(b"k" + key.encode()).decode()).count("***") == 1
    assert sum(len(pattern.pattern) for pattern in secrets._current()) < 60 * len(
        key
    )  # (base64 of it JSON-escaped too)


def test_a_quote_json_escaped_then_html_escaped_is_masked() -> None:
    """A secret holding ``"`` in a JSON body shown in HTML (``\\&quot;``) was masked before the per-character
    spellings and not after them."""
    secret = 'pa"ss/word1'
    secrets.register(secret)
    shown = html.escape(json.dumps({"password": secret}))
    assert secret not in secrets.mask(shown) and "word1" not in secrets.mask(shown)


def test_a_secret_registered_after_masking_is_masked_with_the_earlier_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    """Secrets registered one at a time between maskings (a token, then presigned URLs) are each masked, a later
    one holding an earlier one whole, in any form, in texts short and long."""
    secrets.register("tok/en+va=lue")
    assert secrets.mask("a tok%2Fen%2Bva%3Dlue b") == "a *** b"
    secrets.register("Atzr|tok/en+va=lue|more")  # holds the first
    secrets.register_url("https://bucket.s3.amazonaws.com/doc?X-Amz-Signature=5f1e0d2c3b4a&X-Amz-Date=20261207")
    text = "PUT Atzr%7Ctok%2Fen%2Bva%3Dlue%7Cmore sig=5f1e0d2c3b4a " + base64.b64encode(b"20261207").decode()
    assert secrets.mask(text) == "PUT *** sig=*** ***"
    secrets.register("third-secret-value")
    assert len(secrets._current()) > 1
    long_text = " ".join(["third-secret-value tok/en+va=lue 5f1e0d2c3b4a plain words"] * 5000)
    assert secrets.mask(long_text) == " ".join(["*** *** *** plain words"] * 5000)
    assert secrets.mask(text + " third-secret-value") == "PUT *** sig=*** *** ***"
    monkeypatch.setattr(secrets, "COLLAPSE", 0)  # (all merged into one pattern: the same masking)
    assert secrets.mask(long_text) == " ".join(["*** *** *** plain words"] * 5000)
    assert len(secrets._current()) == 1
    assert secrets.mask(text + " third-secret-value") == "PUT *** sig=*** *** ***"


def test_secrets_registered_one_by_one_are_not_all_compiled_again_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registering N secrets with a masking after each compiles each form a few times (the forms of a new secret,
    merged with a few patterns of the ones before), not every form N times over."""
    compiled: list[int] = []
    compile_ = secrets._compile
    monkeypatch.setattr(secrets, "_compile", lambda forms: compiled.append(len(forms)) or compile_(forms))
    values = [f"presigned-signature-{index:04x}" for index in range(64)]
    for value in values:
        secrets.register(value)
        assert secrets.mask(f"PUT ?X-Amz-Signature={value}") == "PUT ?X-Amz-Signature=***"
    assert sum(compiled) <= 5 * len(secrets._forms)
    assert secrets.mask(" ".join(values)) == " ".join(["***"] * len(values))


def test_letters_and_digits_written_as_escapes_are_masked() -> None:
    """An encoder that escapes every byte (``%41%42``), in either case, escaped twice, or only some letters: the
    secret is masked where it stands, and the text around it (other escapes too) is left as it was."""
    secret = "tok/en+va=lue9"
    secrets.register(secret)
    every = "".join(f"%{byte:02X}" for byte in secret.encode())
    for spelled in (every, every.lower(), every.replace("%", "%25"), "%74ok%2Fen+v%61=lu%659", "tok/en+va=lu%65%39"):
        assert secrets.mask(f"a=%41%42&b={spelled}&c=%2F%7A") == "a=%41%42&b=***&c=%2F%7A", spelled
    assert secrets.mask(f"{every}{every} {every}") == "****** ***"
    secrets.register("ab%41cdef")  # a secret holding an escape is masked as it is too
    assert secrets.mask("ab%41cdef abAcdef") == "*** abAcdef"


def _wrapped(text: str, width: int, newline: str, indent: str = "") -> str:
    return newline.join(indent + text[index : index + width] for index in range(0, len(text), width))


def _base64_core(raw: bytes, prefix: bytes) -> str:
    """The characters of ``base64(prefix + raw + ...)`` that carry only the bits of ``raw``."""
    encoded = base64.b64encode(prefix + raw).decode()
    return encoded[-(-8 * len(prefix) // 6) : 8 * (len(prefix) + len(raw)) // 6]


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
@pytest.mark.parametrize("prefix", [b"p" * 40, b"p" * 41, b"p" * 42, b"Subject: report of 2026-12-07\r\n\r\nuser:"])
@pytest.mark.parametrize(("width", "indent"), [(76, ""), (64, ""), (64, "    ")])
def test_base64_wrapped_over_lines_is_masked(newline: str, prefix: bytes, width: int, indent: str) -> None:
    """A MIME body (76 characters a line) or a PEM-like block (64, indented in a YAML or JSON text) holding a
    secret across a line break, at each offset: masked, the lines around it left as they were."""
    secret = "Atzr|IwEB/refresh+token=&x-and-some-more-of-it"
    secrets.register(secret)
    body = _wrapped(
        base64.b64encode(prefix + secret.encode() + b" and what follows it").decode(), width, newline, indent
    )
    text = f"Content-Transfer-Encoding: base64{newline}{newline}{body}{newline}--boundary--{newline}"
    masked = secrets.mask(text)
    assert "***" in masked
    assert masked.startswith(f"Content-Transfer-Encoding: base64{newline}{newline}")
    assert masked.endswith(f"{newline}--boundary--{newline}")
    joined = re.sub(r"\r?\n[ \t]*", "", masked)
    core = _base64_core(secret.encode(), prefix)
    assert not any(core[index : index + 8] in joined for index in range(len(core) - 8)), masked


def test_base64_of_a_secret_escaped_first_is_masked() -> None:
    """The base64 of a JSON document holding the secret (``\\"``, ``\\n`` in a private key: a service account's
    key file given base64-encoded, wrapped at 76 too)."""
    secret = 'tok/en+va"lue/Atzr|IwEB'
    secrets.register(secret)
    escaped = json.dumps(secret)[1:-1]
    for head in ('{"token": "', 'x{"token": "', 'xy{"token": "'):
        encoded = base64.b64encode(f'{head}{escaped}"}}'.encode()).decode()
        masked = secrets.mask(encoded)
        assert "***" in masked, head
        core = _base64_core(escaped.encode(), head.encode())
        assert not any(core[index : index + 8] in masked for index in range(len(core) - 8)), (head, masked)
    body = base64.b64encode(bytes(range(256)) * 2).decode()
    key = "-----BEGIN PRIVATE KEY-----\n" + "\n".join(body[i : i + 64] for i in range(0, len(body), 64)) + "\n"
    secrets.register(key)
    key_file = base64.b64encode(json.dumps({"type": "service_account", "private_key": key}).encode()).decode()
    for text in (key_file, _wrapped(key_file, 76, "\n")):
        masked = secrets.mask(text)
        assert "***" in masked
        assert len(re.sub(r"\s", "", masked)) < 200, masked


def test_a_compile_in_another_thread_between_the_checks_leaves_no_secret_shown() -> None:
    """A masking thread that read the compiled patterns before another thread compiled a pending secret, and the
    pending set after, masked without it. Paused there (a trace on the check's line), it must still mask it."""
    import inspect
    import sys
    import threading

    secrets.register("AlphaSecretAAAA")
    secrets.mask("warm")
    secrets.register("BravoSecretBBBB")  # register() has returned: every mask from now on must hide it
    code = secrets._current.__code__
    source = inspect.getsource(secrets._current).splitlines()
    line = code.co_firstlineno + next(n for n, text in enumerate(source) if "if pending or" in text)
    at_check, compiled = threading.Event(), threading.Event()

    def tracer(frame, event, arg):  # type: ignore[no-untyped-def]
        if frame.f_code is code:
            if event == "line" and frame.f_lineno == line:
                at_check.set()
                compiled.wait(5)
            return tracer
        return None

    found: dict[str, str] = {}

    def masker() -> None:
        sys.settrace(tracer)
        found["masked"] = secrets.mask("token=BravoSecretBBBB")
        sys.settrace(None)

    def compiler() -> None:
        at_check.wait(5)
        secrets.mask("another thread's log line")  # compiles the pending secret
        compiled.set()

    threads = [threading.Thread(target=masker), threading.Thread(target=compiler)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert at_check.is_set() and found["masked"] == "token=***"


def test_overlapping_secrets_one_escaped_are_masked_whole() -> None:
    """The span found in the text with its escapes decoded and the span found in it as it is overlap: both are
    masked, as one (masking one first left the other, cut, unmatched and shown)."""
    secrets.register("ZZAAAAk", "AAAAkey1secret")
    assert secrets.mask("id=Z%5AAAAAkey1secret end") == "id=*** end"


@pytest.mark.parametrize("across", [(30, 60), (80, 112)])  # the first line break, the second
@pytest.mark.parametrize("indent", ["", "  ", "\t"])
@pytest.mark.parametrize("prefix", ["", "data: ", "Authorization: Basic ", '{"blob": "'])
def test_base64_wrapped_and_indented_or_after_a_prefix_is_masked_at_every_break(
    indent: str, prefix: str, across: tuple[int, int]
) -> None:
    """Wrapped base64 in a YAML block or an indented PEM, or whose first line starts after a prefix: a secret across
    any of its line breaks (the second, the third...) is masked, not only across the first."""
    raw = bytes(range(7, 250))
    secret = raw[across[0] : across[1]]
    secrets.register_bytes(secret)
    text = base64.b64encode(raw).decode()
    wrapped = prefix + "\n".join(indent + text[index : index + 64] for index in range(0, len(text), 64))
    masked = secrets.mask(wrapped)
    assert "***" in masked
    assert base64.b64encode(secret).decode()[4:20] not in masked.replace("\n", "").replace(indent, "")
