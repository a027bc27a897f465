"""policykb: a knowledge base and text-analysis tool over Swedish care-policy documents.

The public API, one call per step of the pipeline (each imported on first use, so that
`import policykb`, `policykb --help` and a cold search stay fast)::

    import policykb

    report = policykb.ingest(["corpus/"], "index")          # extract → annotate → chunk → store → index
    hits = policykb.search("index", "vem ansvarar för rehabilitering i hemmet", k=5)  # title, pages, text …
    with policykb.Store.open("index", create=False, readonly=True) as store:
        cited = policykb.xref(store, "2 kap. 3 § HSL")    # every passage citing the provision
        rows = policykb.trace(store, actor="region")      # requirements and their legal sources
    refs = policykb.find_references("enligt 5 kap. 7 § HSL")  # canonical references, no index needed

The package reads as the pipeline (`DESIGN.md`, "The house"): `swedish/` and `legal/` are
libraries that import nothing of the pipeline; `extract/` ①, `annotate/` ②, `chunk` ③,
`store/` ④, `index/` ⑤ (derived, rebuildable), `query/` ⑥ (read-only questions); `consult/` and
`evaluate/` are applications on top; `ingest` runs ① → ⑤. `cli/` and `api/` are front ends.

Words for spans of text, each used in one sense only:

- **page**: one page of the source file; `index` is its 0-based position, `printed` the page
  number the document prints on it (if any).
- **block**: what extraction yields on a page: a heading, a paragraph, a table or a list item,
  with its footnote markers as offsets. Footnotes are kept apart from blocks.
- **passage**: consecutive blocks under one heading path, 120–220 words, the unit that is
  stored, indexed and scored by the retrievers (`chunk`).
- **sentence**: a sentence of body text (`swedish.sentences`); requirements and citations are
  attached to sentences.
- **unit**: a sentence of a passage as the search index sees it: embedded on its own, it tells
  where in a passage the answer is.
- **segment**: consecutive units of one passage, about 45 words: what a search hit shows.
"""

from __future__ import annotations

import sys
import types
from importlib import import_module
from typing import Any


__version__ = "0.1.0"

# public name -> module that defines it
_PUBLIC = {
    "extract": "policykb.extract",
    "annotate": "policykb.annotate",
    "chunk": "policykb.chunk",
    "ingest": "policykb.ingest",
    "Store": "policykb.store",
    "search": "policykb.query.search",
    "Searcher": "policykb.query.search",
    "xref": "policykb.query.xref",
    "trace": "policykb.query.trace",
    "consult": "policykb.consult",
    "find_references": "policykb.legal",
    "find_entities": "policykb.annotate.pipeline",
}

__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'policykb' has no attribute {name!r}")
    if module == f"{__name__}.{name}":
        import_module(module)  # sets the (callable) module as this package's attribute
        return globals()[name]
    value = getattr(import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


class _CallableModule(types.ModuleType):
    """A pipeline module that is also its step: `policykb.ingest(...)` calls `policykb.ingest.ingest`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(self, self.__name__.rsplit(".", 1)[1])(*args, **kwargs)


class _Package(types.ModuleType):
    """Several steps share their name with the module that defines them (`policykb.ingest` is
    both). When Python sets such a submodule as an attribute of this package (on its import),
    the module is made callable, so that `policykb.ingest(...)` runs the step, whatever was
    imported before, while `import policykb.extract.pdf.reader` and `mock.patch` paths keep
    working as for any module."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _PUBLIC.get(name) == f"{__name__}.{name}":
            value.__class__ = _CallableModule
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
