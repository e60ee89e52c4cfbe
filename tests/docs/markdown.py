"""The Markdown of README.md and docs/: the pages in reading order, their runnable blocks, links
and heading anchors."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The order a reader meets them; runnable blocks run in this order, against one demo.
PAGES = [
    ROOT / "README.md",
    ROOT / "docs" / "architecture.md",
    ROOT / "docs" / "contracts.md",
    ROOT / "docs" / "http-api.md",
    ROOT / "docs" / "web.md",
    ROOT / "docs" / "compliance-and-controls.md",
    ROOT / "docs" / "settlement.md",
    ROOT / "docs" / "funds.md",
    ROOT / "docs" / "indexer.md",
    ROOT / "docs" / "operations.md",
    ROOT / "docs" / "custody.md",
    ROOT / "docs" / "development.md",
]
FENCE = re.compile(r"^```(\S*)(.*)$")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
RUNNABLE = ("sh", "python")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    language: str
    code: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """Fenced blocks whose info string is `<language> run`."""
    found, lines = [], page.read_text().splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        index += 1
        if opening is None:
            continue
        start = index
        while not lines[index].startswith("```"):
            index += 1
        language, rest = opening.group(1), opening.group(2).split()
        if language in RUNNABLE and rest == ["run"]:
            found.append(Block(page, start, language, "\n".join(lines[start:index]) + "\n"))
        index += 1
    return found


def prose(page: Path) -> str:
    """The page without its fenced blocks (links and headings inside code are not links)."""
    kept, inside = [], False
    for line in page.read_text().splitlines():
        if line.startswith("```"):
            inside = not inside
        elif not inside:
            kept.append(line)
    return "\n".join(kept)


def links(page: Path) -> list[str]:
    return LINK.findall(re.sub(r"`[^`]*`", "", prose(page)))


def anchors(page: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens."""
    slugs = set()
    for line in prose(page).splitlines():
        if line.startswith("#"):
            title = re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower())
            slugs.add(title.replace(" ", "-"))
    return slugs
