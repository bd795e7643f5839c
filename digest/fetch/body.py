"""A response's body as digest reads it: decoded while it streams (gzip, deflate, a
gzip file served as is), and refused as soon as it, or the length it announces, passes
the cap (RELIABILITY defence 2: a gzip bomb never lands in memory at once).
:func:`digest.fetch.guard.guarded_get` reads every body through here."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator

import httpx

from digest.errors import ErrorCode, FetchError

__all__ = ["read_body"]

_STEP = 64 * 1024  # decoded bytes produced per inflate step


async def read_body(response: httpx.Response, limit: int) -> bytes:
    """The decoded body, refused as soon as it (or its announced length) passes ``limit``."""
    announced = response.headers.get("content-length", "").strip()
    if announced.isdigit() and int(announced) > limit:
        raise FetchError(
            f"Content-Length {announced} exceeds {limit} bytes", code=ErrorCode.TOO_LARGE
        )
    raw: AsyncIterator[bytes]
    if response.is_stream_consumed:  # handed over read (httpx.MockTransport's content=)
        raw, layers = _whole(response.content), []  # which httpx has decoded
    else:
        raw = response.aiter_raw()
        layers = _layers(response.headers.get("content-encoding", ""))
    if not layers:  # a .gz file served as is: same inflation, same cap
        raw, layers = await _sniff_gzip(raw)
    out = bytearray()
    async for piece in _decoded(raw, layers):
        out += piece
        if len(out) > limit:
            raise FetchError(f"body exceeds {limit} bytes once decoded", code=ErrorCode.TOO_LARGE)
    return bytes(out)


async def _sniff_gzip(raw: AsyncIterator[bytes]) -> tuple[AsyncIterator[bytes], list[_Inflate]]:
    """A body without Content-Encoding that starts with gzip's magic bytes (1f 8b, then
    method 8) is gzip: inflate it as if the header had said so (ADR 0011)."""
    head = b""
    async for chunk in raw:
        head += chunk
        if len(head) >= len(_GZIP_MAGIC):
            break
    layers = [_Inflate("gzip")] if head.startswith(_GZIP_MAGIC) else []

    async def replay() -> AsyncIterator[bytes]:
        if head:
            yield head
        async for chunk in raw:
            yield chunk

    return replay(), layers


_GZIP_MAGIC = b"\x1f\x8b\x08"


async def _whole(body: bytes) -> AsyncIterator[bytes]:
    yield body


def _layers(header: str) -> list[_Inflate]:
    codings = [c.strip().lower() for c in header.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    for coding in codings:
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise FetchError(f"unsupported Content-Encoding {coding!r}", code=ErrorCode.HTTP_ERROR)
    return [_Inflate(c) for c in reversed(codings)]  # applied last = removed first


async def _decoded(raw: AsyncIterator[bytes], layers: list[_Inflate]) -> AsyncIterator[bytes]:
    try:
        async for chunk in raw:
            for piece in _through(chunk, layers):
                yield piece
    except zlib.error as e:
        raise FetchError("body is not valid gzip/deflate", code=ErrorCode.HTTP_ERROR) from e


def _through(chunk: bytes, layers: list[_Inflate]) -> Iterator[bytes]:
    if not layers:
        yield chunk
        return
    for piece in layers[0].feed(chunk):
        yield from _through(piece, layers[1:])


class _Inflate:
    """One content-coding, inflated in bounded steps so a bomb never lands at once."""

    def __init__(self, coding: str) -> None:
        self._coding = coding
        self._d: zlib._Decompress | None = None

    def _new(self, first: bytes) -> zlib._Decompress:
        if self._coding != "deflate":
            return zlib.decompressobj(47)  # gzip or zlib header, auto-detected
        zlib_header = (
            len(first) > 1 and (first[0] & 0x0F) == 8 and (first[0] << 8 | first[1]) % 31 == 0
        )
        return zlib.decompressobj(15 if zlib_header else -15)  # servers send both kinds

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            if self._d is not None and self._d.eof and not data.startswith(b"\x1f\x8b"):
                return  # junk after a complete stream (some servers pad): ignored
            if self._d is None or self._d.eof:
                self._d = self._new(data)  # first member, or a further gzip member
            out = self._d.decompress(data, _STEP)
            if out:
                yield out
            data = self._d.unconsumed_tail or (self._d.unused_data if self._d.eof else b"")
            while not data and len(out) == _STEP:  # output still pending inside zlib
                out = self._d.decompress(b"", _STEP)
                if out:
                    yield out
