"""A panel of the explorer notebook: a live widget, and the static picture a page without a kernel shows.

JupyterLab renders the widget; an HTML export (the report) or a notebook opened untrusted shows the
picture carried in the same display, so every panel reads as a figure there too.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import ipywidgets as w


def picture(png: bytes, text: str) -> dict[str, str]:
    """A display bundle of one PNG image and its plain-text stand-in (what nbval and a terminal see)."""
    return {"text/plain": text, "image/png": base64.b64encode(png).decode()}


class Panel:
    """A widget with a static fallback: JupyterLab shows the widget, an HTML export the picture."""

    def __init__(self, widget: w.Widget, fallback: Callable[[], dict[str, str]]) -> None:
        self.widget = widget
        self._fallback = fallback

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle.update(self._fallback())
        return bundle
