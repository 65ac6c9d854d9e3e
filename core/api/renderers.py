"""The API's JSON renderer: DRF's `JSONRenderer` output, byte for byte, produced by orjson.

DRF renders with `json.dumps(ensure_ascii=False, allow_nan=False, separators=(",", ":"))` and its `JSONEncoder`
for other types, then escapes U+2028 / U+2029. orjson writes the same bytes for strings, ints, bools, None, lists
and dicts with string keys; everything else goes through DRF's encoder (`default`, datetimes included, so their
format stays DRF's). What orjson refuses falls back to DRF's renderer:

- dict keys that are not strings, ints beyond 64 bits, anything orjson cannot encode: `orjson.JSONEncodeError`;
- an `indent` requested by the client, or non-default `UNICODE_JSON` / `COMPACT_JSON` / `STRICT_JSON` settings.

Floats are written by orjson: valid JSON of the same value, some spelled differently from Python's `json` (`1e16`
for `1e+16`); NaN and infinity, which DRF refuses, become `null`. The API's serializers declare no float field
(the OpenAPI schema has no `number` in any response), so clients get DRF's bytes.
"""

import orjson
from rest_framework.renderers import JSONRenderer

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class FastJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if (
            self.ensure_ascii
            or not self.compact
            or not self.strict
            or self.get_indent(accepted_media_type, renderer_context or {}) is not None
        ):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            content = orjson.dumps(data, default=self.encoder_class().default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        return content.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
