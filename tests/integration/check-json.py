#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-json.py SCHEMA VERB [FILE]: validate one lastgoodctl --json output
# (FILE or standard input) against $defs/VERB of the schema file, with
# Debian's python3-jsonschema. Exit 0 when valid; the errors otherwise.
import json
import sys

import jsonschema

schema_path, verb = sys.argv[1], sys.argv[2]
with open(schema_path) as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
if verb not in schema["$defs"]:
    sys.exit(f"no $defs/{verb} in {schema_path}")
text = open(sys.argv[3]).read() if len(sys.argv) > 3 else sys.stdin.read()
doc = json.loads(text)
validator = jsonschema.Draft202012Validator({"$defs": schema["$defs"], "$ref": f"#/$defs/{verb}"})
errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
for e in errors:
    print(f"{verb}: {'/'.join(map(str, e.path)) or '(top)'}: {e.message}", file=sys.stderr)
sys.exit(1 if errors else 0)
