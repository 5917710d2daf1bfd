"""What the secret registry costs: ``python benchmarks/secrets_masking.py [N ...]`` (default 30 and 300).

For each N, registers N Amazon-style presigned S3 URLs (about 600 characters: X-Amz-Credential, a session token,
X-Amz-Signature...) as a push does, one at a time with a log line masked after each, then masks 10 MB of log text
(JSON log lines with URLs, percent-escapes and base64, a few secrets in them) line by line and as one text.
Prints the CPU seconds spent registering and masking, and the masking throughput.
"""

from __future__ import annotations

import base64
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feedsync import collector, secrets

TEXT_SIZE = 10 << 20


def presigned_url(rng: random.Random) -> str:
    """A presigned S3 URL as the SP-API's createFeedDocument answers it."""
    alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    token = base64.b64encode(rng.randbytes(180)).decode().replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    key = "".join(rng.choices(alnum[:26] + alnum[52:], k=16))
    path = f"amzn1.tortuga.4.na.{rng.getrandbits(128):032x}.T{rng.randrange(10**12)}"
    return (
        f"https://tortuga-prod-na.s3-external-1.amazonaws.com/%2FNinetyDays/{path}"
        f"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261207T{rng.randrange(240000):06d}Z"
        f"&X-Amz-SignedHeaders=content-type%3Bhost&X-Amz-Expires=300"
        f"&X-Amz-Credential=ASIA{key}%2F20261207%2Fus-east-1%2Fs3%2Faws4_request"
        f"&X-Amz-Security-Token={token}"
        f"&X-Amz-Signature={rng.getrandbits(256):064x}"
    )


def log_text(rng: random.Random, urls: list[str]) -> list[str]:
    """About ``TEXT_SIZE`` characters of JSON log lines; one line in 500 holds a registered URL."""
    lines, size, index = [], 0, 0
    while size < TEXT_SIZE:
        index += 1
        blob = base64.b64encode(rng.randbytes(30)).decode()
        if index % 500 == 0:
            detail = urls[index % len(urls)]
        else:
            detail = f"https://shop.example.com/p/{index}?q=blue%20shirt&ref={blob}"
        line = (
            f'{{"ts": "2026-12-07T17:{index % 60:02d}:00Z", "level": "debug", "event": "request", '
            f'"sku": "SKU-{index:07d}", "title": "Blue \\"cotton\\" shirt & tie", "url": "{detail}"}}'
        )
        lines.append(line)
        size += len(line) + 1
    return lines


def measure(count: int) -> None:
    collector.for_a_command()  # (the collector's threshold of a command's process)
    rng = random.Random(count)
    secrets.clear()
    urls = [presigned_url(rng) for _ in range(count)]
    start = time.process_time()
    for url in urls:
        secrets.register_url(url)
        secrets.mask(f"PUT {url[:60]}... uploaded")
    registered = time.process_time() - start
    lines = log_text(rng, urls)
    text = "\n".join(lines)
    start = time.process_time()
    masked = [secrets.mask(line) for line in lines]
    by_line = time.process_time() - start
    start = time.process_time()
    whole = secrets.mask(text)
    at_once = time.process_time() - start
    assert "\n".join(masked) == whole
    assert not any(url.rpartition("=")[2] in whole for url in urls)
    megabytes = len(text) / (1 << 20)
    print(f"{count} presigned URLs ({sum(map(len, urls)) // count} characters each)")
    print(f"  register, a line masked after each: {registered:8.2f} s")
    print(f"  mask {megabytes:.0f} MB in {len(lines):,} lines:     {by_line:8.2f} s ({megabytes / by_line:5.1f} MB/s)")
    print(f"  mask {megabytes:.0f} MB as one text:       {at_once:8.2f} s ({megabytes / at_once:5.1f} MB/s)")


if __name__ == "__main__":
    for count in map(int, sys.argv[1:] or ["30", "300"]):
        measure(count)
