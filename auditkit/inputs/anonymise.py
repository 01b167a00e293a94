"""Managers as codes (M01, M02…) for a client who asked for anonymity: applied to the validated
tables before any stage computes, so the report, results, action plan and executed notebooks never
see a name or an id. Besides the manager_id columns and the team register, manager names and ids
are replaced in the words people typed (contract columns marked free_text: comments, notes, lost
reasons) and in the data-quality problems (an unknown manager id quoted as an example)."""
from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd

from auditkit.inputs.contracts import contracts
from auditkit.inputs.read import AuditData

# A name word is replaced with up to this many letters more (Russian and Polish decline names:
# Иванов -> Иванова, Ивановым; Kowalski -> Kowalskiego is beyond it and kept only in full names)
NAME_ENDING = 3
SHORTEST_WORD = 3  # shorter name parts and ids ("Li", "7") are not searched for in free text
VOWELS = set("aeiouyąęóаеёиоуыэюя")


def manager_codes(managers: pd.DataFrame) -> dict[str, str]:
    """Stable codes M01, M02, … (wider when there are ≥ 100) in manager_id order, keyed by both
    manager_id and name (when given) so either can be replaced."""
    table = managers.dropna(subset=["manager_id"]).drop_duplicates("manager_id")
    table = table.sort_values("manager_id", kind="stable")
    width = max(2, len(str(len(table))))
    codes = "M" + pd.Series(np.arange(1, len(table) + 1), index=table.index).astype("str").str.zfill(width)
    mapping = dict(zip(table["manager_id"], codes))
    if "name" in table.columns:
        named = table["name"].notna()
        mapping.update(zip(table.loc[named, "name"], codes[named]))
    return mapping


def _word_codes(codes: dict[str, str]) -> dict[str, str]:
    """lower-case word or phrase -> code: every id and full name, and each word of a name (a part
    two managers share, e.g. a first name, -> both codes "M01/M04"); a name word ending in a vowel
    also without it, for its declined forms (Petrova -> Petrovoj, Петрова -> Петровой)."""
    words: dict[str, set[str]] = {}
    stems: dict[str, set[str]] = {}
    for key, code in codes.items():
        key = str(key).strip()
        if len(key) >= SHORTEST_WORD and re.search(r"[^\W\d_]", key):
            words.setdefault(key.lower(), set()).add(code)
        for part in re.findall(r"[^\W\d_]+", key.lower()):
            if len(part) >= SHORTEST_WORD and part != key.lower():
                words.setdefault(part, set()).add(code)
            if len(part) > 4 and part[-1] in VOWELS:
                stems.setdefault(part[:-1], set()).add(code)
    words.update({stem: c for stem, c in stems.items() if stem not in words})  # Ivanov stays Ivanov's
    return {w: "/".join(sorted(c)) for w, c in words.items()}


def replacer(codes: dict[str, str]):
    """A function text -> text with every manager id and name (or a declined name word) replaced by its code."""
    words = _word_codes(codes)
    if not words:
        return lambda text: text
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)({alternatives})(\w{{0,{NAME_ENDING}}})(?!\w)", re.IGNORECASE)

    def swap(m: re.Match) -> str:
        word, ending = m[1].lower(), m[2]
        if ending and (len(word) < 4 or not word.isalpha()):
            return m[0]  # "Ann" in "Annual", an id inside a longer code
        return words[word]

    def replace(text):
        if not isinstance(text, str):
            return text
        exact = codes.get(text.strip())
        return exact if exact is not None else pattern.sub(swap, text)

    return replace


def anonymise_managers(data: AuditData) -> None:
    """Replace manager ids and names by stable codes (M01, M02… in manager_id order) in every table,
    the free text and the problems, for the client report and results of a client who asked for it.
    Done once (a run anonymises before caching the tables; the stage notebooks then find it done)."""
    if data.anonymised:
        return
    managers = data.tables.get("managers")
    ids = set()
    for df in data.tables.values():
        if df is not None and "manager_id" in df.columns:
            ids |= set(df["manager_id"].dropna())
    roster = managers if managers is not None else pd.DataFrame({"manager_id": sorted(ids), "name": pd.NA})
    extra = sorted(ids - set(roster["manager_id"]))
    if extra:
        roster = pd.concat([roster, pd.DataFrame({"manager_id": extra})], ignore_index=True)
    codes = manager_codes(roster)
    replace = replacer(codes)
    for table, df in data.tables.items():
        if df is None:
            continue
        if "manager_id" in df.columns:
            df["manager_id"] = df["manager_id"].map(codes, na_action="ignore").astype("string")
        for name, col in contracts()[table].columns.items():
            if col.free_text and name in df.columns:
                df[name] = df[name].map(replace, na_action="ignore").astype(df[name].dtype)
    if managers is not None:
        managers["name"] = managers["manager_id"]
    data.problems = [dataclasses.replace(p, args={k: replace(v) for k, v in p.args.items()})
                     for p in data.problems]
    data.anonymised = True
