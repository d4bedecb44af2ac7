"""A small OpenAI-compatible chat-completions server for the tests, with fault injection.

It answers ``POST /v1/chat/completions`` from a local causal model through ``transformers``
(greedy, so an answer depends only on the messages), on 127.0.0.1 and a free port, in a thread of
the test process. ``faults`` is a queue of what the next requests get instead of an answer:

- ``"429"``: HTTP 429 with ``Retry-After: 1``;
- ``"500"``: HTTP 500 with an OpenAI-style error body;
- ``"slow"``: the answer only after ``slow_seconds`` (beyond the client's timeout);
- ``"drop"``: the connection closed without a response;
- ``"malformed"``: HTTP 200 with a body that is not JSON;
- ``"400"``: HTTP 400 (not retried by the client).

Every request is counted, in total and per distinct message list (``per_prompt``); the ``usage``
of every answer sent is kept in ``usage_sent`` (faults other than ``"slow"`` send none).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class ChatServer:
    """The server; use as a context manager (``with ChatServer(model_dir) as server:``)."""

    def __init__(self, model_dir: str | Path, served_model: str = "tiny-gpt2-test") -> None:
        """Load the model once (a few MB: a tiny test model)."""
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        self.model = AutoModelForCausalLM.from_pretrained(str(model_dir)).eval()
        self.served_model = served_model
        self.faults: deque[str] = deque()
        self.slow_seconds = 6.0
        self.requests = 0
        self.answered = 0
        self.usage_sent: list[dict[str, int]] = []
        self.per_prompt: Counter[str] = Counter()
        self.auth: list[str | None] = []
        self.delay = 0.0  # seconds before every answer (to kill a run mid-way)
        self._lock = threading.Lock()
        self._generate_lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The ``base_url`` a client configures."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> ChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def complete(self, messages: list[dict[str, str]], max_tokens: int) -> dict[str, Any]:
        """A chat completion of ``messages`` (greedy), in the OpenAI response format."""
        import torch

        ids = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=True, return_dict=False
        )
        limit = self.model.config.n_positions - max_tokens
        ids = list(ids)[-limit:]
        with self._generate_lock, torch.no_grad():
            out = self.model.generate(
                torch.tensor([ids]),
                attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                max_new_tokens=max_tokens,
                min_new_tokens=max_tokens,
                do_sample=False,
            )
        new = out[0, len(ids) :].tolist()
        text = self.tokenizer.decode(new, skip_special_tokens=True)
        return {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "model": self.served_model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text + "."},
                    "finish_reason": "length",
                }
            ],
            "usage": {
                "prompt_tokens": len(ids),
                "completion_tokens": len(new),
                "total_tokens": len(ids) + len(new),
            },
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # quiet test output

            def _send(
                self, status: int, body: bytes, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                # The client may have given up (its timeout) or been killed.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                request = json.loads(self.rfile.read(length))
                messages = request["messages"]
                digest = hashlib.sha256(json.dumps(messages).encode()).hexdigest()[:12]
                with server._lock:
                    server.requests += 1
                    server.per_prompt[digest] += 1
                    server.auth.append(self.headers.get("Authorization"))
                    fault = server.faults.popleft() if server.faults else None
                if self.path != "/v1/chat/completions":
                    self._send(404, b'{"error": {"message": "no such route"}}')
                    return
                if fault == "429":
                    self._send(429, b'{"error": {"message": "slow down"}}', {"Retry-After": "1"})
                elif fault == "500":
                    self._send(500, b'{"error": {"message": "internal error"}}')
                elif fault == "400":
                    self._send(400, b'{"error": {"message": "bad request: unknown field"}}')
                elif fault == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                elif fault == "malformed":
                    self._send(200, b'{"choices": [ this is not json')
                else:
                    if fault == "slow":
                        time.sleep(server.slow_seconds)
                    if server.delay:
                        time.sleep(server.delay)
                    answer = server.complete(messages, int(request.get("max_tokens", 16)))
                    with server._lock:
                        server.answered += 1
                        server.usage_sent.append(answer["usage"])
                    self._send(200, json.dumps(answer).encode())

        return Handler
