"""A stand-in for the Hugging Face hub (HF_ENDPOINT) serving tiny models built here, so no test downloads."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlparse

import numpy as np

COMMIT = "0123456789abcdef0123456789abcdef01234567"
VOCAB = ["[PAD]", "[UNK]", "apple", "banana", "cherry", "river", "bank", "money", "tea", "coffee"]


def _git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def tokenizer_json() -> bytes:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(VOCAB)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return tok.to_str().encode()


def embedder_onnx(dim: int = 8, seed: int = 0) -> bytes:
    """input_ids -> last_hidden_state by a lookup table: mean pooling then gives a bag-of-words vector."""
    from onnx import TensorProto, helper, numpy_helper

    table = np.random.default_rng(seed).normal(size=(len(VOCAB), dim)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "input_ids"], ["last_hidden_state"], axis=0)],
        "tiny-embedder",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
        ],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "seq", dim])],
        [numpy_helper.from_array(table, "table")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    return model.SerializeToString()


def cross_encoder_onnx(word: str = "apple") -> bytes:
    """(question, passage) -> logits: how often `word` occurs in the pair. A reranker anyone can predict."""
    from onnx import TensorProto, helper, numpy_helper

    weights = np.zeros((len(VOCAB), 1), dtype=np.float32)
    weights[VOCAB.index(word)] = 1.0
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["weights", "input_ids"], ["per_token"], axis=0),
            helper.make_node("ReduceSum", ["per_token", "axis"], ["logits"], keepdims=0),
        ],
        "tiny-cross-encoder",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
        ],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 1])],
        [numpy_helper.from_array(weights, "weights"), numpy_helper.from_array(np.array([1]), "axis")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    return model.SerializeToString()


def repo_files(model: bytes, model_file: str = "onnx/model.onnx") -> dict[str, bytes]:
    return {
        model_file: model,
        "tokenizer.json": tokenizer_json(),
        "tokenizer_config.json": json.dumps({"model_max_length": 64, "pad_token": "[PAD]"}).encode(),
        "special_tokens_map.json": json.dumps({"pad_token": "[PAD]", "unk_token": "[UNK]"}).encode(),
        "config.json": b'{"model_type": "tiny"}',
    }


@dataclass
class FakeHub:
    repos: dict[str, dict[str, bytes]]
    lfs: tuple[str, ...] = (".onnx",)
    corrupt: set[str] = field(default_factory=set)
    """Paths served with different bytes than the checksum the hub advertises."""
    cut: set[str] = field(default_factory=set)
    """Paths whose download stops half-way."""
    downloads: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    url: str = ""

    def _entry(self, path: str, data: bytes) -> dict[str, object]:
        entry: dict[str, object] = {"type": "file", "path": path, "size": len(data), "oid": _git_sha1(data)}
        if path.endswith(self.lfs):
            sha = hashlib.sha256(data).hexdigest()
            entry["lfs"] = {"oid": sha, "size": len(data), "pointerSize": 130}
        return entry

    def etag(self, path: str, data: bytes) -> str:
        return hashlib.sha256(data).hexdigest() if path.endswith(self.lfs) else _git_sha1(data)


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    api = re.compile(r"^/api/models/([^/]+/[^/]+)(?:/revision/[^/]+)?/?$")
    tree = re.compile(r"^/api/models/([^/]+/[^/]+)/tree/[^/]+(?:/(.*))?$")
    resolve = re.compile(r"^/([^/]+/[^/]+)/resolve/[^/]+/(.+)$")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _json(self, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _missing(self) -> None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.send_header("X-Error-Code", "EntryNotFound")
            self.end_headers()

        def _file(self, head: bool) -> None:
            found = resolve.match(unquote(urlparse(self.path).path))
            files = hub.repos.get(found.group(1), {}) if found else {}
            path = found.group(2) if found else ""
            if path not in files:
                return self._missing()
            data = files[path]
            etag = hub.etag(path, data)
            start = int(m.group(1)) if (m := re.match(r"bytes=(\d+)-", self.headers.get("Range", ""))) else 0
            self.send_response(206 if start else 200)
            self.send_header("Content-Length", str(len(data) - start))
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("ETag", f'"{etag}"')
            if path.endswith(hub.lfs):
                self.send_header("X-Linked-Etag", f'"{etag}"')
                self.send_header("X-Linked-Size", str(len(data)))
            self.end_headers()
            if head:
                return None
            hub.downloads.append(path)
            if path in hub.corrupt:
                data = bytes(b ^ 0xFF for b in data)
            data = data[start:]
            if path in hub.cut:
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return None
            self.wfile.write(data)
            return None

        def do_HEAD(self) -> None:  # noqa: N802 - http.server's name
            hub.requests.append(self.path)
            self._file(head=True)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            hub.requests.append(self.path)
            path = unquote(urlparse(self.path).path)
            if (found := tree.match(path)) and found.group(1) in hub.repos:
                files = hub.repos[found.group(1)]
                return self._json([hub._entry(p, d) for p, d in files.items()])
            if (found := api.match(path)) and found.group(1) in hub.repos:
                files = hub.repos[found.group(1)]
                return self._json(
                    {
                        "id": found.group(1),
                        "modelId": found.group(1),
                        "sha": COMMIT,
                        "siblings": [
                            {"rfilename": p, "size": len(d), "blobId": _git_sha1(d)} for p, d in files.items()
                        ],
                    }
                )
            if path.startswith("/api/"):
                return self._missing()
            return self._file(head=False)

    return Handler


@contextmanager
def serve(hub: FakeHub) -> Iterator[FakeHub]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hub))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hub.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()
