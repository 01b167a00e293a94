"""The `auditkit` command: run audits or express assessments, validate inputs, start a new client, write the
demo client's data."""
from __future__ import annotations

import argparse
import glob
import os
import sys
from pathlib import Path


def _is_draft(path: Path) -> bool:
    """Whether a parameter file still carries the `draft: true` of `auditkit new-client`."""
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False  # the run itself reports what is wrong with the file
    return isinstance(raw, dict) and raw.get("draft") is True


def _expand(patterns: list[str], skip_drafts: bool = True) -> list[Path]:
    """Parameter files from paths or (quoted) glob patterns, in the order given, without repeats; a
    glob skips the drafts of `auditkit new-client` with a note (a path named outright is kept)."""
    paths: list[Path] = []
    for pattern in patterns:
        magic = glob.has_magic(pattern)
        hits = sorted(glob.glob(pattern)) if magic else [pattern]
        if not hits:
            raise SystemExit(f"auditkit: no parameter file matches {pattern}")
        for hit in hits:
            if magic and skip_drafts and _is_draft(Path(hit)):
                print(f"skipped {hit}: a draft (draft: true) until `{_command()} validate {hit}` passes",
                      file=sys.stderr)
                continue
            if Path(hit) not in paths:
                paths.append(Path(hit))
    if not paths:
        raise SystemExit("auditkit: every parameter file matched is a draft: validate them first")
    return paths


def _command() -> str:
    """How to call auditkit in the hints this command prints: `auditkit` when it is on PATH, else
    the repository's bin/auditkit when run from the repository, else through Python."""
    import shutil

    if shutil.which("auditkit"):
        return "auditkit"
    if Path("bin/auditkit").is_file():
        return "bin/auditkit"
    return f"{sys.executable} -m auditkit.cli"


def _stage_progress(quiet: bool):
    """A progress bar of one client's stages on a terminal (stage name, elapsed, done/total); None when
    quiet or when stderr is not a terminal (a CI log gets no carriage-return spam)."""
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bars = []

    def on_stage(stage: str, done: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, unit="stage", leave=False,
                             bar_format="{desc}: {n_fmt}/{total_fmt} stages |{bar:20}| {elapsed}"))
        bar = bars[0]
        bar.set_description_str(stage, refresh=False)
        bar.n = done
        bar.refresh()
        if done == total:
            bar.close()

    return on_stage


def cmd_run(args) -> int:
    from auditkit.batch.engine import run_batch
    from auditkit.batch.progress import BatchProgress, summary_table

    paths = _expand(args.params)
    jobs = max(1, min(args.jobs or os.cpu_count() or 1, len(paths)))
    kind = getattr(args, "kind", "full")
    progress = BatchProgress(len(paths), quiet=args.quiet, desc="express" if kind == "express" else "audit")
    try:
        results = run_batch(paths, Path(args.output), jobs, on_done=progress, kind=kind, force=args.force,
                            scheduler=args.scheduler,
                            on_stage=_stage_progress(args.quiet) if len(paths) == 1 else None,
                            on_batch_stage=None if progress.bar.disable else progress.stage)  # only a shown bar needs it
    except KeyboardInterrupt:
        progress.close()
        print(f"interrupted: {progress.done + progress.failed} of {len(paths)} client(s) finished; the unfinished "
              "runs were removed, earlier reports are unchanged")
        return 130  # the shell's code for a command stopped by Ctrl-C
    progress.close()
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(f"FAILED: {r.failure}")
        for line in r.problems:
            print(f"  {line}")
        if r.run_dir:
            print(f"  partial run kept in {r.run_dir}")
    if len(results) > 1:
        print(summary_table(results))
    what = "express assessment(s)" if kind == "express" else "audit(s)"
    print(f"{len(results) - len(failed)} of {len(results)} {what} complete")
    for r in results:
        if r.ok:
            print(f"{r.client}: {r.report_html}")
            print(f"{r.client}: {r.report_pdf}")
    return 1 if failed else 0


def cmd_status(args) -> int:
    from auditkit.batch.state import client_state

    for path in _expand(args.params):
        state = client_state(path, Path(args.output), args.kind)
        name = state.client or str(path)
        print(f"{state.status:<10} {name}  ({path})")
        for line in state.details:
            print(f"           {line}")
    return 0


def cmd_reproduce(args) -> int:
    from auditkit.batch.reproduce import reproduce

    found = reproduce(Path(args.run_dir), Path(args.keep) if args.keep else None)
    for note in found.notes:
        print(note)
    if not found.ok:
        print(f"auditkit: cannot reproduce: {found.failure}")
        return 2
    for line in found.differences:
        print(f"differs: {line}")
    print(f"{len(found.differences)} of {found.compared} numbers differ" if found.differences
          else f"no difference: all {found.compared} numbers of results/metrics.json are the same")
    return 1 if found.differences else 0


def cmd_portfolio(args) -> int:
    from auditkit.inputs.portfolio import portfolio_clients
    from auditkit.report.portfolio import write_portfolio

    clients = portfolio_clients(Path(args.output_dir), args.industry)
    if not clients:
        where = f" of the industry {args.industry!r}" if args.industry else ""
        print(f"auditkit: no complete audit{where} in {args.output_dir}: run the clients first (auditkit run)")
        return 1
    html_path, pdf_path = write_portfolio(clients, Path(args.to or args.output_dir), args.language, args.industry)
    print(f"portfolio of {len(clients)} client(s): {html_path}")
    print(f"portfolio of {len(clients)} client(s): {pdf_path}")
    return 0


def cmd_validate(args) -> int:
    from auditkit.i18n import Locale
    from auditkit.inputs.validation import undraft, validate

    status = 0
    for path in _expand(args.params, skip_drafts=False):
        lines, ok, data = validate(path)
        print(f"{path}: {'OK' if ok else 'ERRORS'}")
        for line in lines:
            print(f"  {line}")
        if data is not None and _is_draft(path):
            loc = Locale(_language(path))
            if ok and undraft(path):
                print(f"  {loc.t('validation.draft_removed')}")
            elif not ok:
                print(f"  {loc.t('validation.draft_kept')}")
        status |= 0 if ok else 1
    return status


def _language(path: Path) -> str:
    from auditkit.inputs.params import load_params

    return load_params(path).language


def cmd_demo_data(args) -> int:
    if args.language == "en":
        from auditkit.inputs.demo import write
    else:
        from functools import partial

        from auditkit.inputs.demo_locale import write as write_localised

        write = partial(write_localised, language=args.language)
    write(Path(args.out_dir))
    print(f"demo client written to {args.out_dir}")
    return 0


def cmd_new_client(args) -> int:
    from auditkit.inputs.scaffold import TEMPLATE_NAME, new_client

    if args.source:
        return _new_client_from(args)
    try:
        params_path, data_dir = new_client(args.name, args.params_dir, args.data_dir)
    except FileExistsError as exc:
        raise SystemExit(f"auditkit: {exc}") from None
    print(f"parameters:  {params_path}")
    print(f"data folder: {data_dir}")
    print("next steps:")
    print(f"  1. edit {params_path} (period, currency, language, goals; every option is explained there)")
    print(f"  2. fill {data_dir / TEMPLATE_NAME} by hand, or drop the client's exports into {data_dir}")
    print("     as <table>.csv / <table>.xlsx (a file wins over the template's sheet)")
    print(f"  3. {_command()} validate {params_path}  (the file is a draft, skipped by a batch, until it passes)")
    return 0


def _batch_options(parser: argparse.ArgumentParser) -> None:
    """Options of a resumable batch (auditkit.batch)."""
    parser.add_argument("--force", action="store_true", help="run every client, also those whose latest run is "
                                                             "up to date")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run the clients on a Dask cluster: its scheduler's address (tcp://HOST:8786) or "
                             "`local` for a LocalCluster of --jobs workers; every worker must see the same paths")
    parser.add_argument("--quiet", action="store_true", help="no progress (stages, clients) and no line per "
                        "client; progress bars are also off when stderr is not a terminal")


def _new_client_from(args) -> int:
    from auditkit.inputs.onboard import new_client_from

    try:
        params_path = new_client_from(args.name, args.source, args.params_dir)
    except (FileExistsError, NotADirectoryError) as exc:
        raise SystemExit(f"auditkit: {exc}") from None
    print(f"parameters:  {params_path} (tables, period and currency read from the exports in {args.source})")
    print("next steps:")
    print(f"  1. read the comments in {params_path}: what was recognised, what is left to set")
    print(f"  2. auditkit validate {params_path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from importlib.metadata import version

    parser = argparse.ArgumentParser(prog="auditkit", description=__doc__,
                                     epilog="`auditkit <command> --help` explains each command's arguments.")
    parser.add_argument("--version", action="version", version=f"auditkit {version('auditkit')}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    for name, kind, text in (("run", "full", "run the full audit of one or more clients (HTML and PDF report)"),
                             ("express", "express", "build the express assessment (express.html, express.pdf) from "
                                                    "the checklist of one or more clients")):
        cmd = sub.add_parser(name, help=text, description=text)
        cmd.add_argument("params", nargs="+", help="parameter file(s) or a quoted glob, e.g. 'params/*.yaml' "
                                                   "(a glob skips the drafts of new-client)")
        cmd.add_argument("--output", default="outputs", help="folder of the outputs (default: ./outputs)")
        cmd.add_argument("--jobs", type=int, default=None, help="clients run in parallel (default: number of cores)")
        _batch_options(cmd)
        cmd.set_defaults(func=cmd_run, kind=kind)
    status = sub.add_parser("status", help="list each client of a batch: up to date, stale (which input changed), "
                                           "failed (why) or never run")
    status.add_argument("params", nargs="+", help="parameter file(s) or a quoted glob, e.g. 'params/*.yaml'")
    status.add_argument("--output", default="outputs", help="folder of the outputs (default: ./outputs)")
    status.add_argument("--express", dest="kind", action="store_const", const="express", default="full",
                        help="the express assessments instead of the full audits")
    status.set_defaults(func=cmd_status)
    rep = sub.add_parser("reproduce", help="re-run a recorded run from its parameter file and inputs and report "
                                           "every number that differs")
    rep.add_argument("run_dir", help="the run's folder, e.g. outputs/demo/20260115-093000-1a2b")
    rep.add_argument("--keep", default=None, metavar="DIR", help="keep the fresh run in this output folder")
    rep.set_defaults(func=cmd_reproduce)
    port = sub.add_parser("portfolio", help="portfolio.html and portfolio.pdf from the latest complete audit of every "
                                            "client: scores, key metrics, their distribution, the common findings")
    port.add_argument("output_dir", help="the output folder of the audits, e.g. outputs/")
    port.add_argument("--industry", default=None, help="only the clients of this industry (`industry:` in their "
                                                       "parameters)")
    port.add_argument("--language", choices=("en", "ru", "pl"), default="en", help="the portfolio report's language")
    port.add_argument("--to", default=None, metavar="DIR", help="folder to write into (default: the output folder)")
    port.set_defaults(func=cmd_portfolio)
    text = "check parameter files and every input table; exit 1 on errors (a draft that passes loses its mark)"
    val = sub.add_parser("validate", help=text, description=text)
    val.add_argument("params", nargs="+", help="parameter file(s) or a quoted glob, e.g. params/acme.yaml")
    val.set_defaults(func=cmd_validate)
    text = "start a client: a commented parameter file (a draft) and a data folder with an input template workbook"
    new = sub.add_parser("new-client", help=text, description=text)
    new.add_argument("name", help="the client's name, e.g. \"ООО Ромашка\" (files are named by its slug)")
    new.add_argument("--params-dir", default="params", help="folder of the parameter file (default: params)")
    new.add_argument("--data-dir", default="data",
                     help="folder in which the client's data folder <slug>/ is made (default: data)")
    new.add_argument("--from", dest="source", default=None, metavar="DIR",
                     help="a folder of the client's exports (CSV / XLSX): recognise each, and write the parameter "
                          "file with their presets, period and currency; the folder becomes data_dir")
    new.set_defaults(func=cmd_new_client)
    text = "write the demo client's input tables"
    demo = sub.add_parser("demo-data", help=text, description=text)
    demo.add_argument("out_dir", help="folder to write the tables into, e.g. data/demo")
    demo.add_argument("--language", choices=("en", "ru", "pl"), default="en",
                      help="the client's own words (names, segments, notes) in this language; pl also in PLN")
    demo.set_defaults(func=cmd_demo_data)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
