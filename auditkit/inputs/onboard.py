"""`auditkit new-client "Name" --from DIR`: a parameter file written from a folder of exports.

Every CSV / XLSX in the folder is matched to the presets by its headers (auditkit/inputs/detect.py);
each table takes the best matching file, and the other exports of that table from the same system as
further parts (HubSpot calls, meetings and tasks as activities; the same export, one file per year),
unless all their rows repeat the keys of another part (the same records exported twice: left out,
with a comment). The tables are then loaded once to read the period the
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
from auditkit.inputs.detect import match as fits
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
    """What the folder holds: the files and presets of each table (several when the folder holds several
    exports of one table from one system: calls, meetings and tasks; a year per file), and the files
    left aside."""

    chosen: dict[str, list[tuple[str, Match]]] = field(default_factory=dict)  # table -> [(file name, match)]
    not_recognised: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    shadowed: list[tuple[str, str, Match]] = field(default_factory=list)  # (file, chosen file, its match)
    repeats: list[tuple[str, str, str]] = field(default_factory=list)  # (file, table, the file whose rows it repeats)
    needs: list[tuple[str, str, str, str]] = field(default_factory=list)  # (file, table, table and preset it needs)


def read_headers(path: Path) -> list[str]:
    """The header row of a CSV or workbook (encoding and separator detected)."""
    return list(read_raw(path, TableSource(encoding="auto")).columns)


def _system(match: Match) -> str:
    return load_preset(match.preset)["system"]


def _further_part(match: Match, headers: tuple, parts: list[tuple[str, Match, tuple]]) -> bool:
    """Whether a file matching a table is another export of it beside `parts` (the best match first):
    an export of the same system and kind (not a fallback when the best is not) that is either of
    another object (another preset: meetings beside calls) or the same export of another period (the
    same preset and headers). An export of the same preset with other headers is the same data
    exported otherwise (a report and an API export of the opportunities): not a part."""
    best = parts[0][1]
    if _system(match) != _system(best) or match.fallback != best.fallback:
        return False
    same_preset = [h for _, m, h in parts if m.preset == match.preset]
    return not same_preset or headers in same_preset


def inspect_folder(folder: Path) -> Inspection:
    """Match every CSV / XLSX of `folder` to the presets. Each table takes its best matching file and
    the further exports of it (see `_further_part`) as parts, and a file once more with each of its
    preset's `companions` that fits it too (amoCRM's contacts list: its companies and its contacts);
    the other matching files are left aside (shadowed)."""
    found = Inspection()
    candidates: dict[str, list[tuple[str, Match, tuple]]] = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.name != TEMPLATE_NAME
                       and p.suffix.lower() in (".csv", *EXCEL_SUFFIXES)):
        try:
            headers = tuple(read_headers(path))
            matches = matches_by_table(list(headers))
        except (FileProblem, UnicodeDecodeError, ValueError, OSError, pd.errors.ParserError) as exc:
            found.unreadable.append((path.name, str(getattr(exc, "code", exc)).splitlines()[0][:120]))
            continue
        if not matches:
            found.not_recognised.append(path.name)
        for table, match in matches.items():
            candidates.setdefault(table, []).append((path.name, match, headers))
    for table, files in candidates.items():
        best = max(files, key=lambda fmh: fmh[1].rank)  # the first of equal ranks
        parts = [best]
        for candidate in files:
            if candidate is not best and _further_part(candidate[1], candidate[2], parts):
                parts.append(candidate)
        chosen = [(f, m) for f, m, _ in parts]
        chosen += [(f, c) for f, m, headers in parts for name in load_preset(m.preset).get("companions", [])
                   if (c := fits(name, list(headers)))]
        found.chosen[table] = sorted(chosen, key=lambda fm: fm[0])
        found.shadowed += [(f, best[0], m) for f, m, _ in files if all(f != p[0] for p in parts)]
    return found


def _without_repeats(found: Inspection, data: AuditData) -> bool:
    """Drop the parts all of whose rows repeat another part's keys (the same records exported twice)
    from every table they were a part of, and the tables whose ids are read from an export the folder
    lacks (amoCRM stage changes name deals: without the deals export); True when any was. (Some
    repeated rows, e.g. two periods that overlap, are left for `validate` to name.)"""
    needs = {(p.table, p.args["other_table"], p.args["other_preset"]) for p in data.problems
             if p.code == "preset_needs_export"}
    for table, other_table, other_preset in sorted(needs):  # its ids are read from an export the folder lacks
        found.needs.append((", ".join(f for f, _ in found.chosen.pop(table)), table, other_table, other_preset))
    rows = {(part.file, table): part.rows for table, parts in data.parts.items() for part in parts}
    repeats = {(p.file, p.table, p.args["other"]) for p in data.problems
               if p.code == "duplicate_key_parts" and p.count == rows.get((p.file, p.table))}
    gone = {file for file, _, _ in repeats}
    found.repeats += sorted(repeats)
    found.chosen = {table: kept for table, parts in found.chosen.items()
                    if (kept := [(f, m) for f, m in parts if f not in gone])}
    return bool(gone or needs)


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


def _table_lines(table: str, parts: list[tuple[str, Match]], data: AuditData) -> list[str]:
    """The `tables:` entry of one table: its preset and file (a list of them, one per export, when
    the folder holds several) with, per export, the stages read without a mapping as `values` to
    check and the stages nobody can read as commented lines to fill. (Ids of another export given
    beside it are read as names by the reader: AuditParams.source.)"""
    texts = _texts()
    lines = []
    for file, match in parts:
        lines += _comment(texts["file"].format(file=file, system=_system(match), preset=match.preset, n=match.score),
                          "  ")
    if len(parts) > 1:
        lines += _comment(texts["parts"].format(n=len(parts)), "  ")
    lines.append(f"  {table}:")
    for file, match in parts:
        indent = "      " if len(parts) > 1 else "    "
        head = [f"preset: {match.preset}", f"file: {_quoted(file)}"]
        lines += [f"    - {head[0]}", f"{indent}{head[1]}"] if len(parts) > 1 else [indent + h for h in head]
        lines += _stage_lines([p for p in data.problems if p.table == table and p.file == file], indent)
    return lines


def _stage_lines(problems: list, indent: str) -> list[str]:
    """`values` of the stages one export's problems say were read without a mapping, and, commented,
    those whose outcome nobody can read."""
    texts = _texts()
    inferred = {v: s for p in problems if p.code == "status_inferred" for v, _, s in p.args["values"]}
    unknown = [(v, n, "won") for p in problems if p.code == "unknown_value" for v, n in p.args["seen"]]
    unknown += [(v, n, says if says != "closed" else "lost") for p in problems if p.code == "stage_says_closed"
                for v, n, says in p.args["values"]]
    lines = []
    if inferred:
        lines += _comment(texts["inferred"], indent) + _block({"values": {"status": inferred}}, indent)
    if unknown:
        lines += _comment(texts["to_map"].format(values=", ".join(f"{v} ({n})" for v, n, _ in unknown)), indent)
        todo = _block({"values": {"status": {v: status for v, _, status in unknown}}}, "")
        # under the values written above, only the entries; else the whole block, commented out
        lines += [f"{indent}    # {line.strip()}" for line in todo[2:]] if inferred else [f"{indent}# {line}"
                                                                                          for line in todo]
    return lines


def _quoted(text: str) -> str:
    return yaml.safe_dump(text, allow_unicode=True, default_style=None).removesuffix("...\n").strip()


def parameter_text(client: str, slug: str, folder: Path, params_path: Path) -> str:
    """The parameter file of a client whose exports are in `folder` (see the module docstring)."""
    texts, found = _texts(), inspect_folder(folder)
    data_dir = Path(os.path.relpath(folder.resolve(), params_path.parent.resolve())).as_posix()
    while True:
        probe = AuditParams(client=client, period={"start": "2000-01-01", "end": "2000-01-01"}, data_dir=folder,
                            tables={t: [TableSource(preset=m.preset, file=f) for f, m in parts] if len(parts) > 1
                                    else TableSource(preset=parts[0][1].preset, file=parts[0][0])
                                    for t, parts in found.chosen.items()})
        data = load_inputs(probe)
        if not _without_repeats(found, data):
            break
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
    for table, parts in found.chosen.items():
        block += _table_lines(table, parts, data)
    if found.not_recognised:
        block += _comment(texts["not_recognised"].format(files=", ".join(found.not_recognised)), "  ")
    for file, reason in found.unreadable:
        block += _comment(texts["unreadable"].format(file=file, reason=reason), "  ")
    taken = {file for parts in found.chosen.values() for file, _ in parts}
    for file, chosen, match in found.shadowed:
        if file in taken:  # it gives another table: no need to say it also looked like this one
            continue
        same = any(f == chosen and m.preset == match.preset for f, m in found.chosen.get(match.table, []))
        block += _comment(texts["shadowed_layout" if same else "shadowed"].format(
            file=file, table=match.table, preset=match.preset, chosen=chosen), "  ")
    for file, table, other in found.repeats:
        block += _comment(texts["repeats"].format(file=file, table=table, other=other), "  ")
    for file, table, other_table, other_preset in found.needs:
        block += _comment(texts["needs"].format(file=file, table=table, other_table=other_table,
                                                other_preset=other_preset), "  ")
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
