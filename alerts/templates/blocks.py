"""A tiny message layout (headings, fields, lists, links) written out as plain text, HTML and Slack mrkdwn."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from importlib import resources
from string import Template
from urllib.parse import urlsplit

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Link:
    """A link; rendered as one only when `url` is an absolute http(s) URL."""

    label: str
    url: str | None


Span = str | Link
Inline = Span | tuple[Span, ...]


@dataclass(frozen=True)
class Heading:
    text: Inline


@dataclass(frozen=True)
class Fields:
    """Label/value rows, e.g. ("Stage", "agreement signed")."""

    rows: tuple[tuple[str, Inline], ...]


@dataclass(frozen=True)
class Items:
    """A titled bullet list; each item is one line of spans, plus optional second lines."""

    title: str
    items: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True)
class Para:
    text: Inline
    quote: bool = False


Block = Heading | Fields | Items | Para


def one_line(text: str) -> str:
    """Collapse whitespace and drop control and bidi-override characters from untrusted text."""
    return " ".join(_CONTROL.sub(" ", text).split())


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL with a host and no whitespace; otherwise None."""
    if not url:
        return None
    url = url.strip()
    if _CONTROL.search(url) or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def _spans(inline: Inline) -> tuple[Span, ...]:
    return inline if isinstance(inline, tuple) else (inline,)


# --- plain text -------------------------------------------------------------------------------


def _text_inline(inline: Inline) -> str:
    out = []
    for span in _spans(inline):
        if isinstance(span, Link):
            label, url = one_line(span.label), one_line(span.url or "")
            out.append(f"{label} {url}" if url and url != label else label)
        else:
            out.append(one_line(span))
    return " ".join(p for p in out if p)


def to_text(title: str, blocks: tuple[Block, ...]) -> str:
    """Plain text without the title, which travels separately (email subject, notification title)."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            lines += [_text_inline(block.text), ""]
        elif isinstance(block, Fields):
            lines += [f"{label}: {_text_inline(value)}" for label, value in block.rows] + [""]
        elif isinstance(block, Items):
            lines.append(f"{block.title}:")
            for item in block.items:
                lines.append(f"- {_text_inline(item[0])}")
                lines += [f"  {_text_inline(extra)}" for extra in item[1:]]
            lines.append("")
        else:
            text = _text_inline(block.text)
            lines += [f"> {text}" if block.quote else text, ""]
    return "\n".join(lines).rstrip() + "\n"


# --- HTML ---------------------------------------------------------------------------------------


def _h(text: str) -> str:
    return html.escape(one_line(text), quote=True)


def _html_inline(inline: Inline) -> str:
    out, shown = [], []
    for span in _spans(inline):
        if isinstance(span, Link):
            url = safe_url(span.url)
            if url:
                out.append(f'<a href="{html.escape(url, quote=True)}">{_h(span.label)}</a>')
                if one_line(span.label) != url:
                    shown.append(url)
            else:
                out.append(_h(span.label) + (f" ({_h(span.url)})" if span.url else ""))
        else:
            out.append(_h(span))
    # Apprise builds the text/plain part from this HTML without hrefs, so print the URLs too.
    urls = "".join(f'<br><span style="color:#666;font-size:12px">{_h(u)}</span>' for u in shown)
    return " ".join(p for p in out if p) + urls


def to_html(title: str, blocks: tuple[Block, ...]) -> str:
    parts = []
    for block in blocks:
        if isinstance(block, Heading):
            parts.append(f"<h2>{_html_inline(block.text)}</h2>")
        elif isinstance(block, Fields):
            # Rows rather than a table: reads well on phones and in the derived text/plain part.
            rows = "<br>".join(f"<b>{_h(label)}:</b> {_html_inline(value)}" for label, value in block.rows)
            parts.append(f"<p>{rows}</p>")
        elif isinstance(block, Items):
            items = "".join(
                "<li>" + "<br>".join(_html_inline(line) for line in item) + "</li>" for item in block.items
            )
            parts.append(f"<h3>{_h(block.title)}</h3><ul>{items}</ul>")
        elif block.quote:
            parts.append(f'<blockquote style="color:#333">{_html_inline(block.text)}</blockquote>')
        else:
            parts.append(f"<p>{_html_inline(block.text)}</p>")
    shell = Template(resources.files(__package__).joinpath("email.html").read_text(encoding="utf-8"))
    return shell.substitute(title=_h(title), body="\n".join(parts))


# --- Slack mrkdwn -------------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Escape the three characters Slack treats as markup, so no mention or link can be formed."""
    return one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_inline(inline: Inline) -> str:
    out = []
    for span in _spans(inline):
        if isinstance(span, Link):
            url = safe_url(span.url)
            label = slack_escape(span.label)
            if url:
                # "|" would end the URL part of <url|label>; "<", ">" and "&" are escaped above.
                href = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
                out.append(f"<{href}|{label}>")
            else:
                out.append(label + (f" ({slack_escape(span.url)})" if span.url else ""))
        else:
            out.append(slack_escape(span))
    return " ".join(p for p in out if p)


def to_slack(title: str, blocks: tuple[Block, ...]) -> str:
    lines = [f"*{slack_escape(title)}*", ""]
    for block in blocks:
        if isinstance(block, Heading):
            lines += [f"*{_slack_inline(block.text)}*", ""]
        elif isinstance(block, Fields):
            lines += [f"*{slack_escape(label)}:* {_slack_inline(v)}" for label, v in block.rows] + [""]
        elif isinstance(block, Items):
            lines.append(f"*{slack_escape(block.title)}*")
            for item in block.items:
                lines.append(f"• {_slack_inline(item[0])}")
                lines += [f"    {_slack_inline(extra)}" for extra in item[1:]]
            lines.append("")
        else:
            text = _slack_inline(block.text)
            lines += [f"> {text}" if block.quote else text, ""]
    return "\n".join(lines).rstrip()
