"""An HTTP proxy in front of moto that holds every request DELAY_MS milliseconds before
forwarding it, for scripts/bench-regions: what a tool's request pattern costs when each
request has a round trip (40 ms is about a cross-region one), which moto on loopback hides.

Usage: latency_proxy.py LISTEN_PORT UPSTREAM_URL DELAY_MS  (plain Python 3, no dependencies)

Point AWS_ENDPOINT_URL at http://127.0.0.1:LISTEN_PORT. One thread per connection, so
concurrent requests wait concurrently; the body and every header are passed through as
they are (moto does not check signatures; the Host header is forwarded unchanged).
"""
import http.client
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

PORT, UPSTREAM, DELAY = int(sys.argv[1]), urlparse(sys.argv[2]), int(sys.argv[3]) / 1000


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):  # noqa: ANN002 - quiet
        pass

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        time.sleep(DELAY)
        upstream = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=300)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        upstream.request(self.command, self.path, body=body, headers=headers)
        response = upstream.getresponse()
        data = response.read()
        self.send_response(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        upstream.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
