"""A griffe extension for the API reference: Sphinx roles in docstrings (:func:`x`) read as code (`x`).

mkdocstrings renders docstrings as Markdown, where a role would show as written; ``~a.b`` keeps ``b``.
"""

import re

import griffe

ROLE = re.compile(r":(?:mod|func|class|meth|attr|data|obj|exc):`(~?)([^`]+)`")


def as_code(match: re.Match) -> str:
    return f"`{match.group(2).rsplit('.', 1)[-1] if match.group(1) else match.group(2)}`"


class SphinxRoles(griffe.Extension):
    """Rewrites each object's docstring once the tree is loaded."""

    def on_object(self, *, obj: griffe.Object, **kwargs: object) -> None:
        if obj.docstring is not None:
            obj.docstring.value = ROLE.sub(as_code, obj.docstring.value)
