"""Deterministic demo client: a mid-size B2B distributor of packaging and industrial consumables.

``generate(seed)`` returns one DataFrame per table of ``data/contracts.yaml`` with exactly the
contract's columns, shaped like a client's export after column mapping: ids and text as strings,
dates as ISO strings ("YYYY-MM-DD", or "YYYY-MM-DD HH:MM" where the time matters), numbers plain.
``write(out_dir, seed)`` writes them as ``<table>.csv``; ``python -m auditkit.inputs.demo OUT_DIR``.

Audit window 2024-01-01 .. 2025-12-31; the orders also hold the 12 months of history before it
(from 2023-01-01), as a real export would, so a client's first order ever is not an artefact of
the window start. All randomness comes from one
``numpy.random.Generator(PCG64(seed))``: the same seed gives byte-identical files. The planted
problems (stage bottleneck, an under-logging manager, slow exhibition leads, churning retail
chains, seasonality, growth, concentration, call-quality gaps, NPS, channel economics) are
described in ``docs/demo_client.md``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import holidays
import numpy as np
import pandas as pd

from auditkit.inputs.checklist import load_checklist

DEFAULT_SEED = 20240601
START = np.datetime64("2024-01-01", "D")
END = np.datetime64("2025-12-31", "D")
HISTORY_START = np.datetime64("2023-01-01", "D")  # orders (only) start 12 months before START
HANDOVER = np.datetime64("2025-07-01", "D")  # M11 left on 06-30; his accounts pass to M12
TABLES = (
    "orders", "clients", "deals", "stage_history", "leads", "activities", "plans",
    "marketing_costs", "managers", "surveys", "call_reviews", "mystery_shopper",
    "staff_assessment", "checklist",
)  # fmt: skip

# ------------------------------------------------------------------------------ the company
# manager_id, name, role, team, hired_at, left_at
MANAGERS = (
    ("M01", "Olga Smirnova", "head", "Management", "2016-03-01", None),
    ("M02", "Dmitry Ivanov", "manager", "Key accounts", "2017-09-04", None),
    ("M03", "Anna Kuznetsova", "manager", "Key accounts", "2018-02-12", None),
    ("M04", "Sergey Popov", "manager", "Key accounts", "2019-06-03", None),
    ("M05", "Elena Vasilieva", "manager", "Key accounts", "2020-01-20", None),
    ("M06", "Alexey Sokolov", "manager", "Regions", "2019-10-07", None),
    ("M07", "Pavel Morozov", "manager", "Regions", "2020-08-17", None),
    ("M08", "Natalia Volkova", "manager", "Regions", "2021-03-01", None),
    ("M09", "Andrey Lebedev", "manager", "Regions", "2022-04-11", None),
    ("M10", "Maria Novikova", "manager", "SMB", "2022-09-05", None),
    ("M11", "Igor Fedorov", "manager", "SMB", "2021-02-01", "2025-06-30"),
    ("M12", "Ekaterina Orlova", "manager", "SMB", "2025-04-01", None),
)
KEY_ACCOUNT_REPS = np.array(["M02", "M03", "M04", "M05"])
OTHER_REPS = np.array(["M06", "M07", "M08", "M09", "M10", "M11"])
REPS = np.array([m[0] for m in MANAGERS if m[2] != "head"])
LOW_LOGGER = "M07"  # planted: logs ~1/3 of the team's activities per working day

# segment: share of the pre-2024 base, median order value, median days between orders,
# gamma shape of the gaps (lower = less regular), quarterly churn hazard, survey NPS mean
SEGMENTS = {
    "Manufacturing": (0.30, 48_000, 62, 6.0, 0.02, 8.8),
    "Retail chains": (0.16, 60_000, 68, 1.3, 0.145, 6.8),
    "HoReCa": (0.20, 19_000, 45, 5.0, 0.03, 8.6),
    "Construction": (0.17, 42_000, 68, 4.0, 0.03, 8.6),
    "Wholesale": (0.17, 64_000, 74, 5.0, 0.025, 8.7),
}
SEGMENT_NAMES = np.array(list(SEGMENTS))
SEG = np.array(list(SEGMENTS.values()))  # (segment, parameter) in the order above
INDUSTRIES = {
    "Manufacturing": ["Food production", "Chemicals", "Machinery", "Furniture", "Pharmaceuticals"],
    "Retail chains": ["Grocery retail", "DIY retail", "Electronics retail"],
    "HoReCa": ["Restaurants", "Hotels", "Catering"],
    "Construction": ["Residential construction", "Road construction", "Building materials"],
    "Wholesale": ["FMCG distribution", "Packaging wholesale", "E-commerce fulfilment"],
}
REGIONS = np.array(
    ["Moscow", "Saint Petersburg", "Yekaterinburg", "Kazan", "Nizhny Novgorod",
     "Novosibirsk", "Samara", "Krasnodar", "Rostov-on-Don"]
)  # fmt: skip
REGION_P = np.array([0.32, 0.16, 0.09, 0.08, 0.08, 0.07, 0.07, 0.07, 0.06])

# category: gross margin, category share per segment (order of SEGMENTS),
# products (name, list price)
CATEGORIES = {
    "Stretch film": (0.16, (0.30, 0.20, 0.05, 0.20, 0.25), (
        ("Stretch film 500mm 17um", 980.0), ("Stretch film 500mm 20um", 1150.0),
        ("Stretch film 500mm 23um machine", 2350.0), ("Pre-stretch film 430mm", 1290.0),
        ("Colour stretch film 500mm", 1480.0))),
    "Corrugated boxes": (0.24, (0.25, 0.30, 0.15, 0.10, 0.25), (
        ("Box 300x200x200 T-23", 38.0), ("Box 400x300x300 T-24", 62.0),
        ("Box 600x400x400 T-24", 118.0), ("Mailer box 250x180x80", 29.0),
        ("Archive box 330x250x300", 84.0))),
    "Adhesive tapes": (0.34, (0.12, 0.20, 0.10, 0.15, 0.15), (
        ("Packing tape 48mm x 66m", 64.0), ("Packing tape 48mm x 150m", 139.0),
        ("Printed tape 48mm x 66m", 96.0), ("Masking tape 38mm x 50m", 88.0),
        ("Double-sided tape 25mm x 25m", 210.0))),
    "Strapping": (0.20, (0.15, 0.05, 0.00, 0.20, 0.15), (
        ("PP strap 12mm x 3000m", 1650.0), ("PET strap 16mm x 1500m", 3400.0),
        ("Steel seals 16mm (1000 pcs)", 2100.0), ("Strapping tensioner", 7900.0),
        ("Cord strap 19mm x 500m", 3950.0))),
    "PPE": (0.30, (0.12, 0.05, 0.20, 0.35, 0.10), (
        ("Nitrile gloves (100 pcs)", 540.0), ("Cotton work gloves (10 pairs)", 320.0),
        ("Safety goggles", 260.0), ("Hi-vis vest", 310.0), ("Respirator FFP2 (20 pcs)", 1150.0))),
    "Cleaning & hygiene": (0.28, (0.06, 0.20, 0.50, 0.00, 0.10), (
        ("Paper towels Z-fold (20 packs)", 1450.0), ("Toilet paper jumbo (12 rolls)", 1190.0),
        ("Degreaser concentrate 5L", 890.0), ("Hand soap 5L", 640.0),
        ("Garbage bags 120L (50 pcs)", 420.0))),
}
# planted seasonality: Jan and Aug dips, Q4 peak (share of orders kept, order-size factor)
SEASON_KEEP = np.array([0.82, 1, 1, 1, 1, 1, 0.95, 0.80, 1, 1, 1, 1])
SEASON_SIZE = np.array([0.82, 0.96, 1.0, 1.0, 0.98, 0.97, 0.94, 0.78, 1.02, 1.10, 1.16, 1.22])
TARGET_GROWTH = 1.10  # planted: 2025 revenue / 2024 revenue
HISTORY_GROWTH = 1.16  # 2024 revenue / 2023 revenue: growth slowed in 2025

# lead channel: leads in the window, median hours to first contact, share never contacted,
# MQL rate, SQL rate (of MQL), deal win multiplier, segment mix (order of SEGMENTS),
# monthly marketing spend
CHANNELS = {
    "website": (2300, 1.5, 0.03, 0.60, 0.50, 1.00, (0.25, 0.15, 0.25, 0.15, 0.20), 380_000),
    "exhibitions": (1000, 72.0, 0.35, 0.55, 0.45, 1.00, (0.45, 0.10, 0.05, 0.20, 0.20), 60_000),
    "cold_calls": (1500, 0.1, 0.00, 0.30, 0.40, 0.85, (0.30, 0.15, 0.25, 0.20, 0.10), 150_000),
    "partners": (500, 3.0, 0.03, 0.75, 0.65, 1.20, (0.25, 0.10, 0.15, 0.25, 0.25), 90_000),
    "marketplace": (1200, 2.0, 0.04, 0.45, 0.35, 0.80, (0.10, 0.30, 0.40, 0.10, 0.10), 720_000),
}
CHANNEL_NAMES = np.array(list(CHANNELS))
EXPO_STARTS = ("2024-03-19", "2024-10-15", "2025-03-18", "2025-10-14")  # 4-day exhibitions
EXPO_SPEND = 1_600_000  # extra spend in the month of an exhibition

STAGES = np.array(["new", "qualification", "proposal", "negotiation", "contract"])
STAGE_PROBABILITY = np.array([10, 20, 40, 60, 80])  # CRM probability per open stage, %
STAGE_MEDIAN_DAYS = np.array([3, 6, 21, 8, 5])  # planted: proposal is the slowest stage
# planted bottleneck: proposal -> negotiation converts far worse than every other step
PASS_LEAD_DEALS = np.array([0.85, 0.78, 0.38, 0.80, 0.90])
PASS_CLIENT_DEALS = np.array([0.92, 0.84, 0.45, 0.84, 0.92])
# planted: two SMB reps go straight from "new" to "proposal" on most deals that get that far, and
# some negotiations go back to a revised proposal (loops on the process map); drawn from a
# generator of their own, so that every other table is the same as without them
QUALIFICATION_SKIPPERS = ("M10", "M12")
SKIP_SHARE = 0.6  # of their deals that reached "proposal"
LOOP_SHARE = 0.12  # of the deals with a negotiation of at least LOOP_MIN_DAYS
LOOP_MIN_DAYS = 6
N_CLIENT_DEALS = 1650
N_EXISTING_CLIENTS = 640
LOST_REASONS = np.array(
    ["price", "competitor", "no_budget", "no_response", "delivery_terms", "not_qualified"]
)
LOST_P_EARLY = np.array([0.10, 0.10, 0.25, 0.30, 0.05, 0.20])  # lost in new / qualification
LOST_P_LATE = np.array([0.38, 0.27, 0.10, 0.10, 0.13, 0.02])

SURVEY_REASONS = np.array(
    ["delivery_delays", "price", "assortment", "manager_responsiveness", "documents_errors"]
)
SURVEY_REASON_P = np.array([0.30, 0.28, 0.12, 0.15, 0.15])
RETAIL_REASON_P = np.array([0.45, 0.25, 0.05, 0.10, 0.15])
SURVEY_COMMENTS = {
    "delivery_delays": "Deliveries are late, especially before holidays",
    "price": "Prices went up faster than the market",
    "assortment": "Not everything we need is in stock",
    "manager_responsiveness": "Hard to reach our manager",
    "documents_errors": "Errors in invoices and delivery notes",
}
# call review item: max score, team-wide success probability (planted weakest: objection
# handling and next step agreed)
CALL_ITEMS = {
    "greeting": (1, 0.92), "needs_discovery": (2, 0.66), "presentation": (2, 0.72),
    "objection_handling": (2, 0.36), "price_argumentation": (2, 0.56),
    "next_step_agreed": (1, 0.40), "closing": (2, 0.62), "crm_logging": (1, 0.74),
}  # fmt: skip
MYSTERY_CRITERIA = {
    "greeting": 8.6, "response_speed": 6.2, "needs_discovery": 6.6,
    "product_knowledge": 7.6, "objection_handling": 4.6, "follow_up": 4.2,
}  # fmt: skip
# manager_id: product_knowledge, sales_technique, motivation, loyalty (current staff only)
STAFF_ASSESSMENT = {
    "M01": (5, 4, 4, 5), "M02": (5, 4, 4, 5), "M03": (4, 4, 5, 4), "M04": (4, 3, 4, 4),
    "M05": (4, 4, 3, 4), "M06": (3, 3, 4, 4), "M07": (4, 3, 2, 2), "M08": (3, 4, 4, 3),
    "M09": (3, 3, 4, 4), "M10": (3, 3, 5, 4), "M12": (2, 3, 5, 4),
}  # fmt: skip
# checklist answers that follow from the planted problems; other questions are drawn
CHECKLIST_FIXED = {
    "plan_factors_seasonality": ("no", "Monthly plans are the annual plan divided by 12"),
    "plan_breakdown_period": ("partly", "Months only, no weekly plans"),
    "plan_forecast_from_pipeline": ("no", None),
    "plan_activity_targets": ("no", None),
    "seg_churn_monitoring": ("no", "Lost clients are noticed at year-end reconciliation"),
    "seg_strategy_per_segment": ("no", None),
    "seg_channels_defined": ("partly", "Marketing budget is not linked to won clients"),
    "seg_client_feedback": ("partly", "One survey a year, no exit interviews"),
    "proc_lead_handover_rules": ("no", "Exhibition contacts are entered after the event"),
    "proc_lost_reason_analysis": ("partly", None),
    "proc_scripts_standards": ("partly", "No objection-handling scripts"),
    "proc_crm_single_source": ("partly", "Some managers keep clients in spreadsheets"),
    "proc_crm_task_assignment": ("no", None),
    "res_call_reviews": ("partly", "Reviews started in the second half of 2025"),
    "res_telephony_integrated": ("no", "Calls are logged in the CRM by hand"),
    "res_training_regular": ("no", None),
    "res_kpis_per_manager": ("partly", "Revenue only, no activity KPIs"),
    "res_erp_integration": ("yes", "Orders and shipments come from 1C nightly"),
    "res_head_of_sales_competent": ("yes", None),
}
CHECKLIST_P = np.array([0.45, 0.33, 0.22])  # yes, partly, no for the other questions
ANSWERS = np.array(["yes", "partly", "no"])

# ------------------------------------------------------------------------------- helpers
_YEARS = range(START.astype(object).year, END.astype(object).year + 1)  # window years
_HOLIDAYS = np.array(
    sorted(holidays.country_holidays("RU", years=range(HISTORY_START.astype(object).year,
                                                       _YEARS.stop))),
    "datetime64[D]",
)  # fmt: skip
_ALL_DAYS = np.arange(START, END + 1)
WORKDAYS = _ALL_DAYS[np.is_busday(_ALL_DAYS, holidays=_HOLIDAYS)]
NAT = np.datetime64("NaT")


def _days(values) -> np.ndarray:
    """Whole days (floats are floored) as timedelta64[D]."""
    return np.floor(np.asarray(values, float)).astype("int64").astype("timedelta64[D]")


def _minutes(values) -> np.ndarray:
    """Whole minutes (floats are rounded) as timedelta64[m]."""
    return np.rint(np.asarray(values, float)).astype("int64").astype("timedelta64[m]")


def _iso(values: np.ndarray, unit: str = "D") -> np.ndarray:
    """ISO strings of datetime64 values: "YYYY-MM-DD" (unit "D") or "YYYY-MM-DD HH:MM"
    (unit "m"); NaT becomes None."""
    t = np.asarray(values).astype(f"datetime64[{unit}]")
    text = np.char.replace(np.datetime_as_string(t, unit=unit), "T", " ").astype(object)
    text[np.isnat(t)] = None
    return text


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    """Sequential ids prefix + zero-padded 1..n."""
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width))


def _draw(rng: np.random.Generator, cum_p: np.ndarray) -> np.ndarray:
    """Index of a categorical draw per column of ``cum_p`` (cumulative probabilities, axis 0)."""
    return (rng.random(cum_p.shape[1]) > cum_p[:-1]).sum(axis=0)


def _pick_day(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A uniformly drawn working day in [lo, hi] per element (datetime64[D]); the first working
    day on or after lo when the interval holds none."""
    ia = np.searchsorted(WORKDAYS, lo, "left")
    n = np.searchsorted(WORKDAYS, hi, "right") - ia
    idx = ia + np.floor(rng.random(len(ia)) * np.maximum(n, 1)).astype(int)
    return WORKDAYS[np.minimum(idx, len(WORKDAYS) - 1)]


def _workday(days: np.ndarray, not_before: np.ndarray) -> np.ndarray:
    """Each day moved to the next working day of its month, else to the previous one unless
    that falls before ``not_before``; never past the last working day of the window."""
    ahead = np.busday_offset(days, 0, "forward", holidays=_HOLIDAYS)
    back = np.busday_offset(days, 0, "backward", holidays=_HOLIDAYS)
    same = ahead.astype("datetime64[M]") == days.astype("datetime64[M]")
    return np.minimum(np.where(same | (back < not_before), ahead, back), WORKDAYS[-1])


def _office_time(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """Timestamps (datetime64[m]) at a random minute between 09:00 and 18:30 of ``days``."""
    return days.astype("datetime64[m]") + _minutes(540 + rng.integers(0, 570, len(days)))


def _owner_at(base_owner: np.ndarray, when: np.ndarray) -> np.ndarray:
    """Account owner on a date: M11's accounts belong to M12 from the handover on."""
    return np.where((base_owner == "M11") & (when >= HANDOVER), "M12", base_owner)


def _month(days: np.ndarray) -> np.ndarray:
    """Calendar month 0..11 of datetime64 values."""
    return days.astype("datetime64[M]").astype(int) % 12


def _span(manager_id: str) -> tuple[np.datetime64, np.datetime64]:
    """First and last day a manager works inside the audit window."""
    _, _, _, _, hired, left = next(m for m in MANAGERS if m[0] == manager_id)
    last = min(END, np.datetime64(left, "D")) if left else END
    return max(START, np.datetime64(hired, "D")), last


def _frame(columns: dict | pd.DataFrame) -> pd.DataFrame:
    """DataFrame from arrays; object columns (text, ISO dates with None) become str columns."""
    df = pd.DataFrame(columns)
    return df.astype(dict.fromkeys([c for c in df.columns if df[c].dtype == object], "str"))


# ------------------------------------------------------------------------------- generation
def _leads(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Leads of the five channels with their funnel timestamps (datetime64[m], NaT = not
    reached), sorted by creation time."""
    parts = []
    window_min = int((END + 1 - START).astype("timedelta64[m]").astype(int))
    expo = np.array(EXPO_STARTS, "datetime64[D]")
    for c, (n, resp_h, never, mql, sql, *_) in CHANNELS.items():
        n = rng.poisson(n)
        if c == "exhibitions":  # business cards collected on the stand, 10:00-18:00
            day = expo[rng.integers(0, len(expo), n)] + _days(rng.integers(0, 4, n))
            created = day.astype("datetime64[m]") + _minutes(600 + rng.integers(0, 480, n))
        elif c in ("cold_calls", "partners"):
            created = _office_time(rng, WORKDAYS[rng.integers(0, len(WORKDAYS), n)])
        else:  # web and marketplace requests arrive around the clock
            created = START.astype("datetime64[m]") + _minutes(rng.integers(0, window_min, n))
        contact = created + _minutes(np.maximum(1, 60 * resp_h * rng.lognormal(0, 0.8, n)))
        contact[rng.random(n) < never] = NAT
        mql_at = contact + _minutes(60 * rng.gamma(2.0, 24, n))
        mql_at[rng.random(n) >= mql] = NAT
        sql_at = mql_at + _minutes(60 * rng.gamma(2.0, 60, n))
        sql_at[rng.random(n) >= sql] = NAT
        parts.append((np.full(n, c, dtype=object), created, contact, mql_at, sql_at))
    channel, created, contact, mql_at, sql_at = (np.concatenate(x) for x in zip(*parts))
    end_m = (END + 1).astype("datetime64[m]")
    contact[contact >= end_m] = NAT
    mql_at[np.isnat(contact) | (mql_at >= end_m)] = NAT
    sql_at[np.isnat(mql_at) | (sql_at >= end_m)] = NAT
    order = np.argsort(created, kind="stable")
    return {
        "channel": channel[order], "created_at": created[order],
        "first_contact_at": contact[order], "mql_at": mql_at[order], "sql_at": sql_at[order],
    }  # fmt: skip


def _stages(rng: np.random.Generator, created: np.ndarray, p_pass: np.ndarray) -> dict:
    """Walk deals through STAGES: days in stage = STAGE_MEDIAN_DAYS x lognormal(0, 0.55),
    at least 1; a deal passes a stage with ``p_pass`` (n, 5), else it is lost on leaving it;
    5% stall at a random stage and stay open; a deal whose next move falls after END stays
    open. Returns entered (n, 5) datetime64[D], status, last stage index, closed_at, stalled."""
    n = len(created)
    dur = np.maximum(1, np.rint(STAGE_MEDIAN_DAYS * rng.lognormal(0, 0.55, (n, 5))))
    passed = rng.random((n, 5)) < p_pass
    stall = np.where(rng.random(n) < 0.05, rng.integers(0, 4, n), -1)
    entered = np.full((n, 5), NAT, "datetime64[D]")
    status = np.full(n, "open", dtype=object)
    closed = np.full(n, NAT, "datetime64[D]")
    last = np.zeros(n, int)
    t, alive = created.copy(), np.ones(n, bool)
    for i in range(5):
        entered[alive, i] = t[alive]
        last[alive] = i
        t = t + _days(dur[:, i])
        alive &= (stall != i) & (t <= END)
        lost = alive & ~passed[:, i]
        status[lost], closed[lost] = "lost", t[lost]
        alive &= passed[:, i]
    status[alive], closed[alive] = "won", t[alive]
    stalled = (status == "open") & (stall == last)
    return {"entered": entered, "status": status, "last": last, "closed_at": closed,
            "stalled": stalled}  # fmt: skip


def _profiles(rng: np.random.Generator, seg: np.ndarray, size: np.ndarray) -> dict:
    """Order behaviour from segment index and latent size z ~ N(0, 1): median order value
    (money), mean days between orders, gap regularity (gamma shape), discount share,
    quarterly churn hazard."""
    n = len(seg)
    return {
        "aov": SEG[seg, 1] * np.exp(0.6 * size + 0.3 * rng.standard_normal(n)),
        "gap": np.clip(SEG[seg, 2] * np.exp(-0.6 * size + 0.25 * rng.standard_normal(n)), 7, 200),
        "shape": SEG[seg, 3],
        "hazard": SEG[seg, 4],
        "discount": np.clip(0.04 + 0.03 * size + 0.02 * rng.standard_normal(n), 0, 0.15),
    }


def _churn_day(rng: np.random.Generator, since: np.ndarray, hazard: np.ndarray) -> np.ndarray:
    """Day a client stops ordering: ``since`` + exponential time with the quarterly hazard,
    capped at END."""
    return np.minimum(since + _days(rng.exponential(91.3 / hazard)), END)


def _clients(rng: np.random.Generator, won: dict) -> dict[str, np.ndarray]:
    """The client base: N_EXISTING_CLIENTS accounts from before 2024 plus one new client per won
    lead deal (``won``: created, seg, size, owner, channel). Accounts created before
    HISTORY_START order from a random point of their first gap after it (5% are dormant: no
    orders at all); accounts created later order 3-20 days after creation and churn 1.5x
    faster. Churn runs from the first order in the data."""
    n_old = N_EXISTING_CLIENTS
    seg_old = rng.choice(len(SEG), n_old, p=SEG[:, 0] / SEG[:, 0].sum())
    size_old = rng.standard_normal(n_old)
    oldest = np.datetime64("2015-01-12", "D")
    created_old = oldest + _days(rng.integers(0, (START - oldest).astype(int), n_old))
    key = size_old > np.quantile(size_old, 0.75)
    owner_old = np.where(
        key,
        KEY_ACCOUNT_REPS[rng.integers(0, len(KEY_ACCOUNT_REPS), n_old)],
        OTHER_REPS[rng.integers(0, len(OTHER_REPS), n_old)],
    )
    acq_old = rng.choice(
        np.array(["website", "exhibitions", "cold_calls", "partners", "referral"]),
        n_old, p=[0.3, 0.25, 0.2, 0.15, 0.1],
    )  # fmt: skip
    seg = np.concatenate([seg_old, won["seg"]])
    size = np.concatenate([size_old, won["size"]])
    prof = _profiles(rng, seg, size)
    n = len(seg)
    created = np.concatenate([created_old, won["created"]])
    young = created >= HISTORY_START
    first = np.where(
        young,
        created + _days(rng.integers(3, 21, n)),
        HISTORY_START + _days(rng.random(n) * prof["gap"]),
    )
    hazard = prof["hazard"] * np.where(young, 1.5, 1.0)  # young accounts churn more
    stop = _churn_day(rng, first, hazard)
    stop[~young & (rng.random(n) < 0.05)] = HISTORY_START - 1  # dormant: no orders at all
    retail = SEGMENT_NAMES[seg] == "Retail chains"
    prefix = np.array(["Prom", "Sever", "Ural", "Volga", "Tekh", "Stroy", "Agro", "Meta", "Neva",
                       "Sib", "Trans", "Evro", "Alfa", "Delta", "Kama", "Don", "Baltik", "Vector",
                       "Orion", "Grand"])  # fmt: skip
    suffix = np.array(["tek", "pak", "snab", "torg", "servis", "invest", "line", "prom", "market",
                       "group", "stroy", "trade", "logistic", "food", "plast"])  # fmt: skip
    legal = np.where(rng.random(n) < 0.8, "LLC ", "JSC ")
    name = pd.Series(np.char.add(np.char.add(legal, prefix[rng.integers(0, 20, n)]),
                                 suffix[rng.integers(0, 15, n)]))  # fmt: skip
    dup = name.groupby(name).cumcount().to_numpy()
    name = np.where(dup > 0, name + " " + (dup + 1).astype(str), name)
    industry = np.array([INDUSTRIES[s][i % len(INDUSTRIES[s])] for s, i in
                         zip(SEGMENT_NAMES[seg], rng.integers(0, 60, n))])  # fmt: skip
    portal = rng.random(n)
    return {
        **prof,
        "client_id": _ids("C", n, 4), "name": name, "seg": seg, "size": size,
        "segment": SEGMENT_NAMES[seg], "industry": industry,
        "region": rng.choice(REGIONS, n, p=REGION_P), "created": created,
        "base_owner": np.concatenate([owner_old, won["owner"]]),
        "acquisition_channel": np.concatenate([acq_old, won["channel"]]),
        "first_order": first, "stop": stop,
        "order_channel": np.where(retail & (portal < 0.8), "edi",
                                  np.where(portal < 0.3, "b2b_portal", "sales_rep")),
    }  # fmt: skip


def _client_deals(rng: np.random.Generator, clients: dict) -> dict[str, np.ndarray]:
    """N_CLIENT_DEALS repeat deals (supply contracts, tenders) with clients, bigger clients more
    often, created inside the window while the client is ordering."""
    since = np.maximum(clients["first_order"], START)
    ok = np.flatnonzero(clients["stop"] > since)
    w = np.exp(0.5 * clients["size"][ok])
    ci = rng.choice(ok, N_CLIENT_DEALS, p=w / w.sum())
    lo = since[ci]
    span = (clients["stop"][ci] - lo).astype(int)
    return {
        "created": lo + _days(rng.random(N_CLIENT_DEALS) * span),
        "client": ci,
        "amount": clients["aov"][ci] * rng.uniform(3, 8, N_CLIENT_DEALS),
        "owner": clients["base_owner"][ci],
        "channel": np.full(N_CLIENT_DEALS, "existing_clients", dtype=object),
        "p_pass": np.broadcast_to(PASS_CLIENT_DEALS, (N_CLIENT_DEALS, 5)),
    }


def _order_lines(rng: np.random.Generator, cl: dict) -> pd.DataFrame:
    """Order lines: per client a renewal process of orders (gamma gaps, shipped on working
    days) from its first order (from HISTORY_START on) to its churn day, thinned and scaled
    by SEASON_*; 1 + Poisson(1.6) lines per order (max 8); ~1% partial returns (negative
    lines of the same order, 2-21 days later); net prices trended by e^(k t), t in years from
    START, with k solved so that revenue 2025 / 2024 = TARGET_GROWTH, and for t < 0 (2023)
    by another k solved so that revenue 2024 / 2023 = HISTORY_GROWTH. Amount = quantity x
    unit_price; cost is the line's total cost."""
    span = np.maximum((cl["stop"] - cl["first_order"]).astype(int), 0)
    n_max = np.where(span > 0, np.ceil(span / cl["gap"] * 1.6).astype(int) + 3, 0)
    cli = np.repeat(np.arange(len(span)), n_max)
    head = np.cumsum(n_max) - n_max  # position of each client's first slot
    step = cl["gap"][cli] * rng.gamma(cl["shape"][cli], 1 / cl["shape"][cli])
    step[head[n_max > 0]] = 0
    offset = np.cumsum(step)
    offset -= offset[np.repeat(head, n_max)]
    day = cl["first_order"][cli] + _days(offset)
    keep = (day <= cl["stop"][cli]) & (rng.random(len(cli)) < SEASON_KEEP[_month(day)])
    new_first = head[(n_max > 0) & (cl["created"] >= HISTORY_START)]
    keep[new_first] = True  # a new account always places its first order
    cli = cli[keep]
    day = _workday(day[keep], np.maximum(cl["created"][cli], HISTORY_START))
    order = np.lexsort((cli, day))
    cli, day = cli[order], day[order]

    n_lines = 1 + np.minimum(rng.poisson(1.6, len(cli)), 7)
    ord_no = np.repeat(np.arange(len(cli)), n_lines)
    lc, lday = cli[ord_no], day[ord_no]
    n = len(lc)
    margin = np.array([c[0] for c in CATEGORIES.values()])
    cat_p = np.array([c[1] for c in CATEGORIES.values()])
    cat = _draw(rng, np.cumsum(cat_p / cat_p.sum(axis=0), axis=0)[:, cl["seg"][lc]])
    prod = rng.integers(0, 5, n)
    names = np.array([[p[0] for p in c[2]] for c in CATEGORIES.values()])
    list_price = np.array([[p[1] for p in c[2]] for c in CATEGORIES.values()])[cat, prod]
    value = cl["aov"][lc] / 2.6 * SEASON_SIZE[_month(lday)] * rng.lognormal(-0.18, 0.6, n)
    qty = np.maximum(1, np.rint(value / list_price))
    net_price = list_price * (1 - cl["discount"][lc])
    unit_cost = list_price * (1 - margin[cat]) * rng.lognormal(0, 0.04, n)

    ret = np.flatnonzero(rng.random(n) < 0.01)
    src = np.concatenate([np.arange(n), ret])
    qty = np.concatenate([qty, -np.ceil(qty[ret] * rng.uniform(0.1, 1.0, len(ret)))])
    r_day = _workday(lday[ret] + _days(rng.integers(2, 22, len(ret))), lday[ret])
    lday = np.concatenate([lday, r_day])
    years = (lday - START).astype(int) / 365.25
    year = (lday.astype("datetime64[Y]") - HISTORY_START.astype("datetime64[Y]")).astype(int)
    k = np.zeros(2)  # price trend per year before START, from START on
    for _ in range(6):  # fixed point of the two revenue ratios (2023 revenue moves ~ -k/2)
        trend = np.exp(k[(years >= 0).astype(int)] * years)
        rev = np.bincount(year, qty * net_price[src] * trend, minlength=3)
        k += np.log([(HISTORY_GROWTH * rev[0] / rev[1]) ** 2, TARGET_GROWTH * rev[1] / rev[2]])
    unit_price = np.round(net_price[src] * trend, 2)
    ci = lc[src]
    lines = pd.DataFrame({
        "order_id": _ids("SO-", len(cli), 6)[ord_no[src]], "client_id": cl["client_id"][ci],
        "date": _iso(lday), "amount": np.round(qty * unit_price, 2), "quantity": qty.astype(int),
        "unit_price": unit_price, "cost": np.round(qty * unit_cost[src] * trend, 2),
        "product": names[cat, prod][src], "category": np.array(list(CATEGORIES))[cat][src],
        "manager_id": _owner_at(cl["base_owner"][ci], lday), "channel": cl["order_channel"][ci],
    })  # fmt: skip
    return _frame(lines.sort_values(["order_id", "date"], kind="stable").reset_index(drop=True))


def _skips_and_loops(plant: np.random.Generator, hist: pd.DataFrame, manager: np.ndarray,
                     last: np.ndarray) -> pd.DataFrame:
    """The stage history ``hist`` (d, seq, stage, entered_at; sorted by d, seq) with the planted
    departures from the to-be order: QUALIFICATION_SKIPPERS' deals that reached proposal lose their
    qualification entry with SKIP_SHARE; LOOP_SHARE of the negotiations of LOOP_MIN_DAYS or more go
    back to proposal a third of the way through and return to negotiation at two thirds."""
    d, seq = hist["d"].to_numpy(), hist["seq"].to_numpy()
    skipper = np.isin(manager, QUALIFICATION_SKIPPERS) & (last >= 2) & (plant.random(len(manager)) < SKIP_SHARE)
    hist = hist[~((seq == 1) & skipper[d])]
    d, seq, day = hist["d"].to_numpy(), hist["seq"].to_numpy(), hist["entered_at"].to_numpy()
    nego = np.flatnonzero(seq == 3)
    nego = nego[(nego + 1 < len(hist))]
    nego = nego[d[nego + 1] == d[nego]]  # a negotiation the deal left (next stage, won or lost)
    stay = (day[nego + 1] - day[nego]) // np.timedelta64(1, "D")  # whole days
    looped = (stay >= LOOP_MIN_DAYS) & (plant.random(len(nego)) < LOOP_SHARE)
    loop, third = nego[looped], _days(stay[looped] // 3)
    back = pd.DataFrame({"d": d[loop], "seq": 3.3, "stage": "proposal", "entered_at": day[loop] + third})
    again = pd.DataFrame({"d": d[loop], "seq": 3.6, "stage": "negotiation", "entered_at": day[loop] + 2 * third})
    return pd.concat([hist, back, again]).sort_values(["d", "seq"], kind="stable")


def _deals_and_history(
    rng: np.random.Generator, lead_deals: dict, client_deals: dict, clients: dict,
    stages_lead: dict, stages_client: dict, plant: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, dict]:
    """Deals and stage history of lead deals and client deals together, sorted by creation.
    Returns (deals, stage_history, position of each lead deal in deals, internal arrays)."""
    n_lead = len(lead_deals["created"])
    keys = ("created", "owner", "channel", "amount")
    deal = {k: np.concatenate([lead_deals[k], client_deals[k]]) for k in keys}
    st = {k: np.concatenate([stages_lead[k], stages_client[k]]) for k in stages_lead}
    client = np.concatenate([lead_deals["client"], client_deals["client"]])
    order = np.lexsort((np.arange(len(client)), deal["created"]))
    deal = {k: v[order] for k, v in deal.items()}
    st = {k: v[order] for k, v in st.items()}
    client, n = client[order], len(client)
    pos = np.argsort(order)[:n_lead]
    status, closed = st["status"], st["closed_at"]
    deal_id = _ids("D", n, 5)
    stage = np.where(status == "open", STAGES[st["last"]], status)
    lost = status == "lost"
    late = st["last"] >= 2
    reason_cum = np.cumsum(np.where(late, LOST_P_LATE[:, None], LOST_P_EARLY[:, None]), axis=0)
    reason = LOST_REASONS[_draw(rng, reason_cum)].astype(object)
    reason[~lost | (rng.random(n) < 0.08)] = None  # 8% of lost deals lack a reason
    expected = deal["created"] + _days(np.rint(45 * rng.lognormal(0, 0.35, n)))
    probability = np.where(status == "won", 100, np.where(lost, 0, STAGE_PROBABILITY[st["last"]]))
    manager = _owner_at(deal["owner"], np.where(np.isnat(closed), END, closed))
    cid = np.where(client >= 0, clients["client_id"][np.maximum(client, 0)], None)
    deals = _frame({
        "deal_id": deal_id, "created_at": _iso(deal["created"]), "status": status,
        "amount": np.round(deal["amount"], -2), "client_id": cid, "manager_id": manager,
        "lead_source": deal["channel"], "channel": deal["channel"], "stage": stage,
        "closed_at": _iso(closed), "expected_close": _iso(expected),
        "probability": probability, "lost_reason": reason,
    })  # fmt: skip
    hist_stage = np.concatenate([np.repeat(STAGES[None, :], n, axis=0).ravel(), status])
    hist_day = np.concatenate([st["entered"].ravel(), closed])
    hist_deal = np.concatenate([np.repeat(np.arange(n), 5), np.arange(n)])
    seq = np.concatenate([np.tile(np.arange(5), n), np.full(n, 5)])
    has = ~np.isnat(hist_day)
    hist = pd.DataFrame({"d": hist_deal[has], "seq": seq[has], "stage": hist_stage[has],
                         "entered_at": hist_day[has]}).sort_values(["d", "seq"])  # fmt: skip
    hist = _skips_and_loops(plant, hist, manager, st["last"])
    history = _frame({"deal_id": deal_id[hist["d"]], "stage": hist["stage"].to_numpy(),
                      "entered_at": _iso(hist["entered_at"].to_numpy())})  # fmt: skip
    last_move = st["entered"][np.arange(n), st["last"]]
    internal = {"deal_id": deal_id, "created": deal["created"], "closed": closed,
                "owner": deal["owner"], "client": client, "status": status,
                "stalled": st["stalled"], "last_move": last_move}  # fmt: skip
    return deals, history, pos, internal


def _activities(rng: np.random.Generator, deals: dict, clients: dict) -> pd.DataFrame:
    """Calls, meetings, e-mails and tasks (timestamps 09:00-18:30 on working days).
    Deal work: Poisson(2 + days worked / 5) activities from creation to close (END for open
    deals; a stalled deal is abandoned 5-30 days after its last stage change), by the deal's
    owner at that date. Each rep logs about his own rate per working day (team U(8.5, 11.5);
    M07 a third of the team median): deal activities are capped at 60% of that target and
    account contacts (a client of his portfolio created by then, or none) fill the rest.
    Next step agreed on 55% of talks and held meetings (M07: 35%)."""
    end = np.where(np.isnat(deals["closed"]), END, deals["closed"])
    abandoned = deals["last_move"] + _days(rng.integers(5, 31, len(end)))
    end = np.where(deals["stalled"], np.minimum(abandoned, END), end)
    n_act = rng.poisson(2 + (end - deals["created"]).astype(int) / 5)
    d = np.repeat(np.arange(len(n_act)), n_act)
    day = _pick_day(rng, deals["created"][d], end[d])
    who = _owner_at(deals["owner"][d], day)
    rate = dict(zip(REPS, rng.uniform(8.5, 11.5, len(REPS))))
    rate[LOW_LOGGER] = np.median([v for m, v in rate.items() if m != LOW_LOGGER]) / 3
    keep = np.zeros(len(d), bool)
    parts = []
    for m in REPS:
        first, last = _span(m)
        work = WORKDAYS[(WORKDAYS >= first) & (WORKDAYS <= last)]
        target = rate[m] * len(work)
        mine = np.flatnonzero(who == m)
        keep[mine] = rng.random(len(mine)) < min(1.0, 0.6 * target / max(len(mine), 1))
        n_acc = rng.poisson(max(target - keep[mine].sum(), 0))
        a_day = work[rng.integers(0, len(work), n_acc)]
        inherited = (m == "M12") & (clients["base_owner"] == "M11")
        ci = np.flatnonzero((clients["base_owner"] == m) | inherited)
        since = np.where(inherited[ci], np.maximum(clients["created"][ci], HANDOVER),
                         clients["created"][ci])  # fmt: skip
        by = np.argsort(since, kind="stable")
        n_ok = np.searchsorted(since[by], a_day, "right")  # clients of his portfolio by then
        pick = np.where(n_ok > 0, np.floor(rng.random(n_acc) * n_ok).astype(int), len(ci))
        parts.append((np.full(n_acc, m), a_day, np.full(n_acc, -1), np.append(ci[by], -1)[pick]))
    kd = d[keep]
    parts.insert(0, (who[keep], day[keep], kd, deals["client"][kd]))
    who, day, deal, client = (np.concatenate(x) for x in zip(*parts))
    n = len(who)
    is_deal = deal >= 0
    type_p = np.where(is_deal, [[0.45], [0.15], [0.25], [0.15]], [[0.60], [0.05], [0.25], [0.10]])
    kind = np.array(["call", "meeting", "email", "task"])[_draw(rng, np.cumsum(type_p, axis=0))]
    u = rng.random(n)
    call_out = np.array(["connected", "no_answer", "callback", "meeting_set"])[
        _draw(rng, np.cumsum(np.repeat([[0.55], [0.25], [0.10], [0.10]], n, axis=1), axis=0))]
    outcome = np.select(
        [kind == "call", kind == "meeting", kind == "email"],
        [call_out, np.where(u < 0.85, "held", "rescheduled"), "sent"],
        np.where(u < 0.8, "done", "overdue"),
    )
    talk = (kind == "call") & (outcome != "no_answer")
    duration = np.select(
        [talk, kind == "call", (kind == "meeting") & (outcome == "held")],
        [np.maximum(1, np.rint(4 * rng.lognormal(0, 0.7, n))), 0, 15 * rng.integers(2, 9, n)],
        np.nan,
    )
    p_next = np.where(who == LOW_LOGGER, 0.35, 0.55)
    next_step = pd.array(rng.random(n) < p_next, dtype="boolean")
    next_step[~(talk | ((kind == "meeting") & (outcome == "held")))] = False
    next_step[(kind == "email") | (kind == "task")] = pd.NA
    stamp = _office_time(rng, day)
    order = np.lexsort((who, stamp))
    return _frame({
        "activity_id": _ids("A", n, 6), "manager_id": who[order], "type": kind[order],
        "date": _iso(stamp[order], "m"),
        "deal_id": np.where(deal >= 0, deals["deal_id"][deal], None)[order],
        "client_id": np.where(client >= 0, clients["client_id"][client], None)[order],
        "duration_min": pd.array(duration[order], dtype="Int64"), "outcome": outcome[order],
        "next_step": next_step[order],
    })  # fmt: skip


def _plans(rng: np.random.Generator, orders: pd.DataFrame) -> pd.DataFrame:
    """Monthly plans per rep (revenue, new_clients) and the company totals (manager_id empty).
    Revenue target = the rep's mean monthly fact of the year x U(1.0, 1.2), flat over the
    months he works (the plans ignore seasonality); M12's plan starts at the handover."""
    fact = orders.groupby([orders["manager_id"], orders["date"].str[:7]])["amount"].sum()
    rows = []
    for m in REPS.tolist():
        first, last = _span(m)
        first = max(first, HANDOVER) if m == "M12" else first
        months = np.arange(first, last + 1, dtype="datetime64[M]").astype(str)
        got = fact.get(m, pd.Series(dtype=float)).reindex(months, fill_value=0.0)
        year_mean = got.groupby(got.index.str[:4]).transform("mean")
        stretch = dict(zip(map(str, _YEARS), rng.uniform(1.0, 1.2, len(_YEARS))))  # per year
        target = np.round(year_mean * got.index.str[:4].map(stretch), -4)
        rows.append(pd.DataFrame({"period": months, "metric": "revenue",
                                  "target": target.to_numpy(), "manager_id": m}))  # fmt: skip
        rows.append(pd.DataFrame({"period": months, "metric": "new_clients",
                                  "target": 1.0, "manager_id": m}))  # fmt: skip
    per_rep = pd.concat(rows, ignore_index=True)
    total = per_rep.groupby(["period", "metric"], as_index=False)["target"].sum()
    plans = pd.concat([total.assign(manager_id=None), per_rep], ignore_index=True)
    plans = plans.sort_values(["period", "metric"], kind="stable").reset_index(drop=True)
    return _frame(plans)


def _marketing_costs(rng: np.random.Generator) -> pd.DataFrame:
    """Monthly spend per lead channel: base x lognormal(0, 0.1), exhibitions + EXPO_SPEND in
    the month of an exhibition."""
    months = np.arange(START, END + 1, dtype="datetime64[M]")
    expo = np.array(EXPO_STARTS, "datetime64[M]")
    parts = []
    for c, params in CHANNELS.items():
        cost = params[7] * rng.lognormal(0, 0.1, len(months))
        if c == "exhibitions":
            cost += EXPO_SPEND * np.isin(months, expo)
        parts.append(pd.DataFrame({"period": months.astype(str), "channel": c,
                                   "cost": np.round(cost, -2)}))  # fmt: skip
    return _frame(pd.concat(parts, ignore_index=True))


def _surveys(rng: np.random.Generator, orders: pd.DataFrame, clients: dict) -> pd.DataFrame:
    """~320 answers of clients who keep ordering (surveyed between their first order + 30 days
    and their last order, from 2024-06) and ~80 of clients who stopped (90-150 days after
    their last order, inside the window). NPS ~ N(segment mean - 2.5 if churned, 1.8); CSAT
    from NPS; 1-2 reasons for answers below 9."""
    day = orders["date"].to_numpy().astype("datetime64[D]")
    idx = np.searchsorted(clients["client_id"], orders["client_id"].to_numpy())
    first = np.full(len(clients["client_id"]), NAT, "datetime64[D]")
    last = first.copy()
    span = pd.DataFrame({"c": idx, "d": day}).groupby("c")["d"].agg(["min", "max"])
    first[span.index], last[span.index] = span["min"].to_numpy(), span["max"].to_numpy()
    lo = np.maximum(first + 30, np.datetime64("2024-06-01"))
    ok_loyal = np.flatnonzero(~np.isnat(first) & (last >= lo))
    loyal = rng.choice(ok_loyal, min(320, len(ok_loyal)), replace=False)
    loyal_day = lo[loyal] + _days(rng.random(len(loyal)) * (last[loyal] - lo[loyal]).astype(int))
    ok_churn = np.flatnonzero(~np.isnat(last) & (last >= START - 90) & (last < END - 150))
    churned = rng.choice(ok_churn, min(80, len(ok_churn)), replace=False)
    churn_day = last[churned] + _days(rng.integers(90, 151, len(churned)))
    who = np.concatenate([loyal, churned])
    date = np.concatenate([loyal_day, churn_day])
    is_churned = np.arange(len(who)) >= len(loyal)
    n = len(who)
    nps = np.clip(np.rint(SEG[clients["seg"][who], 5] - 2.5 * is_churned
                          + 1.8 * rng.standard_normal(n)), 0, 10)  # fmt: skip
    csat = np.clip(np.rint(1 + 0.4 * nps + 0.6 * rng.standard_normal(n)), 1, 5)
    csat[rng.random(n) < 0.05] = np.nan
    retail = clients["segment"][who] == "Retail chains"
    cum = np.cumsum(np.where(retail, RETAIL_REASON_P[:, None], SURVEY_REASON_P[:, None]), axis=0)
    r1, r2 = SURVEY_REASONS[_draw(rng, cum)], SURVEY_REASONS[_draw(rng, cum)]
    two = (rng.random(n) < 0.4) & (r1 != r2)
    unhappy = nps <= 8
    reasons = np.where(two, np.char.add(np.char.add(r1, ";"), r2), r1).astype(object)
    reasons[~unhappy] = None
    u = rng.random(n)
    comment = np.array([SURVEY_COMMENTS[r] for r in r1], dtype=object)
    comment[~unhappy] = "Reliable supplier, good manager"
    comment[(unhappy & (u > 0.5)) | (~unhappy & (u > 0.2))] = None
    order = np.lexsort((who, date))
    return _frame({
        "client_id": clients["client_id"][who][order], "date": _iso(date[order]),
        "nps": pd.array(nps[order], dtype="Int64"), "csat": pd.array(csat[order], dtype="Int64"),
        "reasons": reasons[order], "comment": comment[order],
        "respondent": np.where(is_churned, "churned", "loyal")[order],
    })  # fmt: skip


def _reviews(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Quality control in H2 2025 (current reps): 300 reviewed calls scored per CALL_ITEMS
    (0/1 items Bernoulli, 0-2 items Binomial(2, p), p = item p + rep skill N(0, 0.06); M07
    rarely logs the call in the CRM) and 40 mystery-shopper calls in Nov-Dec scored 0-10
    per MYSTERY_CRITERIA."""
    staff = np.array([m for m in REPS if _span(m)[1] == END])
    skill = dict(zip(staff, 0.06 * rng.standard_normal(len(staff))))
    days = WORKDAYS[WORKDAYS >= HANDOVER]
    rev_who = staff[rng.integers(0, len(staff), 300)]
    rev_day = np.sort(days[rng.integers(0, len(days), 300)])
    s = np.array([skill[m] for m in rev_who])
    items = {}
    for item, (top, p) in CALL_ITEMS.items():
        p_m = np.clip(p + s - 0.5 * (item == "crm_logging") * (rev_who == LOW_LOGGER), 0.02, 0.98)
        items[item] = rng.binomial(top, p_m)
    reviews = _frame({"manager_id": rev_who, "date": _iso(rev_day),
                      "review_id": _ids("CR", 300, 4), **items})  # fmt: skip
    ms_days = days[days >= np.datetime64("2025-11-01")]
    ms_who = staff[rng.integers(0, len(staff), 40)]
    ms_day = np.sort(ms_days[rng.integers(0, len(ms_days), 40)])
    s = np.array([skill[m] for m in ms_who]) * 10
    scores = {c: np.clip(np.rint(mu + s + 1.4 * rng.standard_normal(40)), 0, 10).astype(int)
              for c, mu in MYSTERY_CRITERIA.items()}  # fmt: skip
    mystery = _frame({"manager_id": ms_who, "date": _iso(ms_day), **scores})
    return reviews, mystery


def _checklist(rng: np.random.Generator) -> pd.DataFrame:
    """One answer per question of data/checklist.yaml: CHECKLIST_FIXED where the planted
    problems dictate the answer, else yes/partly/no drawn with CHECKLIST_P."""
    ids = [q["id"] for q in load_checklist()["questions"]]
    drawn = ANSWERS[rng.choice(len(ANSWERS), len(ids), p=CHECKLIST_P)].tolist()
    fixed = [CHECKLIST_FIXED.get(q, (a, None)) for q, a in zip(ids, drawn)]
    return _frame({"parameter_id": np.array(ids, dtype=object),
                   "answer": np.array([a for a, _ in fixed], dtype=object),
                   "note": np.array([t for _, t in fixed], dtype=object)})  # fmt: skip


def generate(seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """All 14 tables of the demo client, keyed by table name (TABLES order)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    leads = _leads(rng)

    sql = np.flatnonzero(~np.isnat(leads["sql_at"]))
    ch = pd.Index(CHANNEL_NAMES).get_indexer(leads["channel"][sql])
    created = leads["sql_at"][sql].astype("datetime64[D]")
    n = len(sql)
    mix = np.array([v[6] for v in CHANNELS.values()])
    seg = _draw(rng, np.cumsum(mix[ch].T, axis=0))
    size = rng.normal(-0.3, 1.0, n)
    p_pass = np.tile(PASS_LEAD_DEALS, (n, 1))
    mult = np.array([v[5] for v in CHANNELS.values()])[ch]
    p_pass[:, 1:3] = np.minimum(p_pass[:, 1:3] * mult[:, None], 0.97)
    lead_deals = {
        "created": created, "channel": leads["channel"][sql],
        "owner": _owner_at(OTHER_REPS[rng.integers(0, len(OTHER_REPS), n)], created),
        "amount": SEG[seg, 1] * 4 * np.exp(0.55 * size + 0.3 * rng.standard_normal(n)),
    }  # fmt: skip
    st_lead = _stages(rng, created, p_pass)
    won = np.flatnonzero(st_lead["status"] == "won")
    won = won[np.argsort(st_lead["closed_at"][won], kind="stable")]
    lead_deals["client"] = np.full(n, -1)
    lead_deals["client"][won] = N_EXISTING_CLIENTS + np.arange(len(won))
    clients = _clients(rng, {"created": st_lead["closed_at"][won], "seg": seg[won],
                             "size": size[won], "owner": lead_deals["owner"][won],
                             "channel": lead_deals["channel"][won]})  # fmt: skip
    client_deals = _client_deals(rng, clients)
    st_client = _stages(rng, client_deals["created"], client_deals["p_pass"])
    deals, history, pos, internal = _deals_and_history(
        rng, lead_deals, client_deals, clients, st_lead, st_client,
        np.random.Generator(np.random.PCG64([seed, 1])),  # the planted skips and loops
    )
    lead_deal = np.full(len(leads["channel"]), None, dtype=object)
    lead_deal[sql] = internal["deal_id"][pos]
    orders = _order_lines(rng, clients)
    last_order = orders.groupby("client_id")["date"].max().reindex(clients["client_id"])
    active = last_order.fillna("").to_numpy().astype(str) >= str(END - 180)
    activities = _activities(rng, internal, clients)
    reviews, mystery = _reviews(rng)
    tables = {
        "orders": orders,
        "clients": _frame({
            "client_id": clients["client_id"], "name": clients["name"],
            "segment": clients["segment"], "industry": clients["industry"],
            "region": clients["region"], "created_at": _iso(clients["created"]),
            "manager_id": _owner_at(clients["base_owner"], END),
            "status": np.where(active, "active", "inactive"),
            "acquisition_channel": clients["acquisition_channel"],
        }),
        "deals": deals,
        "stage_history": history,
        "leads": _frame({
            "lead_id": _ids("L", len(lead_deal), 5), "created_at": _iso(leads["created_at"], "m"),
            "source": leads["channel"], "channel": leads["channel"],
            "mql_at": _iso(leads["mql_at"], "m"), "sql_at": _iso(leads["sql_at"], "m"),
            "deal_id": lead_deal, "first_contact_at": _iso(leads["first_contact_at"], "m"),
        }),
        "activities": activities,
        "plans": _plans(rng, orders),
        "marketing_costs": _marketing_costs(rng),
        "managers": _frame({
            k: np.array([m[i] for m in MANAGERS], dtype=object)
            for i, k in enumerate(("manager_id", "name", "role", "team", "hired_at", "left_at"))
        }),
        "surveys": _surveys(rng, orders, clients),
        "call_reviews": reviews,
        "mystery_shopper": mystery,
        "staff_assessment": _frame({
            "manager_id": np.array(list(STAFF_ASSESSMENT), dtype=object),
            **{k: np.array([v[i] for v in STAFF_ASSESSMENT.values()]) for i, k in enumerate(
                ("product_knowledge", "sales_technique", "motivation", "loyalty"))},
        }),  # fmt: skip
        "checklist": _checklist(rng),
    }  # fmt: skip
    return {t: tables[t] for t in TABLES}


def write_tables(tables: dict[str, pd.DataFrame], out_dir: str | Path) -> list[Path]:
    """Write each table to ``out_dir/<table>.csv`` (utf-8, comma, no index, "\\n" line ends);
    returns the paths in the tables' order."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in tables.items():
        path = out / f"{name}.csv"
        df.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        paths.append(path)
    return paths


def write(out_dir: str | Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write every table of ``generate(seed)`` to ``out_dir/<table>.csv``; returns the paths in TABLES order."""
    return write_tables(generate(seed), out_dir)


def main(argv: list[str] | None = None) -> None:
    """Command line: python -m auditkit.inputs.demo OUT_DIR [--seed N]."""
    parser = argparse.ArgumentParser(prog="python -m auditkit.inputs.demo", description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    write(args.out_dir, args.seed)


if __name__ == "__main__":
    main()
