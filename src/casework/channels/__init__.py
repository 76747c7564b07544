"""Channels: email (SMTP gateway, IMAP, MIME, threading, outbound), portal form, chat."""
