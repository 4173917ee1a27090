"""Schemathesis extension for Hearth: sends the bodies it generates for
`message/rfc822` operations (the raw email upload) as bytes, so the fuzzer covers
them too. Loaded through SCHEMATHESIS_HOOKS by scripts/schemathesis_check.sh."""

import schemathesis


@schemathesis.serializer("message/rfc822")
def rfc822(ctx, value):
    if isinstance(value, bytes):
        return {"data": value}
    return {"data": str(value).encode("utf-8", "surrogatepass")}
