# ruff: noqa: E501, W291  (mail as clients write it: long lines, and the "-- " signature separator)
"""Writes the committed email corpus (the .eml files beside this script), shaped
after what real clients and servers send. Run it only to change the corpus:
`python tests/corpus/email/build_corpus.py`. The 20 MB message is not here:
tests/integration/channels/test_corpus.py generates it at test time."""

from __future__ import annotations

import base64
import quopri
from pathlib import Path

HERE = Path(__file__).resolve().parent
CRLF = "\r\n"


def write(name: str, text: str | bytes) -> None:
    data = text if isinstance(text, bytes) else text.replace("\r\n", "\n").replace("\n", CRLF).encode("utf-8")
    (HERE / name).write_bytes(data)


def b64(data: bytes) -> str:
    raw = base64.b64encode(data).decode()
    return "\n".join(raw[i : i + 76] for i in range(0, len(raw), 76))


def main() -> None:
    write(
        "01_gmail_plain.eml",
        """Delivered-To: support@casework.example
Received: by 2002:a05:6a10:1234 with SMTP id abc; Mon, 23 Nov 2026 08:59:58 -0800 (PST)
MIME-Version: 1.0
Date: Mon, 23 Nov 2026 17:59:55 +0100
Message-ID: <CAF+gmail01xYz@mail.gmail.com>
Subject: Cannot log in to the dashboard
From: Anna Berg <anna.berg@gmail.com>
To: support@casework.example
Content-Type: multipart/alternative; boundary="000000000000a1b2c3"

--000000000000a1b2c3
Content-Type: text/plain; charset="UTF-8"

Hi,

since this morning I cannot log in to the dashboard. It says "session expired".

Thanks,
Anna

--000000000000a1b2c3
Content-Type: text/html; charset="UTF-8"

<div dir="ltr">Hi,<div><br></div><div>since this morning I cannot log in to the dashboard. It says &quot;session expired&quot;.</div><div><br></div><div>Thanks,</div><div>Anna</div></div>

--000000000000a1b2c3--
""",
    )
    write(
        "02_gmail_reply_quoted.eml",
        """MIME-Version: 1.0
Date: Mon, 23 Nov 2026 18:20:01 +0100
Message-ID: <CAF+gmail02reply@mail.gmail.com>
In-Reply-To: <CAF+gmail01xYz@mail.gmail.com>
References: <CAF+gmail01xYz@mail.gmail.com>
Subject: Re: Cannot log in to the dashboard
From: Anna Berg <anna.berg@gmail.com>
To: support@casework.example
Content-Type: text/plain; charset="UTF-8"

It works again after clearing cookies.

On Mon, 23 Nov 2026 at 17:59, Anna Berg <anna.berg@gmail.com> wrote:
> Hi,
>
> since this morning I cannot log in to the dashboard.
""",
    )
    tnef = b"\x78\x9f\x3e\x22" + bytes(range(256)) * 4
    write(
        "03_outlook_winmail_dat.eml",
        f"""Received: from EXCH01.corp.example (10.0.0.5) by EXCH02.corp.example; Mon, 23 Nov 2026 09:12:00 +0000
From: "Miller, Tom" <tom.miller@corp.example>
To: "support@casework.example" <support@casework.example>
Subject: Invoice 2026-1183 missing VAT number
Thread-Topic: Invoice 2026-1183 missing VAT number
Thread-Index: AdpXb8Jq3k7Rz1xqQ0uV5mY8n2cT4A==
Date: Mon, 23 Nov 2026 09:11:58 +0000
Message-ID: <DB9PR01MB1234ABCD@DB9PR01MB1234.eurprd01.prod.outlook.com>
Accept-Language: en-US
Content-Language: en-US
X-MS-Has-Attach: yes
X-MS-TNEF-Correlator: <DB9PR01MB1234ABCD@DB9PR01MB1234.eurprd01.prod.outlook.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="_000_DB9PR01MB1234_"

--_000_DB9PR01MB1234_
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

Hello,

our invoice 2026-1183 has no VAT number. Please send a corrected one.

Regards
Tom Miller

--_000_DB9PR01MB1234_
Content-Type: application/ms-tnef; name="winmail.dat"
Content-Disposition: attachment; filename="winmail.dat"
Content-Transfer-Encoding: base64

{b64(tnef)}

--_000_DB9PR01MB1234_--
""",
    )
    write(
        "04_outlook_reply_thread_index.eml",
        """From: "Miller, Tom" <tom.miller@corp.example>
To: "support@casework.example" <support@casework.example>
Subject: RE: Invoice 2026-1183 missing VAT number
Thread-Topic: Invoice 2026-1183 missing VAT number
Thread-Index: AdpXb8Jq3k7Rz1xqQ0uV5mY8n2cT4AABCDEFGH==
Date: Mon, 23 Nov 2026 10:30:00 +0000
Message-ID: <DB9PR01MB5678EFGH@DB9PR01MB1234.eurprd01.prod.outlook.com>
MIME-Version: 1.0
Content-Type: text/plain; charset="us-ascii"

Any news on this?

________________________________
From: Miller, Tom
Sent: Monday, November 23, 2026 9:11 AM
Subject: Invoice 2026-1183 missing VAT number
""",
    )
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
    write(
        "05_apple_mail_inline_image.eml",
        f"""From: Lea Wagner <lea@icloud.com>
Content-Type: multipart/alternative; boundary="Apple-Mail=_5B3F-1"
Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.600.62\\))
Subject: Screenshot of the error
Message-Id: <8E1F2C3A-1B2D-4C5E-9F00-APPLE05@icloud.com>
Date: Mon, 23 Nov 2026 11:00:00 +0100
To: support@casework.example
X-Mailer: Apple Mail (2.3774.600.62)

--Apple-Mail=_5B3F-1
Content-Transfer-Encoding: 7bit
Content-Type: text/plain; charset=us-ascii

Here is the screenshot of the error.

--Apple-Mail=_5B3F-1
Content-Type: multipart/related; type="text/html"; boundary="Apple-Mail=_5B3F-2"

--Apple-Mail=_5B3F-2
Content-Transfer-Encoding: 7bit
Content-Type: text/html; charset=us-ascii

<html><head><meta http-equiv="Content-Type" content="text/html; charset=us-ascii"></head><body style="word-wrap: break-word;">Here is the screenshot of the error.<div><img apple-inline="yes" id="IMG1" src="cid:F1A2B3C4-SCREEN@icloud.com"></div></body></html>
--Apple-Mail=_5B3F-2
Content-Transfer-Encoding: base64
Content-Disposition: inline; filename=screenshot.png
Content-Type: image/png; name="screenshot.png"
Content-Id: <F1A2B3C4-SCREEN@icloud.com>

{b64(png)}
--Apple-Mail=_5B3F-2--

--Apple-Mail=_5B3F-1--
""",
    )
    latin1 = quopri.encodestring(
        "Guten Tag,\n\ndie Lieferung ist beschädigt. Grüße aus Köln,\nJürgen Müller\n".encode("iso-8859-1")
    ).decode()
    write(
        "06_iso_8859_1_quoted_printable.eml",
        f"""From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <juergen@example.de>
To: support@casework.example
Subject: =?ISO-8859-1?Q?Besch=E4digte_Lieferung?=
Message-ID: <20261123.latin1@example.de>
Date: Mon, 23 Nov 2026 12:00:00 +0100
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: quoted-printable

{latin1}""",
    )
    sjis = "お世話になっております。\n注文番号 12345 の商品が届いていません。\n山田\n".encode("shift_jis")
    write(
        "07_shift_jis_base64.eml",
        f"""From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>
To: support@casework.example
Subject: =?Shift_JIS?B?{base64.b64encode("商品が届きません".encode("shift_jis")).decode()}?=
Message-ID: <sjis.0001@example.jp>
Date: Mon, 23 Nov 2026 20:00:00 +0900
MIME-Version: 1.0
Content-Type: text/plain; charset=Shift_JIS
Content-Transfer-Encoding: base64

{b64(sjis)}
""",
    )
    write(
        "08_base64_utf8.eml",
        f"""From: Zoë Lefèvre <zoe@example.fr>
To: support@casework.example
Subject: Facture incorrecte
Message-ID: <b64.utf8@example.fr>
Date: Mon, 23 Nov 2026 09:00:00 +0100
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

{b64("Bonjour, la facture n°42 est incorrecte — merci de la corriger. Zoë".encode())}
""",
    )
    long_line = "This is a very long line that a mail client folds with soft line breaks " * 4
    write(
        "09_quoted_printable_soft_breaks.eml",
        f"""From: qp@example.com
To: support@casework.example
Subject: Long line
Message-ID: <qp.soft@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

{quopri.encodestring(long_line.encode()).decode()}
""",
    )
    write(
        "10_rfc2047_subject.eml",
        """From: =?UTF-8?B?0JjQstCw0L0g0J/QtdGC0YDQvtCy?= <ivan@example.ru>
To: support@casework.example
Subject: =?UTF-8?B?0J/RgNC+0LHQu9C10LzQsA==?= with =?UTF-8?Q?caf=C3=A9?= machine
Message-ID: <rfc2047@example.ru>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

The coffee machine is broken.
""",
    )
    write(
        "11_forwarded_inline.eml",
        """From: Kai Scholz <kai@partner.example>
To: support@casework.example
Subject: Fwd: Order 998 not delivered
Message-ID: <fwd.inline@partner.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

---------- Forwarded message ---------
From: Customer <c@shop.example>
Date: Sun, 22 Nov 2026 at 10:00
Subject: Order 998 not delivered
To: Kai Scholz <kai@partner.example>

My order 998 has not arrived.
""",
    )
    write(
        "12_forwarded_as_attachment.eml",
        """From: Kai Scholz <kai@partner.example>
To: support@casework.example
Subject: Fw: complaint
Message-ID: <fwd.attached@partner.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="fwdb"

--fwdb
Content-Type: text/plain; charset=utf-8

See the attached complaint.

--fwdb
Content-Type: message/rfc822
Content-Disposition: attachment; filename="complaint.eml"

From: angry@shop.example
To: kai@partner.example
Subject: complaint
Message-ID: <inner.complaint@shop.example>

The product broke after a day.

--fwdb--
""",
    )
    write(
        "13_out_of_office_rfc3834.eml",
        """From: Peter Out <peter@corp.example>
To: support@casework.example
Subject: Out of Office: your message
Auto-Submitted: auto-replied
Message-ID: <ooo.1@corp.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

I am out of the office until Monday.
""",
    )
    write(
        "14_out_of_office_exchange.eml",
        """From: "Schmidt, Eva" <eva@corp.example>
To: support@casework.example
Subject: Automatic reply: Your request
X-Auto-Response-Suppress: All
X-MS-Exchange-Inbox-Rules-Loop: eva@corp.example
Message-ID: <ooo.2@corp.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

I am on leave.
""",
    )
    write(
        "15_bounce_dsn_unknown.eml",
        """From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: support@casework.example
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn.unknown@mx.example.net>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="dsnb"

--dsnb
Content-Type: text/plain

Your message could not be delivered.

--dsnb
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; gone@example.net
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown

--dsnb
Content-Type: text/rfc822-headers

From: someone-else@other.example
Message-ID: <not-ours@other.example>
Subject: hi

--dsnb--
""",
    )
    write(
        "16_calendar_invite.eml",
        """From: Organizer <organizer@corp.example>
To: support@casework.example
Subject: Invitation: Quarterly review @ Tue 1 Dec 2026 10:00
Message-ID: <invite.1@corp.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="cal1"

--cal1
Content-Type: multipart/alternative; boundary="cal2"

--cal2
Content-Type: text/plain; charset=utf-8

You have been invited to the quarterly review.

--cal2
Content-Type: text/calendar; charset=utf-8; method=REQUEST

BEGIN:VCALENDAR
METHOD:REQUEST
BEGIN:VEVENT
UID:review-2026-q4@corp.example
DTSTART:20261201T100000Z
SUMMARY:Quarterly review
END:VEVENT
END:VCALENDAR

--cal2--

--cal1
Content-Type: application/ics; name="invite.ics"
Content-Disposition: attachment; filename="invite.ics"

BEGIN:VCALENDAR
END:VCALENDAR

--cal1--
""",
    )
    write(
        "17_malformed_headers.eml",
        """From: Broken Client <broken@example.com>
To: support@casework.example, , <>
Subject: =?utf-8?q?unterminated encoded word
Date: Someday in November
Message-ID: <malformed.1@example.com>
X-Garbage: \x01control
MIME-Version: 1.0
Content-Type: text/plain; charset=no-such-charset

Body survives broken headers.
""",
    )
    write(
        "18_no_sender_at_all.eml",
        """To: support@casework.example
Subject: who am I
Message-ID: <nosender@example.com>

There is no From header.
""",
    )
    parts = []
    for i in range(100):
        parts.append(
            f"""--hundred
Content-Type: text/plain; name="file-{i:03d}.txt"
Content-Disposition: attachment; filename="file-{i:03d}.txt"

attachment number {i}
"""
        )
    write(
        "19_hundred_attachments.eml",
        """From: scanner@office.example
To: support@casework.example
Subject: Scanned documents (100 files)
Message-ID: <hundred@office.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="hundred"

--hundred
Content-Type: text/plain

100 scanned pages attached.
"""
        + "".join(parts)
        + "--hundred--\n",
    )
    write(
        "20_html_script_and_tracking.eml",
        """From: Marketing Person <mp@vendor.example>
To: support@casework.example
Subject: Please look at our proposal
Message-ID: <html.tracking@vendor.example>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><head><style>body{background:url(http://track.example/bg.gif)}</style><script>alert('x')</script></head>
<body onload="steal()"><p onclick="evil()">Hello support,</p>
<p>please look at <a href="javascript:alert(1)">this</a> and <a href="https://vendor.example/proposal">the proposal</a>.</p>
<img src="http://track.example/pixel.gif?id=123" width="1" height="1">
<img src="https://track.example/open.png">
<form action="https://phish.example"><input name="password"></form>
<iframe src="https://evil.example"></iframe>
</body></html>
""",
    )
    write(
        "21_html_only.eml",
        """From: htmlonly@example.com
To: support@casework.example
Subject: HTML only body
Message-ID: <htmlonly@example.com>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<p>First paragraph.</p><p>Second &amp; last paragraph.</p>
""",
    )
    write(
        "22_bulk_newsletter.eml",
        """From: News <news@newsletter.example>
To: support@casework.example
Subject: Our November newsletter
Precedence: bulk
List-Unsubscribe: <mailto:unsubscribe@newsletter.example>
Message-ID: <news.nov@newsletter.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Read all about it.
""",
    )
    write(
        "23_mailer_daemon_plain_bounce.eml",
        """From: MAILER-DAEMON@old-mx.example
To: support@casework.example
Subject: failure notice
Message-ID: <qmail.bounce@old-mx.example>

Hi. This is the qmail-send program. I'm afraid I wasn't able to deliver your message.
""",
    )
    write(
        "24_no_message_id.eml",
        """From: nomid@example.com
To: support@casework.example
Subject: Sent without a Message-ID

Some old scripts send mail without a Message-ID.
""",
    )
    write(
        "25_empty_body.eml",
        """From: empty@example.com
To: support@casework.example
Subject: Call me back
Message-ID: <empty.body@example.com>

""",
    )
    write(
        "26_no_subject.eml",
        """From: nosubject@example.com
To: support@casework.example
Message-ID: <no.subject@example.com>

I forgot the subject.
""",
    )
    write(
        "27_encoded_display_name.eml",
        """From: =?utf-8?q?Jos=C3=A9_Garc=C3=ADa?= <jose@example.es>
To: support@casework.example
Subject: Pregunta
Message-ID: <encoded.name@example.es>
Content-Type: text/plain; charset=utf-8

Hola.
""",
    )
    write(
        "28_unlabelled_8bit.eml",
        b"From: old@example.com\r\nTo: support@casework.example\r\nSubject: 8bit without charset\r\n"
        b"Message-ID: <unlabelled@example.com>\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        b"Caf\xe9 cr\xe8me is broken.\r\n",
    )
    write(
        "29_nested_multipart.eml",
        """From: nested@example.com
To: support@casework.example
Subject: Nested parts
Message-ID: <nested@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

Plain version of the nested message.

--alt
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: text/html; charset=utf-8

<p>HTML version of the <b>nested</b> message.</p>

--rel--

--alt--

--outer
Content-Type: application/pdf; name="report.pdf"
Content-Disposition: attachment; filename="report.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcOkw7zDtsOfCg==

--outer--
""",
    )
    write(
        "30_signature_separator.eml",
        """From: sig@example.com
To: support@casework.example
Subject: With a signature
Message-ID: <sig@example.com>
Content-Type: text/plain; charset=utf-8

The export button does nothing.

-- 
Sam Sig | Head of Things | +49 30 1234567
""",
    )
    write(
        "31_windows_1252.eml",
        b"From: win@example.com\r\nTo: support@casework.example\r\nSubject: Smart quotes\r\n"
        b"Message-ID: <cp1252@example.com>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=windows-1252\r\n\r\n"
        b"The \x93Save\x94 button costs \x80 5 \x96 why?\r\n",
    )
    write(
        "32_german_quote_header.eml",
        """From: Anna Berg <anna.berg@gmail.com>
To: support@casework.example
Subject: Re: Cannot log in to the dashboard
Message-ID: <german.quote@mail.gmail.com>
In-Reply-To: <CAF+gmail01xYz@mail.gmail.com>
Content-Type: text/plain; charset=utf-8

Danke, jetzt geht es.

Am Mo., 23. Nov. 2026 um 17:59 Uhr schrieb Anna Berg <anna.berg@gmail.com>:
> Hi,
""",
    )
    write(
        "33_rfc2231_filename.eml",
        """From: cv@example.com
To: support@casework.example
Subject: My CV
Message-ID: <rfc2231@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="cv"

--cv
Content-Type: text/plain

Attached.

--cv
Content-Type: application/pdf
Content-Disposition: attachment; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQK

--cv--
""",
    )


if __name__ == "__main__":
    main()
