"""secctx `from_wsgi(environ)` + `.extra_body()` against python-ipware, in the same run.

The typical request: a socket peer (a trusted proxy), a 3-entry X-Forwarded-For, a Forwarded
header, a User-Agent and 8 other ordinary headers, in a complete WSGI environ. The peer is
python-ipware 4.x `get_client_ip` on the same environ, then building the same
`{"user_security_context": {...}}` dict and `json.dumps` of it (what an application without
secctx does before calling openai-python).

Run: make -C bindings-python bench   (builds the extension in release mode first)
"""

from __future__ import annotations

import io
import json
import platform
import sys
import time
import timeit

from python_ipware import IpWare  # type: ignore[import-untyped]

import secctx

ENVIRON = {
    "REQUEST_METHOD": "POST",
    "SCRIPT_NAME": "",
    "PATH_INFO": "/api/chat",
    "QUERY_STRING": "",
    "SERVER_NAME": "chat.contoso.com",
    "SERVER_PORT": "8000",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "REMOTE_ADDR": "10.1.0.4",
    "REMOTE_PORT": "61000",
    "CONTENT_TYPE": "application/json",
    "CONTENT_LENGTH": "187",
    "wsgi.version": (1, 0),
    "wsgi.url_scheme": "http",
    "wsgi.input": io.BytesIO(b""),
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": True,
    "wsgi.multiprocess": False,
    "wsgi.run_once": False,
    "HTTP_HOST": "chat.contoso.com",
    "HTTP_X_FORWARDED_FOR": "198.51.100.23, 203.0.113.7:50123, 10.1.0.9",
    "HTTP_FORWARDED": "for=203.0.113.7;proto=https;host=chat.contoso.com",
    "HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "HTTP_ACCEPT": "application/json, text/plain, */*",
    "HTTP_ACCEPT_ENCODING": "gzip, deflate, br, zstd",
    "HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9",
    "HTTP_ORIGIN": "https://chat.contoso.com",
    "HTTP_REFERER": "https://chat.contoso.com/c/42",
    "HTTP_CONNECTION": "keep-alive",
    "HTTP_X_REQUEST_ID": "6f1c2b9e-2d1a-4a7e-9c3b-8d1e0f5a7b21",
    "HTTP_COOKIE": "session=abc123; theme=dark",
}

RESOLVER = secctx.Resolver(trusted_proxies=["10.0.0.0/8"], application_name="contoso-chat")
IPWARE = IpWare()


def ours() -> dict:
    return secctx.from_wsgi(ENVIRON, RESOLVER).extra_body()


def peer() -> str:
    ip, _trusted = IPWARE.get_client_ip(ENVIRON)
    usc = {"application_name": "contoso-chat"}
    if ip is not None:
        usc["source_ip"] = str(ip)
    return json.dumps({"user_security_context": usc}, separators=(",", ":"))


# The request ANCHORS.md timed python-ipware on (peer + 3-entry X-Forwarded-For + User-Agent:
# about 23 us a call there); timing it again here tells how loaded this machine is.
ANCHOR_ENVIRON = {
    "REMOTE_ADDR": "10.1.0.4",
    "HTTP_X_FORWARDED_FOR": "198.51.100.23, 203.0.113.7, 10.1.0.9",
    "HTTP_USER_AGENT": "Mozilla/5.0",
}
ANCHOR_IPWARE_US = 23.0


def per_call(fn, number: int, repeat: int = 7) -> float:
    """The best of `repeat` runs of `number` calls, in microseconds of CPU time per call (CPU time,
    not wall time, so that other processes on a shared machine do not count against either side)."""
    return min(timeit.repeat(fn, number=number, repeat=repeat, timer=time.process_time)) / number * 1e6


def main() -> int:
    number = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    got = ours()
    print(f"secctx result:     {json.dumps(got, separators=(',', ':'))}")
    print(f"python-ipware:     {peer()}")
    ours_us = per_call(ours, number)
    peer_us = per_call(peer, max(number // 10, 100))
    anchor_us = per_call(lambda: IPWARE.get_client_ip(ANCHOR_ENVIRON), max(number // 10, 100))
    ratio = peer_us / ours_us
    print(f"python {platform.python_version()}, secctx {secctx.__version__}, {number} calls x 7 runs (best)")
    print(f"secctx  from_wsgi + extra_body:               {ours_us:8.3f} us/call")
    print(f"python-ipware get_client_ip + dict + dumps:   {peer_us:8.3f} us/call")
    print(f"ratio (python-ipware / secctx):               {ratio:8.1f}x")
    print(f"calibration: python-ipware on ANCHORS.md's request {anchor_us:.1f} us here vs ~{ANCHOR_IPWARE_US:.0f} us "
          f"there: this machine runs {anchor_us / ANCHOR_IPWARE_US:.1f}x slower")
    ok = ratio >= 10 and ours_us <= 3.0
    print("targets (>= 10x faster, <= 3 us/call):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
