"""Where the tests find the repository's bundled corpus and their fixtures."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpus"
FIXTURES = REPO / "tests" / "fixtures"
