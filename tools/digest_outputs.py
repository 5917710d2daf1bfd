"""Digest of everything feedsync writes for the demo and for every catalog file in ../shared/realdata.

A refactor that must keep behaviour prints the same digest before and after:

    python tools/digest_outputs.py > before.txt     # on the old commit
    python tools/digest_outputs.py > after.txt      # on the new one
    diff before.txt after.txt

Each catalog is built with the three channels (Google XML, Meta CSV, Amazon JSON) into a scratch folder; each line is
one written file (sha256) or one run's exit code and findings (code, severity, subject, message, source position),
so a change in a feed byte or in a finding shows up as a changed line.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REALDATA = REPO.parent / "shared" / "realdata"
CATALOGS = ("shopify", "woocommerce", "magento", "bigcommerce", "prestashop", "google_feeds", "meta")
NOT_CATALOGS = ("orders_export", "tracking_carrier", "google_category_to_attribute", "prestashop-docs")
"""Files of the folders that are no catalog feedsync reads (PrestaShop's import files name none of its columns)."""

CONFIG = """source:
  path: {path}
  currency: USD
  base_url: https://shop.example.com
channels:
  google: {{profile: google_merchant, destination: {{type: directory, path: www}}}}
  facebook: {{profile: facebook, destination: {{type: directory, path: www}}}}
  amazon:
    profile: amazon
    settings: {{seller_id: A2DIGEST0000}}
    destination: {{type: directory, path: www}}
output_dir: out
state_path: state.sqlite
"""


def catalogs() -> list[Path]:
    found = []
    for folder in CATALOGS:
        for path in sorted((REALDATA / folder).glob("*")):
            if path.suffix in {".csv", ".xml", ".tsv", ".json"} and not any(bad in path.name for bad in NOT_CATALOGS):
                found.append(path)
    return found


def feedsync(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "feedsync", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def findings(report: str) -> list[str]:
    try:
        data = json.loads(report)
    except json.JSONDecodeError:
        return [f"unreadable report: {report[:200]!r}"]
    lines = []
    for item in data.get("diagnostics", []):
        item = {key: value for key, value in item.items() if key not in {"run_id", "time", "duration"}}
        lines.append(json.dumps(item, sort_keys=True, ensure_ascii=False))
    return sorted(lines)


def digest_run(name: str, workdir: Path) -> list[str]:
    """The run's lines, with the scratch folder's path (it names files in some findings) masked."""
    lines = []
    built = feedsync("build", "--jobs", "1", cwd=workdir)
    lines.append(f"{name} build exit {built.returncode}")
    validated = feedsync("validate", "--format", "json", cwd=workdir)
    lines.append(f"{name} validate exit {validated.returncode}")
    lines += [f"{name} finding {line}".replace(str(workdir), "<scratch>") for line in findings(validated.stdout)]
    for path in sorted(p for p in workdir.rglob("*") if p.is_file() and p.parent.name in {"www", "public", "out"}):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{name} file {path.relative_to(workdir)} {digest}")
    return lines


def main() -> int:
    lines = []
    with tempfile.TemporaryDirectory() as scratch:
        demo = Path(scratch) / "demo"
        shutil.copytree(REPO / "examples" / "demo", demo, ignore=shutil.ignore_patterns("expected", ".feedsync"))
        lines += digest_run("demo", demo)
        if not REALDATA.is_dir():
            print("../shared/realdata is absent: only the demo was digested", file=sys.stderr)
        for path in catalogs():
            workdir = Path(scratch) / path.stem
            workdir.mkdir()
            (workdir / "feedsync.yaml").write_text(CONFIG.format(path=json.dumps(str(path))), encoding="utf-8")
            lines += digest_run(f"{path.parent.name}/{path.name}", workdir)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
