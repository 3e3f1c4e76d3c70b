"""nnplayground from Python: ``Client`` drives a running server over its REST API."""

from nnplayground.client import ApiError, Client, RunStalled

__all__ = ["ApiError", "Client", "RunStalled"]
