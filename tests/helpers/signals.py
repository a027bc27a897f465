"""Child processes that a test interrupts as a user's Ctrl-C would."""

from __future__ import annotations

import signal


def interruptible() -> None:
    """`preexec_fn` for a child the test sends SIGINT: restore SIGINT's default disposition.

    A command started in the background by a non-interactive shell (`pytest … &`, as CI runners
    and scripts do) inherits SIGINT *ignored*, and Python then installs no KeyboardInterrupt
    handler in its children, so the SIGINT a test sends would do nothing. A terminal's Ctrl-C
    reaches a process whose SIGINT is at its default: this puts the child there.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
