"""app.py: the tiny HTTP app of Dockerfile.example, run by ward as PID 1.

GET / says hello, GET /healthz says ok (ward's --probe and the HEALTHCHECK
ask it). On SIGTERM or SIGINT it stops accepting, lets in-flight requests
finish and exits 0, so `docker stop` ends it cleanly within ward's --grace.
Standard library only: nothing to install but python3.
"""

import http.server
import os
import signal
import sys
import threading

PORT = int(os.environ.get("PORT", "8080"))


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "ward-example/1.0"
    protocol_version = "HTTP/1.1"

    def answer(self, with_body):
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            code, body = 200, b"ok\n"
        elif path == "/":
            code, body = 200, b"hello from an app supervised by ward\n"
        else:
            code, body = 404, b"not found\n"
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_GET(self):
        self.answer(True)

    def do_HEAD(self):
        self.answer(False)

    def log_message(self, fmt, *args):
        # Health probes every few seconds would drown the log.
        if not self.path.startswith("/healthz"):
            sys.stderr.write("app: %s %s\n" % (self.address_string(),
                                               fmt % args))


def main():
    srv = http.server.ThreadingHTTPServer(("", PORT), Handler)
    srv.daemon_threads = False  # server_close() waits for in-flight requests

    def stop(signo, _frame):
        sys.stderr.write("app: %s, shutting down\n"
                         % signal.Signals(signo).name)
        # shutdown() waits for serve_forever(), which runs in this thread.
        threading.Thread(target=srv.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stderr.write("app: listening on :%d\n" % PORT)
    srv.serve_forever()
    srv.server_close()
    sys.stderr.write("app: stopped\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
