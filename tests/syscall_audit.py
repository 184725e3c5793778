"""Run a command under `strace -f` and report every non-loopback network syscall and every file write.

Python audit hooks (tests/netwatch) only see sockets opened from Python; native libraries (onnxruntime's
telemetry, llama.cpp, chromadb's Rust core) open theirs in C. `strace` sees every process and thread:
`connect`, `sendto`, `sendmsg` and `sendmmsg` (UDP, so DNS queries too), and `openat`/`creat`/`mkdir`/
`rename` with intent to write.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

STRACE = shutil.which("strace") or "/usr/bin/strace"
TRACED = "connect,sendto,sendmsg,sendmmsg,open,openat,creat,mkdir,mkdirat,rename,renameat,renameat2"
_LOCAL_FAMILIES = ("AF_UNIX", "AF_NETLINK", "AF_UNSPEC")
_INET = re.compile(r'sa_family=AF_INET6?, sin6?_port=htons\((\d+)\).*?(?:inet_addr\("([^"]+)"\)|"([0-9a-f:.]+)")')
_FAMILY = re.compile(r"sa_family=(AF_\w+)")
_WRITE_FLAGS = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND")
_CALL = re.compile(r"^(?:\[pid\s+)?(\d+)\]?\s+(\w+)\((.*)$")
_PATHS = re.compile(r'"((?:[^"\\]|\\.)*)"')


@dataclass
class Audit:
    """What a traced run did: the raw lines that broke the rules."""

    outbound: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    loopback_connects: int = 0

    def summary(self) -> str:
        return "outbound:\n  " + "\n  ".join(self.outbound[:20]) + "\nwrites:\n  " + "\n  ".join(self.writes[:20])


def strace_prefix(log: Path) -> list[str]:
    """The command prefix that writes one trace file per process to `log`.PID."""
    return [STRACE, "-f", "-qq", "-s", "256", "-e", f"trace={TRACED}", "-e", "signal=none", "-ff", "-o", str(log)]


def _is_loopback(host: str) -> bool:
    return host.startswith("127.") or host in ("::1", "::ffff:127.0.0.1", "0.0.0.0", "::")


def _network_violation(call: str, rest: str) -> bool | None:
    """True: an outbound packet or connection; False: a loopback one; None: not an addressed network call."""
    if call not in ("connect", "sendto", "sendmsg", "sendmmsg"):
        return None
    family = _FAMILY.search(rest)
    if family is None or family.group(1) in _LOCAL_FAMILIES:
        return None  # a connected socket (its connect() was checked) or a local socket family
    match = _INET.search(rest)
    if match is None:
        return True  # some other family that leaves the machine
    host = match.group(2) or match.group(3) or ""
    return not _is_loopback(host)


def _written_path(call: str, rest: str, cwd: Path) -> Path | None:
    paths = _PATHS.findall(rest)
    if not paths or "= -1 E" in rest:
        return None  # a failed call wrote nothing (e.g. mkdir of an existing directory)
    if call in ("open", "openat"):
        if not _WRITE_FLAGS.search(rest):
            return None
        raw = paths[0]
    elif call in ("creat", "mkdir", "mkdirat"):
        raw = paths[0]
    elif call.startswith("rename"):
        raw = paths[-1]
    else:
        return None
    path = Path(raw)
    return path if path.is_absolute() else cwd / path


def audit_logs(log: Path, cwd: Path, allowed: list[Path]) -> Audit:
    """Parse every `log`.PID file; writes outside `allowed` (plus the OS temp dirs, /dev, /proc) are violations.

    /var/tmp counts as a temp dir: SQLite (chromadb) puts its self-deleting temp files there."""
    temp = [tempfile.gettempdir(), "/var/tmp"]
    roots = [Path(p).resolve() for p in [*allowed, *temp]] + [Path("/dev"), Path("/proc")]
    audit = Audit()
    for trace in sorted(log.parent.glob(f"{log.name}.*")):
        for line in trace.read_text(errors="replace").splitlines():
            match = re.match(r"^(\w+)\((.*)$", line)
            if match is None:
                continue
            call, rest = match.groups()
            verdict = _network_violation(call, rest)
            if verdict is True:
                audit.outbound.append(line)
            elif verdict is False:
                audit.loopback_connects += call == "connect"
            written = _written_path(call, rest, cwd)
            if written is None or "__pycache__" in written.parts:  # Python's own bytecode cache
                continue
            resolved = Path(os.path.normpath(written))
            if not any(resolved == root or root in resolved.parents for root in roots):
                audit.writes.append(line)
    return audit


def run_traced(
    args: list[str], log: Path, env: dict[str, str], cwd: Path, timeout: float = 600
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*strace_prefix(log), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout
    )


def stop_traced(strace: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM the command strace started (strace then exits with it), and wait for strace."""
    children = Path(f"/proc/{strace.pid}/task/{strace.pid}/children")
    for pid in children.read_text().split() if children.exists() else []:
        os.kill(int(pid), signal.SIGTERM)
    try:
        strace.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        strace.kill()
        strace.wait(timeout=timeout)
