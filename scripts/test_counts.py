"""Reads a test suite's outcome for scripts/test.sh and prints "<passed> <failed>".

- ``junit FILE``: a pytest JUnit XML report.
- ``odoo LOG EXIT_CODE``: an ``odoo-bin --test-enable`` log. Odoo 18 reports a skipped browser
  test as a pass (exit code 0) when Chromium or websocket-client is missing, so every skipped
  test counts as failed here; so does a run that ran no test or exited non-zero without one.
"""

import re
import sys
import xml.etree.ElementTree as ElementTree

REPORT_LINE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
SKIPPED_LINE = re.compile(r"odoo\.addons\.kashoo_connector\.\S+: skipped ")


def junit_counts(path):
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError):
        return 0, 1  # pytest crashed before writing its report
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = failed = 0
    for suite in suites:
        total += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        failed += int(suite.get("skipped", 0))
    if total == 0:
        return 0, 1
    return total - failed, failed


def odoo_counts(path, exit_code):
    with open(path, encoding="utf-8", errors="replace") as log:
        text = log.read()
    reports = REPORT_LINE.findall(text)
    skipped = len(SKIPPED_LINE.findall(text))
    if not reports:
        return 0, 1
    failures, errors, run = (int(value) for value in reports[-1])
    failed = failures + errors + skipped
    passed = run - failed
    if run == 0 or (exit_code != 0 and failed == 0):
        failed += 1
    return passed, failed


def main(argv):
    kind, path, *rest = argv
    passed, failed = junit_counts(path) if kind == "junit" else odoo_counts(path, int(rest[0]))
    print(passed, failed)


if __name__ == "__main__":
    main(sys.argv[1:])
