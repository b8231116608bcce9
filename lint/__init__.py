"""Checks of the code's shape that the usual linters do not make (run by ``make lint``)."""
