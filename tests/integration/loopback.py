"""What the test servers share (fakecf.FakeCloudflare, faultproxy.FaultProxy,
test_dns.Route53Shim): a threading HTTP server on loopback, and closing the
connections it still holds when it stops."""
import http.server
import socket
import socketserver
import threading
import time


class LoopbackHTTPServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """A threading HTTPServer that never looks its own name up; the owner's
    stop() joins the handler threads (see close_connections)."""
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def server_bind(self):
        # HTTPServer.server_bind would look the host name up: not needed.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


def close_connections(conns, timeout):
    """Shut every socket of conns ([(socket, handler thread)]) down, then
    join the threads (but the caller's own) within timeout seconds in all."""
    for sock, _ in conns:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    deadline = time.monotonic() + timeout
    for _, t in conns:
        if t is not threading.current_thread():
            t.join(max(0.0, deadline - time.monotonic()))
