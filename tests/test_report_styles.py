"""The pruned stylesheet: rules the page can use stay, the rest and unreachable custom properties go."""

from explorer.report.styles import inline_pruned_styles, prune_css, split_selectors

CSS = """
/* a comment */
:root { --used: 1px; --via: var(--used); --unused: 2px; }
.jp-Cell { padding: var(--via); }
.jp-FileBrowser, .jp-Cell > .jp-InputArea { color: red; }
.jp-OutputArea:not(.jp-Absent, .jp-Other)::before { content: "a  b"; }
@media print { .jp-Cell { display: block; } .jp-Menu { display: none; } }
@media screen { .jp-Menu { display: none; } }
@keyframes spin { from { opacity: 0; } }
@keyframes unused-spin { from { opacity: 0; } }
.jp-OutputArea { animation: spin 1s; }
"""
PAGE = (
    '<body class="jp-Notebook"><div class="jp-Cell">'
    '<div class="jp-InputArea jp-OutputArea"></div></div></body>'
)


def test_keeps_what_the_page_uses_and_drops_the_rest():
    css = prune_css(CSS, PAGE)
    assert ".jp-Cell{padding:var(--via)}" in css
    assert ".jp-Cell>.jp-InputArea{color:red}" in css.replace(" > ", ">")  # the unused alternative goes
    assert "FileBrowser" not in css and "jp-Menu" not in css and "@media screen" not in css
    assert "@media print{.jp-Cell{display:block}}" in css
    assert '.jp-OutputArea:not(.jp-Absent, .jp-Other)::before{content:"a  b"}' in css  # strings untouched
    assert "--used:1px" in css and "--via:var(--used)" in css and "--unused" not in css
    assert "@keyframes spin" in css and "unused-spin" not in css
    assert "comment" not in css


def test_split_selectors_keeps_commas_inside_parentheses():
    assert split_selectors(" a:is(.x, .y) ,\n b ") == ["a:is(.x, .y)", "b"]


def test_inline_pruned_styles_leaves_styles_in_the_body_alone():
    page = (
        "<html><head><style>.jp-Cell{color:red}</style><style>.gone{color:blue}</style></head>"
        '<body><div class="jp-Cell"></div><style>.df-table{color:green}</style></body></html>'
    )
    out = inline_pruned_styles(page)
    assert out.count("<style>") == 2 and ".gone" not in out and ".df-table{color:green}" in out
