"""A campaign's results: delivery counts, opt-outs it caused, replies, self-referrals it produced, cost."""

from __future__ import annotations

import csv
import io

from ..storage import outbox
from ..storage.referrals import campaign_conversions


def campaign_report(db, campaign: dict) -> dict:
    figures = outbox.campaign_figures(db, campaign["id"])
    counts, kinds = figures["counts"], figures["inbound"]
    referrals = campaign_conversions(db, campaign["id"])
    reached = counts["sent"] + counts["delivered"] + counts["undelivered"]
    return {
        "id": campaign["id"], "name": campaign["name"], "status": campaign["status"], "counts": counts,
        "recipients": campaign["recipients"], "opt_outs": kinds.get("stop", 0) + figures["opted_out_at_provider"],
        "replies": kinds.get("other", 0) + kinds.get("help", 0), "self_referrals": referrals,
        "conversion_rate": round(referrals / reached, 4) if reached else None, "segments": figures["segments"],
        "skipped_by_reason": figures["skipped_by_reason"],
    }


def report_csv(report: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["campaign_id", "measure", "value"])
    for status, n in report["counts"].items():
        writer.writerow([report["id"], status, n])
    for key in ("recipients", "opt_outs", "replies", "self_referrals", "conversion_rate", "segments"):
        writer.writerow([report["id"], key, "" if report[key] is None else report[key]])
    for reason, n in report["skipped_by_reason"].items():
        writer.writerow([report["id"], f"skipped:{reason}", n])
    return out.getvalue()


def bar_chart_svg(counts: dict[str, int], width: int = 480, bar_height: int = 24) -> str:
    """A plain inline SVG bar chart of delivery counts (no JavaScript, readable by screen readers)."""
    colours = {"queued": "#768692", "sent": "#005eb8", "delivered": "#007f3b", "undelivered": "#ed8b00",
               "failed": "#d5281b", "skipped": "#425563"}
    top = max(counts.values(), default=0) or 1
    label_w, gap = 110, 8
    height = len(counts) * (bar_height + gap)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="Messages by delivery status">']
    for i, (status, n) in enumerate(counts.items()):
        y = i * (bar_height + gap)
        w = int((width - label_w - 60) * n / top)
        parts.append(f'<text x="0" y="{y + bar_height - 7}" font-size="16">{status}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_height}" fill="{colours.get(status, "#005eb8")}"/>'
                     f'<text x="{label_w + w + 6}" y="{y + bar_height - 7}" font-size="16">{n}</text>')
    parts.append("</svg>")
    return "".join(parts)
