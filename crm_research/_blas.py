"""One BLAS thread for the small dense linear algebra of the psychometrics stage (private).

OpenBLAS threads spin on a busy machine: a 65,536 x 50 cross-product measured 0.14 s on one
thread and 7.5 s on two while other processes ran, and stacks of 30 x 30 eigen-decompositions
are far slower multi-threaded whenever another process shares the cores. One thread is never
much slower for these shapes, so correlation, reliability, factor and sem run their matrix
work inside :func:`single_blas_thread`.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any


def single_blas_thread() -> contextlib.AbstractContextManager:
    """Limit BLAS to one thread for the duration of a ``with`` block.

    A no-op context when threadpoolctl (a dependency, installed with scikit-learn) is
    missing.

    Returns
    -------
    contextlib.AbstractContextManager
        ``threadpoolctl`` limiter (``limits=1, user_api="blas"``) or a null context.

    Examples
    --------
    >>> import numpy as np
    >>> with single_blas_thread():
    ...     float(np.ones((3, 3)).sum())
    9.0
    """
    controller = _threadpool_controller()
    if controller is None:  # pragma: no cover - threadpoolctl is a dependency
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")


@functools.lru_cache(maxsize=1)
def _threadpool_controller() -> Any:
    """One threadpoolctl controller for the process (finding the BLAS libraries reads
    /proc/self/maps, a few milliseconds that a 20 ms parallel analysis should not pay twice)."""
    try:
        from threadpoolctl import ThreadpoolController  # noqa: PLC0415
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return None
    return ThreadpoolController()
