"""Checks vmha-lab results against the schema the lab ships
(tools/vmha_lab/result.schema.json), with Debian's python3-jsonschema."""

import json

from vmha_lab import results

try:
    import jsonschema
except ImportError as e:  # a test dependency: say how to get it
    raise ImportError("python3-jsonschema is not installed: run tools/install-deps") from e


def validator():
    with open(results.SCHEMA) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def schema_errors(runs):
    """["scenario (#i): path: message"] for every run that breaks the
    schema; [] when all conform."""
    v = validator()
    return [f"{r.get('scenario')} (#{i}): {'/'.join(map(str, e.absolute_path))}: {e.message}"
            for i, r in enumerate(runs) for e in v.iter_errors(r)]
