"""policykb: a knowledge base and text-analysis tool over Swedish care-policy documents.

The core is a library of plain functions; `policykb.cli` and `policykb.api` are thin front ends.
Heavy modules (pdfplumber, spaCy, FAISS, embedding models) are imported lazily by the
functions that need them, so that `import policykb` and the CLI start fast.
"""

__version__ = "0.1.0"
