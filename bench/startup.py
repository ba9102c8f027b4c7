"""How long kneecoach takes to start: wall time of short commands, as a user waits for them.

Usage::

    python bench/startup.py [--repeats 7]

Runs each command as a new process (``kneecoach`` from this environment) against an
empty journal in a temporary KNEECOACH_HOME and prints the median and the slowest wall
time. Goals (issue 15): ``--help`` ≤ 0.5 s, ``people`` ≤ 1.5 s on the 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = (["--help"], ["analyze", "--help"], ["people"], ["exercises"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    exe = shutil.which("kneecoach", path=str(Path(sys.executable).parent)) or "kneecoach"
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "KNEECOACH_HOME": home}
        subprocess.run([exe, "people"], env=env, check=True, capture_output=True)  # migrate once
        print(f"{'command':28} {'median s':>9} {'slowest s':>10}")
        for command in COMMANDS:
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                subprocess.run([exe, *command], env=env, check=True, capture_output=True)
                times.append(time.perf_counter() - start)
            name = "kneecoach " + " ".join(command)
            print(f"{name:28} {statistics.median(times):9.2f} {max(times):10.2f}")


if __name__ == "__main__":
    main()
