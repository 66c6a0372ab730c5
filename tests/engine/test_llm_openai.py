"""The OpenAI-compatible chat adapter against a tiny streaming chat-completions server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from voxline.core.config import ToolSpec
from voxline.engine.llm.openai_compat import OpenAIChatLLM, OpenAIChatSettings, to_openai_messages
from voxline.engine.ports import ChatMessage, TextChunk, ToolChoice
from voxline.errors import ToolArgumentsError, TransportError, UnknownToolError

AUTH = ToolSpec(
    "authenticate_user",
    "Verify the caller.",
    {"type": "object", "properties": {"phone": {"type": "string"}}, "required": ["phone"]},
)


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "fake",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


class _Handler(BaseHTTPRequestHandler):
    script: ClassVar[list[dict[str, Any]]] = []
    requests: ClassVar[list[dict[str, Any]]] = []
    status: ClassVar[int] = 200

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        if self.status != 200:
            self.send_response(self.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "overloaded", "type": "server_error"}}')
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            for chunk in self.script:
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading (should_stop)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[type[_Handler]]:
    handler = type("Handler", (_Handler,), {"script": [], "requests": [], "status": 200})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    handler.base_url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"  # type: ignore[attr-defined]
    yield handler
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _llm(server: type[_Handler]) -> OpenAIChatLLM:
    url: str = server.base_url  # type: ignore[attr-defined]
    return OpenAIChatLLM(
        OpenAIChatSettings(model="fake", base_url=url, max_tokens=50, max_retries=0)
    )


def test_reply_streams_as_text_chunks(server: type[_Handler]) -> None:
    server.script = [_chunk({"role": "assistant", "content": ""})] + [
        _chunk({"content": word}) for word in ["Hello", " there", "!"]
    ]
    llm = _llm(server)
    out = list(llm.generate("Be kind.", [ChatMessage("user", "hi")], [AUTH]))
    assert out == [TextChunk("Hello"), TextChunk(" there"), TextChunk("!")]
    sent = server.requests[0]
    assert sent["stream"] is True
    assert sent["messages"][0] == {"role": "system", "content": "Be kind."}
    assert sent["tools"][0]["function"]["name"] == "authenticate_user"


def test_streamed_tool_call_becomes_one_tool_choice(server: type[_Handler]) -> None:
    call = {"index": 0, "id": "call_1", "type": "function"}
    server.script = [
        _chunk(
            {"tool_calls": [{**call, "function": {"name": "authenticate_user", "arguments": ""}}]}
        ),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"phone": '}}]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"5551234567"}'}}]}),
        _chunk({}, finish="tool_calls"),
    ]
    out = list(_llm(server).generate("x", [ChatMessage("user", "5551234567")], [AUTH]))
    assert out == [ToolChoice("authenticate_user", '{"phone": "5551234567"}')]


def test_should_stop_ends_the_stream(server: type[_Handler]) -> None:
    server.script = [_chunk({"content": f"w{i} "}) for i in range(20)]
    seen: list[TextChunk | ToolChoice] = []
    for item in _llm(server).generate("x", [], [], should_stop=lambda: len(seen) >= 3):
        seen.append(item)
    assert len(seen) == 3


def test_unknown_tool_and_bad_arguments_are_typed_errors(server: type[_Handler]) -> None:
    server.script = [
        _chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "c",
                        "type": "function",
                        "function": {"name": "delete_everything", "arguments": "{}"},
                    }
                ]
            }
        )
    ]
    with pytest.raises(UnknownToolError, match="delete_everything"):
        list(_llm(server).generate("x", [], [AUTH]))
    server.script = [
        _chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "c",
                        "type": "function",
                        "function": {"name": "authenticate_user", "arguments": "{}"},
                    }
                ]
            }
        )
    ]
    with pytest.raises(ToolArgumentsError, match="phone: required"):
        list(_llm(server).generate("x", [], [AUTH]))


def test_server_error_is_a_transport_error(server: type[_Handler]) -> None:
    server.status = 500
    with pytest.raises(TransportError, match="chat completions"):
        list(_llm(server).generate("x", [], []))


def test_tool_history_is_linked_by_call_id() -> None:
    messages = [
        ChatMessage("user", "my number is 555 123 4567"),
        ChatMessage(
            "assistant",
            "",
            tool_name="authenticate_user",
            tool_arguments='{"phone": "5551234567"}',
            call_id="c9",
        ),
        ChatMessage("tool", '{"ok": true}', tool_name="authenticate_user", call_id="c9"),
    ]
    out = to_openai_messages("sys", messages)
    assert out[2]["tool_calls"][0]["id"] == "c9"
    assert out[3] == {"role": "tool", "tool_call_id": "c9", "content": '{"ok": true}'}
