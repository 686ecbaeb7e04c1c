"""One module per DVC stage of ``dvc.yaml``, named like the stage and its notebook.

==================  ===========================  =======================================
stage               notebook                     module
==================  ===========================  =======================================
ingest              ``notebooks/ingest.ipynb``   :mod:`~hayeknet.pipeline.stages.ingest`
assimilate          ``assimilate.ipynb``         :mod:`~hayeknet.pipeline.stages.assimilate`
beliefs(_init)      ``beliefs.ipynb``            :mod:`~hayeknet.pipeline.stages.beliefs`
train(_init)        ``train.ipynb``              :mod:`~hayeknet.pipeline.stages.train`
simulate            ``simulate.ipynb``           :mod:`~hayeknet.pipeline.stages.simulate`
research(_init)     ``research.ipynb``           :mod:`~hayeknet.pipeline.stages.research`
report              ``report.ipynb``             :mod:`~hayeknet.pipeline.stages.report`
study_report        ``study_report.ipynb``       :mod:`~hayeknet.pipeline.stages.study_report`
thesis_figures      ``thesis_figures.ipynb``     :mod:`~hayeknet.pipeline.stages.thesis_figures`
==================  ===========================  =======================================

Each module exposes ``run(ctx, day)`` (``load`` for the report stages) and
the ``read_*`` functions through which later stages and notebooks read its
outputs; no stage opens another stage's files. A stage reads params only
through ``ctx.params_for(STAGE)``, which allows exactly the keys its
``dvc.yaml`` entry declares (:mod:`hayeknet.pipeline.contracts`). Outputs are
written atomically (a whole folder replaced at once), so a failed stage
never leaves a half-written output for DVC or the next stage.
"""
