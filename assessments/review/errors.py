"""What a refused review step raises; `status` is the HTTP answer views and the API give."""

from __future__ import annotations


class ReviewError(Exception):
    status = 400

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.fields = fields or {}


class ReviewForbiddenError(ReviewError):
    status = 403


class ReviewConflictError(ReviewError):
    status = 409


class ReviewInvalidError(ReviewError):
    status = 422
