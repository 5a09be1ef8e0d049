"""CPU pinning for ``pyvb bench relay --pin``: PostgreSQL's processes and the load generator on
one core, the relay, the Kafka broker and Redis on another, so that the relay's cost *on the
database* is measured apart from the CPU the relay and its sinks take on a shared machine.

Affinity is set per thread (``/proc/PID/task``): threads and processes started later inherit
it from their creator (PostgreSQL's backends from the postmaster). Every thread's earlier
affinity is restored on leaving, so the machine's services run as before.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path


class PinningError(Exception):
    """Pinning is impossible here (one core, or no right to set another process's affinity)."""


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


def threads_of(pid: int) -> list[int]:
    try:
        return [int(task.name) for task in (Path("/proc") / str(pid) / "task").iterdir()]
    except OSError:
        return []


@contextmanager
def pinned(groups: dict[int, Callable[[], Iterable[int]]]) -> Iterator[None]:
    """Pin every thread of the processes ``groups[core]()`` lists to ``core`` for the block. On
    leaving, every thread of the processes it lists then — threads and processes started during
    the block inherited the pin — gets back the affinity its process had (the cores this process
    may use, for one started during the block)."""
    everywhere = os.sched_getaffinity(0)
    before: dict[int, set[int]] = {}  # pid → its main thread's affinity before the block
    try:
        for core, listed in groups.items():
            for pid in listed():
                for tid in threads_of(pid):
                    try:
                        before.setdefault(pid, os.sched_getaffinity(pid))
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
                for tid in threads_of(pid):
                    try:
                        os.sched_setaffinity(tid, before.get(pid, everywhere))
                    except OSError:  # ended meanwhile, or never ours to set
                        continue


def taskset(core: int) -> list[str]:
    """A command prefix that runs a program on ``core`` (util-linux's taskset)."""
    return ["taskset", "--cpu-list", str(core)]
