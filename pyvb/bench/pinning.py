"""CPU pinning for ``pyvb bench relay --pin``: PostgreSQL's processes and the load generator on
one core, the relay, the Kafka broker and Redis on another, so that the relay's cost *on the
database* is measured apart from the CPU the relay and its sinks take on a shared machine.

Affinity is set per thread (``/proc/PID/task``): threads and processes started later inherit
it from their creator (PostgreSQL's backends from the postmaster). On leaving — normally, by an
exception, or by SIGTERM/SIGHUP, which are turned into an exit for the block — every thread it
pinned gets its own earlier affinity back, and every thread or process born meanwhile that of
its process (or all the cores this process may use); processes it never pinned (when pinning
failed half way) are left alone.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path


class PinningError(Exception):
    """Pinning is impossible here (one core, a server elsewhere, or no right to set another
    process's affinity)."""


def two_cores() -> tuple[int, int]:
    """The first two cores this process may run on: (database side, relay side)."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        raise PinningError(f"pinning needs two cores; this process may use {len(cores)}")
    return cores[0], cores[1]


def processes_named(*names: str) -> list[int]:
    """The pids whose command name (``/proc/PID/comm``) is one of ``names``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in names:
                    found.append(int(entry.name))
            except OSError:  # gone meanwhile
                continue
    return found


def process_and_children(pid: int) -> list[int]:
    """``pid`` and its direct children (a postmaster's backends and helpers)."""
    found = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # the parent pid is the 4th field after the command name, which may hold spaces
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def postmaster_pid(data_directory: str) -> int:
    """The pid of the server running from ``data_directory`` (first line of postmaster.pid)."""
    try:
        return int((Path(data_directory) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError) as error:
        raise PinningError(
            f"cannot read the server's pid from {data_directory}/postmaster.pid ({error}):"
            " --pin needs the server on this machine and the right to read its data directory"
        ) from None


def threads_of(pid: int) -> list[int]:
    try:
        return [int(task.name) for task in (Path("/proc") / str(pid) / "task").iterdir()]
    except OSError:
        return []


@contextmanager
def _signals_end_the_block() -> Iterator[None]:
    """SIGTERM and SIGHUP raise SystemExit inside the block (so the affinities are restored),
    then the earlier handlers come back. Only the main thread can install handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def leave(signum, _frame):
        raise SystemExit(128 + signum)

    earlier = {sig: signal.signal(sig, leave) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in earlier.items():
            signal.signal(sig, handler)


@contextmanager
def pinned(groups: dict[int, Callable[[], Iterable[int]]]) -> Iterator[None]:
    """Pin every thread of the processes ``groups[core]()`` lists to ``core`` for the block (see
    the module for what is restored, and when)."""
    everywhere = os.sched_getaffinity(0)
    at_entry = {pid for listed in groups.values() for pid in listed()}
    before_thread: dict[int, set[int]] = {}  # tid → its affinity before the block
    before_process: dict[int, set[int]] = {}  # pid → its main thread's affinity before the block
    try:
        with _signals_end_the_block():
            for core, listed in groups.items():
                for pid in listed():
                    for tid in threads_of(pid):
                        try:
                            before_process.setdefault(pid, os.sched_getaffinity(pid))
                            before_thread.setdefault(tid, os.sched_getaffinity(tid))
                            os.sched_setaffinity(tid, {core})
                        except ProcessLookupError:  # the thread ended meanwhile
                            continue
                        except PermissionError as error:
                            raise PinningError(
                                f"no right to set the CPU affinity of process {pid} ({error.strerror}):"
                                " --pin runs as root or as the user of PostgreSQL, Redis and the broker"
                            ) from None
            yield
    finally:
        for listed in groups.values():
            for pid in listed():
                if pid not in before_process and pid in at_entry:
                    continue  # never pinned: pinning failed before it
                for tid in threads_of(pid):
                    cores = before_thread.get(tid, before_process.get(pid, everywhere))
                    try:
                        os.sched_setaffinity(tid, cores)
                    except OSError:  # ended meanwhile, or never ours to set
                        continue


def taskset(core: int) -> list[str]:
    """A command prefix that runs a program on ``core`` (util-linux's taskset)."""
    return ["taskset", "--cpu-list", str(core)]
