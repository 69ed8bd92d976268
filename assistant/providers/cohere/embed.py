"""Embeddings over `/v2/embed`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Any

import cohere
import numpy as np
from cohere.core.api_error import ApiError

from ...errors import ProviderError
from ...index.embedders import Progress, normalise_rows
from .client import SDK_ERRORS, remember_key, to_provider_error
from .fields import path

log = logging.getLogger(__package__)

EMBED_BATCH_SIZE = 96
EMBED_WORKERS = 4
KNOWN_DIMENSIONS: Mapping[str, int] = {
    "embed-v4.0": 1536,
    "embed-v5.0-pro": 2048,
    "embed-v5.0-fast": 2048,
    "embed-english-v3.0": 1024,
    "embed-multilingual-v3.0": 1024,
    "embed-english-light-v3.0": 384,
    "embed-multilingual-light-v3.0": 384,
}


class CohereEmbedder:
    """Embedder protocol over `/v2/embed`: documents and queries use their own `input_type`.

    `dimension` starts from `output_dimension` or the model's documented default and is fixed by the
    first reply; every later reply must match it, so a store is never fed mixed widths.
    """

    def __init__(
        self,
        client: cohere.ClientV2,
        model: str = "embed-v4.0",
        output_dimension: int | None = None,
        *,
        batch_size: int = EMBED_BATCH_SIZE,
        workers: int = EMBED_WORKERS,
    ) -> None:
        remember_key(client)
        self._client = client
        self.model = model
        self.name = f"cohere:{model}" + (f":{output_dimension}" if output_dimension else "")
        self.dimension = output_dimension or KNOWN_DIMENSIONS.get(model, 0)
        self._output_dimension = output_dimension
        self._batch_size = max(1, min(batch_size, EMBED_BATCH_SIZE))
        self._workers = max(1, workers)
        self._confirmed = False
        self._lock = threading.Lock()

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        batches = [texts[i : i + self._batch_size] for i in range(0, len(texts), self._batch_size)]
        results: list[np.ndarray | None] = [None] * len(batches)
        if len(batches) == 1:
            results[0] = self._embed(batches[0], "search_document")
            if progress:
                progress(len(batches[0]))
        else:
            with ThreadPoolExecutor(
                min(self._workers, len(batches)), thread_name_prefix="cohere-embed"
            ) as pool:
                futures: dict[Future[np.ndarray], int] = {
                    pool.submit(self._embed, batch, "search_document"): i for i, batch in enumerate(batches)
                }
                try:
                    for future in as_completed(futures):
                        i = futures[future]
                        results[i] = future.result()
                        if progress:
                            progress(len(batches[i]))
                except BaseException:
                    for future in futures:
                        future.cancel()
                    raise
        return np.vstack([r for r in results if r is not None])

    def embed_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self._embed([text], "search_query")[0]
        return vector

    def _embed(self, texts: list[str], input_type: str) -> np.ndarray:
        options: dict[str, Any] = (
            {"output_dimension": self._output_dimension} if self._output_dimension else {}
        )
        try:
            response = self._post_embed(
                {
                    "texts": texts,
                    "model": self.model,
                    "input_type": input_type,
                    "embedding_types": ["float"],
                    **options,
                }
            )
            if response is None:
                response = self._client.embed(
                    model=self.model, input_type=input_type, texts=texts, embedding_types=["float"], **options
                )
        except SDK_ERRORS as exc:
            raise to_provider_error(exc) from None
        rows = path(response, "embeddings", "float_")
        if rows is None:
            rows = path(response, "embeddings", "float")
        if not isinstance(rows, list) or len(rows) != len(texts):
            got = len(rows) if isinstance(rows, list) else "no"
            raise ProviderError(
                f"Cohere returned {got} embeddings for {len(texts)} texts; the reply is malformed"
            )
        try:
            matrix = np.asarray(rows, dtype=np.float32)
        except (TypeError, ValueError):
            raise ProviderError(
                "Cohere returned embeddings that are not numeric vectors of one length"
            ) from None
        if matrix.ndim != 2 or matrix.shape[1] == 0 or not np.isfinite(matrix).all():
            raise ProviderError("Cohere returned embeddings that are not numeric vectors of one length")
        self._check_width(matrix.shape[1])
        return normalise_rows(matrix)

    def _post_embed(self, body: dict[str, Any]) -> Any | None:
        """POST /v2/embed through the SDK's own HTTP client (base URL, auth, retries, hooks) and return the
        parsed JSON; None when this client has no such layer (then the SDK call is used).

        The SDK's lenient model construction converts every float of the reply one by one (about 2 s of CPU,
        under the GIL, for a batch of 96 vectors of 1536); the JSON is the same data, read in milliseconds.
        Failures raise what the SDK raises for them: ApiError with the status and body, or httpx errors.
        """
        http = getattr(getattr(self._client, "_client_wrapper", None), "httpx_client", None)
        if http is None or not callable(getattr(http, "request", None)):
            return None
        response = http.request(
            "v2/embed", method="POST", json=body, headers={"content-type": "application/json"}
        )
        try:
            data = response.json()
        except ValueError:
            raise ApiError(
                status_code=response.status_code, headers=dict(response.headers), body=response.text
            ) from None
        if not 200 <= response.status_code < 300:
            raise ApiError(status_code=response.status_code, headers=dict(response.headers), body=data)
        return data

    def _check_width(self, width: int) -> None:
        with self._lock:
            if not self._confirmed:
                if self._output_dimension and width != self._output_dimension:
                    raise ProviderError(
                        f"Cohere returned {width}-dimensional embeddings, "
                        f"{self._output_dimension} were asked for"
                    )
                if self.dimension and width != self.dimension:
                    log.info(
                        "%s returns %d dimensions, not the documented %d", self.model, width, self.dimension
                    )
                self.dimension = width
                self._confirmed = True
            elif width != self.dimension:
                raise ProviderError(
                    f"Cohere returned {width}-dimensional embeddings after {self.dimension}-dimensional ones"
                )
