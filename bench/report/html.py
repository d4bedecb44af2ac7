"""One self-contained HTML page from a :class:`~bench.report.model.Report` (no network at all).

Inline CSS, inline JavaScript, plots as ``data:`` URIs: the file opens from disk, from a CI
artifact or an e-mail attachment and never fetches anything. The page has four parts: the
comparison table (sortable by any column), the plots, every cluster with each system's summary
side by side (n-grams shared with the references highlighted, fact issues clickable to show
what the source documents say, the documents and references one click away) and provenance.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence

from bench.report.model import ClusterView, Report, SystemSummary

_WORD = re.compile(r"[A-Za-z0-9]+")
# Nothing may be fetched: no default source, images only as data: URIs, inline style and script.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"

CSS = """
:root { --fg: #1d1d1f; --muted: #5f6368; --line: #d0d4da; --accent: #1a56a8; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
       margin: 0 auto; max-width: 1400px; padding: 1rem 1.5rem 4rem; }
h1 { font-size: 1.5rem; margin: .2rem 0 .8rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table.cmp { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.cmp th, table.cmp td { border-bottom: 1px solid var(--line); padding: .3rem .6rem;
                             text-align: right; white-space: nowrap; }
table.cmp th:first-child, table.cmp td:first-child { text-align: left; }
table.cmp th { cursor: pointer; user-select: none; background: #f3f5f8; }
table.cmp th[aria-sort=ascending]::after { content: " \\25B2"; }
table.cmp th[aria-sort=descending]::after { content: " \\25BC"; }
.ci { color: var(--muted); font-size: .85em; } .best { font-weight: 700; }
.caption { color: var(--muted); font-size: .85em; max-width: 1100px; }
.caption code { word-break: break-all; }
.plots img { max-width: 100%; border: 1px solid var(--line); margin: .4rem 0; }
details.cluster { border: 1px solid var(--line); border-radius: 6px; margin: .8rem 0;
                  padding: .4rem .8rem; }
details.cluster > summary { cursor: pointer; font-weight: 600; }
.systems { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr));
           gap: .8rem; margin: .6rem 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .7rem; }
.card h3 { font-size: 1rem; margin: 0 0 .3rem; }
.card .scores { color: var(--muted); font-size: .85em; margin-bottom: .3rem; }
.card p { margin: .2rem 0; }
mark.shared { background: #fff1a8; padding: 0; }
.issue, .issue-sample { text-decoration: underline wavy #c5221f; }
.issue { cursor: pointer; }
.issue.v-disputed { text-decoration-color: #e37400; }
button.docs-toggle { margin: .3rem 0; cursor: pointer; }
.docs { border-top: 1px dashed var(--line); margin-top: .5rem; }
.docs h4 { margin: .6rem 0 .2rem; }
#issue-panel { position: fixed; right: 1rem; bottom: 1rem; width: min(520px, 90vw);
               max-height: 60vh; overflow: auto; background: #fff; border: 2px solid #c5221f;
               border-radius: 8px; padding: .7rem .9rem; box-shadow: 0 4px 18px #0003; }
#issue-panel blockquote { margin: .3rem 0 .5rem; padding-left: .6rem;
                          border-left: 3px solid var(--line); }
pre.prov { background: #f6f8fa; padding: .6rem; overflow: auto; font-size: .8em; }
.legend { color: var(--muted); font-size: .85em; }
"""

SCRIPT = """
"use strict";
(function () {
  const table = document.getElementById("comparison");
  const headers = Array.from(table.tHead.rows[0].cells);
  headers.forEach(function (th, col) {
    th.addEventListener("click", function () {
      const descending = th.getAttribute("aria-sort") !== "descending";
      headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      const body = table.tBodies[0];
      const rows = Array.from(body.rows);
      rows.sort(function (a, b) {
        const x = a.cells[col].dataset.value, y = b.cells[col].dataset.value;
        const nx = Number(x), ny = Number(y);
        const cmp = (x === undefined || y === undefined || isNaN(nx) || isNaN(ny))
          ? String(a.cells[col].textContent).localeCompare(String(b.cells[col].textContent))
          : nx - ny;
        return descending ? -cmp : cmp;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  const issues = JSON.parse(document.getElementById("issues-data").textContent);
  const panel = document.getElementById("issue-panel");
  function show(id) {
    const issue = issues[id];
    panel.replaceChildren();
    const head = document.createElement("p");
    const strong = document.createElement("strong");
    strong.textContent = issue.verdict + " " + issue.kind + ": \\u201c" + issue.span + "\\u201d";
    head.appendChild(strong);
    panel.appendChild(head);
    const reason = document.createElement("p");
    reason.textContent = issue.reason;
    panel.appendChild(reason);
    issue.documents.forEach(function (d) {
      const who = document.createElement("div");
      who.className = "doc-id";
      who.textContent = "Document " + d.doc_id + " says:";
      const quote = document.createElement("blockquote");
      quote.textContent = d.says;
      panel.appendChild(who);
      panel.appendChild(quote);
    });
    if (!issue.documents.length) {
      const none = document.createElement("p");
      none.textContent = "No source document states it.";
      panel.appendChild(none);
    }
    const close = document.createElement("button");
    close.textContent = "Close";
    close.addEventListener("click", function () { panel.hidden = true; });
    panel.appendChild(close);
    panel.hidden = false;
  }
  document.querySelectorAll(".issue[data-issue]").forEach(function (el) {
    el.addEventListener("click", function () { show(el.dataset.issue); });
  });
  document.querySelectorAll("button.docs-toggle").forEach(function (b) {
    b.addEventListener("click", function () {
      const target = document.getElementById(b.dataset.target);
      target.hidden = !target.hidden;
      b.textContent = target.hidden ? "Show documents and references" : "Hide documents";
    });
  });
})();
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def shared_spans(sentence: str, reference_ngrams: set[tuple[str, ...]], n: int) -> list[bool]:
    """Per character of ``sentence``: whether it lies in an n-gram shared with the references."""
    words = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(sentence)]
    marked = [False] * len(sentence)
    for i in range(len(words) - n + 1):
        if tuple(w[2] for w in words[i : i + n]) in reference_ngrams:
            for k in range(words[i][0], words[i + n - 1][1]):
                marked[k] = True
    return marked


def reference_ngrams(texts: Sequence[str], n: int) -> set[tuple[str, ...]]:
    """Every lower-cased word n-gram of the references."""
    out: set[tuple[str, ...]] = set()
    for text in texts:
        words = [m.group().lower() for m in _WORD.finditer(text)]
        out.update(tuple(words[i : i + n]) for i in range(len(words) - n + 1))
    return out


def _sentence_html(
    sentence: str, shared: list[bool], issues: list[tuple[int, int, int, str]]
) -> str:
    """The sentence with shared n-grams in ``<mark>`` and issue spans clickable."""
    issue_at = [-1] * len(sentence)
    verdict = {}
    for start, end, issue_id, v in issues:
        verdict[issue_id] = v
        for k in range(start, min(end, len(sentence))):
            issue_at[k] = issue_id
    out, k = [], 0
    while k < len(sentence):
        state = (shared[k], issue_at[k])
        j = k
        while j < len(sentence) and (shared[j], issue_at[j]) == state:
            j += 1
        piece = _e(sentence[k:j])
        if state[0]:
            piece = f'<mark class="shared">{piece}</mark>'
        if state[1] >= 0:
            piece = (f'<span class="issue v-{_e(verdict[state[1]])}" data-issue="{state[1]}" '
                     f'role="button" tabindex="0">{piece}</span>')  # fmt: skip
        out.append(piece)
        k = j
    return "".join(out)


def _locate(sentence: str, span: str) -> tuple[int, int] | None:
    at = sentence.find(span)
    if at < 0:
        at = sentence.lower().find(span.lower())
    return None if at < 0 or not span else (at, at + len(span))


def _card(s: SystemSummary, ngrams: set[tuple[str, ...]], n: int, all_issues: list[dict]) -> str:
    scores = " · ".join(f"{_e(label)} {_e(value)}" for label, value in s.scores)
    paragraphs = []
    for index, sentence in enumerate(s.sentences):
        spans = []
        for issue in s.issues:
            if issue.sentence_index != index:
                continue
            where = _locate(sentence, issue.span)
            if where is None:
                continue
            all_issues.append(issue.as_dict())
            spans.append((where[0], where[1], len(all_issues) - 1, issue.verdict))
        shared = shared_spans(sentence, ngrams, n)
        paragraphs.append(f"<p>{_sentence_html(sentence, shared, spans)}</p>")
    return (f'<div class="card" data-system="{_e(s.system)}"><h3>{_e(s.system)}</h3>'
            f'<div class="scores">{scores}</div>{"".join(paragraphs)}</div>')  # fmt: skip


def _cluster(c: ClusterView, n: int, all_issues: list[dict], open_: bool, number: int) -> str:
    ngrams = reference_ngrams([r.text for r in c.references], n)
    cards = "".join(_card(s, ngrams, n, all_issues) for s in c.systems)
    docs = "".join(
        f"<h4>Document {_e(d.doc_id)}{': ' + _e(d.title) if d.title else ''}</h4>"
        + "".join(f"<p>{_e(p)}</p>" for p in d.sentences)
        for d in c.documents
    )
    refs = "".join(f"<h4>Reference {_e(r.ref_id)}</h4><p>{_e(r.text)}</p>" for r in c.references)
    target = f"docs-{number}"
    return (
        f'<details class="cluster" data-cluster="{_e(c.cluster_id)}"{" open" if open_ else ""}>'
        f"<summary>{_e(c.cluster_id)} ({len(c.documents)} documents, "
        f"{len(c.references)} references)</summary>"
        f'<div class="systems">{cards}</div>'
        f'<button class="docs-toggle" data-target="{target}">Show documents and references'
        f'</button><div class="docs" id="{target}" hidden>{docs}{refs}</div></details>'
    )


def render(report: Report, ngram: int = 2, open_clusters: int = 1) -> str:
    """The whole page as one string."""
    head = "".join(
        f'<th scope="col" data-key="{_e(c.key)}" title="{_e(c.key)}">{_e(c.label)}</th>'
        for c in report.columns
    )
    rows = []
    for row in report.rows:
        cells = [f'<td data-value="{_e(row.system)}">{_e(row.label)}</td>']
        for c in report.columns:
            cell = row.cells.get(c.key)
            if cell is None:
                cells.append('<td data-value="">–</td>')
                continue
            ci = f' <span class="ci">{_e(cell.interval)}</span>' if cell.interval else ""
            best = ' class="best"' if cell.best else ""
            cells.append(f'<td data-value="{cell.value!r}"><span{best}>{_e(cell.text)}</span>'
                         f"{_e(cell.mark)}{ci}</td>")  # fmt: skip
        rows.append(f'<tr data-system="{_e(row.system)}">{"".join(cells)}</tr>')
    caption = "".join(f"<p>{_e(line)}</p>" for line in report.caption)
    plots = "".join(
        f'<figure><img alt="{_e(name)}" src="{uri}"><figcaption>{_e(name)}</figcaption></figure>'
        for name, uri in report.plots
    )
    all_issues: list[dict] = []
    clusters = "".join(
        _cluster(c, ngram, all_issues, i < open_clusters, i) for i, c in enumerate(report.clusters)
    )
    provenance = "".join(
        f'<details><summary>{_e(name)}</summary><pre class="prov">'
        f"{_e(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))}</pre></details>"
        for name, data in report.provenance
    )
    issues_json = json.dumps(all_issues, ensure_ascii=False).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>{_e(report.title)}</title><style>{CSS}</style></head>
<body>
<h1>{_e(report.title)}</h1>
<p class="legend">{_e(report.subtitle)}</p>
<h2 id="table">Comparison</h2>
<table class="cmp" id="comparison"><thead><tr><th scope="col">System</th>{head}</tr></thead>
<tbody>{"".join(rows)}</tbody></table>
<div class="caption">{caption}</div>
<h2 id="plots">Plots</h2><div class="plots">{plots or "<p>No plots.</p>"}</div>
<h2 id="clusters">Summaries by cluster</h2>
<p class="legend"><mark class="shared">highlighted</mark>: {ngram}-grams shared with a
reference; <span class="issue-sample">underlined</span>: a fact issue (click it for what the
documents say).</p>
{clusters}
<h2 id="provenance">Provenance</h2>{provenance}
<div id="issue-panel" hidden role="dialog" aria-label="fact issue"></div>
<script type="application/json" id="issues-data">{issues_json}</script>
<script>{SCRIPT}</script>
</body></html>
"""
