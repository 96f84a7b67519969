from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with absurd nesting a 400 rather than a crash.

    ``[[[[...]]]]`` a few thousand levels deep (well within the body size limit) makes
    Python's json module raise RecursionError, which DRF does not expect.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None
