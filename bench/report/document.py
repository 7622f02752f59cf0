"""A tiny document model rendered to both Markdown and HTML.

The report is built once as a list of blocks and written twice, so index.md and index.html
never disagree. Inline `code` spans in text are the only markup.
"""

import html
import re


class Document:
    def __init__(self, title):
        self.title = title
        self.blocks = [("h1", title)]

    def heading(self, level, text, anchor=None):
        self.blocks.append((f"h{level}", text, anchor))

    def paragraph(self, text):
        self.blocks.append(("p", text))

    def bullets(self, items):
        self.blocks.append(("ul", list(items)))

    def table(self, header, rows, align=None):
        """align: one of "l"/"r" per column (default: first column left, the rest right)."""
        if align is None:
            align = ["l"] + ["r"] * (len(header) - 1)
        self.blocks.append(("table", list(header), [list(r) for r in rows], align))

    def image(self, path, alt):
        self.blocks.append(("img", path, alt))

    # Markdown -------------------------------------------------------------------------
    def markdown(self):
        out = []
        for block in self.blocks:
            kind = block[0]
            if kind == "h1":
                out.append(f"# {block[1]}\n")
            elif kind.startswith("h"):
                out.append(f"{'#' * int(kind[1])} {block[1]}\n")
            elif kind == "p":
                out.append(block[1] + "\n")
            elif kind == "ul":
                out.append("\n".join(f"- {item}" for item in block[1]) + "\n")
            elif kind == "table":
                _, header, rows, align = block
                cell = lambda text: str(text).replace("|", "\\|")  # noqa: E731
                lines = ["| " + " | ".join(cell(h) for h in header) + " |",
                         "|" + "|".join("---:" if a == "r" else ":---" for a in align) + "|"]
                for row in rows:
                    lines.append("| " + " | ".join(cell(c) for c in row) + " |")
                out.append("\n".join(lines) + "\n")
            elif kind == "img":
                out.append(f"![{block[2]}]({block[1]})\n")
        return "\n".join(out)

    # HTML -----------------------------------------------------------------------------
    @staticmethod
    def _inline(text):
        escaped = html.escape(str(text), quote=False)
        escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
        return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)

    @staticmethod
    def _anchor(text):
        return re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-")

    def html(self):
        body = []
        for block in self.blocks:
            kind = block[0]
            if kind == "h1":
                body.append(f"<h1>{self._inline(block[1])}</h1>")
            elif kind.startswith("h"):
                anchor = block[2] or self._anchor(block[1])
                body.append(f'<{kind} id="{anchor}">{self._inline(block[1])}</{kind}>')
            elif kind == "p":
                body.append(f"<p>{self._inline(block[1])}</p>")
            elif kind == "ul":
                items = "".join(f"<li>{self._inline(i)}</li>" for i in block[1])
                body.append(f"<ul>{items}</ul>")
            elif kind == "table":
                _, header, rows, align = block
                head = "".join(f"<th>{self._inline(h)}</th>" for h in header)
                lines = [f"<table><thead><tr>{head}</tr></thead><tbody>"]
                for row in rows:
                    cells = "".join(
                        f'<td class="{"num" if a == "r" else "txt"}">{self._inline(c)}</td>'
                        for c, a in zip(row, align))
                    lines.append(f"<tr>{cells}</tr>")
                lines.append("</tbody></table>")
                body.append("\n".join(lines))
            elif kind == "img":
                body.append(f'<p><img src="{html.escape(block[1])}" alt="{html.escape(block[2])}"></p>')
        style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
                 "table{border-collapse:collapse;margin:0.5em 0 1.5em}"
                 "th,td{border:1px solid #ccc;padding:2px 8px}td.num{text-align:right}"
                 "th{background:#f0f0f0}code{background:#f4f4f4;padding:0 3px}"
                 "img{max-width:100%}")
        return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                f"<title>{html.escape(self.title)}</title><style>{style}</style></head><body>\n"
                + "\n".join(body) + "\n</body></html>\n")
