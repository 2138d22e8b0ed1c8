"""Object names that must not reach the serving runtime: `..`, control characters, absolute paths."""

from __future__ import annotations

from collections.abc import Sequence

from shared.findings import Finding, finding
from shared.inspection.sources.base import FileEntry

MAX_NAME_FINDINGS = 20


def unsafe_reason(name: str) -> str | None:
    if not name:
        return "empty name"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "contains a control character"
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "is an absolute path"
    if "\\" in name:
        return "contains a backslash"
    if ".." in name.split("/"):
        return "has a '..' path segment"
    return None


def check_names(entries: Sequence[FileEntry]) -> tuple[list[FileEntry], list[Finding]]:
    """(safe entries, findings for the unsafe ones); at most 20 findings plus a count."""
    safe: list[FileEntry] = []
    findings: list[Finding] = []
    unsafe = 0
    for entry in entries:
        reason = unsafe_reason(entry.name)
        if reason is None:
            safe.append(entry)
            continue
        unsafe += 1
        if unsafe <= MAX_NAME_FINDINGS:
            printable = entry.name.encode("unicode_escape").decode("ascii")[:200]
            findings.append(finding("OBJECT_NAME_UNSAFE", printable, f"object name {printable!r} {reason}"))
    if unsafe > MAX_NAME_FINDINGS:
        findings.append(
            finding(
                "OBJECT_NAME_UNSAFE",
                "(more)",
                f"{unsafe - MAX_NAME_FINDINGS} more unsafe object names not listed",
            )
        )
    return safe, findings
