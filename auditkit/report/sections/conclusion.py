"""The closing "so what" paragraph of a chapter (stages 1–5), composed from the chapter's own
results (auditkit.plan.chapter): how many of its measures are below their norm, the largest gaps
and what meets the norm, each as a fact with its value and norm. Shown last in the stage notebook."""
from __future__ import annotations

from auditkit.plan.chapter import chapter_facts
from auditkit.report import html
from auditkit.report.context import Audit, esc, report_layout
from auditkit.report.sections.improvement_plan import evidence_line, lower_first


def conclusion(audit: Audit) -> None:
    """The chapter's conclusion; nothing when none of its measures could be scored."""
    facts = chapter_facts(audit.stage, audit.params, audit.metrics)
    if not facts.assessed:
        return
    shown = facts.gaps.head(report_layout()["so_what_gaps"])
    held = lower_first(evidence_line(audit, next(facts.held.itertuples()))) if len(facts.held) else ""  # after a colon
    if len(shown):
        key = "all_below" if len(facts.gaps) == facts.assessed else "gaps"
        text = audit.t(f"report_body.so_what.{key}", n=len(facts.gaps), total=facts.assessed, shown=len(shown),
                       gaps="; ".join(lower_first(evidence_line(audit, r)) for r in shown.itertuples()))
        if held:
            text += " " + audit.t("report_body.so_what.held", held=held)
    else:
        text = audit.t("report_body.so_what.all_met", total=facts.assessed, held=held)
    audit.record("so_what.below_norm", len(facts.gaps))
    audit.record("so_what.assessed", facts.assessed)
    audit.show(html.paragraph(f"<strong>{esc(audit.t('report_body.so_what.title'))}</strong> {esc(text)}",
                              "ak-so-what"))
