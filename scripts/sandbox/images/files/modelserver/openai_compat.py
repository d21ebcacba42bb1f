"""The OpenAI-compatible part the sandbox's model servers share (vLLM's and TGI's stand-ins).

There is no GPU and no model. It answers GET /v1/models, POST /v1/completions and
/v1/chat/completions (with `stream: true` as server-sent events, one token per 40 ms, then
`data: [DONE]`), GET /health and /metrics (in the server's own Prometheus names), with an
optional API key. Python's standard library only.
"""
import json
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN_INTERVAL_SECONDS = 0.04
MAX_BODY_BYTES = 1024 * 1024
CANNED_REPLY = [word + " " for word in (
    "This reply comes from the Kube ML sandbox model server, a stand-in for a real GPU model server. "
    "Tokens arrive one by one at a steady rate so that streaming clients can be tested end to end. "
    "The quick brown fox jumps over the lazy dog while the loss keeps going down."
).split(" ")]


class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.running = 0
        self.prompt_tokens = 0
        self.generation_tokens = 0
        self.requests = 0

    def add(self, **amounts):
        with self.lock:
            for name, amount in amounts.items():
                setattr(self, name, getattr(self, name) + amount)


def count_tokens(text):
    return max(1, len(text.split()))


def request_error(body, chat):
    if chat:
        if not isinstance(body.get("messages"), list) or not body["messages"]:
            return "'messages' must be a non-empty array"
    elif not isinstance(body.get("prompt"), (str, list)):
        return "'prompt' is required"
    max_tokens = body.get("max_tokens", body.get("max_completion_tokens", 16))
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        return "'max_tokens' must be a positive integer"
    return None


class Server:
    """What a front end (vLLM's, TGI's) configures: names, key, and its own metrics and routes."""

    def __init__(self, model_id, model_root, api_key=None, max_model_len=4096, owned_by="vllm",
                 metrics=None, extra_get=None, any_model_name=False):
        self.model_id = model_id
        self.model_root = model_root
        self.api_key = api_key
        self.max_model_len = max_model_len
        self.owned_by = owned_by
        self.metrics = metrics or (lambda server: "")
        self.extra_get = extra_get or {}
        self.counters = Counters()
        # TGI serves its one model under any name a request gives; vLLM checks it.
        self.any_model_name = any_model_name


def make_handler(config):
    model_id = config.model_id
    counters = config.counters

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *values):
            sys.stdout.write("INFO:     %s - %s\n" % (self.address_string(), format % values))
            sys.stdout.flush()

        def send_json(self, status, body):
            text = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def send_text(self, text, content_type="text/plain"):
            data = text.encode()
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def authorized(self):
            if not config.api_key or not self.path.startswith("/v1"):
                return True
            if self.headers.get("Authorization") == "Bearer " + config.api_key:
                return True
            self.send_json(401, {"error": "Unauthorized"})
            return False

        def do_GET(self):
            path = self.path.split("?")[0].rstrip("/") or "/"
            if not self.authorized():
                return
            if path == "/health":
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif path == "/metrics":
                self.send_text(config.metrics(config), "text/plain; version=0.0.4")
            elif path == "/v1/models":
                self.send_json(200, {"object": "list", "data": [{
                    "id": model_id, "object": "model", "created": int(time.time()), "owned_by": config.owned_by,
                    "root": config.model_root, "parent": None, "max_model_len": config.max_model_len}]})
            elif path in config.extra_get:
                self.send_json(200, config.extra_get[path](config))
            else:
                self.send_json(404, {"detail": "Not Found"})

        def do_POST(self):
            path = self.path.split("?")[0].rstrip("/")
            if path not in ("/v1/completions", "/v1/chat/completions"):
                self.send_json(404, {"detail": "Not Found"})
                return
            if not self.authorized():
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self.send_json(413, {"object": "error", "message": "request body too large", "type": "BadRequestError", "code": 413})
                return
            try:
                body = json.loads(self.rfile.read(length) or b"null")
                if not isinstance(body, dict):
                    raise ValueError("not an object")
            except ValueError:
                self.send_json(400, {"object": "error", "message": "request body is not valid JSON", "type": "BadRequestError", "code": 400})
                return
            self.complete(body, path.endswith("chat/completions"))

        def complete(self, body, chat):
            error = request_error(body, chat)
            if error:
                self.send_json(400, {"object": "error", "message": error, "type": "BadRequestError", "code": 400})
                return
            if not config.any_model_name and body.get("model", model_id) != model_id:
                self.send_json(404, {"object": "error", "message": "The model `%s` does not exist." % body["model"], "type": "NotFoundError", "code": 404})
                return
            prompt = " ".join(str(m.get("content", "")) for m in body["messages"] if isinstance(m, dict)) if chat else str(body["prompt"])
            prompt_tokens = count_tokens(prompt)
            token_count = min(body.get("max_tokens", body.get("max_completion_tokens", 16)), 512, len(CANNED_REPLY))
            finish_reason = "stop" if token_count == len(CANNED_REPLY) else "length"
            completion_id = ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex
            created = int(time.time())
            usage = {"prompt_tokens": prompt_tokens, "completion_tokens": token_count, "total_tokens": prompt_tokens + token_count}
            counters.add(requests=1, prompt_tokens=prompt_tokens)
            if not body.get("stream"):
                text = "".join(CANNED_REPLY[:token_count])
                counters.add(generation_tokens=token_count)
                choice = ({"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish_reason, "logprobs": None}
                          if chat else {"index": 0, "text": text, "finish_reason": finish_reason, "logprobs": None})
                self.send_json(200, {"id": completion_id, "object": "chat.completion" if chat else "text_completion",
                                     "created": created, "model": model_id, "choices": [choice], "usage": usage})
                return
            self.stream(chat, completion_id, created, token_count, finish_reason, usage)

        def stream(self, chat, completion_id, created, token_count, finish_reason, usage):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk_object = "chat.completion.chunk" if chat else "text_completion"

            def send(payload):
                data = payload.encode() if isinstance(payload, str) else ("data: %s\n\n" % json.dumps(payload)).encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()

            counters.add(running=1)
            try:
                if chat:
                    send({"id": completion_id, "object": chunk_object, "created": created, "model": model_id,
                          "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]})
                for index in range(token_count):
                    time.sleep(TOKEN_INTERVAL_SECONDS)
                    last = index == token_count - 1
                    token = CANNED_REPLY[index]
                    choice = ({"index": 0, "delta": {"content": token}, "finish_reason": finish_reason if last else None}
                              if chat else {"index": 0, "text": token, "finish_reason": finish_reason if last else None})
                    send({"id": completion_id, "object": chunk_object, "created": created, "model": model_id, "choices": [choice]})
                    counters.add(generation_tokens=1)
                send({"id": completion_id, "object": chunk_object, "created": created, "model": model_id, "choices": [], "usage": usage})
                send("data: [DONE]\n\n")
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            finally:
                counters.add(running=-1)

    return Handler


def prometheus(rows, labels):
    """Prometheus text of (name, type, help, value) rows, each with the same labels."""
    lines = []
    for name, kind, help_text, value in rows:
        lines += ["# HELP %s %s" % (name, help_text), "# TYPE %s %s" % (name, kind), "%s%s %s" % (name, labels, value)]
    return "\n".join(lines) + "\n"


def check_model_path(path):
    """Servers load a local model folder before they serve; a missing one ends them at start."""
    if path.startswith("/") and not os.path.exists(path):
        sys.stderr.write("ERROR: model path %s does not exist\n" % path)
        return False
    return True


def serve(host, port, config):
    server = ThreadingHTTPServer((host, port), make_handler(config))
    server.daemon_threads = True
    print("INFO:     Started server process [%d]" % os.getpid(), flush=True)
    print("INFO:     Uvicorn running on http://%s:%d (Press CTRL+C to quit)" % (host, port), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0
