"""Run Slither over contracts/ and fail on any high- or medium-impact finding not triaged.

    .venv/bin/python tools/slither_check.py          # what `make slither` runs (after making .venv-slither)

Slither analyses exactly what rwakit ships: the standard-JSON input is built from rwakit's own
source list and COMPILER_SETTINGS (solc 0.8.28, optimizer 200, shanghai, the OpenZeppelin
remapping), and compiled by tools/solc through crytic-compile's `solc-json` mode, so no contract
is named here and no compiler is downloaded. Findings are those touching contracts/ (a finding
only inside OpenZeppelin is its authors' to triage).

A finding is triaged by a heading in contracts/SLITHER_TRIAGE.md:

    ### `<detector>`: <Slither's first description line, without its (file#lines) references>

followed by the explanation. Line numbers are left out so that edits elsewhere in a file do not
untriage a finding. Exit status: 0 if every high/medium finding is triaged, 1 if not, 2 if
Slither itself failed.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from rwakit.contracts.compiler import COMPILER_SETTINGS, source_files

ROOT = Path(__file__).resolve().parents[1]
TRIAGE = ROOT / "contracts" / "SLITHER_TRIAGE.md"
OUT = ROOT / "build" / "slither"
ENFORCED = ("High", "Medium")
IMPACTS = ("High", "Medium", "Low", "Informational", "Optimization")
# crytic-compile needs the AST and source maps besides what rwakit asks for.
OUTPUT_SELECTION = {
    "*": {"*": ["abi", "metadata", "devdoc", "userdoc", "evm.bytecode", "evm.deployedBytecode"], "": ["ast"]}
}
HEADING = re.compile(r"^###\s+`(?P<check>[\w-]+)`:\s+(?P<finding>.+?)\s*$")
SOURCE_REF = re.compile(r"\s*\([^()]*#\d+(?:-\d+)?\)")


def standard_input() -> dict[str, Any]:
    settings = {k: v for k, v in COMPILER_SETTINGS.items() if k != "outputSelection"}
    return {
        "language": "Solidity",
        "sources": {name: {"content": path.read_text()} for name, path in source_files(ROOT).items()},
        "settings": {**settings, "outputSelection": OUTPUT_SELECTION},
    }


def run_slither(slither: Path) -> tuple[dict[str, Any], str]:
    OUT.mkdir(parents=True, exist_ok=True)
    input_path, results_path = OUT / "input.json", OUT / "results.json"
    input_path.write_text(json.dumps(standard_input(), indent=1))
    results_path.unlink(missing_ok=True)
    command = [
        str(slither), str(input_path.relative_to(ROOT)),
        "--compile-force-framework", "solc-json", "--solc", str(ROOT / "tools" / "solc"), "--solc-working-dir", ".",
        "--include-paths", re.escape(f"{ROOT}/contracts/"),
        "--fail-none", "--json", str(results_path.relative_to(ROOT)),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    sys.stderr.write(done.stderr)  # Slither's own report: every finding, then its summary line
    if done.returncode != 0 or not results_path.exists():
        sys.exit(f"slither failed (exit {done.returncode}): {' '.join(command)}")
    results = json.loads(results_path.read_text())
    if not results.get("success"):
        print(f"slither failed: {results.get('error')}", file=sys.stderr)
        sys.exit(2)
    summary = next((line for line in reversed(done.stderr.splitlines()) if " analyzed (" in line), "")
    return results, summary


def finding_key(result: dict[str, Any]) -> tuple[str, str]:
    """(detector, first description line without file#line references): stable as lines move."""
    first_line = result["description"].strip().splitlines()[0]
    return result["check"], SOURCE_REF.sub("", first_line).strip()


def triaged(path: Path = TRIAGE) -> set[tuple[str, str]]:
    entries = set()
    for line in path.read_text().splitlines() if path.exists() else []:
        if match := HEADING.match(line):
            entries.add((match["check"], match["finding"]))
    return entries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slither", type=Path, default=ROOT / ".venv-slither" / "bin" / "slither")
    args = parser.parse_args()
    results, summary = run_slither(args.slither)
    findings = results.get("results", {}).get("detectors", [])
    counts = Counter(r["impact"] for r in findings)
    known = triaged()

    print(f"\nSlither: {summary or '(no summary line)'}")
    print("Findings in contracts/ by impact: " + ", ".join(f"{i} {counts.get(i, 0)}" for i in IMPACTS))
    untriaged, seen = [], set()
    for result in findings:
        if result["impact"] not in ENFORCED:
            continue
        key = finding_key(result)
        seen.add(key)
        mark = "triaged  " if key in known else "UNTRIAGED"
        print(f"  {mark} {result['impact']:<6} `{key[0]}`: {key[1]}")
        if key not in known:
            untriaged.append(key)
    for key in sorted(known - seen):
        print(f"  note: {TRIAGE.name} still lists `{key[0]}`: {key[1]} (no longer reported: remove it)")
    if untriaged:
        where = TRIAGE.relative_to(ROOT)
        print(f"\n{len(untriaged)} high/medium finding(s) neither fixed nor explained: fix the contract, or add")
        print(f"to {where} a heading per finding (the line below) and why it is safe:")
        for check, finding in untriaged:
            print(f"### `{check}`: {finding}")
        return 1
    print("slither: every high/medium finding is fixed or triaged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
