"""A throwaway PostgreSQL cluster for the tests, CI and the benchmark.

``initdb`` and ``pg_ctl`` run as an unprivileged user (as ``postgres`` when started by root:
PostgreSQL refuses to run as root), with the data directory in a new temporary folder and the
server listening on a unix socket in that folder only (no TCP). Command line, for CI::

    python -m tests.pg_cluster start FOLDER   # prints the URL of the cluster's admin database
    python -m tests.pg_cluster stop FOLDER
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROLE = "certcheck"  # the cluster's superuser
PORT = 5432  # only names the socket file inside the cluster's own folder
FAST = ("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")


class ClusterUnavailable(Exception):
    """No PostgreSQL server can be started here; the message says why."""


def find_bindir() -> Path:
    """The folder holding initdb and pg_ctl: on PATH, else Debian's newest version."""
    on_path = shutil.which("pg_ctl")
    candidates = [Path(on_path).parent] if on_path else []
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    raise ClusterUnavailable(
        "initdb and pg_ctl not found (install Debian's postgresql package, or set "
        "CERTCHECK_TEST_POSTGRES to a server's URL)"
    )


def _server_user() -> str | None:
    """The user to run the server as: None for the current user unless it is root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise ClusterUnavailable("running as root and no unprivileged user to run PostgreSQL as")


@dataclass(frozen=True)
class Cluster:
    folder: Path
    bindir: Path
    user: str | None

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql://{ROLE}@/postgres?host={self.folder}&port={PORT}"

    def run(self, program: str, *arguments: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / program), *arguments]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(
            command, capture_output=True, text=True, check=False, cwd=self.folder, timeout=120
        )

    def stop(self) -> None:
        """Stop the server (immediately) and remove its folder."""
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def start(folder: Path | None = None, durable: bool = False) -> Cluster:
    """Create and start a cluster in ``folder`` (a new temporary folder by default).

    ``durable=False`` turns fsync off, for tests; the benchmark keeps PostgreSQL's defaults.
    """
    bindir = find_bindir()
    user = _server_user()
    folder = Path(folder or tempfile.mkdtemp(prefix="certcheck-pg-"))
    folder.mkdir(parents=True, exist_ok=True)
    if user is not None:
        account = pwd.getpwnam(user)
        os.chown(folder, account.pw_uid, account.pw_gid)
    folder.chmod(0o700)
    cluster = Cluster(folder, bindir, user)
    steps = (
        (
            "initdb",
            "-D", str(cluster.data), "-U", ROLE, "--auth=trust", "--locale=C",
            "--encoding=UTF8", "--no-sync",
        ),
        (
            "pg_ctl", "-D", str(cluster.data), "-l", str(folder / "server.log"), "-w",
            "-o", " ".join((
                "-c", "listen_addresses=''", "-c", f"unix_socket_directories='{folder}'",
                "-c", f"port={PORT}", "-c", "max_connections=40",
                *(FAST if not durable else ()),
            )),
            "start",
        ),
    )  # fmt: skip
    for program, *arguments in steps:
        done = cluster.run(program, *arguments)
        if done.returncode != 0:
            log = folder / "server.log"
            detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
            if log.is_file():
                detail += log.read_text(errors="replace").strip().splitlines()[-1:]
            shutil.rmtree(folder, ignore_errors=True)
            raise ClusterUnavailable(f"{program} failed: {' / '.join(detail)}")
    return cluster


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: python -m tests.pg_cluster start|stop FOLDER", file=sys.stderr)
        return 2
    folder = Path(argv[1])
    if argv[0] == "start":
        try:
            print(start(folder).url)
        except ClusterUnavailable as exc:
            print(f"cannot start PostgreSQL: {exc}", file=sys.stderr)
            return 1
        return 0
    Cluster(folder, find_bindir(), _server_user()).stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
