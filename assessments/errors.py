"""Errors raised by the assessment domain."""


class InstrumentError(ValueError):
    """An instrument file cannot be used.

    The message always starts with the file's path, followed by where in the
    file the problem is and what it is, e.g.
    ``instruments/x.v1.yaml: areas[1].statements[3]: missing Dutch text (nl)``.
    """


class AnswerError(ValueError):
    """A set of answers does not fit the instrument it is scored against."""
