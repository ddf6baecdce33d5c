"""Validates `cisrun --ocsf` output with py-ocsf-models, a real OCSF implementation.

    .venv/bin/python tests/ocsf_check.py FINDINGS.json

Parses every event with the ComplianceFinding Pydantic model (class 2003) and prints a JSON
summary on stdout for the Rust end-to-end test to check; exits 1 naming the first event
that does not validate.
"""

import json
import sys

from pydantic import ValidationError
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding


def main(path: str) -> int:
    with open(path, encoding="utf-8") as f:
        events = json.load(f)
    if not isinstance(events, list):
        print(f"{path}: expected a JSON array of events", file=sys.stderr)
        return 1
    summary = {"events": 0, "compliance_status": {}, "requirements": [], "levels": [],
               "accounts": [], "resources": [], "regions": [], "changes": {}}
    for i, event in enumerate(events):
        try:
            finding = ComplianceFinding.model_validate(event)
        except ValidationError as error:
            print(f"{path}: event {i} is not a valid OCSF Compliance Finding:\n{error}",
                  file=sys.stderr)
            return 1
        # What the model parsed, not just what the file said.
        assert int(finding.class_uid) == 2003, finding.class_uid
        assert int(finding.type_uid) == 200301, finding.type_uid
        assert finding.compliance.status_id is not None
        summary["events"] += 1
        status = finding.compliance.status_id.name
        summary["compliance_status"][status] = summary["compliance_status"].get(status, 0) + 1
        summary["requirements"].extend(finding.compliance.requirements or [])
        summary["levels"].append(finding.unmapped["cis_level"])
        summary["accounts"].append(event["cloud"]["account"]["uid"])
        summary["resources"].extend(r.uid for r in finding.resources or [])
        summary["regions"].extend(r.region for r in finding.resources or [] if r.region)
        change = finding.unmapped.get("baseline_change") or "none"
        summary["changes"][change] = summary["changes"].get(change, 0) + 1
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
