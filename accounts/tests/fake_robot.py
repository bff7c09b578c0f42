"""A local stand-in for the WeCom and DingTalk robot webhooks (127.0.0.1 only, never the internet).

It records every request and answers from a script of (HTTP status, JSON body) replies, the
last reply repeating: e.g. [(500, {}), (200, {"errcode": 0})] fails once, then accepts.
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    path: str
    query: dict
    body: dict


@dataclass
class FakeRobot:
    server: ThreadingHTTPServer
    replies: list = field(default_factory=lambda: [(200, {"errcode": 0, "errmsg": "ok"})])
    received: list = field(default_factory=list)

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"


def start_fake_robot():
    robot = None

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            parts = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            robot.received.append(Received(parts.path, query, json.loads(raw or b"{}")))
            status, body = robot.replies.pop(0) if len(robot.replies) > 1 else robot.replies[0]
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    robot = FakeRobot(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return robot
