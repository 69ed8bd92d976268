"""TTML (Timed Text Markup Language, also DFXP and IMSC): Apple Podcasts' transcripts and broadcast subtitles.

    <tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttm="http://www.w3.org/ns/ttml#metadata"
        xmlns:podcasts="http://podcasts.apple.com/transcript-ttml-internal">
      <body><div>
        <p begin="0.220" end="28.620" ttm:agent="SPEAKER_1">
          <span podcasts:unit="sentence">
            <span podcasts:unit="word" begin="0.220" end="0.500">Welcome</span>...

Each `<p>` is a cue: Apple writes one per speaker turn, with its words as spans that have no space between
them (read as words, not run together); subtitles write one per caption line, `<br/>` between its lines.
`ttm:agent` names the speaker: the agent's `ttm:name` from the head when it has one, else its id
(`SPEAKER_1` as "Speaker 1"). Times may be clock times (`00:01:02.500`, `00:01:02:12` in frames), offsets
(`62.5s`, `1500ms`, `90f`, `10000t`) or Apple's bare seconds and short clocks (`28.620`, `1:17.410`); the
times of every `<p>` count from its `<div>`'s and `<body>`'s `begin` when any `<p>` would otherwise start
before them (the standard's nesting; Apple's files repeat absolute times, so their `<p>` never do). No
TTML library reads Apple's files: ttconv, the reference one, rejects their bare seconds and drops the
speakers, so lxml reads the XML here (no entities, no network, no DTD).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from lxml import etree

from ..errors import ParseError
from ..types import Transcript
from .cues import Meta, build_transcript, clock_seconds
from .numbered import DEFAULT_MAX_UTTERANCE_CHARS
from .speakers import Piece, diarised_name, numbered_voice
from .timing import part_marks, word_marks

FORMAT = "ttml"
_NAMESPACES = (
    "http://www.w3.org/ns/ttml",
    "http://www.w3.org/2006/10/ttaf1",  # DFXP, before TTML 1.0 became a recommendation
    "http://www.w3.org/2006/04/ttaf1",
)
_TTM = "http://www.w3.org/ns/ttml#metadata"
_TTP = "http://www.w3.org/ns/ttml#parameter"
_XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
_OPENING = re.compile(
    r"^\ufeff?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>\s*)*<(?:\w+:)?tt\b",
    re.S | re.I,
)
_OFFSET = re.compile(r"^(\d+(?:\.\d+)?)(h|m|s|ms|f|t)$")
_FRAMES = re.compile(r"^(\d{1,6}):(\d{2}):(\d{2}):(\d{2,})(?:\.(\d+))?$")
_TIME_HINT = "TTML times look like 00:01:02.500, 00:01:02:12 (frames), 62.5s or 1500ms"


def looks_ttml(text: str) -> bool:
    """Sniffer: an XML document whose root is `tt` in a TTML (or DFXP) namespace."""
    head = text[:4096]
    return bool(_OPENING.match(head)) and any(ns in head for ns in _NAMESPACES)


def parse_ttml(
    text: str,
    path: Path,
    episode_id: str,
    *,
    max_utterance_chars: int = DEFAULT_MAX_UTTERANCE_CHARS,
) -> Transcript:
    path = Path(path)
    root = _root(text, path)
    namespace = etree.QName(root).namespace or ""
    rates = _Rates(root)
    agents = _agent_names(root)
    pieces = []
    offsets = []
    for n, p in enumerate(root.iter(_tag(namespace, "p")), 1):
        where = f"paragraph {n} (<p> at line {p.sourceline})"
        said = " ".join(_text(p).split())
        if not said:
            continue
        start, end = _span(p, rates, path)
        offsets.append(_offset(p, rates, path))
        agent = p.get(f"{{{_TTM}}}agent") or _inherited_agent(p)
        marks = _marks(p, said, start, rates)
        pieces.append(Piece(said, where, p.sourceline, _speaker(agent, agents), start, end, marks))
    if any(p.start is not None and p.start < offset for p, offset in zip(pieces, offsets, strict=True)):
        pieces = [_shifted(p, offset) for p, offset in zip(pieces, offsets, strict=True)]
    if not pieces:
        raise ParseError(
            path,
            None,
            "the TTML file holds no text in <p> elements",
            "export the transcript or subtitles again",
        )
    return build_transcript(
        pieces, path=path, episode_id=episode_id, fmt=FORMAT, meta=_meta(root), max_chars=max_utterance_chars
    )


def _root(text: str, path: Path) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, encoding="utf-8"
    )
    try:
        root = etree.fromstring(text.lstrip("\ufeff").encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        raise ParseError(
            path,
            line,
            f"invalid XML at line {line}, column {column}: {exc.msg}",
            "fix the XML, or export the transcript again",
        ) from exc
    if root is None or etree.QName(root).localname != "tt":
        raise ParseError(path, None, "the XML's root element is not <tt>", "a TTML file starts with <tt …>")
    return root


def _tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}" if namespace else name


def _text(element: etree._Element) -> str:
    """The words of a `<p>`: `<br/>` as a line break, a word span (Apple's `podcasts:unit="word"`) or a
    sentence span apart from its neighbours even where the file puts no space between them."""
    parts = [element.text or ""]
    for child in element:
        if not isinstance(child.tag, str):  # a comment or processing instruction
            parts.append(child.tail or "")
            continue
        name = etree.QName(child).localname
        unit = next((v for k, v in child.attrib.items() if etree.QName(k).localname == "unit"), None)
        if name == "br":
            parts.append(" ")
        elif name in ("span", "p") and unit in ("word", "sentence"):
            parts.append(f" {_text(child)} ")
        elif name != "metadata":
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


class _Rates:
    """The document's frame and tick rates, which frame and tick times are counted in."""

    def __init__(self, root: etree._Element):
        frame = _number(root.get(f"{{{_TTP}}}frameRate"), 30.0)
        multiplier = root.get(f"{{{_TTP}}}frameRateMultiplier", "1 1").split()
        if len(multiplier) == 2 and all(m.isdigit() and int(m) > 0 for m in multiplier):
            frame *= int(multiplier[0]) / int(multiplier[1])
        self.frame = frame
        sub = _number(root.get(f"{{{_TTP}}}subFrameRate"), 1.0)
        given = root.get(f"{{{_TTP}}}frameRate") is not None
        self.tick = _number(root.get(f"{{{_TTP}}}tickRate"), frame * sub if given else 1.0)


def _number(value: str | None, default: float) -> float:
    try:
        number = float(value) if value is not None else default
    except ValueError:
        return default
    return number if number > 0 else default


def _time(value: str, rates: _Rates) -> float | None:
    value = value.strip()
    offset = _OFFSET.match(value)
    if offset:
        count, metric = float(offset[1]), offset[2]
        per = {"h": 1 / 3600, "m": 1 / 60, "s": 1.0, "ms": 1000.0, "f": rates.frame, "t": rates.tick}[metric]
        return count / per
    frames = _FRAMES.match(value)
    if frames:
        hours, minutes, secs, frame = (int(frames[i]) for i in range(1, 5))
        if minutes > 59 or secs > 59:
            return None
        return hours * 3600 + minutes * 60 + secs + frame / rates.frame
    if re.fullmatch(r"\d+(?:\.\d+)?", value):  # Apple: bare seconds
        return float(value)
    return clock_seconds(value)


def _span(p: etree._Element, rates: _Rates, path: Path) -> tuple[float | None, float | None]:
    """The `<p>`'s own start and end in seconds (`dur` counts from its start)."""
    values: dict[str, float | None] = {}
    for key in ("begin", "end", "dur"):
        raw = p.get(key)
        values[key] = None if raw is None else _checked(raw, key, p, rates, path)
    start, end = values["begin"], values["end"]
    if end is None and start is not None and values["dur"] is not None:
        end = start + values["dur"]
    return start, end


def _offset(p: etree._Element, rates: _Rates, path: Path) -> float:
    """The sum of the `begin` times of the `<p>`'s ancestors: where its times count from in the standard.
    Used only when some `<p>` starts before its ancestors do (Apple's files repeat absolute times)."""
    offset = 0.0
    for ancestor in p.iterancestors():
        raw = ancestor.get("begin")
        if raw is not None:
            offset += _checked(raw, "begin", ancestor, rates, path)
    return offset


def _shifted(piece: Piece, offset: float) -> Piece:
    start = None if piece.start is None else piece.start + offset
    end = None if piece.end is None else piece.end + offset
    marks = tuple((w, t + offset) for w, t in piece.marks)
    return replace(piece, start=start, end=end, marks=marks)


def _marks(p: etree._Element, said: str, start: float | None, rates: _Rates) -> tuple[tuple[int, float], ...]:
    """Where the `<p>`'s sentences (and every 20 words of a long one) begin, from Apple's timed word spans;
    from its timed sentence spans where the words are not timed. Apple repeats absolute times in its spans;
    a span that would start before its `<p>` counts from the `<p>`'s start, as the standard nests times."""
    units: dict[str, list[tuple[str, float | None]]] = {"word": [], "sentence": []}
    for child in p.iterdescendants():
        unit = next((v for k, v in child.attrib.items() if etree.QName(k).localname == "unit"), None)
        begin = child.get("begin")
        if unit in units and begin is not None:
            units[unit].append((" ".join(_text(child).split()), _time(begin, rates)))
    for timed in units.values():
        if start is not None and any(t is not None and t < start for _, t in timed):
            timed[:] = [(unit_text, None if t is None else t + start) for unit_text, t in timed]
    if units["word"]:
        return word_marks(said, units["word"])
    sentences = units["sentence"]
    return part_marks(sentences) if " ".join(t for t, _ in sentences).split() == said.split() else ()


def _checked(raw: str, key: str, element: etree._Element, rates: _Rates, path: Path) -> float:
    value = _time(raw, rates)
    if value is None:
        name = etree.QName(element).localname
        raise ParseError(path, element.sourceline, f"bad time {key}={raw!r} on <{name}>", _TIME_HINT)
    return value


def _agent_names(root: etree._Element) -> dict[str, str]:
    """Each declared agent's name (`<ttm:agent xml:id="a1"><ttm:name>Priya Nair</ttm:name></ttm:agent>`)."""
    names = {}
    for agent in root.iter(f"{{{_TTM}}}agent"):
        name = next((n.text.strip() for n in agent.iter(f"{{{_TTM}}}name") if n.text and n.text.strip()), "")
        if agent.get(_XML_ID) and name:
            names[agent.get(_XML_ID)] = name
    return names


def _inherited_agent(p: etree._Element) -> str | None:
    for element in (*p.iterancestors(), *p.iterdescendants()):
        agent = element.get(f"{{{_TTM}}}agent")
        if agent:
            return str(agent)
    return None


def _speaker(agent: str | None, names: dict[str, str]) -> str | None:
    if not agent:
        return None
    first = agent.split()[0]  # ttm:agent may list several ids
    if first in names:
        return names[first]
    return numbered_voice(first) or diarised_name(first) or None


def _meta(root: etree._Element) -> Meta:
    meta: Meta = {}
    head = next((child for child in root if etree.QName(child).localname == "head"), None)
    if head is not None:
        title = next((t.text.strip() for t in head.iter(f"{{{_TTM}}}title") if t.text and t.text.strip()), "")
        if title:
            meta["title"] = [title]
    return meta
