"""Sending e-mail through SMTP (configured by the deployment)."""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "registry@localhost"
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0

    @classmethod
    def from_env(cls) -> SmtpSettings | None:
        """Read SMTP_HOST, SMTP_PORT, SMTP_SENDER, SMTP_STARTTLS, SMTP_USERNAME, SMTP_PASSWORD.

        None when SMTP_HOST is unset: messages then appear in the app only.
        """
        env = os.environ
        if not env.get("SMTP_HOST"):
            return None
        return cls(
            host=env.get("SMTP_HOST", cls.host),
            port=int(env.get("SMTP_PORT", cls.port)),
            sender=env.get("SMTP_SENDER", cls.sender),
            starttls=env.get("SMTP_STARTTLS", "false").lower() in ("1", "true", "yes"),
            username=env.get("SMTP_USERNAME") or None,
            password=env.get("SMTP_PASSWORD") or None,
        )


def send_email(settings: SmtpSettings, recipients: list[str], subject: str, body: str) -> None:
    """Send one plain-text message; raises OSError / smtplib errors on failure."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(message)
