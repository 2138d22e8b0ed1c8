"""Structured JSON logs: one object per line, with the import id and event id on every line.

    configure("INFO")
    with bound(event_id=event.event_id, name="tiny-chat"):
        with bound(import_id=state.import_id):
            log.info("stage done", extra={"stage": "IMPORTING"})

Secrets registered with `register_secret` are replaced by `***` in every log record the
process makes (a record factory redacts them at creation, whatever the logger), and the
HTTP stacks' own loggers (`oci`, `urllib3`, `requests`, `httpx`, `httpcore`,
`huggingface_hub`) are held at WARNING with `http.client`'s debug printing off, so a Hub
token can never be printed, even by a debug switch such as the SDK's `log_requests`.

Redaction is by value and by every form a value takes in a message: the whole secret, each
of its lines (a token with a line break reached the log through an HTTP library's "Illegal
header value b'...\\n'" message, which shows it escaped), and its escaped spellings.
"""

from __future__ import annotations

import http.client
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

ROOT = "model_import"
_EMPTY: dict[str, Any] = {}  # never mutated: every bind makes a new dict
_context: ContextVar[dict[str, Any]] = ContextVar("model_import_log_context", default=_EMPTY)
_secrets: set[str] = set()
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
_QUIET_LOGGERS = ("oci", "urllib3", "requests", "fdk", "httpx", "httpcore", "huggingface_hub", "filelock")
MIN_SECRET_PIECE = 6  # a line of a secret shorter than this is left alone (it would mangle words)
_ordered: list[str] = []  # _secrets, longest first, so a whole secret is replaced before its lines


def secret_forms(value: str) -> set[str]:
    """Every spelling of `value` a log line can carry: as is, each line, escaped (repr, JSON, bytes)."""
    forms = {value, value.strip()}
    forms.update(line.strip() for line in value.splitlines())
    forms.add(value.encode("unicode_escape").decode("ascii"))
    forms.add(json.dumps(value)[1:-1])
    forms.add(repr(value)[1:-1])
    forms.add(repr(value.encode("utf-8", "replace"))[2:-1])
    return {f for f in forms if len(f) >= MIN_SECRET_PIECE}


def register_secret(value: str | None) -> None:
    """Never log `value`, nor any line of it, nor its escaped forms (pieces of 6+ characters)."""
    global _ordered
    if value and len(value.strip()) >= MIN_SECRET_PIECE:
        _secrets.update(secret_forms(value))
        _ordered = sorted(_secrets, key=len, reverse=True)


def forget_secret(value: str | None) -> None:
    global _ordered
    if value:
        _secrets.difference_update(secret_forms(value))
        _ordered = sorted(_secrets, key=len, reverse=True)


def redact(text: str) -> str:
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, "***")
    return text


@contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Add fields (import_id, event_id, name, ...) to every line logged inside the block."""
    token = _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def bind(**fields: Any) -> None:
    """Add fields to the current context until the surrounding `bound` block ends."""
    _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _secrets:
            record.msg = redact(record.getMessage())
            record.args = None
            for key, value in list(record.__dict__.items()):
                if key not in _STANDARD and isinstance(value, str):
                    setattr(record, key, redact(value))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "import_id": None,
            "event_id": None,
        }
        doc.update(_context.get())
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                doc[key] = value
        if record.exc_info:
            doc["error"] = self.formatException(record.exc_info)
        return redact(json.dumps(doc, default=str))


_configured: logging.Handler | None = None


def configure(level: str = "INFO", stream: TextIO | None = None) -> logging.Logger:
    """Send our loggers to `stream` (stderr) as JSON lines; idempotent."""
    global _configured
    logger = logging.getLogger(ROOT)
    logger.setLevel(level.upper() if level.upper() in logging.getLevelNamesMapping() else "INFO")
    if _configured is None or stream is not None:
        if _configured is not None:
            logger.removeHandler(_configured)
        handler: logging.Handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RedactFilter())
        logger.addHandler(handler)
        logger.propagate = False
        _configured = handler
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    http.client.HTTPConnection.debuglevel = 0  # it prints headers (the token) with print(), not logging
    _install_redacting_record_factory()
    return logger


def _install_redacting_record_factory() -> None:
    """Redact every log record of the process where it is made, whatever logger, level or handler.

    Filters on a logger miss records of its children (the SDK logs on `oci.base_client.<id>`,
    which `log_requests` switches to DEBUG), and a handler added later would have no filter:
    the record factory sees every record before anyone can format it.
    """
    current = logging.getLogRecordFactory()
    if getattr(current, "_model_import_redacting", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        if _secrets:
            try:
                message = record.getMessage()
            except (TypeError, ValueError):  # a bad format string: keep the raw parts, redacted
                message = f"{record.msg} {record.args}"
            record.msg = redact(message)
            record.args = None
        return record

    factory._model_import_redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(f"{ROOT}.{name}")
