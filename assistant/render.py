"""Answer rendering shared by the CLI, the UI and exports: citation markers, source lines and links."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .types import Answer, Citation, Episode, Utterance, format_time

_MEDIA_SUFFIXES = (".mp3", ".m4a", ".mp4", ".ogg", ".opus", ".wav", ".webm", ".aac", ".flac")
_T_PARAM_HOSTS = (
    "youtube.com",
    "youtu.be",
    "spotify.com",
    "podcasts.apple.com",
    "overcast.fm",
    "pca.st",
    "castbox.fm",
)


def plural(count: int, noun: str) -> str:
    """`1 episode`, `2 episodes`, `5,897 words`: counts as people write them (the nouns all take an -s)."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def cited_lines(text: str, lines: Iterable[tuple[str, Utterance | None]]) -> tuple[str, tuple[Citation, ...]]:
    """`text`, then one line per (line, utterance), each line citing its utterance if any: a list answer."""
    citations = []
    for line, u in lines:
        if u is not None:
            citations.append(Citation(len(text), len(text) + len(line), line, (u,)))
        text += line + "\n"
    return text.rstrip("\n"), tuple(citations)


def cited_episodes(answer: Answer) -> list[str]:
    """Ids of the episodes an answer's citations quote, in the order they are first cited."""
    ordered = sorted(answer.citations, key=lambda c: (c.end, c.start))
    return list(dict.fromkeys(u.episode_id for c in ordered for u in c.utterances))


def marked_text(answer: Answer) -> tuple[str, list[tuple[int, Citation]]]:
    """The answer with `[n]` after each cited span; n numbers citations in order of appearance."""
    ordered = sorted(answer.citations, key=lambda c: (c.end, c.start))
    text = answer.text
    out: list[str] = []
    cursor = 0
    numbered: list[tuple[int, Citation]] = []
    for n, citation in enumerate(ordered, start=1):
        end = max(cursor, min(citation.end, len(text)))
        out.append(text[cursor:end])
        out.append(f" [{n}]")
        cursor = end
        numbered.append((n, citation))
    out.append(text[cursor:])
    return "".join(out), numbered


def when_said(u: Utterance, quote: str = "") -> str:
    """`3:04`, the turn's start; `3:04, quoted at 4:31` when the quoted words come later in a long turn whose
    parts the transcript times (`Utterance.time_of`); "" for a transcript without times."""
    if u.start is None:
        return ""
    at = u.time_of(quote)
    later = f", quoted at {format_time(at)}" if at is not None and int(at) != int(u.start) else ""
    return format_time(u.start) + later


def source_line(u: Utterance, episode_title: str, quote: str = "") -> str:
    """`Speaker — Title, utterance #12, 3:04`, with the time of `quote` (a citation's text) in the turn."""
    if u.is_details:
        return f"episode details — {episode_title}"
    when = f", {when_said(u, quote)}" if u.start is not None else ""
    where = f"{episode_title}, utterance #{u.number}{when}"
    return f"{u.who()} — {where}" if u.who() else where


def source_link(episode: Episode | None, u: Utterance, quote: str = "") -> str | None:
    """The episode's source URL, at the utterance's time (or at `quote`'s, within the turn) where the player
    supports an offset."""
    if episode is None or not episode.source_url:
        return None
    url = episode.source_url
    at = u.time_of(quote)
    if at is None:
        return url
    seconds = int(at)
    if episode.duration is not None:
        seconds = max(0, min(seconds, int(episode.duration)))
    parts = urlsplit(url)
    host = parts.netloc.lower()
    if parts.path.lower().endswith(_MEDIA_SUFFIXES):
        return urlunsplit(parts._replace(fragment=f"t={seconds}"))
    if any(host == h or host.endswith("." + h) for h in _T_PARAM_HOSTS):
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "t"]
        query.append(("t", str(seconds)))
        return urlunsplit(parts._replace(query=urlencode(query)))
    return url
