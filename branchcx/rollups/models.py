"""Materialised statistics: the state of each rollup, the cells waiting to be recomputed, and
the abstract row every rollup table is made of.

A rollup is a table of additive figures keyed by unit (an outlet) and month, plus whatever
else it groups by; dashboards add its rows up instead of reading the source rows. Each rollup
table lives in the app whose data it sums (``complaints.ComplaintMonth``, …) and is registered
with :mod:`branchcx.rollups.registry`; this app keeps them current (``engine``). See
``docs/decisions.md`` ("Rollups").
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from branchcx.org.scoping import ScopedManager


class RollupState(models.Model):
    """One row per registered rollup: which generation of rows is current, how fresh it is
    and whether updating it fails."""

    name = models.CharField(_("rollup"), max_length=64, unique=True)
    # Readers read the rows of this generation only; a rebuild writes the next one and then
    # switches to it in one small update, so nobody sees half-built numbers.
    generation = models.PositiveIntegerField(_("generation"), default=0)
    built_at = models.DateTimeField(_("rebuilt"), null=True, blank=True)
    # Changes to the source rows from this time on are not yet in the rollup.
    watermark = models.DateTimeField(_("changes read up to"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last updated"), null=True, blank=True)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # A lease, so that one worker at a time updates or rebuilds a rollup.
    lease_owner = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    scope_exempt = "The bookkeeping of the bank-wide statistics, no branch data."

    class Meta:
        ordering = ["name"]
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup states")

    def __str__(self) -> str:
        return self.name


class RollupMark(models.Model):
    """A cell (unit and month) of a rollup that an action changed in a way the source rows'
    ``updated_at`` cannot show (a complaint moved to another outlet leaves its old cell
    stale). Written in the action's transaction; removed once the cell is recomputed, so a
    failed update leaves it for the next run."""

    name = models.CharField(max_length=64)
    unit = models.ForeignKey("org.Branch", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    marked_at = models.DateTimeField(auto_now_add=True)

    scope_exempt = "Bookkeeping of the statistics; shows nothing to users."

    class Meta:
        ordering = ["marked_at"]
        indexes = [models.Index(fields=["name", "month"], name="rollup_mark_cell")]
        verbose_name = _("rollup mark")
        verbose_name_plural = _("rollup marks")

    def __str__(self) -> str:
        return f"{self.name} {self.unit_id} {self.month:%Y-%m}"


class RollupRow(models.Model):
    """The columns every rollup table has: its generation, the cell (unit, month) and when
    the cell was computed. Concrete tables add their dimensions and additive measures."""

    generation = models.PositiveIntegerField()
    unit = models.ForeignKey("org.Branch", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    computed_at = models.DateTimeField()

    scope_field = "unit"
    objects = ScopedManager()

    class Meta:
        abstract = True
