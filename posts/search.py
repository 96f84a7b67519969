"""Finding posts by their words (API.md, List parameters): ``search`` and ``q``.

``search`` is the tutorial's substring match (trigram indexes on UPPER(title) and
UPPER(content)). ``q`` is PostgreSQL full-text search in web-search syntax over the stored
``search_vector`` (GIN index), ranked by ``ts_rank_cd``, with highlights made by
``ts_headline`` for the rows of one page only: it re-parses whole documents.
"""

import secrets

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from rest_framework.exceptions import ValidationError

from posts.models import SEARCH_CONFIG, Post

SEARCH_MAX_LENGTH = 200
MAX_SEARCH_TERMS = 8
TOO_MANY_TERMS = f"At most {MAX_SEARCH_TERMS} different search terms."
MIN_INDEXED_TERM_LENGTH = 3  # trigrams: a shorter term can use no index
ONLY_SHORT_TERMS = (
    f"Give at least one search term of {MIN_INDEXED_TERM_LENGTH} or more characters (shorter terms may come with it)."
)
RANK = "search_rank"
MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
SNIPPET_WORDS = {"min_words": 20, "max_words": 35}  # "about 30 words" (API.md)
# What html.escape replaces, in the order that keeps "&" from being escaped twice.
HTML_ESCAPES = [("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;")]


def search_terms(value: str) -> list[str]:
    """The whitespace-separated terms, each once (case-insensitively): a repeated term costs
    a scan and changes nothing.

    Refused: more than MAX_SEARCH_TERMS (a 100-term search stalled the API at a million
    posts), and terms that are all shorter than 3 characters: no trigram index serves them,
    so counting their matches reads every post (over a second at a million posts).
    """
    terms = list({term.casefold(): term for term in value.split()}.values())
    if len(terms) > MAX_SEARCH_TERMS:
        raise ValidationError({"search": [TOO_MANY_TERMS]})
    if terms and all(len(term) < MIN_INDEXED_TERM_LENGTH for term in terms):
        raise ValidationError({"search": [ONLY_SHORT_TERMS]})
    return terms


def with_substrings(posts, value: str):
    """Every whitespace-separated term must occur in the title or the content."""
    for term in search_terms(value):
        posts = posts.filter(Q(title__icontains=term) | Q(content__icontains=term))
    return posts


def web_search_query(q: str) -> SearchQuery:
    # websearch_to_tsquery never fails on user input; stop words alone make an empty query,
    # which matches nothing.
    return SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)


def with_full_text(posts, q: str):
    """Posts matching ``q``, annotated with their rank (``search_rank``) for ordering."""
    query = web_search_query(q)
    return posts.filter(search_vector=query).annotate(
        **{RANK: SearchRank(F("search_vector"), query, cover_density=True)}
    )


def html_escaped(field: str):
    """The column, HTML-escaped by the database.

    Escaped before ``ts_headline``, not after: its parser drops what looks like a tag
    (``<b>``) from snippets, and the contract wants the text as written, escaped.
    """
    expression = F(field)
    for character, entity in HTML_ESCAPES:
        expression = Replace(expression, Value(character), Value(entity))
    return expression


def add_highlights(posts: list[Post], q: str) -> None:
    """Set ``highlight`` on each post of a page: one query, ``ts_headline`` on these rows only."""
    if not posts:
        return
    query = web_search_query(q)
    # Markers no text can contain (a fresh random token, no character that escaping
    # changes), swapped for <mark> afterwards.
    token = secrets.token_hex(8)
    start, stop = f"[[{token}", f"{token}]]"
    markers = {"start_sel": start, "stop_sel": stop, "config": SEARCH_CONFIG}
    headlines = Post.objects.filter(pk__in=[post.pk for post in posts]).values_list(
        "pk",
        SearchHeadline(html_escaped("title"), query, highlight_all=True, **markers),
        SearchHeadline(html_escaped("content"), query, **SNIPPET_WORDS, **markers),
    )

    def marked(text: str) -> str:
        return text.replace(start, MARK_OPEN).replace(stop, MARK_CLOSE)

    by_pk = {pk: {"title": marked(title), "content": marked(content)} for pk, title, content in headlines}
    for post in posts:
        post.highlight = by_pk[post.pk]
