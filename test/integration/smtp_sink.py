"""A real SMTP server for the voicemail mail tests, on Debian's python3-aiosmtpd.

Serve:  PYTHONPATH=test/integration python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_sink.Sink DIR
        writes each accepted mail to DIR/<n>.eml; a recipient starting with "reject" gets a
        permanent 550 (the PBX must keep that job in failed/).
Parse:  python3 test/integration/smtp_sink.py FILE.eml
        prints the mail as JSON: from, to, subject, date, text, attachments (filename,
        content_type, base64 of the decoded bytes).
"""
import base64
import email
import email.policy
import json
import os
import sys


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0
        os.makedirs(directory, exist_ok=True)

    @classmethod
    def from_cli(cls, parser, *args):
        # aiosmtpd passes the command line's CLASSARGS here.
        if len(args) != 1:
            parser.error('smtp_sink.Sink takes one argument: the directory for received mail')
        return cls(args[0])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith('reject'):
            return '550 5.1.1 <%s>: mailbox unavailable' % address
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.directory, '%04d.eml' % self.count)
        tmp = path + '.tmp'
        with open(tmp, 'wb') as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, path)
        return '250 Message accepted for delivery'


def parse(path):
    with open(path, 'rb') as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    text = ''
    attachments = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        if part.get_content_disposition() == 'attachment':
            attachments.append({
                'filename': part.get_filename(),
                'content_type': part.get_content_type(),
                'base64': base64.b64encode(part.get_payload(decode=True)).decode('ascii'),
            })
        elif part.get_content_type() == 'text/plain':
            text = part.get_content()
    return {
        'from': str(msg['From']),
        'to': str(msg['To']),
        'subject': str(msg['Subject']),
        'date': str(msg['Date']),
        'text': text,
        'attachments': attachments,
    }


if __name__ == '__main__':
    print(json.dumps(parse(sys.argv[1])))
