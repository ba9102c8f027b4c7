"""Snapshot what kneecoach writes, and compare two snapshots: a refactor must not change it.

    python bench/behaviour_snapshot.py run before/            # the demo and the example plan
    python bench/behaviour_snapshot.py run before/ --clips    # and every shared clip (minutes)
    PYTHONPATH=../old/src python bench/behaviour_snapshot.py run old/ --clips
    python bench/behaviour_snapshot.py compare old/ before/

``run`` calls ``python -m kneecoach`` (so ``PYTHONPATH`` picks the code under test) with a
fixed plan start date; ``compare`` lists every file whose content differs, ignoring only the
fields that differ between any two runs (creation times, the output folder's own path).
Exit 1 when anything differs.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ROOT.parent / "shared" / "media"
#: Fields that differ between any two runs of the same code.
VOLATILE = {"created", "created_at", "generated", "dtstamp", "command", "cwd", "working_folder"}
COMPARED = ("summary.json", "frames.csv", "clips.csv", "reps.csv", "plan.json")


def _kneecoach(*args: str, home: Path) -> None:
    env = {**os.environ, "KNEECOACH_HOME": str(home)}
    done = subprocess.run([sys.executable, "-m", "kneecoach", *args], env=env, check=False)
    print(f"exit {done.returncode}: kneecoach {' '.join(args)}", file=sys.stderr)


def run(out: Path, clips: bool) -> None:
    """Write the demo, the example plan and (``clips``) every shared clip's analysis."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        _kneecoach("demo", "--no-video", "--out", str(out / "demo"), home=Path(home))
        intake = str(ROOT / "examples" / "intake.toml")
        plan = ("plan", "--intake", intake, "--start", "2026-01-05", "--out", str(out / "plan"))
        _kneecoach(*plan, home=Path(home))
        if clips:
            media = sorted(p for p in MEDIA.glob("*") if p.suffix.lower() in (".mp4", ".mov"))
            _kneecoach("analyze", *map(str, media), "--no-video", "--out", str(out / "clips"),
                       home=Path(home))  # fmt: skip


def _clean(value: Any, root: str) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v, root) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_clean(v, root) for v in value]
    if isinstance(value, str):
        return value.replace(root, "<out>")
    return value


def _load(path: Path, root: Path) -> Any:
    if path.suffix == ".json":
        return _clean(json.loads(path.read_text(encoding="utf-8")), str(root))
    with path.open(newline="", encoding="utf-8") as f:
        rows = [_clean(row, str(root)) for row in csv.DictReader(f)]
    return rows


def compare(a: Path, b: Path) -> int:
    """Print each compared file that differs (or exists on one side only); return how many."""
    names = {p.relative_to(a) for p in a.rglob("*") if p.name in COMPARED}
    names |= {p.relative_to(b) for p in b.rglob("*") if p.name in COMPARED}
    differ = 0
    for name in sorted(names):
        if not (a / name).exists() or not (b / name).exists():
            print(f"only in {'b' if (b / name).exists() else 'a'}: {name}")
            differ += 1
        elif _load(a / name, a) != _load(b / name, b):
            print(f"differs: {name}")
            differ += 1
    print(f"{len(names)} files compared, {differ} differ")
    return differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="verb", required=True)
    r = sub.add_parser("run", help="write a snapshot into OUT")
    r.add_argument("out", type=Path)
    r.add_argument("--clips", action="store_true", help="also every clip in ../shared/media")
    c = sub.add_parser("compare", help="compare snapshots A and B")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.verb == "run":
        run(args.out, args.clips)
    else:
        sys.exit(1 if compare(args.a, args.b) else 0)


if __name__ == "__main__":
    main()
