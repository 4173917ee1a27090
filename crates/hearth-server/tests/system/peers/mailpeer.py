"""Real email peers for the system tests.

  mailpeer.py sink DIR        an SMTP server (aiosmtpd) on a free loopback port that
                              writes each message it receives to DIR/N.eml (envelope
                              in DIR/N.json); prints "ready PORT" once listening and
                              runs until killed.
  mailpeer.py send PORT FILE [--starttls]
                              sends the message in FILE to 127.0.0.1:PORT with
                              smtplib (after STARTTLS, trusting any certificate, with
                              --starttls); envelope from the From header, recipients
                              from To and Cc; prints "sent" (or "sent over TLS"), or
                              "refused CODE" when every recipient is refused, or
                              "error CODE" for another SMTP error.
"""

import email
import email.utils
import json
import os
import smtplib
import socket
import sys
import time


def sink(directory):
    from aiosmtpd.controller import Controller

    os.makedirs(directory, exist_ok=True)

    class Handler:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            Handler.count += 1
            base = os.path.join(directory, str(Handler.count))
            with open(base + ".json.tmp", "w") as f:
                json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos}, f)
            with open(base + ".eml.tmp", "wb") as f:
                f.write(envelope.original_content)
            os.rename(base + ".json.tmp", base + ".json")
            os.rename(base + ".eml.tmp", base + ".eml")
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", port, flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


def send(port, path, starttls=False):
    with open(path, "rb") as f:
        raw = f.read()
    message = email.message_from_bytes(raw)
    sender = email.utils.parseaddr(message.get("From", ""))[1]
    recipients = [
        a for _, a in email.utils.getaddresses(message.get_all("To", []) + message.get_all("Cc", []))
    ]
    try:
        with smtplib.SMTP("127.0.0.1", int(port), timeout=30) as client:
            if starttls:
                import ssl
                client.ehlo()
                if not client.has_extn("starttls"):
                    print("no starttls offered")
                    return
                client.starttls(context=ssl._create_unverified_context())
                client.ehlo()
            client.sendmail(sender, recipients, raw)
            if starttls:
                print("sent over TLS", client.sock.version())
                return
    except smtplib.SMTPRecipientsRefused as e:
        codes = sorted({code for code, _ in e.recipients.values()})
        print("refused", " ".join(str(c) for c in codes))
        return
    except smtplib.SMTPResponseException as e:
        print("error", e.smtp_code)
        return
    print("sent")


if __name__ == "__main__":
    if sys.argv[1] == "sink":
        sink(sys.argv[2])
    elif sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3], "--starttls" in sys.argv[4:])
    else:
        sys.exit("usage: mailpeer.py sink DIR | send PORT FILE")
