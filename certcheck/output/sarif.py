"""SARIF 2.1.0: one rule per finding code (from the check registry), one result per finding."""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from certcheck import PROJECT_URL, __version__
from certcheck.output.writers import AtomicOutput

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def sarif_rules() -> list[dict[str, Any]]:
    """The registry as SARIF reportingDescriptors."""
    from certcheck.checks.registry import all_rules

    return [
        {
            "id": rule.code,
            "name": "".join(part.capitalize() for part in rule.code.split("_")),
            "shortDescription": {"text": rule.description},
            "fullDescription": {"text": f"{rule.description} Source: {rule.source}"},
            "helpUri": rule.help_uri,
            "help": {
                "text": "\n\n".join(f"{head}: {text}" for head, text in rule.sections()),
                "markdown": "\n\n".join(f"**{head}.** {text}" for head, text in rule.sections()),
            },
            "defaultConfiguration": {"level": SARIF_LEVEL[rule.severity.label]},
            "properties": {"family": rule.family, "source": rule.source},
        }
        for rule in all_rules()
    ]


class SarifWriter:
    """Streams results into one SARIF log with a single run."""

    def __init__(self, out: AtomicOutput) -> None:
        self.out = out
        rules = sarif_rules()
        self.rule_index = {rule["id"]: index for index, rule in enumerate(rules)}
        head = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "certcheck",
                            "version": __version__,
                            "informationUri": PROJECT_URL,
                            "rules": rules,
                        }
                    },
                    "results": "@RESULTS@",
                }
            ],
        }
        text = json.dumps(head, indent=1)
        self.prefix, self.suffix = text.split('"@RESULTS@"')
        out.stream.write(self.prefix + "[")
        self.first = True

    def write(self, record: dict[str, Any]) -> None:
        for finding in record["findings"]:
            result = {
                "ruleId": finding["code"],
                "ruleIndex": self.rule_index.get(finding["code"], -1),
                "level": SARIF_LEVEL[finding["severity"]],
                "message": {"text": finding["message"]},
                "locations": [
                    {
                        "physicalLocation": _physical(record["source"]),
                        "logicalLocations": [
                            {"fullyQualifiedName": finding["where"] or record["source"]}
                        ],
                    }
                ],
                "properties": {
                    "source": record["source"],
                    "id": record.get("id"),
                    "request_id": record.get("request_id"),
                    "device_id": record["device_id"],
                    "originator": record["originator"],
                    "certificate": finding["certificate"],
                    "verdict": record["verdict"],
                },
            }
            if result["ruleIndex"] < 0:
                del result["ruleIndex"]
            self.out.stream.write(("\n" if self.first else ",\n") + json.dumps(result))
            self.first = False

    def close(self) -> None:
        self.out.stream.write("]" + self.suffix + "\n")
        self.out.commit()

    def abort(self) -> None:
        self.out.discard()


def _physical(source: str) -> dict[str, Any]:
    """The file as a URI reference, and for a JSON Lines entry (``PATH#LINE``) its line."""
    path, line = source, ""
    head, sep, tail = source.rpartition("#")
    if sep and tail.isdigit():
        path, line = head, tail
    location: dict[str, Any] = {"artifactLocation": {"uri": _uri(path)}}
    if line:
        location["region"] = {"startLine": int(line)}
    return location


def _uri(path: str) -> str:
    """A path as a URI reference: absolute paths as file URIs, others percent-encoded."""
    if PurePath(path).is_absolute():
        return PurePath(path).as_uri()
    return quote(path.replace("\\", "/"), safe="/")
