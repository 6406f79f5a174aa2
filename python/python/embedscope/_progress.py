"""The progress bar of ``verbose=True``: tqdm when it is installed, else a plain one-line bar
on stderr, updated a few times a second."""

from __future__ import annotations

import sys
import time
from typing import Optional


class Bar:
    """A bar of ``total`` steps named ``task``; call it as ``bar(done, total, kl)``."""

    def __init__(self, task: str) -> None:
        self.task = task
        self._tqdm = None
        self._total = 0
        self._last = 0.0
        self._done = 0

    def __call__(self, done: int, total: int, kl: Optional[float]) -> None:
        if self._total == 0:
            self._start(total)
        if self._tqdm is not None:
            self._tqdm.update(done - self._done)
            if kl is not None:
                self._tqdm.set_postfix_str(f"KL {kl:.4f}", refresh=False)
        self._done = done
        now = time.monotonic()
        if self._tqdm is None and (now - self._last > 0.2 or done == total):
            self._last = now
            width = 30
            filled = int(width * done / max(total, 1))
            text = f" KL {kl:.4f}" if kl is not None else ""
            sys.stderr.write(
                f"\r{self.task} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}{text}"
            )
            sys.stderr.flush()
        if done == total:
            self.close()

    def _start(self, total: int) -> None:
        self._total = total
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return
        self._tqdm = tqdm(total=total, desc=self.task, unit="it")

    def close(self) -> None:
        """Ends the bar (also after an interruption)."""
        if self._tqdm is not None:
            self._tqdm.close()
            self._tqdm = None
        elif self._total and self._done:
            sys.stderr.write("\n")
            sys.stderr.flush()
        self._total = 0
        self._done = 0
