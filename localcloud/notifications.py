"""Notifications publish (`/20181201/topics/{topicId}/messages`).

Messages are appended to `<state>/notifications/messages.jsonl` (they survive a restart)
and listed at the admin path `GET /localcloud/messages`. A loopback HTTP subscriber, if
configured, gets each message POSTed as JSON, retried a few times in the background.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from localcloud.objectstore import rfc3339
from localcloud.web import Request, Response, Route, ServiceError, route

SERVICE = "ons"
MAX_MESSAGE_BYTES = 64 * 1024
log = logging.getLogger("localcloud.notifications")


@dataclass
class Message:
    message_id: str
    topic_id: str
    title: str | None
    body: str
    message_type: str
    time: str


def loopback_only(url: str) -> str:
    host = urlparse(url).hostname or ""
    if urlparse(url).scheme not in ("http", "https") or host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"subscriber {url!r} must be an http URL on loopback")
    return url


class NotificationsService:
    def __init__(self, folder: Path, topics: set[str], subscriber_url: str | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.log_file = folder / "messages.jsonl"
        self.topics = set(topics)
        self.subscriber_url = loopback_only(subscriber_url) if subscriber_url else None
        self._lock = threading.Lock()
        self._messages: list[Message] = []
        if self.log_file.exists():
            for line in self.log_file.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    self._messages.append(Message(**json.loads(line)))

    def routes(self) -> list[Route]:
        return [route("POST", "/20181201/topics/{topicId}/messages", self.publish_message, SERVICE)]

    def publish(self, topic_id: str, title: str | None, body: str, message_type: str = "RAW_TEXT") -> Message:
        if topic_id not in self.topics:
            raise ServiceError(404, "NotAuthorizedOrNotFound", f"topic {topic_id!r} does not exist")
        if len(body.encode()) + len((title or "").encode()) > MAX_MESSAGE_BYTES:
            raise ServiceError(400, "InvalidParameter", "a message is limited to 64 KB (title and body)")
        message = Message(str(uuid.uuid4()), topic_id, title, body, message_type, rfc3339(time.time()))
        with self._lock:
            self._messages.append(message)
            with self.log_file.open("a", encoding="utf-8") as f:
                f.write(json.dumps(asdict(message)) + "\n")
        if self.subscriber_url:
            threading.Thread(target=self._forward, args=(message,), daemon=True).start()
        return message

    def publish_message(self, req: Request) -> Response:
        doc = req.json()
        if not isinstance(doc, dict) or not isinstance(doc.get("body"), str):
            raise ServiceError(400, "InvalidParameter", "MessageDetails needs a string body")
        title = doc.get("title")
        message = self.publish(
            req.params["topicId"],
            title if isinstance(title, str) else None,
            doc["body"],
            req.header("messagetype") or "RAW_TEXT",
        )
        return Response.json({"messageId": message.message_id, "timeStamp": message.time})

    def messages(self, topic_id: str | None = None, since: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            chosen = self._messages[since:]
        return [asdict(m) for m in chosen if topic_id in (None, m.topic_id)]

    def _forward(self, message: Message) -> None:
        assert self.subscriber_url is not None
        data = json.dumps(asdict(message)).encode()
        for attempt in range(4):
            try:
                req = urllib.request.Request(
                    self.subscriber_url,
                    data=data,
                    headers={"content-type": "application/json"},
                    method="POST",
                )
                with urllib.request.urlopen(req, timeout=10) as resp:
                    if resp.status < 300:
                        return
            except OSError as exc:
                log.warning(
                    "forwarding message %s to %s failed: %s", message.message_id, self.subscriber_url, exc
                )
            time.sleep(0.5 * 2**attempt)
        log.error("gave up forwarding message %s to %s", message.message_id, self.subscriber_url)
