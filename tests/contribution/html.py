"""A small reader of the pages' HTML (the standard library's parser): the elements by
data-testid with their attributes and text, and every <input>, <a> and <h1>."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr", "area", "col", "embed"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""
    inside: list[str] = field(default_factory=list)  # testids of the elements around it


class Page(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = Element(
            tag,
            dict(attrs),
            inside=[e.attrs["data-testid"] for e in self._open if "data-testid" in e.attrs],
        )
        self.elements.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        for element in self._open:
            element.text += data

    def testid(self, name: str) -> list[Element]:
        return [e for e in self.elements if e.attrs.get("data-testid") == name]

    def one(self, name: str) -> Element | None:
        found = self.testid(name)
        return found[0] if found else None

    def tags(self, tag: str, inside: str | None = None) -> list[Element]:
        return [e for e in self.elements if e.tag == tag and (inside is None or inside in e.inside)]
