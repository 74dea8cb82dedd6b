"""A byte-counting progress bar on stderr for the backup and restore commands (tqdm)."""

import sys

from tqdm import tqdm


class ByteProgress:
    """`ByteProgress(enabled)(total)` gives the callable that the archive code calls with
    each chunk's size. Shown when stderr is a terminal, unless told otherwise."""

    def __init__(self, enabled: bool | None, description: str):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.description = description
        self.bar = None

    def __call__(self, total: int | None):
        if not self.enabled:
            return None
        self.close()
        self.bar = tqdm(total=total, desc=self.description, unit="B", unit_scale=True,
                        unit_divisor=1024, file=sys.stderr, leave=True)
        return self.bar.update

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
