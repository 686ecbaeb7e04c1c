"""ERCOT data: report specs, operating-day calendar, parsing and the synthetic source.

* :mod:`hayeknet.ercot.calendar` - operating days (America/Chicago) and ERCOT's
  hour-ending / DST-flag labels to UTC intervals.
* :mod:`hayeknet.ercot.reports` - the supported reports (NP6-788-CD, NP6-905-CD,
  NP4-190-CD, NP4-188-CD, NP6-331-CD), recognised from their header;
  :class:`~hayeknet.ercot.reports.ReportFormatError`.
* :mod:`hayeknet.ercot.locations` - settlement-point types and the synthetic catalogue.
* :mod:`hayeknet.ercot.parse` - raw file (CSV, zip, API JSON) -> normalized price table (ADR 0001):
  reading (``parse.raw``), the table and its careful path (``parse.table``), the fast
  path for one NP6-788-CD CSV (``parse.sced_fast``, ``parse.sced_grid``) and the entry
  points (``parse.files``).
* :mod:`hayeknet.ercot.synthetic` - deterministic synthetic days in ERCOT's exact raw formats.
"""
