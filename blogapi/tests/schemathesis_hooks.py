"""schemathesis hooks for blogapi/tests/test_fuzz.py (SCHEMATHESIS_HOOKS names this module).

schemathesis 4.32 marks a generated case "schema-violating" when its only mutation adds query
parameters the operation does not declare (``?errors=...``), and then fails
negative_data_rejection when the API ignores them, as HTTP APIs do with unknown query
parameters (upstream: schemathesis/schemathesis#4762). Such cases are not generated here;
every other negative case (wrong types, lengths, values of declared parameters) still is.
"""

import schemathesis


@schemathesis.hook
def filter_query(ctx, query) -> bool:
    if not query or ctx.operation is None:
        return True
    declared = {parameter.name for parameter in ctx.operation.query}
    return set(query) <= declared
