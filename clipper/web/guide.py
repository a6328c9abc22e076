"""The query guide (docs/query.md, shipped in the package) as a page of ``clipper serve``."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from markupsafe import Markup

_KEPT_LINKS = ("http://", "https://", "#")


@lru_cache(maxsize=1)
def guide_html() -> Markup:
    """The guide as HTML, read once from the package."""
    return markdown_page(files("clipper.web").joinpath("query.md").read_text(encoding="utf-8"))


def markdown_page(source: str) -> Markup:
    """Markdown rendered to HTML: raw HTML in it is shown as text, not run.

    Links to the repository's other pages lead nowhere on this server: their
    text stays, the link goes.
    """
    from markdown_it import MarkdownIt

    markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = markdown.parse(source)
    for token in tokens:
        dropped: list[bool] = []  # per open link: whether it was dropped
        for child in token.children or []:
            if child.type == "link_open":
                drop = not str(child.attrGet("href") or "").startswith(_KEPT_LINKS)
                dropped.append(drop)
            elif child.type == "link_close":
                drop = dropped.pop()
            else:
                continue
            if drop:
                child.type, child.tag, child.attrs, child.content = "text", "", {}, ""
    return Markup(markdown.renderer.render(tokens, markdown.options, {}))
