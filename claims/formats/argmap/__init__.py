"""argmap JSON v1: read, check, normalise and canonically write argument maps.

Pure Python (no Django), so the management commands, the services and the tests
share one implementation:

    doc = load(data)    # parse() + validate(): a normalised dict, or ArgmapFormatError
    data = dumps(doc)   # canonical UTF-8 bytes

One module per job:

* ``reader``: ``parse`` (strict JSON), ``validate`` and ``load``;
* ``schema``: the field rules of ``claims/formats/argmap-v1.schema.json`` (JSON
  Schema 2020-12), checked by jsonschema-rs, and the messages of what fails;
* ``graph``: the rules that need the whole document (unique ids, edge
  endpoints, subframe cycles, unique votes) and the normalised copy;
* ``writer``: the canonical serialisation, whole (``dumps``) or streamed
  (``dump_chunks``);
* ``common``: the constants, ``ArgmapFormatError`` and the problem list.

See docs/FORMAT.md for the format itself.
"""

from claims.formats.argmap.common import (
    DEFAULT_CATEGORY,
    DEFAULT_DESCRIPTION,
    DEFAULT_PRIOR,
    DEFAULT_TEXT,
    DEFAULT_VISIBILITY,
    DEFAULT_WEIGHT,
    FLOAT_DECIMALS,
    FORMAT_NAME,
    FORMAT_VERSION,
    MAX_DEPTH,
    MAX_EDGES,
    MAX_INT_DIGITS,
    MAX_MESSAGE_CHARS,
    MAX_NODES,
    MAX_PROBLEMS,
    MAX_VOTES,
    ArgmapFormatError,
)
from claims.formats.argmap.reader import load, parse, validate
from claims.formats.argmap.schema import SCHEMA_PATH, load_schema
from claims.formats.argmap.writer import dump_chunks, dumps

__all__ = [
    "DEFAULT_CATEGORY",
    "DEFAULT_DESCRIPTION",
    "DEFAULT_PRIOR",
    "DEFAULT_TEXT",
    "DEFAULT_VISIBILITY",
    "DEFAULT_WEIGHT",
    "FLOAT_DECIMALS",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "MAX_DEPTH",
    "MAX_EDGES",
    "MAX_INT_DIGITS",
    "MAX_MESSAGE_CHARS",
    "MAX_NODES",
    "MAX_PROBLEMS",
    "MAX_VOTES",
    "SCHEMA_PATH",
    "ArgmapFormatError",
    "dump_chunks",
    "dumps",
    "load",
    "load_schema",
    "parse",
    "validate",
]
