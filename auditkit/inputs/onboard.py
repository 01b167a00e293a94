"""`auditkit new-client "Name" --from DIR`: a parameter file written from a folder of exports.

Every CSV / XLSX in the folder is matched to the presets by its headers (auditkit/inputs/detect.py);
each table takes the best matching file. The tables are then loaded once to read the period the
data covers (first to last date of deals or orders), the currency of the amounts and the stage
names read without a mapping, which are written out as `values` to check. What could not be
decided (a file no preset matches, a closed stage that says neither won nor lost, several
currencies without rates) is written as comments. Texts: auditkit/data/onboard.yaml.
"""
from __future__ import annotations

import datetime as dt
import os
import textwrap
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from auditkit.inputs.detect import Match, matches_by_table
from auditkit.inputs.params import AuditParams, TableSource
from auditkit.inputs.presets import load_preset
from auditkit.inputs.read import EXCEL_SUFFIXES, AuditData, FileProblem, load_inputs, read_raw
from auditkit.inputs.scaffold import TEMPLATE_NAME, WIDTH, params_yaml

DATED = (("deals", ("created_at", "closed_at")), ("orders", ("date",)))  # tables whose dates give the period


@cache
def _texts() -> dict:
    return yaml.safe_load(resources.files("auditkit").joinpath("data/onboard.yaml").read_text("utf-8"))


@dataclass
class Inspection:
    """What the folder holds: the file and preset of each table, and the files left aside."""

    chosen: dict[str, tuple[str, Match]] = field(default_factory=dict)  # table -> (file name, match)
    not_recognised: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    shadowed: list[tuple[str, str, Match]] = field(default_factory=list)  # (file, chosen file, its match)


def read_headers(path: Path) -> list[str]:
    """The header row of a CSV or workbook (encoding and separator detected)."""
    return list(read_raw(path, TableSource(encoding="auto")).columns)


def inspect_folder(folder: Path) -> Inspection:
    """Match every CSV / XLSX of `folder` to the presets; each table takes its best matching file."""
    found = Inspection()
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.name != TEMPLATE_NAME
                       and p.suffix.lower() in (".csv", *EXCEL_SUFFIXES)):
        try:
            matches = matches_by_table(read_headers(path))
        except (FileProblem, UnicodeDecodeError, ValueError, OSError, pd.errors.ParserError) as exc:
            found.unreadable.append((path.name, str(getattr(exc, "code", exc)).splitlines()[0][:120]))
            continue
        if not matches:
            found.not_recognised.append(path.name)
        for table, match in matches.items():
            if table in found.chosen and found.chosen[table][1].score >= match.score:
                found.shadowed.append((path.name, found.chosen[table][0], match))
                continue
            if table in found.chosen:
                found.shadowed.append((found.chosen[table][0], path.name, found.chosen[table][1]))
            found.chosen[table] = (path.name, match)
    return found


def _period(data: AuditData) -> tuple[dt.date, dt.date, str] | None:
    """(first, last, columns read) of the first of DATED given; the close date of a closed deal
    extends the end (an open deal's is a plan)."""
    for table, columns in DATED:
        df = data.tables.get(table)
        read = [c for c in columns if df is not None and table in data.files and c in data.provided[table]]
        if read and df[read[0]].notna().any():
            done = df[df["status"] != "open"] if table == "deals" else df
            last = max([df[read[0]].max(), *(done[c].max() for c in read[1:] if done[c].notna().any())])
            return df[read[0]].min().date(), last.date(), ", ".join(f"{table}.{c}" for c in read)
    return None


def _comment(text: str, indent: str = "") -> list[str]:
    return [f"{indent}# {line}" for line in textwrap.wrap(text, WIDTH - len(indent) - 2)]


def _block(value, indent: str) -> list[str]:
    text = yaml.safe_dump(value, allow_unicode=True, sort_keys=False, default_flow_style=False, width=10**6)
    return [indent + line for line in text.splitlines()]


def resolved_ids(found: Inspection, folder: Path) -> dict[str, dict]:
    """table -> the settings that read ids of another export as names: for each `ids` entry of a
    table's preset whose target table was found with its `preset` (e.g. an opportunity's AccountId
    -> the account's Name from the accounts export beside it), a lookup of the name and the
    columns that read it, and, for the target table, its name as the key (so both sides agree)."""
    extra: dict[str, dict] = {}
    for table, (file, match) in found.chosen.items():
        for entry in load_preset(match.preset).get("ids", []):
            target = found.chosen.get(entry["table"])
            if target is None or target[1].preset != entry["preset"]:
                continue
            named = f"{entry['header']} name"
            if entry["header"] not in read_headers(folder / file):
                continue
            mine = extra.setdefault(table, {"lookup": [], "columns": {}})
            mine["lookup"].append({"file": target[0], "key": {entry["header"]: entry["key"]},
                                   "columns": {entry["name"]: named}})
            mine["columns"][named] = entry["column"]
            extra.setdefault(entry["table"], {"lookup": [], "columns": {}})["columns"][entry["name"]] = \
                entry["target_column"]
    return {t: {k: v for k, v in settings.items() if v} for t, settings in extra.items()}


def _table_lines(table: str, file: str, match: Match, data: AuditData, extra: dict) -> list[str]:
    """The `tables:` entry of one table: its preset and file, the ids read as names (`extra`), the
    stages read without a mapping as `values` to check, the stages nobody can read as commented
    lines to fill."""
    texts, preset = _texts(), load_preset(match.preset)
    lines = _comment(texts["file"].format(file=file, system=preset["system"], preset=match.preset, n=match.score), "  ")
    lines += [f"  {table}:", f"    preset: {match.preset}", f"    file: {_quoted(file)}"]
    if extra:
        lines += _comment(texts["ids"], "    ") + _block(extra, "    ")
    problems = [p for p in data.problems if p.table == table]
    inferred = {v: s for p in problems if p.code == "status_inferred" for v, _, s in p.args["values"]}
    unknown = [(v, n, "won") for p in problems if p.code == "unknown_value" for v, n in p.args["seen"]]
    unknown += [(v, n, says if says != "closed" else "lost") for p in problems if p.code == "stage_says_closed"
                for v, n, says in p.args["values"]]
    if inferred:
        lines += _comment(texts["inferred"], "    ") + _block({"values": {"status": inferred}}, "    ")
    if unknown:
        lines += _comment(texts["to_map"].format(values=", ".join(f"{v} ({n})" for v, n, _ in unknown)), "    ")
        todo = _block({"values": {"status": {v: status for v, _, status in unknown}}}, "")
        # under the values written above, only the entries; else the whole block, commented out
        lines += [f"        # {line.strip()}" for line in todo[2:]] if inferred else [f"    # {line}" for line in todo]
    return lines


def _quoted(text: str) -> str:
    return yaml.safe_dump(text, allow_unicode=True, default_style=None).removesuffix("...\n").strip()


def parameter_text(client: str, slug: str, folder: Path, params_path: Path) -> str:
    """The parameter file of a client whose exports are in `folder` (see the module docstring)."""
    texts, found = _texts(), inspect_folder(folder)
    data_dir = Path(os.path.relpath(folder.resolve(), params_path.parent.resolve())).as_posix()
    extra = resolved_ids(found, folder)
    tables = {t: TableSource(preset=m.preset, file=f, **extra.get(t, {})) for t, (f, m) in found.chosen.items()}
    probe = AuditParams(client=client, period={"start": "2000-01-01", "end": "2000-01-01"}, data_dir=folder,
                        tables=tables)
    data = load_inputs(probe)
    period = _period(data)
    today = dt.date.today()
    start, end = (period[0], period[1]) if period else (dt.date(today.year - 2, 1, 1), dt.date(today.year - 1, 12, 31))
    text = params_yaml(client, slug, data_dir, (start, end), str(params_path))
    currencies = data.currencies
    single = {c for counts in currencies.values() for c, _ in counts}
    notes = _comment(texts["header"].format(folder=folder, today=today, path=params_path))
    notes += _comment(texts["period"].format(first=start, last=end, source=period[2]) if period
                      else texts["period_unknown"])
    if len(single) == 1:
        code = single.pop()
        notes += _comment(texts["currency"].format(source=", ".join(currencies)))
        text = text.replace("\ncurrency: EUR\n", f"\ncurrency: {code}\n", 1)
    elif not currencies:
        notes += _comment(texts["currency_unknown"])
    for table, counts in currencies.items():
        if len(counts) > 1:
            notes += _comment(texts["currencies"].format(
                table=table, counts=", ".join(f"{c} ({n})" for c, n in counts), currency=probe.currency,
                example="{" + ", ".join(f"{c}: …" for c, _ in counts if c != probe.currency) + "}"))
    block = ["tables:"]
    for table, (file, match) in found.chosen.items():
        block += _table_lines(table, file, match, data, extra.get(table, {}))
    if found.not_recognised:
        block += _comment(texts["not_recognised"].format(files=", ".join(found.not_recognised)), "  ")
    for file, reason in found.unreadable:
        block += _comment(texts["unreadable"].format(file=file, reason=reason), "  ")
    taken = {file for file, _ in found.chosen.values()}
    for file, chosen, match in found.shadowed:
        if file in taken:  # it gives another table: no need to say it also looked like this one
            continue
        block += _comment(texts["shadowed"].format(file=file, table=match.table, preset=match.preset, chosen=chosen),
                          "  ")
    text = text.replace("\ntables: {}\n", "\n" + "\n".join(block) + "\n", 1)
    return "\n".join(notes) + "\n\n" + text


def new_client_from(name: str, folder: str | Path, params_dir: str | Path = "params") -> Path:
    """Write `params_dir/<slug>.yaml` for the exports in `folder`; FileExistsError when it exists,
    NotADirectoryError when the folder does not."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"not a folder: {folder}")
    slug = AuditParams.model_construct(client=name).client_slug
    params_path = Path(params_dir) / f"{slug}.yaml"
    if params_path.exists():
        raise FileExistsError(f"already exists, not overwritten: {params_path}")
    params_path.parent.mkdir(parents=True, exist_ok=True)
    params_path.write_text(parameter_text(name, slug, folder, params_path), encoding="utf-8")
    return params_path
