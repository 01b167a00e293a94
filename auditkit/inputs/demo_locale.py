"""The demo client in Russian or Polish: the generated tables (auditkit.inputs.demo, same seed and
planted problems) with the client's own words translated and, for Poland, amounts in PLN at
Polish scale (auditkit/data/demo_locales.yaml), so the showcase reports read naturally.

Command line: python -m auditkit.inputs.demo_locale OUT_DIR LANGUAGE [--seed N].
"""
from __future__ import annotations

import argparse
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from auditkit.inputs.demo import DEFAULT_SEED, generate, write_tables

MONEY_COLUMNS = {"orders": ("amount", "unit_price", "cost"), "deals": ("amount",), "marketing_costs": ("cost",)}
MONEY_PLAN_METRICS = ("revenue", "margin")  # plans whose target is an amount


@cache
def locales() -> dict:
    return yaml.safe_load(resources.files("auditkit").joinpath("data/demo_locales.yaml").read_text("utf-8"))


def localise(tables: dict[str, pd.DataFrame], language: str) -> dict[str, pd.DataFrame]:
    """The demo's tables with values translated (`<table>.<column>` mappings) and amounts × the
    language's money_factor (rounded to kopecks/grosze); row order and ids unchanged."""
    spec = locales()[language]
    out = {name: df.copy() for name, df in tables.items()}
    for key, mapping in spec.items():
        if "." not in key:
            continue
        table, column = key.split(".", 1)
        df = out[table]
        df[column] = df[column].map(lambda v: mapping.get(v, v) if isinstance(v, str) else v)
    names = out["clients"]["name"]
    for prefix, pattern in spec["legal_forms"].items():
        has = names.str.startswith(prefix)
        names = names.where(~has, names.str.removeprefix(prefix).map(lambda n: pattern.format(name=n)))
    out["clients"]["name"] = names
    factor = float(spec["money_factor"])
    if factor != 1:
        for table, columns in MONEY_COLUMNS.items():
            for column in columns:
                out[table][column] = (out[table][column] * factor).round(2)
        plans = out["plans"]
        money = plans["metric"].isin(MONEY_PLAN_METRICS)
        plans.loc[money, "target"] = (plans.loc[money, "target"] * factor).round(2)
    return out


def write(out_dir: str | Path, language: str, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the localised demo tables to ``out_dir/<table>.csv`` (as auditkit.inputs.demo.write)."""
    return write_tables(localise(generate(seed), language), out_dir)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m auditkit.inputs.demo_locale", description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("language", choices=sorted(locales()))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    write(args.out_dir, args.language, args.seed)


if __name__ == "__main__":
    main()
