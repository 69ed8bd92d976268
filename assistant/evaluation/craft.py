"""Crafted Cohere responses, built deterministically from a request and the suite's gold data.

Shapes follow the documented v2 responses (../shared/cohere/NOTES.md and its chat_stream.txt,
chat_response.json and rerank_response.json): SSE events for a grounded streamed chat, a V2ChatResponse for
follow-up rewriting, a V2RerankResponse for rerank. Nothing here calls the network.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import httpx

from assistant import HeuristicRewriter, Turn, count_tokens, tokenize, utterance_id

from .errors import CraftError
from .suite import ANSWERABLE, UNANSWERABLE, Question

REFUSAL = "The transcripts I was given do not answer this question."
NOT_FOUND = "None of the retrieved utterances answers this question."
MAX_QUOTES = 3


class Crafter:
    """Call with (route, body) -> httpx.Response. The runner sets `question` before each question is asked."""

    def __init__(self) -> None:
        self.question: Question | None = None

    def __call__(self, route: str, body: Any) -> httpx.Response:
        if not isinstance(body, dict):
            raise CraftError(f"cannot craft a reply to a {route} request without a JSON body")
        if route == "chat_stream":
            return self.chat_stream(body)
        if route == "chat":
            return self.chat(body)
        if route == "rerank":
            return self.rerank(body)
        raise CraftError(
            f"crafted fixtures cover chat, chat_stream and rerank, not {route}: use a local embedder "
            "(--embedder hashing or onnx), or record real responses with --record and a key"
        )

    # ---- grounded answer ----------------------------------------------------------------------------------

    def answer_for(self, body: dict[str, Any]) -> tuple[str, list[tuple[int, int, str]]]:
        """Answer text and citations (start, end, document id):
        quotes of the gold utterances that were sent."""
        q = self._question()
        docs: dict[str, dict[str, Any]] = {
            str(d.get("id")): d.get("data") or {} for d in body.get("documents") or [] if isinstance(d, dict)
        }
        if q.status == UNANSWERABLE:
            return REFUSAL, []
        chosen = _chosen(q, docs)
        if not chosen:
            return NOT_FOUND, []
        return _quotes(docs, chosen)

    def chat_stream(self, body: dict[str, Any]) -> httpx.Response:
        text, citations = self.answer_for(body)
        docs = {d.get("id"): d for d in body.get("documents") or [] if isinstance(d, dict)}
        message_id = "crafted-" + _digest(body)[:16]
        events: list[dict[str, Any]] = [
            {
                "type": "message-start",
                "id": message_id,
                "delta": {
                    "message": {
                        "role": "assistant",
                        "content": [],
                        "tool_plan": "",
                        "tool_calls": [],
                        "citations": [],
                    }
                },
            },
            {
                "type": "content-start",
                "index": 0,
                "delta": {"message": {"content": {"type": "text", "text": ""}}},
            },
        ]
        for piece in _pieces(text):
            events.append(
                {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": piece}}}}
            )
        for n, (start, end, doc_id) in enumerate(citations):
            document = {"id": doc_id, **(docs.get(doc_id, {}).get("data") or {})}
            cite = {
                "start": start,
                "end": end,
                "text": text[start:end],
                "sources": [{"type": "document", "id": doc_id, "document": document}],
                "type": "TEXT_CONTENT",
                "content_index": 0,
            }
            events.append({"type": "citation-start", "index": n, "delta": {"message": {"citations": cite}}})
            events.append({"type": "citation-end", "index": n})
        events.append({"type": "content-end", "index": 0})
        events.append(
            {"type": "message-end", "delta": {"finish_reason": "COMPLETE", "usage": _usage(body, text)}}
        )
        sse = "".join(f"event: {e['type']}\ndata: {json.dumps(e, ensure_ascii=False)}\n\n" for e in events)
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=sse.encode())

    # ---- follow-up rewriting ----------------------------------------------------------------------------

    def chat(self, body: dict[str, Any]) -> httpx.Response:
        q = self._question()
        prompt = _last_user(body)
        if "<follow_up>" not in prompt:
            raise CraftError(
                "crafted fixtures only answer the follow-up rewriting prompt among plain chat calls"
            )
        text = q.standalone or HeuristicRewriter().rewrite(
            q.question,
            [Turn(r, c) for r, c in q.history],  # type: ignore[arg-type]
        )
        reply = {
            "id": "crafted-" + _digest(body)[:16],
            "finish_reason": "COMPLETE",
            "message": {"role": "assistant", "content": [{"type": "text", "text": text}]},
            "usage": _usage(body, text),
        }
        return httpx.Response(
            200, headers={"content-type": "application/json"}, content=json.dumps(reply).encode()
        )

    # ---- rerank -----------------------------------------------------------------------------------------

    def rerank(self, body: dict[str, Any]) -> httpx.Response:
        query = set(tokenize(str(body.get("query", ""))))
        documents = [str(d) for d in body.get("documents") or []]
        scored = []
        for index, document in enumerate(documents):
            words = set(tokenize(document))
            score = len(query & words) / len(query) if query else 0.0
            scored.append((round(score, 4), index))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        top_n = body.get("top_n") or len(scored)
        reply = {
            "id": "crafted-" + _digest(body)[:16],
            "results": [{"index": i, "relevance_score": s} for s, i in scored[: int(top_n)]],
            "meta": {"api_version": {"version": "2"}, "billed_units": {"search_units": 1}},
        }
        return httpx.Response(
            200, headers={"content-type": "application/json"}, content=json.dumps(reply).encode()
        )

    def _question(self) -> Question:
        if self.question is None:
            raise CraftError(
                "no current question: crafted replies are made only while `assistant eval` runs a suite"
            )
        return self.question


def _number(doc_id: Any) -> int | None:
    match = re.search(r"#(\d+)$", str(doc_id))
    return int(match.group(1)) if match else None


def _last_user(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
            return str(content or "")
    return ""


def _pieces(text: str, words: int = 4) -> list[str]:
    parts = re.findall(r"\S+\s*|\s+", text)
    return ["".join(parts[i : i + words]) for i in range(0, len(parts), words)] or [text]


def _usage(body: dict[str, Any], text: str) -> dict[str, Any]:
    prompt = json.dumps(
        {"messages": body.get("messages"), "documents": body.get("documents")}, ensure_ascii=False
    )
    inp, out = count_tokens(prompt), count_tokens(text)
    return {
        "billed_units": {"input_tokens": inp, "output_tokens": out},
        "tokens": {"input_tokens": inp, "output_tokens": out},
    }


def _digest(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _chosen(q: Question, docs: dict[str, dict[str, Any]]) -> list[str]:
    """The sent documents to quote: the gold ones (up to MAX_QUOTES), or for an ungraded question the best."""
    if q.status != ANSWERABLE:
        return list(docs)[:1]
    if q.episode:
        wanted = [utterance_id(q.episode, n) for n in q.evidence]
    else:  # library-wide question: any sent document whose number is gold
        wanted = [i for i in docs if _number(i) in q.evidence]
    return [i for i in wanted if i in docs][:MAX_QUOTES]


def _quotes(docs: dict[str, dict[str, Any]], chosen: list[str]) -> tuple[str, list[tuple[int, int, str]]]:
    text = ""
    citations: list[tuple[int, int, str]] = []
    for doc_id in chosen:
        data = docs[doc_id]
        speaker = re.sub(r"\s*\(inferred\)$", "", str(data.get("speaker") or "")).strip() or "One speaker"
        quote = " ".join(str(data.get("text", "")).split())
        lead = ("" if not text else " ") + f"{speaker} said: "
        start = len(text) + len(lead)
        text += lead + quote
        citations.append((start, start + len(quote), str(doc_id)))
        if not quote.endswith((".", "!", "?")):
            text += "."
    return text, citations
