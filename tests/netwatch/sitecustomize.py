"""Loaded into a child Python process via PYTHONPATH: logs every socket connect / name lookup.

The audit events fire inside CPython's socket module before the call is made, so any connection
attempt made from Python code (ours, chromadb's telemetry, llama-index's, gradio's, httpx's) is seen.
"""

import json
import os
import sys

_LOG = os.environ.get("NETWATCH_LOG")


def _record(event: str, args: tuple) -> None:
    if event == "socket.connect":
        sock, address = args
        entry = {"event": event, "family": int(sock.family), "address": repr(address)}
    elif event == "socket.getaddrinfo":
        entry = {"event": event, "host": repr(args[0])}
    elif event == "socket.sendto":
        entry = {"event": event, "address": repr(args[1])}
    else:
        return
    with open(_LOG, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")


if _LOG:
    sys.addaudithook(_record)
