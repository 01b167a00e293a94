"""The `auditkit` command: run audits, validate inputs, write the demo client's data."""
from __future__ import annotations

import argparse
import glob
import os
import sys
from pathlib import Path


def _expand(patterns: list[str]) -> list[Path]:
    """Parameter files from paths or (quoted) glob patterns, in the order given, without repeats."""
    paths: list[Path] = []
    for pattern in patterns:
        hits = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not hits:
            raise SystemExit(f"auditkit: no parameter file matches {pattern}")
        for hit in hits:
            if Path(hit) not in paths:
                paths.append(Path(hit))
    return paths


def cmd_run(args) -> int:
    from tqdm import tqdm

    from .runner import run_batch

    paths = _expand(args.params)
    jobs = max(1, min(args.jobs or os.cpu_count() or 1, len(paths)))
    bar = tqdm(total=len(paths), unit="client", desc="audit", disable=len(paths) == 1 or not sys.stderr.isatty())

    def done(res):
        bar.update(1)
        bar.write(("ok     " if res.ok else "FAILED ") + f"{res.client or res.params_path}")

    results = run_batch(paths, Path(args.output), jobs, on_done=done)
    bar.close()
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(f"FAILED: {r.failure}")
        for line in r.problems:
            print(f"  {line}")
        if r.run_dir:
            print(f"  partial run kept in {r.run_dir}")
    print(f"{len(results) - len(failed)} of {len(results)} audit(s) complete")
    for r in results:
        if r.ok:
            print(f"{r.client}: {r.report_html}")
            print(f"{r.client}: {r.report_pdf}")
    return 1 if failed else 0


def cmd_validate(args) -> int:
    from .validation import validate

    status = 0
    for path in _expand(args.params):
        lines, ok, _ = validate(path)
        print(f"{path}: {'OK' if ok else 'ERRORS'}")
        for line in lines:
            print(f"  {line}")
        status |= 0 if ok else 1
    return status


def cmd_demo_data(args) -> int:
    from .demo import write

    write(Path(args.out_dir))
    print(f"demo client written to {args.out_dir}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="auditkit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the full audit of one or more clients")
    run.add_argument("params", nargs="+", help="parameter file(s) or a quoted glob, e.g. 'params/*.yaml'")
    run.add_argument("--output", default="outputs", help="folder of the outputs (default: ./outputs)")
    run.add_argument("--jobs", type=int, default=None, help="clients run in parallel (default: number of cores)")
    run.set_defaults(func=cmd_run)
    val = sub.add_parser("validate", help="check parameter files and input tables; exit 1 on errors")
    val.add_argument("params", nargs="+")
    val.set_defaults(func=cmd_validate)
    demo = sub.add_parser("demo-data", help="write the demo client's input tables")
    demo.add_argument("out_dir")
    demo.set_defaults(func=cmd_demo_data)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
