"""Kill ``feedsync push`` to Amazon's SP-API feeds between a document Amazon took and the state write that
records its outcome (feedsync.faults), then push again: Amazon must hold every listing of the feed, each family's
parent included, though the parent's message was made with a variant the rerun does not send again, and no
listing is sent twice.

The destination is a stand-in for Login with Amazon and the Feeds API on loopback that applies each processed
document's messages to the listings it keeps (UPDATE replaces a listing, DELETE removes it) and reports no issue."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from typer.testing import CliRunner

from feedsync.cli.app import app
from feedsync.faults import KILLED
from tests.conftest import HEADER, row
from tests.hostile.killing import points_passed, run_feedsync
from tests.hostile.loopback import JsonHandler, serving

ENV = {"FS_AMZ_SECRET": "amzn-secret"}
runner = CliRunner(env=ENV)
AMAZON = "seller_id: A1SELLER, marketplace_id: A1PA6795UKMFR9, language_tag: de_DE, default_product_type: SHIRT"
# one family (parent G) of three variants and a single product: messages G, A, B, C, S in documents of two
PRODUCTS = (
    HEADER
    + row("A", group_id="G", size="S")
    + row("B", group_id="G", size="M")
    + row("C", group_id="G", size="L")
    + row("S", gtin="4006381333948")
)


class Amazon(JsonHandler):
    listings: ClassVar[dict[str, dict[str, Any]]] = {}
    uploads: ClassVar[dict[str, list[dict[str, Any]]]] = {}
    documents: ClassVar[list[list[str]]] = []
    """The SKUs of each processed document, in order."""

    def _base(self) -> str:
        return f"http://{self.headers['host']}"

    def do_POST(self) -> None:
        body = self.body()
        if self.path == "/auth/o2/token":
            self.answer({"access_token": "Atza|token", "token_type": "bearer", "expires_in": 3600})
        elif self.path == "/feeds/2021-06-30/documents":
            number = len(type(self).uploads) + 1
            type(self).uploads[f"in{number}"] = []
            self.answer({"feedDocumentId": f"in{number}", "url": f"{self._base()}/upload/in{number}"}, status=201)
        else:  # createFeed: Amazon processes the uploaded document
            messages = type(self).uploads[json.loads(body)["inputFeedDocumentId"]]
            for message in messages:
                if message["operationType"] == "DELETE":
                    type(self).listings.pop(message["sku"], None)
                else:
                    type(self).listings[message["sku"]] = message
            type(self).documents.append([m["sku"] for m in messages])
            self.answer({"feedId": f"feed{len(type(self).documents)}"}, status=202)

    def do_PUT(self) -> None:
        type(self).uploads[self.path.rsplit("/", 1)[1]] = json.loads(self.body())["messages"]
        self.answer({})

    def do_GET(self) -> None:
        number = self.path.rsplit("/", 1)[1].removeprefix("feed").removeprefix("out")
        if self.path.startswith("/feeds/2021-06-30/feeds/"):
            self.answer({"processingStatus": "DONE", "resultFeedDocumentId": f"out{number}"})
        elif self.path.startswith("/feeds/2021-06-30/documents/out"):
            self.answer({"feedDocumentId": f"out{number}", "url": f"{self._base()}/report/{number}"})
        else:  # the processing report: every message of the document accepted
            sent = len(type(self).documents[int(number) - 1])
            counts = {"messagesProcessed": sent, "messagesAccepted": sent, "messagesInvalid": 0}
            summary = {"errors": 0, "warnings": 0, **counts}
            self.answer({"header": {"feedId": f"feed{number}"}, "issues": [], "summary": summary})


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serving(Amazon) as url:
        yield url


def reset() -> None:
    Amazon.listings, Amazon.uploads, Amazon.documents = {}, {}, []


def shop(folder: Path, endpoint: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "products.csv").write_text(PRODUCTS, encoding="utf-8")
    (folder / "feedsync.yaml").write_text(
        "source: {path: products.csv, currency: EUR, base_url: 'https://s.example'}\nchannels:\n"
        f"  amazon:\n    profile: amazon\n    settings: {{{AMAZON}, max_messages: 2}}\n"
        "    destination: {type: amazon_sp_api, client_id: app, client_secret: {env: FS_AMZ_SECRET}, "
        f"refresh_token: {{env: FS_AMZ_SECRET}}, endpoint: '{endpoint}', lwa_url: '{endpoint}/auth/o2/token', "
        "poll_interval: 0.01}\n",
        encoding="utf-8",
    )
    return folder


def the_feed(folder: Path) -> dict[str, dict[str, Any]]:
    """The messages of the written feed (its documents amazon.json, amazon.2.json, ...) by SKU."""
    documents = [folder / "out" / "amazon.json", *(folder / "out" / f"amazon.{n}.json" for n in (2, 3))]
    messages = [m for path in documents for m in json.loads(path.read_text(encoding="utf-8"))["messages"]]
    return {m["sku"]: {k: v for k, v in m.items() if k != "messageId"} for m in messages}


def held() -> dict[str, dict[str, Any]]:
    return {sku: {k: v for k, v in m.items() if k != "messageId"} for sku, m in Amazon.listings.items()}


@pytest.mark.parametrize("point", ["sync.opened", "sync.accepted"])
def test_a_sync_killed_after_any_document_is_finished_by_the_next_push_parent_included(
    server: str, tmp_path: Path, point: str
) -> None:
    """Killed once a feed is created and recorded open (before its processing is known), or once its report is
    read (before the state records it): the next push collects that feed's report before it sends anything, and
    sends only what is still missing."""
    reset()
    points = [p for p in points_passed("push", cwd=shop(tmp_path / "points", server), env=ENV) if p == point]
    assert Amazon.documents == [["G", "A"], ["B", "C"], ["S"]]
    assert len(points) == 3
    for number in (1, 2, 3):
        reset()
        work = shop(tmp_path / f"killed-{number}", server)
        assert run_feedsync("push", cwd=work, env=ENV, fault=f"{point}:{number}").returncode == KILLED
        killed_run = list(Amazon.documents)
        rerun = runner.invoke(app, ["push", "-c", str(work / "feedsync.yaml")])
        assert rerun.exit_code == 0, rerun.output
        assert held() == the_feed(work), number  # every listing, the parent G among them, as the feed has it
        again = Amazon.documents[len(killed_run) :]
        resent = [sku for document in again for sku in document]
        # no listing is sent twice; the family's parent goes first when a variant of it is sent
        assert resent == {1: ["G", "B", "C", "S"], 2: ["S"], 3: []}[number], resent
        documents = len(Amazon.documents)
        assert runner.invoke(app, ["push", "-c", str(work / "feedsync.yaml")]).exit_code == 0
        assert len(Amazon.documents) == documents  # a third push has nothing left to send
        shutil.rmtree(work)
