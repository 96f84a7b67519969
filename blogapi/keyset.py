"""Keyset (cursor) pages over any ordering of a queryset (API.md, List parameters: cursor).

A cursor holds the sort key of the row at a page's edge and a direction; the next page is
"the rows after that key in the list's order". Keys may be NULL, sorted last (the list's
``published_at``): row comparisons are never true with a NULL, so each key's "after" and
"equal" are spelt out with IS NULL. Walking forward from a non-NULL key of the first column,
the non-NULL rows are read first with a plain range on that column (an index range, so a
deep page costs what the first costs), then the NULL group if the page is not full.
"""

import base64
import binascii
import datetime as dt
import json
import uuid
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, OrderBy, Q


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class SortKey:
    name: str
    descending: bool
    nullable: bool

    def ordered(self, *, backwards: bool) -> OrderBy:
        descending = self.descending != backwards
        if not self.nullable:  # no NULLS clause: it would no longer match the indexes' order
            return OrderBy(F(self.name), descending=descending)
        # Forward, NULLs come last in both directions; walking backwards they come first.
        return OrderBy(
            F(self.name), descending=descending, nulls_last=not backwards or None, nulls_first=backwards or None
        )

    def after(self, value, *, backwards: bool) -> Q:
        """Rows strictly after ``value`` in this key's walking order."""
        descending = self.descending != backwards
        if value is None:
            return Q(**{f"{self.name}__isnull": False}) if backwards else Q(pk__in=[])
        beyond = Q(**{f"{self.name}__{'lt' if descending else 'gt'}": value})
        if self.nullable and not backwards:
            beyond |= Q(**{f"{self.name}__isnull": True})
        return beyond

    def equal(self, value) -> Q:
        return Q(**{f"{self.name}__isnull": True}) if value is None else Q(**{self.name: value})


def sort_keys(queryset) -> list[SortKey]:
    """The queryset's ORDER BY as keys: ``"-name"`` strings or ``F(name).desc()`` expressions."""
    keys = []
    for item in queryset.query.order_by:
        if isinstance(item, str):
            name, descending = item.removeprefix("-"), item.startswith("-")
        else:
            name, descending = item.expression.name, item.descending
        name = "pk" if name == "id" else name
        keys.append(SortKey(name, descending, _nullable(queryset.model, name)))
    return keys


def _field(model, name: str):
    try:
        return model._meta.pk if name == "pk" else model._meta.get_field(name)
    except FieldDoesNotExist:
        return None  # an annotation (a search rank): a float, never NULL


def _nullable(model, name: str) -> bool:
    field = _field(model, name)
    return bool(field and field.null)


def encode(values: list, *, backwards: bool) -> str:
    def plain(value):
        return (
            value.isoformat()
            if isinstance(value, dt.datetime)
            else str(value)
            if isinstance(value, uuid.UUID)
            else value
        )

    raw = json.dumps({"k": [plain(value) for value in values], "b": backwards}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, model, keys: list[SortKey]) -> tuple[list, bool]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        values, backwards = data["k"], data["b"]
        if not isinstance(values, list) or len(values) != len(keys) or not isinstance(backwards, bool):
            raise BadCursor(cursor)
        return [_typed(model, key, value) for key, value in zip(keys, values, strict=True)], backwards
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError, OverflowError) as error:
        raise BadCursor(cursor) from error


def _typed(model, key: SortKey, value):
    if value is None:
        if not key.nullable:
            raise BadCursor("NULL for a key that has none")
        return None
    field = _field(model, key.name)
    if field is None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BadCursor("not a number")
        return value
    if isinstance(value, (bool, dict, list)) or (isinstance(value, str) and "\x00" in value):
        raise BadCursor("not a value of this field")
    try:
        typed = field.to_python(value)
    except ValidationError as error:
        raise BadCursor(str(error)) from error
    if isinstance(typed, dt.datetime) and typed.tzinfo is None:
        raise BadCursor("naive datetime")
    return typed


def key_of(row, keys: list[SortKey]) -> list:
    return [getattr(row, key.name) for key in keys]


def rows_after(queryset, keys: list[SortKey], values: list, *, backwards: bool, count: int) -> list:
    """Up to ``count`` rows after the key ``values``, in walking order."""
    ordered = queryset.order_by(*(key.ordered(backwards=backwards) for key in keys))
    first, first_value = keys[0], values[0]
    if not backwards and first.nullable and first_value is not None:
        # The index-friendly way: the non-NULL rows from the first key's range, then the NULLs.
        non_null = ordered.filter(**{f"{first.name}__{'lte' if first.descending else 'gte'}": first_value})
        rows = list(non_null.filter(_after(keys, values, backwards=False, skip_nulls=True))[:count])
        if len(rows) < count:
            rows += list(ordered.filter(**{f"{first.name}__isnull": True})[: count - len(rows)])
        return rows
    return list(ordered.filter(_after(keys, values, backwards=backwards))[:count])


def _after(keys: list[SortKey], values: list, *, backwards: bool, skip_nulls: bool = False) -> Q:
    """Lexicographic "after": the first key after, or equal and the next one after, and so on."""
    condition, equal_so_far = Q(pk__in=[]), Q()
    for key, value in zip(keys, values, strict=True):
        after = key.after(value, backwards=backwards)
        if skip_nulls and key is keys[0]:
            after = Q(**{f"{key.name}__{'lt' if key.descending else 'gt'}": value})
        condition |= equal_so_far & after
        equal_so_far &= key.equal(value)
    return condition
