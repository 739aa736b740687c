"""Route table entries shared by the view modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from werkzeug.wrappers import Response


@dataclass(frozen=True)
class View:
    func: Callable[..., Response]
    authenticated: bool = False
    scope: str | None = None  # OAuth scope the call needs
    business: bool = False  # check the caller may see the {business_id} in the path
