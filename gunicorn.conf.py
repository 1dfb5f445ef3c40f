"""gunicorn's settings file, read from the working folder: the metrics folder of
prometheus-client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR, see listening/metrics.py)
starts empty, and the figures of a worker that exited stop counting as live."""

import os
from pathlib import Path

from prometheus_client import multiprocess


def on_starting(server) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
