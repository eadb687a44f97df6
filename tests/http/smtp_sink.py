"""A real SMTP server for the tests: Debian's python3-aiosmtpd on a free
loopback port, in a thread of the test process. Every accepted message is
kept (envelope sender, recipients, raw bytes) in order. Addresses in
`reject` get "550 5.1.1 no such user" at RCPT (a permanent failure)."""
import email
import email.policy
import threading
import harness

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP as _SMTP
except ImportError:  # pragma: no cover
    Controller = None


class Sink:
    def __init__(self, reject=()):
        if Controller is None:
            raise harness.Skip("needs Debian's python3-aiosmtpd (/usr/bin/python3)")
        self.reject = set(a.lower() for a in reject)
        self.messages = []          # (mail_from, [rcpts], bytes)
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.port = harness.free_port()
        self.ctl = Controller(self, hostname="127.0.0.1", port=self.port,
                              data_size_limit=4 << 20)
        self.ctl.start()

    # aiosmtpd handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.cond:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                  bytes(envelope.original_content or envelope.content)))
            self.cond.notify_all()
        return "250 OK"

    @property
    def url(self):
        return "smtp://127.0.0.1:%d" % self.port

    def count(self):
        with self.lock:
            return len(self.messages)

    def wait_for(self, n, timeout=20):
        """Waits until at least n messages arrived; returns them all."""
        with self.cond:
            self.cond.wait_for(lambda: len(self.messages) >= n, timeout)
            return list(self.messages)

    def parsed(self, i):
        return email.message_from_bytes(self.messages[i][2], policy=email.policy.default)

    def to(self, addr):
        """Parsed messages whose envelope recipients include addr."""
        with self.lock:
            raw = [m[2] for m in self.messages if addr in m[1]]
        return [email.message_from_bytes(r, policy=email.policy.default) for r in raw]

    def stop(self):
        self.ctl.stop()
