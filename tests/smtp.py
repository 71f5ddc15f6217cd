"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import socket
from contextlib import contextmanager
from email import message_from_bytes

from aiosmtpd.controller import Controller


class Inbox:
    """Collects every message the server accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        """aiosmtpd's hook for a received message (its name is aiosmtpd's)."""
        message = message_from_bytes(envelope.content)
        self.messages.append({"to": envelope.rcpt_tos, "subject": message["Subject"],
                              "body": message.get_payload(decode=True).decode()})
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server():
    """Yield (inbox, port) of an SMTP server running on 127.0.0.1 for the block."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
