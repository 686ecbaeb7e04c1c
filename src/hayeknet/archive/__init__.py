"""Parquet archive of normalized ERCOT prices, one partition per operating day.

* :mod:`hayeknet.archive.store` - atomic day partitions (``day=<day>/prices.parquet``
  + ``provenance.json``, and ``generation.parquet`` when the day has wind/solar
  postings, ADR 0014), reads by day or location, the wide price matrix.
* :mod:`hayeknet.archive.ingest` - raw files of a day -> validated partition with provenance.
* :mod:`hayeknet.archive.gridstatus_format` - conversion to and from gridstatus's column shapes.
"""
