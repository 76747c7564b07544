"""A small, honest IMAP4rev1 server for tests: one user, folders in memory,
and the commands Casework's poller uses (CAPABILITY, LOGIN, SELECT, UID SEARCH,
UID FETCH BODY.PEEK[], UID STORE +FLAGS, UID MOVE, LOGOUT). It speaks the
protocol over a real socket, so imapclient is exercised unchanged. Every
command it receives is logged, so a test can assert the conversation."""

from __future__ import annotations

import re
import socketserver
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class StoredMail:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


class ImapState:
    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password
        self.folders: dict[str, list[StoredMail]] = {"INBOX": [], "Processed": []}
        self.next_uid = 1
        self.commands: list[str] = []
        self.lock = threading.Lock()

    def deliver(self, raw: bytes, folder: str = "INBOX") -> int:
        with self.lock:
            uid = self.next_uid
            self.next_uid += 1
            self.folders[folder].append(StoredMail(uid, raw))
            return uid


def _uid_set(spec: str) -> set[int]:
    uids: set[int] = set()
    for part in spec.split(","):
        if ":" in part:
            lo, hi = part.split(":")
            uids |= set(range(int(lo), (10**9 if hi == "*" else int(hi)) + 1))
        else:
            uids.add(int(part))
    return uids


class _Handler(socketserver.StreamRequestHandler):
    state: ImapState

    def send(self, line: str | bytes) -> None:
        data = line if isinstance(line, bytes) else line.encode()
        self.wfile.write(data + b"\r\n")

    def handle(self) -> None:
        state = self.server.state  # type: ignore[attr-defined]
        selected: str | None = None
        authed = False
        self.send("* OK [CAPABILITY IMAP4rev1 MOVE UIDPLUS] test IMAP server ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            tag, _, rest = text.partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            state.commands.append(f"{command} {args}".strip() if command != "LOGIN" else "LOGIN ***")
            if command == "UID":
                sub, _, args = args.partition(" ")
                command = f"UID {sub.upper()}"
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1 MOVE UIDPLUS")
                self.send(f"{tag} OK CAPABILITY completed")
            elif command == "NOOP":
                self.send(f"{tag} OK NOOP completed")
            elif command == "LOGIN":
                parts = [p.strip('"') for p in re.findall(r'"[^"]*"|\S+', args)]
                if parts == [state.user, state.password]:
                    authed = True
                    self.send(f"{tag} OK LOGIN completed")
                else:
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] invalid credentials")
            elif command == "LOGOUT":
                self.send("* BYE logging out")
                self.send(f"{tag} OK LOGOUT completed")
                return
            elif not authed:
                self.send(f"{tag} NO not authenticated")
            elif command in ("SELECT", "EXAMINE"):
                name = args.strip().strip('"')
                if name not in state.folders:
                    self.send(f"{tag} NO no such folder")
                    continue
                selected = name
                mails = state.folders[name]
                self.send(r"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)")
                self.send(f"* {len(mails)} EXISTS")
                self.send("* 0 RECENT")
                self.send("* OK [UIDVALIDITY 1] UIDs valid")
                self.send(f"* OK [UIDNEXT {state.next_uid}] next uid")
                self.send(f"{tag} OK [READ-WRITE] SELECT completed")
            elif selected is None:
                self.send(f"{tag} BAD no folder selected")
            elif command == "UID SEARCH":
                criteria = args.upper().split()
                with state.lock:
                    mails = state.folders[selected]
                    hits = [m.uid for m in mails if "UNSEEN" not in criteria or "\\Seen" not in m.flags]
                self.send("* SEARCH" + "".join(f" {u}" for u in hits))
                self.send(f"{tag} OK SEARCH completed")
            elif command == "UID FETCH":
                spec, _, _items = args.partition(" ")
                wanted = _uid_set(spec)
                with state.lock:
                    mails = [(i, m) for i, m in enumerate(state.folders[selected], 1) if m.uid in wanted]
                for seq, mail in mails:
                    self.wfile.write(f"* {seq} FETCH (UID {mail.uid} BODY[] {{{len(mail.raw)}}}\r\n".encode())
                    self.wfile.write(mail.raw)
                    self.send(")")
                self.send(f"{tag} OK FETCH completed")
            elif command == "UID STORE":
                spec, _, rest_args = args.partition(" ")
                flags = set(re.findall(r"\\\w+", rest_args))
                with state.lock:
                    for seq, mail in enumerate(state.folders[selected], 1):
                        if mail.uid in _uid_set(spec):
                            mail.flags |= flags
                            self.send(
                                f"* {seq} FETCH (UID {mail.uid} FLAGS ({' '.join(sorted(mail.flags))}))"
                            )
                self.send(f"{tag} OK STORE completed")
            elif command == "UID MOVE":
                spec, _, target = args.partition(" ")
                target = target.strip().strip('"')
                with state.lock:
                    moving = [m for m in state.folders[selected] if m.uid in _uid_set(spec)]
                    state.folders[selected] = [m for m in state.folders[selected] if m not in moving]
                    state.folders.setdefault(target, []).extend(moving)
                self.send(f"{tag} OK MOVE completed")
            else:
                self.send(f"{tag} BAD unsupported command {command}")


class ImapServer:
    def __init__(self, user: str = "support", password: str = "secret") -> None:
        self.state = ImapState(user, password)
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.state = self.state  # type: ignore[attr-defined]
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ImapServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
