"""Glue between DVC/papermill and the package: the study's day list and one
function per pipeline stage (called by the thin notebooks in ``notebooks/``)."""
