"""argmap JSON (version 2; version 1 is still read): read, check, normalise, write.

Pure Python (no Django), so the management commands, the services and the tests
share one implementation:

    doc = load(data)    # parse() + validate(): a normalised dict, or ArgmapFormatError
    data = dumps(doc)   # canonical UTF-8 bytes

One module per job:

* ``reader``: ``parse`` (strict JSON), ``validate`` and ``load``;
* ``schema``: the field rules of ``claims/formats/argmap-v2.schema.json`` (and
  ``argmap-v1.schema.json`` for version-1 documents; JSON Schema 2020-12), checked by
  jsonschema-rs, and the messages of what fails;
* ``graph``: the rules that need the whole document (unique node and edge ids,
  edge endpoints, subframe cycles, undercut targets and cycles, linked groups,
  unique votes) and the normalised (version-2) copy;
* ``writer``: the canonical serialisation, whole (``dumps``) or streamed
  (``dump_chunks``);
* ``common``: the constants, ``ArgmapFormatError`` and the problem list.

See docs/FORMAT.md for the format itself.
"""

from claims.formats.argmap.common import (
    DEFAULT_CATEGORY,
    DEFAULT_DESCRIPTION,
    DEFAULT_GROUP,
    DEFAULT_PRIOR,
    DEFAULT_RATIONALE,
    DEFAULT_TEXT,
    DEFAULT_VISIBILITY,
    DEFAULT_WEIGHT,
    FLOAT_DECIMALS,
    FORMAT_NAME,
    FORMAT_VERSION,
    MAX_DEPTH,
    MAX_EDGE_VOTES,
    MAX_EDGES,
    MAX_INT_DIGITS,
    MAX_MESSAGE_CHARS,
    MAX_NODES,
    MAX_PROBLEMS,
    MAX_RATIONALE_CHARS,
    MAX_VOTES,
    READ_VERSIONS,
    ArgmapFormatError,
)
from claims.formats.argmap.graph import edge_id
from claims.formats.argmap.reader import load, parse, validate
from claims.formats.argmap.schema import SCHEMA_PATH, SCHEMA_PATHS, load_schema
from claims.formats.argmap.writer import dump_chunks, dumps

__all__ = [
    "DEFAULT_CATEGORY",
    "DEFAULT_DESCRIPTION",
    "DEFAULT_GROUP",
    "DEFAULT_PRIOR",
    "DEFAULT_RATIONALE",
    "DEFAULT_TEXT",
    "DEFAULT_VISIBILITY",
    "DEFAULT_WEIGHT",
    "FLOAT_DECIMALS",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "MAX_DEPTH",
    "MAX_EDGE_VOTES",
    "MAX_EDGES",
    "MAX_INT_DIGITS",
    "MAX_MESSAGE_CHARS",
    "MAX_NODES",
    "MAX_PROBLEMS",
    "MAX_RATIONALE_CHARS",
    "MAX_VOTES",
    "READ_VERSIONS",
    "SCHEMA_PATH",
    "SCHEMA_PATHS",
    "ArgmapFormatError",
    "dump_chunks",
    "dumps",
    "edge_id",
    "load",
    "load_schema",
    "parse",
    "validate",
]
