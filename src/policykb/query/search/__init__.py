"""Passage search: the query planner (`plan`), the retrievers and their fusion (`searcher`), the
segments a hit is cut into (`segments`) and English queries over Swedish text (`crosslingual`).

    from policykb.query.search import Searcher, search
"""

from policykb.query.search.plan import MAX_QUERY_CHARS
from policykb.query.search.searcher import MAX_K, MAX_YEAR, MIN_YEAR, MODES, Filters, Hit, Searcher, search

__all__ = ["MAX_K", "MAX_QUERY_CHARS", "MAX_YEAR", "MIN_YEAR", "MODES", "Filters", "Hit", "Searcher", "search"]
