"""Each page's stylesheet cut down to what the page uses: JupyterLab's look at a tenth of the bytes.

nbconvert's lab template inlines about 263 kB of JupyterLab CSS in every page, most of it for
the application (menus, file browser, icons) that a static page never shows. We keep the rules
whose classes and ids occur in the page, the custom properties those rules reach, and write
them without comments or spaces; the page stays self-contained and looks the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
_ID = re.compile(r"#(-?[_a-zA-Z][\w-]*)")
_VAR = re.compile(r"var\(\s*(--[\w-]+)")
_HEAD_STYLE = re.compile(r"<style[^>]*>(.*?)</style>\s*", re.S | re.I)
_CLASS_ATTR = re.compile(r"""\bclass\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_ID_ATTR = re.compile(r"""\bid\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)


def inline_pruned_styles(page: str) -> str:
    """``page`` with the ``<style>`` blocks of its ``<head>`` replaced by one pruned, minified block."""
    head_end = page.lower().find("</head>")
    if head_end < 0:
        return page
    head, body = page[:head_end], page[head_end:]
    sheets = _HEAD_STYLE.findall(head)
    if not sheets:
        return page
    css = prune_css("\n".join(sheets), body)
    first = _HEAD_STYLE.search(head)
    assert first is not None  # sheets is not empty
    kept_head = head[: first.start()] + f"<style>{css}</style>\n" + _HEAD_STYLE.sub("", head[first.start() :])
    return kept_head + body


def prune_css(css: str, page: str) -> str:
    """The rules of ``css`` that can apply to the HTML ``page``, minified.

    A selector is kept when every class and id it requires occurs in the page (classes inside
    ``:not()`` and other parenthesised arguments are not required); custom properties are kept
    when a kept rule or the page refers to them, directly or through other properties.
    """
    import tinycss2

    classes = {name for match in _CLASS_ATTR.findall(page) for name in " ".join(match).split()}
    ids = {"".join(match).strip() for match in _ID_ATTR.findall(page)}
    rules = _prune_rules(
        tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True), classes, ids
    )
    seed = set(_VAR.findall(page)) | set(_VAR.findall(text_without_definitions(rules)))
    return _serialize(rules, used_variables=_reachable_variables(rules, seed))


def selector_applies(selector: str, classes: set[str], ids: set[str]) -> bool:
    """Whether ``selector`` could match in a page with these ``classes`` and ``ids`` (conservative)."""
    if "\\" in selector:
        return True  # escaped names: keep rather than guess
    required = _strip_arguments(selector)
    return all(c in classes for c in _CLASS.findall(required)) and all(
        i in ids for i in _ID.findall(required)
    )


def split_selectors(prelude: str) -> list[str]:
    """A selector list split at its top-level commas (commas inside parentheses stay)."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(prelude):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(prelude[start:index])
            start = index + 1
    parts.append(prelude[start:])
    return [" ".join(p.split()) for p in parts if p.strip()]


def _strip_arguments(selector: str) -> str:
    out, depth = [], 0
    for char in selector:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


def _prune_rules(rules: Iterable, classes: set[str], ids: set[str]) -> list:
    """Kept rules as (selectors, declarations) or (at-rule prelude, children | raw text) tuples."""
    import tinycss2

    kept: list = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = [
                s
                for s in split_selectors(tinycss2.serialize(rule.prelude))
                if selector_applies(s, classes, ids)
            ]
            if selectors:
                declarations = tinycss2.parse_blocks_contents(
                    rule.content, skip_comments=True, skip_whitespace=True
                )
                kept.append(("rule", selectors, [d for d in declarations if d.type == "declaration"]))
        elif (
            rule.type == "at-rule"
            and rule.lower_at_keyword in ("media", "supports")
            and rule.content is not None
        ):
            children = _prune_rules(
                tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True), classes, ids
            )
            if children:
                kept.append(("group", f"@{rule.at_keyword} {_tokens(rule.prelude)}", children))
        elif rule.type == "at-rule":
            kept.append(("raw", rule.lower_at_keyword, _minify_raw(rule)))
    return kept


def _reachable_variables(rules: list, seed: set[str]) -> set[str]:
    definitions: dict[str, set[str]] = {}
    for _, _, declarations in _walk(rules):
        for declaration in declarations:
            if declaration.name.startswith("--"):
                definitions.setdefault(declaration.name, set()).update(
                    _VAR.findall(_tokens(declaration.value))
                )
    used, todo = set(), list(seed)
    while todo:
        name = todo.pop()
        if name not in used:
            used.add(name)
            todo.extend(definitions.get(name, ()))
    return used


def text_without_definitions(rules: list) -> str:
    """The values of every kept declaration except custom-property definitions, and raw at-rules."""
    parts = []
    for _kind, _, declarations in _walk(rules):
        parts.extend(_tokens(d.value) for d in declarations if not d.name.startswith("--"))
    parts.extend(text for kind, keyword, text in _flat(rules) if kind == "raw")
    return " ".join(parts)


def _walk(rules: list):
    for kind, head, body in rules:
        if kind == "rule":
            yield kind, head, body
        elif kind == "group":
            yield from _walk(body)


def _flat(rules: list):
    for item in rules:
        if item[0] == "group":
            yield from _flat(item[2])
        else:
            yield item


def _serialize(rules: list, used_variables: set[str] | None) -> str:
    out = []
    for kind, head, body in rules:
        if kind == "rule":
            declarations = [
                f"{d.name}:{_tokens(d.value)}{'!important' if d.important else ''}"
                for d in body
                if used_variables is None or not d.name.startswith("--") or d.name in used_variables
            ]
            if declarations:
                out.append(f"{','.join(head)}{{{';'.join(declarations)}}}")
        elif kind == "group":
            inner = _serialize(body, used_variables)
            if inner:
                out.append(f"{head}{{{inner}}}")
        elif head != "keyframes" or used_variables is None or _keyframes_used(body, rules):
            out.append(body)
    return "".join(out)


def _keyframes_used(raw: str, rules: list) -> bool:
    name = raw.split("{", 1)[0].split()[-1]
    values = " ".join(_tokens(d.value) for _, _, declarations in _walk(rules) for d in declarations)
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", values) is not None


def _tokens(tokens: list) -> str:
    """Tokens serialized with every run of whitespace (outside strings) as one space, trimmed."""
    import tinycss2

    return tinycss2.serialize(_squeeze(tokens)).strip()


def _squeeze(tokens: list) -> list:
    import tinycss2.ast as ast

    out = []
    for token in tokens:
        if token.type == "whitespace":
            token = ast.WhitespaceToken(token.source_line, token.source_column, " ")
        elif token.type == "function":
            token = ast.FunctionBlock(
                token.source_line, token.source_column, token.name, _squeeze(token.arguments)
            )
        elif token.type in ("() block", "[] block", "{} block"):
            token = type(token)(token.source_line, token.source_column, _squeeze(token.content))
        out.append(token)
    return out


def _minify_raw(rule) -> str:
    content = "" if rule.content is None else "{" + _tokens(rule.content) + "}"
    return f"@{rule.at_keyword} {_tokens(rule.prelude)}".strip() + (content or ";")
